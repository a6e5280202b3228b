/**
 * `orgwarden check`: evaluate one authorize request offline and print the decision — the
 * security reviewer's "what would happen if". The input is the `POST /v1/authorize` document;
 * offline only, it may name a `principal` instead of a token to skip signing one.
 */
import { readFileSync } from 'node:fs';
import { createApp } from '../app.js';
import { loadConfigFile } from '../config/load.js';
import { createLogger } from '../observability/logger.js';
import { parseFlags, UsageError } from './args.js';
import { parseCheckInput } from './check-input.js';

export const CHECK_HELP = `Usage: orgwarden check --config FILE --input FILE [--multi-tenant]

Evaluates one authorize request offline with the configured policy and directory and prints
the decision as JSON. The input is a POST /v1/authorize document; instead of "token" it may
carry "principal": {"id": "bob", "kind": "session"|"api_token", "scopes": [], "org_ids": [],
"auth_time": 0} so a reviewer needs no signed token.
  --multi-tenant  evaluate as if multi-tenant mode were on (default: the config's value)
Exit codes: 0 allowed, 1 denied, 2 bad usage, config or input.`;

export async function check(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, {
    config: 'string',
    input: 'string',
    'multi-tenant': 'boolean',
    help: 'boolean',
  });
  if (flags.help) {
    console.log(CHECK_HELP);
    return 0;
  }
  if (typeof flags.config !== 'string' || typeof flags.input !== 'string')
    throw new UsageError('check needs --config FILE and --input FILE');
  const loaded = loadConfigFile(flags.config, { env: process.env });
  // An offline what-if is no decision anyone acted on: it stays out of the decision log, and
  // stdout carries only the decision printed below.
  const offline = { ...loaded, decision_log: { ...loaded.decision_log, sink: 'none' as const } };
  const config = flags['multi-tenant']
    ? { ...offline, tenancy: { ...loaded.tenancy, multi_tenant: true, rollout: undefined } }
    : offline;
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(flags.input, 'utf8'));
  } catch (err) {
    throw new UsageError(
      `${flags.input}: ${err instanceof SyntaxError ? 'not valid JSON' : 'cannot be read'}`,
    );
  }
  const parsed = parseCheckInput(doc, config.tenancy);
  if (!parsed.ok) throw new UsageError(`${flags.input}: ${parsed.message}`);
  const app = await createApp(config, {
    env: process.env,
    logger: createLogger({ level: 'error' }),
  });
  try {
    const decision = await app.authorizer.decide(parsed.value);
    console.log(JSON.stringify(decision, null, 2));
    return decision.allow ? 0 : 1;
  } finally {
    await app.stop();
  }
}
