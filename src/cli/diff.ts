/**
 * `orgwarden diff`: what a policy change would decide differently, before it ships. Replays the
 * requests a decision log recorded against the active policy and a candidate, offline, and prints
 * the decisions that change (docs/reviewing.md).
 */
import { createReadStream, existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { loadConfigFile } from '../config/load.js';
import { silentLogger } from '../contract/logger.js';
import { createFileStore } from '../directory/index.js';
import { loadCandidate, type PolicySource } from '../policy-rollout/policy-loader.js';
import type { PolicyEngine } from '../engine/wasm-engine.js';
import { OrgwardenError } from '../contract/errors.js';
import { parseFlags, UsageError } from './args.js';
import { readExpectFile, type ExpectedChange } from './diff/expect-file.js';
import { notReplayable, readLogLine } from './diff/log-entry.js';
import { createReplayer } from './diff/replayer.js';
import { createTally } from './diff/report.js';

export const DIFF_HELP = `Usage: orgwarden diff --candidate DIR|BUNDLE --log FILE [--directory FILE]
                      [--expect FILE] [--config FILE] [--examples N]

Replays the requests a decision log recorded (one JSON entry a line, decision_log with
sink: file) against the active policy and the candidate, offline, and prints the decisions
that change, grouped by action and reason (from → to), with counts and examples.
  --candidate   a folder of Rego (compiled with the pinned OPA) or a bundle (.tar.gz)
  --log         the decision log to replay
  --directory   the directory file to decide with (default: the config's directory.file)
  --expect      YAML list of the changes the candidate is meant to make:
                - {action: org.billing.read, from: insufficient_role, to: allowed}
                (action, from and to may be "*")
  --config      the active policy, directory and default org (default: the prebuilt
                default policy and org "default")
  --examples    examples printed per group (default 3)
Exit codes: 0 no allow/deny change outside --expect, 1 some allow/deny change not listed
in --expect, 2 bad usage or input (a log line that is no entry is named by its number).`;

/** How often (in log lines) a long replay says how far it is, on stderr. */
const PROGRESS_EVERY = 1000;

const packageRoot = () => path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const DEFAULT_POLICY = () => path.join(packageRoot(), 'prebuilt', 'default-policy.tar.gz');

export async function diff(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, {
    candidate: 'string',
    log: 'string',
    directory: 'string',
    expect: 'string',
    config: 'string',
    examples: 'string',
    help: 'boolean',
  });
  if (flags.help) {
    console.log(DIFF_HELP);
    return 0;
  }
  const { candidate, log } = flags;
  if (typeof candidate !== 'string' || typeof log !== 'string')
    throw new UsageError('diff needs --candidate DIR|BUNDLE and --log FILE');
  const examples = flags.examples === undefined ? 3 : Number(flags.examples);
  if (!Number.isInteger(examples) || examples < 0 || examples > 100)
    throw new UsageError(
      `--examples must be an integer from 0 to 100, got "${String(flags.examples)}"`,
    );
  if (!existsSync(log)) throw new UsageError(`--log ${log}: no such file`);

  const config =
    typeof flags.config === 'string' ? loadConfigFile(flags.config, { env: process.env }) : null;
  const directoryFile =
    typeof flags.directory === 'string' ? flags.directory : config?.directory.file;
  if (directoryFile === undefined)
    throw new UsageError('diff needs --directory FILE or --config FILE');
  const expected: ExpectedChange[] =
    typeof flags.expect === 'string' ? readExpectFile(flags.expect) : [];
  const activeSource: PolicySource = config
    ? {
        ...(config.policy.dir ? { dir: config.policy.dir } : {}),
        ...(config.policy.bundle ? { bundle: config.policy.bundle } : {}),
      }
    : { bundle: DEFAULT_POLICY() };
  const candidateSource: PolicySource = candidate.endsWith('.tar.gz')
    ? { bundle: candidate }
    : { dir: candidate };

  const active = await loadEngine('active policy', activeSource);
  const next = await loadEngine('candidate', candidateSource);
  const defaultOrg = config?.tenancy.default_org ?? 'default';
  const directory = await createFileStore(
    { file: directoryFile, defaultOrg },
    { log: silentLogger },
  ).catch((err: unknown) => {
    throw new UsageError(
      `directory ${directoryFile}: ${err instanceof Error ? err.message : String(err)}`,
    );
  });
  try {
    const replay = createReplayer({ active, candidate: next, directory, defaultOrg });
    const tally = createTally(examples);
    let number = 0;
    const lines = createInterface({ input: createReadStream(log), crlfDelay: Infinity });
    for await (const line of lines) {
      number += 1;
      if (number % PROGRESS_EVERY === 0) console.error(`orgwarden diff: ${number} lines replayed`);
      const read = readLogLine(line);
      if (read.kind === 'blank') continue;
      if (read.kind === 'invalid') throw new UsageError(`${log}:${number}: ${read.message}`);
      const why = notReplayable(read.entry);
      if (why !== null) {
        tally.skip(why);
        continue;
      }
      const { active: was, candidate: would } = await replay(read.entry);
      tally.add(number, read.entry, was, would);
    }
    console.log(`active:    ${active.revision} (${describe(activeSource)})`);
    console.log(`candidate: ${next.revision} (${describe(candidateSource)})`);
    console.log(`directory: ${directoryFile}`);
    console.log(tally.render(expected));
    return tally.unexpected > 0 ? 1 : 0;
  } finally {
    await directory.close();
  }
}

async function loadEngine(what: string, source: PolicySource): Promise<PolicyEngine> {
  try {
    const loaded = await loadCandidate(source, {
      env: process.env,
      verificationKey: null,
      now: () => new Date(),
    });
    return loaded.engine;
  } catch (err) {
    if (err instanceof OrgwardenError || err instanceof Error)
      throw new UsageError(`${what} ${describe(source)}: ${err.message}`);
    throw err;
  }
}

const describe = (source: PolicySource) => source.dir ?? source.bundle ?? '?';
