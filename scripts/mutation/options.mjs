// The command line of scripts/policy-mutants.mjs: its usage text and its options, checked (a bad
// option is a UsageError: the script prints it with the usage and exits 2).
import os from 'node:os';
import { parseArgs } from 'node:util';
import { SUITE_NAMES } from './suites.mjs';

export const USAGE = `Usage: npm run mutation -- [options]

Generates mutants of the policies in policies/orgwarden/authz (test files excluded), compiles each
with the pinned OPA, runs the suites against it and reports how many each suite kills. Needs the
built dist/ (npm run build) and OPA (npm run opa:ensure).

Options:
  --limit N          run a reproducible sample of N mutants (default: all)
  --seed S           the sample's seed, an integer (default 1)
  --operators a,b    only mutants of these operators (default: all)
  --only ID,ID       only these mutants (ids as printed: <file>:<line>:<operator>:<n>)
  --suites a,b       run only these suites (default: ${SUITE_NAMES.join(',')})
  --jobs N           mutants run side by side (default: the number of cores)
  --json FILE        also write the run (every mutant, its outcome, the summary) to FILE
  --list             print the chosen mutants and exit without running them
  --help             this text

A mutant is stillborn when it does not compile or load (no suite ran), killed when at least one
suite fails on it, survived otherwise. score = killed / (run - stillborn).
`;

export class UsageError extends Error {}

function positiveInt(value, name, { min = 1 } = {}) {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min)
    throw new UsageError(`${name} must be an integer of at least ${min}, not "${value}"`);
  return Number(value);
}

function list(value, name, allowed) {
  if (value === undefined) return undefined;
  const items = value.split(',').filter(Boolean);
  const unknown = allowed ? items.filter((item) => !allowed.includes(item)) : [];
  if (items.length === 0) throw new UsageError(`${name} needs a comma-separated list`);
  if (unknown.length > 0)
    throw new UsageError(`${name}: unknown ${unknown.join(', ')}; known: ${allowed.join(', ')}`);
  return items;
}

export function readOptions(argv, operators) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        limit: { type: 'string' },
        seed: { type: 'string' },
        operators: { type: 'string' },
        only: { type: 'string' },
        suites: { type: 'string' },
        jobs: { type: 'string' },
        json: { type: 'string' },
        list: { type: 'boolean' },
        help: { type: 'boolean' },
      },
    }).values;
  } catch (error) {
    throw new UsageError(error.message);
  }
  const options = {
    help: parsed.help === true,
    list: parsed.list === true,
    limit: positiveInt(parsed.limit, '--limit'),
    seed: positiveInt(parsed.seed, '--seed', { min: 0 }) ?? 1,
    operators: list(parsed.operators, '--operators', operators),
    only: list(parsed.only, '--only'),
    suites: list(parsed.suites, '--suites', SUITE_NAMES) ?? SUITE_NAMES,
    jobs: positiveInt(parsed.jobs, '--jobs') ?? os.availableParallelism(),
    json: parsed.json,
  };
  if (options.only && (options.limit !== undefined || options.operators))
    throw new UsageError('--only picks the mutants itself: it takes no --limit or --operators');
  return options;
}
