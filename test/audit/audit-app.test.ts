/**
 * The audit log and the named admin credentials on a running orgwarden without Redis (the recent
 * records in memory): the role matrix (wrong role → 403 naming the role needed, nothing changed;
 * the legacy token is the credential `admin`), the records of directory writes, policy reloads
 * (accepted and refused) and shadow changes with actor, before and after, the audit API's paging
 * and its 400s, the file sink, and a change refused with 503 — and not made — when the audit log
 * cannot keep its record (a full buffer, a failing sink).
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { TEST_BUNDLE } from '../support/app.js';
import { startAuditApp, TOKENS, type AuditApp, type Page } from './helpers.js';

const apps: AuditApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.app.stop()));
});
async function start(options: Parameters<typeof startAuditApp>[0] = {}): Promise<AuditApp> {
  const app = await startAuditApp(options);
  apps.push(app);
  return app;
}

const MEMBER = '/v1/directory/orgs/acme/members/zoe';
const members = async (a: AuditApp) =>
  ((await a.app.directory.getOrg('acme'))?.members ?? []).map((m) => `${m.user}:${m.role}`);
const page = async (a: AuditApp, query = '') =>
  (await a.send('GET', `/v1/admin/audit${query}`, TOKENS.auditor)).json as unknown as Page;
const metric = async (a: AuditApp, series: string) => {
  const text = await a.app.metrics.registry.metrics();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
};

describe('roles', () => {
  const ROUTES: [string, string, unknown, string][] = [
    ['GET', '/v1/admin/audit', undefined, 'auditor'],
    ['GET', '/v1/admin/tenancy', undefined, 'auditor'],
    ['PUT', MEMBER, { role: 'editor' }, 'directory-writer'],
    ['POST', '/v1/admin/policy/reload', undefined, 'operator'],
    ['PUT', '/v1/admin/tenancy', { multi_tenant: true }, 'operator'],
  ];
  const ALLOWED: Record<keyof typeof TOKENS, readonly string[]> = {
    auditor: ['auditor'],
    operator: ['auditor', 'operator'],
    'directory-writer': ['auditor', 'directory-writer'],
    legacy: ['auditor', 'operator', 'directory-writer'],
  };

  it('each credential reaches exactly the routes its role covers; a refusal names the role and changes nothing', async () => {
    const a = await start();
    for (const [holder, token] of Object.entries(TOKENS) as [keyof typeof TOKENS, string][]) {
      for (const [method, target, body, needed] of ROUTES) {
        const before = await members(a);
        const answer = await a.send(method, target, token, body);
        const label = `${holder} ${method} ${target}`;
        if (ALLOWED[holder].includes(needed)) {
          expect([label, answer.status]).toEqual([label, 200]);
        } else {
          expect([label, answer.status]).toEqual([label, 403]);
          expect((answer.json.error as { message: string }).message).toContain(
            `this route needs the role ${needed}`,
          );
          expect(await members(a)).toEqual(before);
        }
      }
    }
  });

  it('no token is 401, an unknown one 403', async () => {
    const a = await start();
    expect((await a.send('GET', '/v1/admin/audit', undefined)).status).toBe(401);
    expect((await a.send('GET', '/v1/admin/audit', 'not-a-credential-0123456789')).status).toBe(
      403,
    );
  });
});

describe('records', () => {
  it('a member write: the actor, the member and role before and after, then the closing record', async () => {
    const a = await start();
    expect(
      (await a.send('PUT', MEMBER, TOKENS['directory-writer'], { role: 'editor' })).status,
    ).toBe(200);
    expect((await a.send('PUT', MEMBER, TOKENS.legacy, { role: 'admin' })).status).toBe(200);
    expect((await a.send('DELETE', MEMBER, TOKENS.legacy)).status).toBe(200);
    const { entries, next } = await page(a);
    expect(entries.map((e) => [e.seq, e.action, e.actor, e.outcome, e.ref ?? null])).toEqual([
      [1, 'directory.write', 'wendy', 'started', null],
      [2, 'directory.write', 'wendy', 'applied', 1],
      [3, 'directory.write', 'admin', 'started', null],
      [4, 'directory.write', 'admin', 'applied', 3],
      [5, 'directory.write', 'admin', 'started', null],
      [6, 'directory.write', 'admin', 'applied', 5],
    ]);
    expect(next).toBe(6);
    expect(entries[0]?.before).toEqual({ org: 'acme', user: 'zoe', role: null });
    expect(entries[0]?.after).toEqual({ org: 'acme', user: 'zoe', role: 'editor' });
    expect(entries[1]?.after).toMatchObject({ role: 'editor' });
    expect(typeof (entries[1]?.after as { revision: unknown }).revision).toBe('number');
    expect(entries[2]?.before).toEqual({ org: 'acme', user: 'zoe', role: 'editor' });
    expect(entries[4]?.after).toEqual({ org: 'acme', user: 'zoe', role: null });
    expect(entries[0]?.replica).toMatch(/:\d+$/);
    expect(Date.parse(entries[0]?.time ?? '')).not.toBeNaN();
    expect(await metric(a, 'orgwarden_audit_records_total{action="directory.write"}')).toBe(6);
  });

  it('a refused write: started, then failed with the reason, nothing written', async () => {
    const a = await start();
    const answer = await a.send('PUT', '/v1/directory/orgs/default/members/carol', TOKENS.legacy, {
      role: 'editor',
    });
    expect(answer.status).toBe(400);
    const { entries } = await page(a);
    expect(entries.map((e) => [e.outcome, e.error ?? null])).toEqual([
      ['started', null],
      ['failed', 'default_org_immutable'],
    ]);
  });

  it('policy reloads, accepted and refused, and shadow changes', async () => {
    const bundle = path.join(mkdtempSync(path.join(os.tmpdir(), 'orgwarden-audit-')), 'b.tar.gz');
    copyFileSync(TEST_BUNDLE, bundle);
    const a = await start({ policy: { bundle } });
    const revision = a.app.policy.current()?.revision;
    expect((await a.send('POST', '/v1/admin/policy/reload', TOKENS.operator)).status).toBe(200);
    writeFileSync(bundle, 'not a bundle');
    expect((await a.send('POST', '/v1/admin/policy/reload', TOKENS.operator)).status).toBe(422);
    expect(
      (await a.send('POST', '/v1/admin/policy/shadow', TOKENS.operator, { bundle: TEST_BUNDLE }))
        .status,
    ).toBe(200);
    expect((await a.send('DELETE', '/v1/admin/policy/shadow', TOKENS.operator)).status).toBe(200);
    const { entries } = await page(a);
    expect(entries.map((e) => [e.action, e.actor, e.outcome])).toEqual([
      ['policy.reload', 'oscar', 'started'],
      ['policy.reload', 'oscar', 'applied'],
      ['policy.reload', 'oscar', 'started'],
      ['policy.reload', 'oscar', 'failed'],
      ['shadow.set', 'oscar', 'started'],
      ['shadow.set', 'oscar', 'applied'],
      ['shadow.clear', 'oscar', 'started'],
      ['shadow.clear', 'oscar', 'applied'],
    ]);
    expect(entries[0]?.before).toEqual({ revision });
    expect(entries[1]?.after).toEqual({ revision });
    expect(entries[3]?.error).toMatch(/^refused at /);
    // the shadow is the same bundle as the active policy: the same revision
    expect(entries[5]?.after).toMatchObject({ revision });
    expect(entries[6]?.before).toEqual({ revision });
  });
});

describe('GET /v1/admin/audit', () => {
  it('pages with since and limit; next reads on', async () => {
    const a = await start();
    for (const role of ['viewer', 'editor', 'admin'])
      await a.send('PUT', MEMBER, TOKENS.legacy, { role });
    const first = await page(a, '?limit=4');
    expect(first.entries.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    const rest = await page(a, `?since=${first.next}&limit=4`);
    expect(rest.entries.map((e) => e.seq)).toEqual([5, 6]);
    const none = await page(a, `?since=${rest.next}`);
    expect(none).toEqual({ entries: [], next: 6 });
  });

  it.each([
    ['?since=-1', 'since: must be an integer from 0'],
    ['?since=abc', 'since: must be an integer from 0'],
    ['?since=1.5', 'since: must be an integer from 0'],
    ['?limit=0', 'limit: must be an integer from 1 to 1000'],
    ['?limit=1001', 'limit: must be an integer from 1 to 1000'],
    ['?since=1&since=2', 'since: must be an integer'],
    ['?from=3', 'from: unknown parameter'],
  ])('%s is 400 naming the parameter', async (query, message) => {
    const a = await start();
    const answer = await a.send('GET', `/v1/admin/audit${query}`, TOKENS.auditor);
    expect(answer.status).toBe(400);
    expect(answer.json.error).toMatchObject({ code: 'invalid_request' });
    expect((answer.json.error as { message: string }).message).toContain(message);
  });
});

describe('the sink', () => {
  it('file: one JSON line per record, the same records the API pages through', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'orgwarden-audit-')), 'audit.log');
    const a = await start({ audit: { sink: 'file', file } });
    await a.send('PUT', MEMBER, TOKENS['directory-writer'], { role: 'editor' });
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual((await page(a)).entries);
    expect(lines[0]).toMatch(/^\{"seq":1,"time":/);
  });

  it('a full buffer: the change is refused with 503 and not made; the waiting one completes', async () => {
    const held: (() => void)[] = [];
    let stalling = true;
    const stalled = new Writable({
      write(_chunk, _encoding, callback) {
        if (stalling) held.push(() => callback());
        else callback();
      },
    });
    const a = await start({ audit: { sink: 'stderr', buffer_records: 1 }, stderr: stalled });
    const first = a.send('PUT', MEMBER, TOKENS['directory-writer'], { role: 'editor' });
    await waitFor(() => held.length === 1);
    const second = await a.send('PUT', '/v1/directory/orgs/acme/members/zed', TOKENS.legacy, {
      role: 'viewer',
    });
    expect(second.status).toBe(503);
    expect(second.json.error).toMatchObject({ code: 'unavailable' });
    expect((second.json.error as { message: string }).message).toContain('buffer_full');
    expect(await members(a)).not.toContain('zed:viewer');
    expect(await members(a)).not.toContain('zoe:editor'); // its record is not confirmed yet
    expect(await metric(a, 'orgwarden_audit_refused_total{cause="buffer_full"}')).toBe(1);
    expect(await metric(a, 'orgwarden_audit_buffer_records')).toBe(1);
    // the sink confirms: the first change is made, then its closing record is written
    stalling = false;
    held.splice(0).forEach((confirm) => confirm());
    expect((await first).status).toBe(200);
    expect(await members(a)).toContain('zoe:editor');
    expect((await page(a)).entries.map((e) => [e.actor, e.outcome])).toEqual([
      ['wendy', 'started'],
      ['wendy', 'applied'],
    ]);
  });

  it('a sink that fails: 503 and nothing changed', async () => {
    const failing = new Writable({
      write(_chunk, _encoding, callback) {
        callback(new Error('no space left on device'));
      },
    });
    const a = await start({ audit: { sink: 'stderr' }, stderr: failing });
    const answer = await a.send('PUT', MEMBER, TOKENS['directory-writer'], { role: 'editor' });
    expect(answer.status).toBe(503);
    expect((answer.json.error as { message: string }).message).toContain('sink_failed');
    expect(await members(a)).not.toContain('zoe:editor');
    expect(await metric(a, 'orgwarden_audit_refused_total{cause="sink_failed"}')).toBe(1);
    // the recent records say so too: the started record is closed as failed
    expect(
      (await page(a)).entries.map((e) => [e.seq, e.outcome, e.ref ?? null, e.error ?? null]),
    ).toEqual([
      [1, 'started', null, null],
      [2, 'failed', 1, 'audit_sink_failed'],
    ]);
  });
});

async function waitFor(condition: () => boolean, ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}
