/**
 * `orgwarden inventory` as a reviewer runs it: the built command, compiling a policy.dir with the
 * pinned OPA. A copy of the default pack with an event catalogue, the example OpenAPI document,
 * the project's decision tables and the risk register leave no gap: exit 0.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Inventory } from '../../src/evidence/inventory/types.js';
import { testConfigDoc } from '../support/app.js';
import { createCommandRunner } from '../support/command.js';
import { TEST_SECRET, TEST_SECRET_ENV } from '../support/tokens.js';

const orgwarden = createCommandRunner({
  env: { [TEST_SECRET_ENV]: TEST_SECRET, ORGWARDEN_ADMIN_TOKEN: 'test-admin-token-0123456789' },
});
afterEach(() => orgwarden.killAll());

/** A copy of policies/ whose catalogue lists the event types the decision tables exercise. */
function deployment(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'orgwarden-inventory-'));
  const policies = path.join(dir, 'policies');
  cpSync(path.resolve('policies'), policies, { recursive: true });
  const dataFile = path.join(policies, 'orgwarden', 'catalogue', 'data.json');
  const data = JSON.parse(readFileSync(dataFile, 'utf8')) as Record<string, unknown>;
  data.events = {
    alert: { scope: 'org', channels: ['websocket', 'push'], description: 'an alert fired' },
    'node.deleted': {
      scope: 'org',
      channels: ['websocket', 'sse'],
      description: 'a node was deleted',
    },
  };
  writeFileSync(dataFile, JSON.stringify(data, null, 2));
  const config = path.join(dir, 'orgwarden.yaml');
  writeFileSync(config, stringify({ ...testConfigDoc(), policy: { dir: policies, watch: false } }));
  return config;
}

describe('orgwarden inventory (built command, OPA)', () => {
  it('compiles the policy, credits the Rego tests, and exits 0 with no gap', async () => {
    const config = deployment();
    const args = ['inventory', '--config', config, '--openapi', 'examples/openapi.yaml'];
    const tables = ['--tests', path.resolve('test/decision-tables')];
    const { code, stdout, stderr } = await orgwarden.run([...args, ...tables, '--format', 'json']);
    expect(stderr).toContain('compiling policy.dir');
    const inv = JSON.parse(stdout) as Inventory;
    expect(inv.gaps).toEqual([]);
    expect(code).toBe(0);
    expect(inv.test_sources.rego).toMatch(/policies$/);
    expect(inv.routes.every((r) => r.tests.rego.length > 0)).toBe(true);
    expect(inv.events.types.map((e) => [e.type, e.covered])).toEqual([
      ['alert', true],
      ['node.deleted', true],
    ]);
    const md = await orgwarden.run([...args, ...tables]);
    expect(md.code).toBe(0);
    expect(md.stdout).toContain('guarded 23 of 23, 100.0 %');
    expect(md.stdout).toContain('## Gaps\n\nNone.');
  });

  it('exits 1 on a gap and 2 on a bad input file, naming it', async () => {
    const config = deployment();
    const gap = await orgwarden.run(['inventory', '--config', config]);
    expect(gap.code).toBe(1); // no decision tables: the event types are named by no test
    expect(gap.stdout).toContain('- uncovered_event: event node.deleted: no test names it');
    const missing = path.join(os.tmpdir(), 'no-such-openapi.json');
    const bad = await orgwarden.run(['inventory', '--config', config, '--openapi', missing]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${missing}: cannot be read (ENOENT)`);
    expect(bad.stdout).toBe('');
  });
});
