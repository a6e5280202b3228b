/**
 * Mutation testing of the policy pack: the mutant generator, reproducible sampling and the run's
 * figures. The runner (scripts/policy-mutants.mjs) compiles and runs the suites; this module does
 * no I/O.
 */
export {
  applyMutant,
  generatePolicyMutants,
  isMutableFile,
  mutantDiff,
  type PolicyMutant,
} from './generate.js';
export { MUTATION_OPERATORS, type MutationOperator } from './operators.js';
export { sampleMutants } from './sample.js';
export {
  mutantStatus,
  summariseMutationRun,
  type MutantOutcome,
  type MutationSummary,
} from './summary.js';
