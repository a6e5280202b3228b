/**
 * Refinements of `DirectoryValidationError` (a write the caller answers with 4xx, nothing changed).
 * They stay instances of the base class, so a caller that only knows the base still answers 400;
 * `reason` lets the HTTP layer pick the contract's more precise code.
 */
import { DirectoryValidationError } from './types.js';

/** A directory document or record is malformed; `issues` names every problem and its place. */
export class InvalidDirectoryError extends DirectoryValidationError {
  readonly reason = 'invalid_record';
  readonly issues: readonly string[];
  constructor(subject: string, issues: readonly string[]) {
    const count = issues.length === 1 ? '1 error' : `${issues.length} errors`;
    super(`invalid ${subject} (${count}): ${issues.join('; ')}`);
    this.name = 'InvalidDirectoryError';
    this.issues = Object.freeze([...issues]);
  }
}

/** The default org cannot be updated, deleted or have members managed (contract: `default_org_immutable`). */
export class DefaultOrgImmutableError extends DirectoryValidationError {
  readonly reason = 'default_org_immutable';
  constructor(org: string) {
    super(`default org is immutable: "${org}" cannot be updated, deleted or have members managed`);
    this.name = 'DefaultOrgImmutableError';
  }
}

/** A member write names an org the directory does not have. */
export class OrgNotFoundError extends DirectoryValidationError {
  readonly reason = 'org_not_found';
  constructor(org: string) {
    super(`org "${org}" does not exist`);
    this.name = 'OrgNotFoundError';
  }
}
