/** The surfaces a decision is made for, from the policy's catalogue data (`decision_kinds`). */
import { DECISION_KINDS } from './vocabulary.generated.js';

export { DECISION_KINDS };

export type DecisionKind = (typeof DECISION_KINDS)[number];
