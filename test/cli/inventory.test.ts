/**
 * `orgwarden inventory`, called in process with the prebuilt default policy (no OPA): the exit
 * codes, the OpenAPI guard share, the risk register check, and errors that name the file at fault.
 * The same command compiling policy.dir with OPA, as a real process: inventory-command.test.ts.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inventory, type InventoryIo } from '../../src/cli/inventory.js';
import type { Inventory } from '../../src/evidence/inventory/types.js';

const CONFIG = path.resolve('examples/orgwarden-prebuilt.yaml');
const UNGUARDED = path.resolve('test/evidence/inventory-fixtures/openapi-unguarded.json');

async function run(argv: string[], over: Partial<InventoryIo> = {}) {
  let out = '';
  const err: string[] = [];
  const code = await inventory(argv, {
    out: (t) => (out += t),
    err: (l) => err.push(l),
    env: { ORGWARDEN_JWT_SECRET: 'a-development-secret-of-32-chars!' },
    cwd: process.cwd(),
    ...over,
  });
  return { code, out, err };
}

const json = (out: string) => JSON.parse(out) as Inventory;
const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'orgwarden-inventory-'));

describe('orgwarden inventory', () => {
  it('prints help and exits 0', async () => {
    const { code, out } = await run(['--help']);
    expect(code).toBe(0);
    expect(out).toContain('Usage: orgwarden inventory --config FILE');
  });

  it('refuses bad usage', async () => {
    await expect(run([])).rejects.toThrow('inventory needs --config FILE');
    await expect(run(['--config', CONFIG, '--format', 'xml'])).rejects.toThrow(
      '--format must be md or json, got "xml"',
    );
    await expect(run(['--config', CONFIG, '--nope'])).rejects.toThrow('unknown option --nope');
  });

  it('lists every manifest route with its guard and tests, and the example API as fully guarded', async () => {
    const { out } = await run([
      '--config',
      CONFIG,
      '--format',
      'json',
      '--openapi',
      'examples/openapi.yaml',
    ]);
    const inv = json(out);
    expect(inv.version).toBe(1);
    expect(inv.manifest).toBe(path.join('policies', 'routes.yaml'));
    expect(inv.routes).toHaveLength(21);
    expect(inv.routes.every((r) => r.covered)).toBe(true);
    expect(inv.test_sources).toEqual({
      rego: null, // a bundle carries no Rego tests
      decision_tables: path.join('test', 'decision-tables'),
      generated: false,
    });
    expect(inv.openapi).toMatchObject({ operations: 23, guarded: 23, percent: 100, unguarded: [] });
    expect(inv.risk_register.present).toBe(true);
    expect(inv.risk_register.risks.length).toBeGreaterThanOrEqual(10);
  });

  it('exits 1 with gaps: unguarded operations, and an event catalogue the policy lacks', async () => {
    const { code, out } = await run(['--config', CONFIG, '--openapi', UNGUARDED]);
    expect(code).toBe(1);
    expect(out).toContain('guarded 2 of 7, 28.5 %');
    expect(out).toContain(
      '- unguarded_operation: PATCH /api/orgs/{orgId}: no manifest route guards it',
    );
    expect(out).toContain(
      '| **GAP** | DELETE | `/api/orgs/{orgId}/shares/export` | unguarded | — |',
    );
  });

  it('a default risk register that is absent is a gap; a named one must exist', async () => {
    const { out } = await run(['--config', CONFIG, '--format', 'json'], { cwd: tmp() });
    expect(json(out).gaps).toContainEqual({
      kind: 'risk_register_missing',
      message: `no risk register (${path.join('docs', 'risk-register.md')})`,
    });
    await expect(run(['--config', CONFIG, '--risk-register', 'nope.md'])).rejects.toThrow(
      'nope.md: cannot be read (ENOENT)',
    );
  });

  it('a malformed risk register, OpenAPI document or decision table fails naming the file', async () => {
    const dir = tmp();
    const bad = path.join(dir, 'risks.md');
    writeFileSync(
      bad,
      '| id | severity | risk | mitigation | owner | source |\n| --- | --- | --- | --- | --- | --- |\n| R-01 | severe | r | m | o | s |\n',
    );
    await expect(run(['--config', CONFIG, '--risk-register', bad])).rejects.toThrow(
      `${bad}: line 3: severity "severe" must be one of low, medium, high, critical`,
    );
    const api = path.join(dir, 'api.yaml');
    writeFileSync(api, 'swagger: "2.0"\npaths: {}\n');
    await expect(run(['--config', CONFIG, '--openapi', api])).rejects.toThrow(
      `${api}: openapi: must be an OpenAPI version 3.x string`,
    );
    const tables = tmp();
    writeFileSync(path.join(tables, 'cases.yaml'), '- name: x\n');
    await expect(run(['--config', CONFIG, '--tests', tables])).rejects.toThrow(
      `${path.join(tables, 'cases.yaml')}: [0].request.action: must be a non-empty string`,
    );
  });

  it('a config problem is a config error', async () => {
    await expect(run(['--config', CONFIG], { env: {} })).rejects.toThrow(
      'auth.hs256_secret_env: environment variable ORGWARDEN_JWT_SECRET is not set',
    );
  });

  it('includes the generated boundary suite when one is given', async () => {
    const { out } = await run(['--config', CONFIG, '--format', 'json'], {
      generateSuite: ({ routes, tenancy }) => ({
        cases: routes.map((r) => ({
          name: `${r.action} × ${tenancy.org_header}`,
          action: r.action,
          boundary: 'other_org',
          principal: 'session:viewer',
          surface: 'forward_auth' as const,
          route: { method: r.methods[0] ?? 'GET', path: r.pattern, uri: r.pattern },
          scenario: { mode: 'multi' as const, principal: null, action: r.action, named: {} },
          expected: { allow: false, reason: 'cross_org' as const, status: 403 },
        })),
        cells: [],
      }),
    });
    const inv = json(out);
    expect(inv.test_sources.generated).toBe(true);
    expect(inv.routes[0]?.tests.generated).toEqual({
      forward_auth: ['orgs.list × X-Org-ID'],
      decide: [],
    });
  });
});
