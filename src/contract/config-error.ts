/**
 * The one error every config problem ends in — the YAML config, and files it names that are
 * validated the same way (the forward-auth route manifest). It lists every problem at once, each
 * naming the file and the key path; the CLI prints one line per problem and exits 2.
 */
import { OrgwardenError } from './errors.js';

/** One problem: the key path (`auth.jwks_url`, `routes[3].org`; '' for the whole document) and what is wrong. */
export interface ConfigIssue {
  path: string;
  message: string;
}

export class ConfigError extends OrgwardenError {
  constructor(
    readonly file: string,
    readonly issues: readonly ConfigIssue[],
  ) {
    super(
      'invalid_config',
      issues.map((i) => `${file}: ${i.path ? `${i.path}: ` : ''}${i.message}`).join('\n'),
    );
  }
}
