/** Where the org of a decision came from: closed sets shared by the core, the log and the metrics. */

/** Where a client names an org itself. */
export const NAMED_ORG_SOURCES = ['field', 'header', 'cookie', 'path'] as const;
export type NamedOrgSource = (typeof NAMED_ORG_SOURCES)[number];

/** The requested org's source; `token` = the token's single bound org, `default` = none named. */
export type OrgSource = NamedOrgSource | 'token' | 'default';

/** Where a spoofed org came from: a named source, or the token's binding. */
export const SPOOF_SOURCES = [...NAMED_ORG_SOURCES, 'token_binding'] as const;
export type SpoofSource = (typeof SPOOF_SOURCES)[number];
