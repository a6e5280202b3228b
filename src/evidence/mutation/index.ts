/**
 * Mutation testing of the policy pack: the mutant generator, reproducible sampling and the run's
 * figures. The runner (scripts/policy-mutants.mjs) compiles and runs the suites; this module does
 * no I/O.
 */
export { applyMutant, generatePolicyMutants, mutantDiff, type PolicyMutant } from './generate.js';
export { MUTATION_OPERATORS } from './operators.js';
export { sampleMutants } from './sample.js';
export { mutantStatus, summariseMutationRun, type MutantOutcome } from './summary.js';
