/** The generated org-boundary suite: generate, run (compiled policy, instance over HTTP), measure. */
export { generateBoundarySuite, type BoundarySuite, type BoundarySuiteInput } from './generate.js';
export { runBoundaryOnEngine } from './run-engine.js';
export { boundaryCoverage } from './coverage.js';
export { runBoundaryOverHttp, type BoundaryInstance } from './run-http.js';
export type * from './types.js';
