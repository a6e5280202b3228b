/**
 * The roles of admin credentials and what each may do. A route of the table declared `admin`
 * names the role it needs; a credential is admitted when its role covers that role.
 *
 * - `auditor`: read-only admin reads (status, shadow status, the directory's records, the audit
 *   log). Every other role covers it.
 * - `operator`: the kill switch and rollout, policy reloads, the shadow policy, the directory seed.
 * - `directory-writer`: directory writes.
 * - `admin`: everything (the legacy `admin.token_env` token is the credential named `admin`).
 */
export const ADMIN_ROLES = ['auditor', 'operator', 'directory-writer', 'admin'] as const;
export type AdminRole = (typeof ADMIN_ROLES)[number];

/** Whether a credential holding `held` may use a route that needs `needed`. */
export function roleCovers(held: AdminRole, needed: AdminRole): boolean {
  return held === needed || held === 'admin' || needed === 'auditor';
}

export function isAdminRole(value: unknown): value is AdminRole {
  return (ADMIN_ROLES as readonly unknown[]).includes(value);
}
