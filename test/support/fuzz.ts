/**
 * How many cases a property runs, and with which seed. `npm test` runs a short, fixed-seed pass of
 * every property; `npm run fuzz` runs the same properties long (ORGWARDEN_FUZZ_RUNS, default
 * 100 000 there). A failure prints the seed and the shrunk counterexample, and
 * ORGWARDEN_FUZZ_SEED=<seed> replays it.
 */
import fc from 'fast-check';

/** The seed of every property in this run (fixed by default, so `npm test` is reproducible). */
const FUZZ_SEED = Number(process.env.ORGWARDEN_FUZZ_SEED ?? 20261130);

/**
 * `short` cases under `npm test`; ORGWARDEN_FUZZ_RUNS cases under `npm run fuzz`, at most
 * `longCap` for a property whose every case drives real processes (a gateway, a Redis), where
 * 100 000 cases would take hours. docs/security.md lists the capped properties and why.
 */
export function fuzzRuns(short: number, longCap = Number.POSITIVE_INFINITY): number {
  const long = Number(process.env.ORGWARDEN_FUZZ_RUNS);
  return Number.isInteger(long) && long > 0 ? Math.min(long, Math.max(short, longCap)) : short;
}

/** fast-check parameters for one property: seeded, verbose on failure, `short` runs by default. */
export function fuzzParams<T>(short: number, longCap?: number): fc.Parameters<T> {
  return {
    seed: FUZZ_SEED,
    numRuns: fuzzRuns(short, longCap),
    verbose: fc.VerbosityLevel.Verbose,
    endOnFailure: false,
  };
}
