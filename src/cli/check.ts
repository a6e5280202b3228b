/**
 * `orgwarden check`: evaluate authorize requests offline and print the decisions — the security
 * reviewer's "what would happen if". The input is `POST /v1/authorize` documents; offline only,
 * one may name a `principal` instead of a token (with `headers` for the org they name).
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { createApp } from '../app.js';
import type { Config } from '../config/schema.js';
import { loadConfigFile } from '../config/load.js';
import type { Decision } from '../contract/decision.js';
import { createLogger } from '../observability/logger.js';
import { parseFlags, UsageError } from './args.js';
import { explainTable } from './check-explain.js';
import { parseCheckInput } from './check-input.js';
import { readCheckRequests } from './check-requests.js';

export const CHECK_HELP = `Usage: orgwarden check --config FILE --input FILE [--explain] [--multi-tenant]
                       [--directory FILE] [--policy DIR|BUNDLE]

Evaluates authorize requests offline with the configured policy and directory and prints the
decisions. The input file holds one POST /v1/authorize document, a JSON array of them, or JSON
Lines (one per line). Instead of "token" a document may carry
  "principal": {"id": "bob", "kind": "session"|"api_token", "scopes": [], "org_ids": [],
                "auth_time": 0}
so a reviewer needs no signed token, together with "headers" (no authorization header) for the
org a gateway's header or cookie names: {"principal": {"id": "mallory"}, "headers":
{"x-org-id": "acme"}, "action": "org.read"} asks about a spoof through a header.

  --explain         print each decision as a table of the policy's checks (passed, the reason
                    and detail of the one that failed, the facts each read) instead of JSON
  --multi-tenant    evaluate as if multi-tenant mode were on (default: the config's value)
  --directory FILE  read the directory from this YAML file instead of the configured store
  --policy PATH     evaluate this policy instead of the configured one: a folder of Rego
                    (compiled with the pinned OPA) or a bundle file (.tar.gz)

Output: one document prints one JSON decision; several print one JSON line each, in order.
An offline answer is no decision anyone acted on: its decision_id is null, and nothing is
written to the decision log.
Exit codes: 0 every request allowed, 1 any denied, 2 bad usage, config or input.`;

export async function check(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, {
    config: 'string',
    input: 'string',
    explain: 'boolean',
    'multi-tenant': 'boolean',
    directory: 'string',
    policy: 'string',
    help: 'boolean',
  });
  if (flags.help) {
    console.log(CHECK_HELP);
    return 0;
  }
  if (typeof flags.config !== 'string' || typeof flags.input !== 'string')
    throw new UsageError('check needs --config FILE and --input FILE');
  const config = offlineConfig(loadConfigFile(flags.config, { env: process.env }), flags);
  let text: string;
  try {
    text = readFileSync(flags.input, 'utf8');
  } catch {
    throw new UsageError(`${flags.input}: cannot be read`);
  }
  const docs = readCheckRequests(text, flags.input);
  const input = flags.input;
  // Every request is read before any is evaluated: a bad one evaluates none.
  const requests = docs.map(({ at, doc }) => {
    const parsed = parseCheckInput(doc, config.tenancy);
    if (!parsed.ok) throw new UsageError(`${input}: ${at ? `${at}: ` : ''}${parsed.message}`);
    return { at, request: flags.explain ? { ...parsed.value, explain: true } : parsed.value };
  });
  const app = await createApp(config, {
    env: process.env,
    logger: createLogger({ level: 'error' }),
  });
  try {
    let allAllowed = true;
    for (const [i, { at, request }] of requests.entries()) {
      const decided = await app.authorizer.decide(request);
      allAllowed &&= decided.allow;
      const { explain, ...decision } = decided;
      const offline: Omit<Decision, 'decision_id'> & { decision_id: null } = {
        ...decision,
        decision_id: null,
      };
      if (flags.explain) {
        console.log(`${i > 0 ? '\n' : ''}${at ? `${at}: ` : ''}${explainTable(decided, explain)}`);
      } else console.log(JSON.stringify(offline, null, requests.length === 1 ? 2 : undefined));
    }
    return allAllowed ? 0 : 1;
  } finally {
    await app.stop();
  }
}

/**
 * The config for an offline question: no decision log (stdout carries only the answers), and the
 * overrides a reviewer gave. A directory file replaces the configured store (Redis, pull) with
 * that file; a policy path replaces the configured source, unwatched and without the shadow or a
 * signature key (a local candidate is unsigned).
 */
function offlineConfig(loaded: Config, flags: Record<string, string | boolean>): Config {
  let config: Config = { ...loaded, decision_log: { ...loaded.decision_log, sink: 'none' } };
  if (flags['multi-tenant'])
    config = { ...config, tenancy: { ...config.tenancy, multi_tenant: true, rollout: undefined } };
  if (typeof flags.directory === 'string') {
    const file = path.resolve(flags.directory);
    if (!isFile(file)) throw new UsageError(`--directory ${flags.directory}: no such file`);
    const { http: _pull, ...directory } = config.directory;
    config = { ...config, redis: undefined, directory: { ...directory, file } };
  }
  if (typeof flags.policy === 'string') {
    const source = path.resolve(flags.policy);
    const kind = kindOf(source);
    if (!kind) throw new UsageError(`--policy ${flags.policy}: no such folder or file`);
    const {
      dir: _dir,
      bundle: _bundle,
      public_key_file: _key,
      shadow: _shadow,
      ...rest
    } = config.policy;
    config = { ...config, policy: { ...rest, watch: false, [kind]: source } };
  }
  return config;
}

function isFile(file: string): boolean {
  return kindOf(file) === 'bundle';
}

function kindOf(file: string): 'dir' | 'bundle' | null {
  try {
    const stat = statSync(file);
    return stat.isDirectory() ? 'dir' : stat.isFile() ? 'bundle' : null;
  } catch {
    return null;
  }
}
