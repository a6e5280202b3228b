/**
 * Refinements of `DirectoryValidationError` (a write the caller answers with 4xx, nothing changed).
 * Each carries its catalogue code (`invalid_record`, `default_org_immutable`, `org_not_found`),
 * which the HTTP layer answers as the contract says: the public code, the status, and `reason`.
 */
import { DirectoryValidationError } from './types.js';

/** A directory document or record is malformed; `issues` names every problem and its place. */
export class InvalidDirectoryError extends DirectoryValidationError {
  readonly issues: readonly string[];
  constructor(subject: string, issues: readonly string[]) {
    const count = issues.length === 1 ? '1 error' : `${issues.length} errors`;
    super('invalid_record', `invalid ${subject} (${count}): ${issues.join('; ')}`);
    this.issues = Object.freeze([...issues]);
  }
}

/** The default org cannot be updated, deleted or have members managed (contract: `default_org_immutable`). */
export class DefaultOrgImmutableError extends DirectoryValidationError {
  constructor(org: string) {
    super(
      'default_org_immutable',
      `default org is immutable: "${org}" cannot be updated, deleted or have members managed`,
    );
  }
}

/** A member write names an org the directory does not have. */
export class OrgNotFoundError extends DirectoryValidationError {
  constructor(org: string) {
    super('org_not_found', `org "${org}" does not exist`);
  }
}
