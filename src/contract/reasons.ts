/**
 * The one vocabulary of reason codes (contract section 4) with the HTTP status a caller should
 * answer with, and the detail codes the policy gives them. Generated from the policy's catalogue
 * data, so the policy, TypeScript and the docs (checked by test/contract) say the same thing.
 */
import { DETAIL_CODES, REASON_STATUS } from './vocabulary.generated.js';

export { DETAIL_CODES, REASON_STATUS };

export type Reason = keyof typeof REASON_STATUS;
export type DenyReason = Exclude<Reason, 'allowed'>;

export const REASONS = Object.keys(REASON_STATUS) as Reason[];

export const isReason = (value: unknown): value is Reason =>
  typeof value === 'string' && Object.hasOwn(REASON_STATUS, value);
