/**
 * `orgwarden inventory`: the surface inventory a security reviewer or release owner signs off on —
 * every route of the manifest with its guard (action, org source, role, scope, token rule) and the
 * tests that cover it, the event matrix, the share of the product's API operations that have a
 * guard strategy, and the risk register. Reads only; starts nothing.
 */
import { generateBoundarySuite } from '../evidence/boundary/index.js';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadVerificationKey } from '../bundle/signing-keys.js';
import { loadConfigFile } from '../config/load.js';
import { buildInventory } from '../evidence/inventory/build.js';
import { OpenApiError, parseOpenApi } from '../evidence/inventory/openapi.js';
import {
  findDecisionTables,
  readDecisionTables,
  readRegoTests,
} from '../evidence/inventory/read-sources.js';
import { renderInventoryMarkdown } from '../evidence/inventory/render-markdown.js';
import type { BoundarySuite } from '../evidence/inventory/types.js';
import { parseRiskRegister, RiskRegisterError } from '../evidence/risk-register.js';
import {
  describeSource,
  loadCandidate,
  PolicyRejectedError,
} from '../policy-rollout/policy-loader.js';
import type { RouteSpec } from '../surfaces/forward-auth/route-table.js';
import { loadForwardAuthManifest } from '../surfaces/forward-auth/load-manifest.js';
import { parseFlags, UsageError } from './args.js';

export const INVENTORY_HELP = `Usage: orgwarden inventory --config FILE [--format md|json] [--openapi FILE]
                          [--tests DIR] [--risk-register FILE]

Prints the surface inventory of the configured deployment: every route of the forward-auth
manifest (method, path, action, where the org comes from, min role, token scope, tokens or
session only, org-scoped) with the tests that cover it, the event catalogue as a matrix (scope,
filter point, channels, tests), and the risk register. Routes and event types no test covers
are gaps. See docs/inventory.md.
  --format md|json       markdown tables (default) or the JSON document
  --openapi FILE         the product's OpenAPI 3.x document (JSON or YAML): every operation
                         with no manifest route is an unguarded surface (a gap); prints
                         "guarded N of M, X %"
  --tests DIR            a folder of decision tables (case files: docs/reviewing.md);
                         default: test/decision-tables of the config's project, when present
  --risk-register FILE   the risk register to check (default: docs/risk-register.md in the
                         current directory; when that is absent it is a gap)
Hand-written tests are the Rego tests of policy.dir (*_test.rego) and the decision tables.
Exit codes: 0 printed, no gaps; 1 printed, with gaps; 2 bad usage, config or input file.`;

const DEFAULT_RISK_REGISTER = path.join('docs', 'risk-register.md');

export interface InventoryIo {
  out: (text: string) => void;
  /** Progress and notes, never the inventory itself. */
  err: (line: string) => void;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Generates the org-boundary suite for the inventory's routes; without it, none is included. */
  generateSuite?: (input: {
    data: Readonly<Record<string, unknown>>;
    routes: readonly RouteSpec[];
    tenancy: { default_org: string; org_header: string; org_cookie: string };
  }) => BoundarySuite;
}

const processIo = (): InventoryIo => ({
  out: (text) => process.stdout.write(text),
  err: (line) => console.error(line),
  env: process.env,
  cwd: process.cwd(),
  generateSuite: generateBoundarySuite,
});

export async function inventory(argv: string[], io: InventoryIo = processIo()): Promise<number> {
  const flags = parseFlags(argv, {
    config: 'string',
    format: 'string',
    openapi: 'string',
    tests: 'string',
    'risk-register': 'string',
    help: 'boolean',
  });
  if (flags.help) {
    io.out(`${INVENTORY_HELP}\n`);
    return 0;
  }
  if (typeof flags.config !== 'string') throw new UsageError('inventory needs --config FILE');
  const format = flags.format ?? 'md';
  if (format !== 'md' && format !== 'json')
    throw new UsageError(`--format must be md or json, got "${String(format)}"`);
  const shown = (file: string) => {
    const rel = path.relative(io.cwd, file);
    return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
  };
  const resolve = (file: string) => path.resolve(io.cwd, file);

  const config = loadConfigFile(resolve(flags.config), { env: io.env });
  const source =
    config.policy.dir !== undefined
      ? { dir: config.policy.dir }
      : { bundle: config.policy.bundle ?? '' };
  if (source.dir !== undefined) io.err(`orgwarden: compiling ${describeSource(source)} with OPA…`);
  const candidate = await loadPolicy(source, config.policy.public_key_file, io.env);
  const data = candidate.bundle.data;
  const policySource =
    source.dir !== undefined
      ? `policy.dir ${shown(source.dir)}`
      : `policy.bundle ${shown(source.bundle)}`;
  const manifest = await loadForwardAuthManifest(config.policy, data);
  const routes = manifest.table?.routes ?? null;

  const tablesDir =
    typeof flags.tests === 'string'
      ? resolve(flags.tests)
      : findDecisionTables(resolve(flags.config));
  const openapi = typeof flags.openapi === 'string' ? readOpenApi(resolve(flags.openapi)) : null;
  const registerFile =
    typeof flags['risk-register'] === 'string' ? resolve(flags['risk-register']) : null;

  const inv = buildInventory({
    policy: { source: policySource, revision: candidate.bundle.revision, data },
    // `source` is a file only when a manifest was loaded; otherwise it says why there is none.
    manifest: { source: manifest.table ? shown(manifest.source) : manifest.source, routes },
    suite:
      io.generateSuite && routes
        ? io.generateSuite({ data, routes, tenancy: config.tenancy })
        : null,
    rego:
      source.dir !== undefined
        ? { source: shown(source.dir), cases: readRegoTests(source.dir) }
        : null,
    tables: tablesDir ? { source: shown(tablesDir), cases: readDecisionTables(tablesDir) } : null,
    openapi: openapi && { file: shown(openapi.file), operations: openapi.operations },
    riskRegister: readRiskRegister(
      registerFile ?? resolve(DEFAULT_RISK_REGISTER),
      registerFile !== null,
      shown,
    ),
  });
  io.out(format === 'json' ? `${JSON.stringify(inv, null, 2)}\n` : renderInventoryMarkdown(inv));
  return inv.gaps.length > 0 ? 1 : 0;
}

/** Loads the policy as a start would; a policy a start would refuse is bad input (exit 2). */
async function loadPolicy(
  source: { dir: string } | { bundle: string },
  publicKeyFile: string | undefined,
  env: Record<string, string | undefined>,
) {
  try {
    return await loadCandidate(source, {
      env,
      verificationKey: publicKeyFile ? await loadVerificationKey(publicKeyFile) : null,
      now: () => new Date(),
    });
  } catch (err) {
    if (err instanceof PolicyRejectedError)
      throw new UsageError(`the policy was rejected at step ${err.step}: ${err.message}`);
    throw err;
  }
}

function readText(file: string, error: (message: string) => Error): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw error(`cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

function readOpenApi(file: string) {
  const text = readText(file, (message) => new OpenApiError(file, [{ path: '', message }]));
  return { file, operations: parseOpenApi(text, file) };
}

/** A named register must be there; the default one is a gap when absent. */
function readRiskRegister(file: string, named: boolean, shown: (file: string) => string) {
  if (!named && !existsSync(file)) return { file: shown(file), entries: null };
  const name = shown(file);
  const text = readText(file, (message) => new RiskRegisterError(name, [{ path: '', message }]));
  return { file: name, entries: parseRiskRegister(text, name) };
}
