/**
 * `orgwarden test [PATHS…]`: runs the case files a reviewer writes (docs/reviewing.md) through the
 * decision core the server runs, with the compiled policy, and reports each case. Reads only:
 * nothing is served, logged or written (inline directory fixtures use scratch copies).
 */
import { existsSync } from 'node:fs';
import { loadConfigFile } from '../config/load.js';
import {
  CaseFileError,
  fileLine,
  junitReport,
  runCaseFilesAt,
  summaryLines,
  type TestRunOptions,
} from '../evidence/case-files/index.js';
import { policySourceOf } from '../evidence/case-files/policies.js';
import { parseFlags, UsageError } from './args.js';

export const TEST_HELP = `Usage: orgwarden test [PATHS...] [--policy DIR|BUNDLE] [--config FILE] [--format text|junit]

Runs YAML case files (docs/reviewing.md, "Write and run case files") against the compiled
policy and the decision core: each case names who asks, the org and how it is named, the
action and resource, the directory and tenancy mode, and the decision fields it expects.
PATHS are case files or folders (searched recursively for *.yaml and *.yml); default:
test/decision-tables when it exists.
  --policy DIR|BUNDLE  the policy to test: a folder of Rego (compiled with the pinned OPA) or
                       a bundle; default: the config's policy, else the prebuilt default pack
  --config FILE        take the policy, the directory file (for case files that name none)
                       and the org header and cookie names from this config
  --format text|junit  a readable report (default) or JUnit XML on stdout (progress on stderr)
Tokens are signed by the command with a key of its own; the config's auth section is not used.
Exit codes: 0 every case passed, 1 a case failed, 2 bad usage or a case file that does not
validate (every problem is listed, naming the file, the case and the key).`;

export interface TestIo {
  out: (text: string) => void;
  err: (line: string) => void;
  env: Record<string, string | undefined>;
}

const processIo: TestIo = {
  out: (text) => process.stdout.write(text),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
};

const DEFAULT_PATH = 'test/decision-tables';
const STRING_FLAGS = new Set(['policy', 'config', 'format']);

/** The paths and the options of the command line (paths are the words that are no flag or value). */
function splitArgs(argv: readonly string[]): { paths: string[]; flags: string[] } {
  const paths: string[] = [];
  const flags: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) paths.push(arg);
    else {
      flags.push(arg);
      const name = arg.slice(2);
      if (STRING_FLAGS.has(name) && i + 1 < argv.length) flags.push(argv[++i] ?? '');
    }
  }
  return { paths, flags };
}

function optionsOf(flags: Record<string, string | boolean>, env: TestIo['env']): TestRunOptions {
  const policy = typeof flags.policy === 'string' ? policySourceOf(flags.policy) : undefined;
  if (typeof flags.config !== 'string') return { env, ...(policy ? { policy } : {}) };
  const config = loadConfigFile(flags.config, { env, checkEnvironment: false });
  return {
    env,
    policy: policy ?? config.policy,
    directoryFile: config.directory.file,
    tenancy: {
      default_org: config.tenancy.default_org,
      org_header: config.tenancy.org_header,
      org_cookie: config.tenancy.org_cookie,
    },
  };
}

export async function test(argv: string[], io: TestIo = processIo): Promise<number> {
  try {
    const { paths, flags: flagArgs } = splitArgs(argv);
    const flags = parseFlags(flagArgs, {
      policy: 'string',
      config: 'string',
      format: 'string',
      help: 'boolean',
    });
    if (flags.help) {
      io.out(`${TEST_HELP}\n`);
      return 0;
    }
    const format = flags.format ?? 'text';
    if (format !== 'text' && format !== 'junit')
      throw new UsageError(`--format must be text or junit, got "${String(format)}"`);
    if (paths.length === 0 && !existsSync(DEFAULT_PATH))
      throw new UsageError(`no case files given (and no ${DEFAULT_PATH} here)`);
    // Progress goes where the report is not: stdout for text, stderr beside JUnit XML.
    const progress = format === 'text' ? (line: string) => io.out(`${line}\n`) : io.err;
    const run = await runCaseFilesAt(paths.length > 0 ? paths : [DEFAULT_PATH], {
      ...optionsOf(flags, io.env),
      onPolicy: (policy) => progress(`policy: ${policy.source} (${policy.revision})`),
      onFile: (result) => progress(fileLine(result)),
    });
    if (format === 'junit') io.out(junitReport(run.files));
    else {
      io.out(`${summaryLines(run.files).join('\n')}\n`);
    }
    return run.passed ? 0 : 1;
  } catch (err) {
    if (err instanceof CaseFileError) {
      io.err(`orgwarden test: ${err.problems.length} problem(s) in the case files:`);
      for (const line of err.problems) io.err(`  ${line}`);
      return 2;
    }
    // Bad usage, a config or policy that cannot be loaded: nothing ran.
    for (const line of (err instanceof Error ? err.message : String(err)).split('\n'))
      io.err(`orgwarden test: ${line}`);
    return 2;
  }
}
