/**
 * The decision log of a real orgwarden: one line per decision in a file, never a token or a
 * secret, the cause of a policy_error; and back-pressure from a stream that never confirms and
 * from a file that is a pipe nobody reads: decisions keep flowing, drops are counted exactly.
 */
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  constants,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { parseConfig } from '../../src/config/load.js';
import { EXPLAIN_CHECKS } from '../../src/contract/explain.js';
import { engineOver } from '../../src/engine/wasm-engine.js';
import { silentLogger } from '../../src/contract/logger.js';
import { apiToken, postJson, session, startTestApp, testConfigDoc } from '../support/app.js';
import type { ResponseBody } from '../support/response-body.js';
import { TEST_SECRET, TEST_SECRET_ENV } from '../support/tokens.js';
import { scrape, valueOf, waitFor } from './helpers.js';
import { watchContract } from '../support/contract/contract-watch.js';

const CALLER_TOKEN = 'caller-token-for-the-decision-log-test';
const ADMIN_TOKEN = 'test-admin-token-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'orgwarden-decision-log-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function logCounters(url: string) {
  const { samples } = await scrape(url);
  return {
    written: valueOf(samples, 'orgwarden_decision_log_written_total'),
    buffer_full: valueOf(samples, 'orgwarden_decision_log_dropped_total', { cause: 'buffer_full' }),
    sink_error: valueOf(samples, 'orgwarden_decision_log_dropped_total', { cause: 'sink_error' }),
    sampled_out: valueOf(samples, 'orgwarden_decision_log_sampled_out_total'),
  };
}

describe('decision log to a file', () => {
  const file = join(dir, 'decisions.log');
  let app: App;
  let url: string;
  const tokens: string[] = [];
  const responses: (ResponseBody | undefined)[] = [];
  let lines: Record<string, unknown>[];
  let text: string;

  beforeAll(async () => {
    ({ app, url } = await startTestApp({
      multiTenant: true,
      extra: {
        decision_log: { sink: 'file', file },
        server: { host: '127.0.0.1', port: 0, caller_token_env: 'ORGWARDEN_CALLER_TOKEN' },
      },
      env: { ORGWARDEN_CALLER_TOKEN: CALLER_TOKEN },
    }));
    const alice = await session('alice');
    const mallory = await session('mallory');
    const tok = await apiToken('tok-acme', { scope: 'monitoring:read', org_id: 'acme' });
    tokens.push(alice, mallory, tok);
    const caller = { 'x-orgwarden-caller-token': CALLER_TOKEN };
    const post = async (path: string, body: unknown) => {
      const res = await postJson(`${url}${path}`, body, caller);
      expect(res.status).toBe(200);
      return res.json;
    };
    responses.push(await post('/v1/authorize', { token: alice, org: 'acme', action: 'org.read' }));
    responses.push(
      await post('/v1/authorize', {
        headers: { authorization: `Bearer ${mallory}`, 'x-org-id': 'acme' },
        action: 'org.read',
      }),
    );
    responses.push(
      await post('/v1/authorize', {
        headers: { Authorization: `Bearer ${alice}`, cookie: `org_id=globex; session=${alice}` },
        action: 'org.read',
      }),
    );
    responses.push(
      await post('/v1/authorize', {
        token: tok,
        action: 'resource.read',
        resource: { type: 'node', id: 'n9', org: 'acme' },
      }),
    );
    responses.push(
      ...((
        await post('/v1/authorize/batch', {
          items: [
            { token: alice, org: 'acme', action: 'org.update' },
            { token: `${alice}x`, org: 'acme', action: 'org.read' },
          ],
        })
      )?.results ?? []),
    );
    // a policy that throws: the decision is policy_error, the cause goes to the log only
    const healthy = app.policy.current();
    app.policy.swap(
      engineOver(
        {
          evaluate: () => {
            throw new Error('kaboom in the policy');
          },
        },
        { revision: 'sha256:broken', data: {} },
        new Date(),
      ),
    );
    const failed = await post('/v1/authorize', { token: alice, org: 'acme', action: 'org.read' });
    expect(failed).toMatchObject({ allow: false, reason: 'policy_error' });
    expect(JSON.stringify(failed)).not.toContain('kaboom');
    responses.push(failed);
    if (healthy) app.policy.swap(healthy);

    await waitFor('every entry written', async () =>
      (await logCounters(url)).written === responses.length ? true : undefined,
    );
    await app.stop();
    text = readFileSync(file, 'utf8');
    lines = text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  });

  it('writes one JSON line per decision, in order, with the decision ids the callers got', () => {
    expect(responses).toHaveLength(7);
    expect(lines.map((l) => l.decision_id)).toEqual(responses.map((r) => r?.decision_id));
    expect(lines.map((l) => l.kind)).toEqual([
      'request',
      'request',
      'request',
      'request',
      'batch_item',
      'batch_item',
      'request',
    ]);
  });

  it('records principal, requested and effective org, action, resource, outcome, revision and latency', () => {
    const [allow, spoof, cookie, token] = lines;
    const revision = app.policy.current()?.revision;
    expect(allow).toEqual({
      decision_id: responses[0]?.decision_id,
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) as unknown,
      kind: 'request',
      principal: { id: 'alice', kind: 'session' },
      requested_org: { id: 'acme', source: 'field' },
      effective_org: 'acme',
      action: 'org.read',
      resource: null,
      allow: true,
      reason: 'allowed',
      detail: null,
      status: 200,
      role: 'owner',
      spoof: false,
      spoof_source: null,
      policy_revision: revision,
      multi_tenant: true,
      latency_ms: expect.any(Number) as unknown,
    });
    expect(allow?.latency_ms).toBeGreaterThan(0);
    expect(spoof).toMatchObject({
      principal: { id: 'mallory' },
      requested_org: { id: 'acme', source: 'header' },
      effective_org: null,
      allow: false,
      reason: 'access_denied',
      detail: 'not_member',
      spoof: true,
      spoof_source: 'header',
    });
    expect(cookie).toMatchObject({
      requested_org: { id: 'globex', source: 'cookie' },
      effective_org: 'globex',
      allow: true,
      role: 'viewer',
    });
    expect(token).toMatchObject({
      principal: { id: 'tok-acme', kind: 'api_token' },
      requested_org: { id: 'acme', source: 'token' },
      resource: { type: 'node', id: 'n9', org: 'acme' },
      allow: true,
    });
    expect(lines[5]).toMatchObject({ principal: null, reason: 'unauthenticated' });
  });

  it("records the policy's explanation of every deny it decided, and of no allow nobody asked about", () => {
    const [allow, spoof] = lines;
    expect(allow).not.toHaveProperty('explain');
    const steps = spoof?.explain as { check: string; passed: unknown; reason?: string }[];
    expect(steps.map((s) => s.check)).toEqual([...EXPLAIN_CHECKS]);
    expect(steps.filter((s) => s.passed === false)).toEqual([
      {
        check: 'binding_membership',
        passed: false,
        reason: 'access_denied',
        detail: 'not_member',
        facts: { principal_kind: 'session', member_role: null, bound_orgs: null },
      },
    ]);
    expect(lines[5]?.explain).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          check: 'authenticate',
          passed: false,
          reason: 'unauthenticated',
        }),
      ]),
    );
    // a policy_error is no decision of the policy: nothing to explain
    expect(lines[6]).not.toHaveProperty('explain');
  });

  it('logs the cause of a policy_error (which callers never see)', () => {
    expect(lines[6]).toMatchObject({
      reason: 'policy_error',
      policy_revision: 'sha256:broken',
      error: 'policy evaluation failed: Error: kaboom in the policy',
    });
    expect(lines.filter((l) => 'error' in l)).toHaveLength(1);
  });

  it('never writes a token, a secret or an Authorization value', () => {
    const forbidden = [TEST_SECRET, CALLER_TOKEN, ADMIN_TOKEN, 'Bearer', 'session='];
    for (const token of tokens) forbidden.push(token, ...token.split('.').slice(1));
    for (const needle of forbidden) expect(text, needle).not.toContain(needle);
    expect(text.toLowerCase()).not.toContain('authorization');
  });
});

describe('back-pressure', () => {
  it('a stream that never confirms: every decision is answered, exactly the overflow is dropped', async () => {
    let chunks = 0;
    const stuck = new Writable({
      write(_chunk, _encoding, _callback) {
        chunks += 1; // never calls back
      },
    });
    const config = parseConfig(
      testConfigDoc({
        multiTenant: true,
        extra: { decision_log: { sink: 'stdout', buffer_entries: 5 } },
      }),
      { env: {} },
    );
    const app = await createApp(config, {
      env: { [TEST_SECRET_ENV]: TEST_SECRET, ORGWARDEN_ADMIN_TOKEN: ADMIN_TOKEN },
      logger: silentLogger,
      stdout: stuck,
    });
    watchContract(app);
    const address = await app.start();
    const url = `http://127.0.0.1:${address.port}`;
    try {
      const alice = await session('alice');
      const mallory = await session('mallory');
      for (let i = 0; i < 20; i++) {
        const res = await postJson(`${url}/v1/authorize`, {
          token: i % 2 ? mallory : alice,
          org: 'acme',
          action: 'org.read',
        });
        expect(res.status).toBe(200);
        expect(res.json?.reason).toBe(i % 2 ? 'access_denied' : 'allowed');
      }
      expect(chunks).toBe(1);
      expect(await logCounters(url)).toEqual({
        written: 0,
        buffer_full: 15,
        sink_error: 0,
        sampled_out: 0,
      });
      const { samples } = await scrape(url);
      expect(
        valueOf(samples, 'orgwarden_decisions_total', {
          kind: 'request',
          decision: 'allow',
          reason: 'allowed',
        }),
      ).toBe(10);
      expect(
        valueOf(samples, 'orgwarden_decisions_total', {
          kind: 'request',
          decision: 'deny',
          reason: 'access_denied',
        }),
      ).toBe(10);
    } finally {
      await app.stop();
    }
  });

  it('a file that is a pipe nobody reads: decisions keep flowing; written + dropped + held account for every one', async () => {
    const fifo = join(dir, 'stuck.fifo');
    execFileSync('mkfifo', [fifo]);
    // A reader that never reads, so the writer can open the pipe and then fills it.
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const BUFFER = 50;
    const { app, url } = await startTestApp({
      multiTenant: true,
      extra: { decision_log: { sink: 'file', file: fifo, buffer_entries: BUFFER } },
    });
    try {
      const alice = await session('alice');
      const items = Array.from({ length: 250 }, () => ({
        token: alice,
        org: 'acme',
        action: 'org.read',
      }));
      const BATCHES = 4;
      for (let b = 0; b < BATCHES; b++) {
        const res = await postJson(`${url}/v1/authorize/batch`, { items });
        expect(res.status).toBe(200);
        expect(res.json?.results?.every((r) => r.allow)).toBe(true);
      }
      const total = BATCHES * items.length;
      // The pipe (64 KiB) holds far fewer than 1000 lines: the sink is stuck with a full buffer.
      const stuck = await waitFor('the buffer to be full and the sink stuck', async () => {
        const c = await logCounters(url);
        return c.written + c.buffer_full + BUFFER === total ? c : undefined;
      });
      expect(stuck.buffer_full).toBeGreaterThan(0);
      expect(stuck.written).toBeLessThan(total - BUFFER);

      // Unblock: read everything; the held entries follow.
      let received = '';
      const chunk = Buffer.alloc(65536);
      const settled = await waitFor(
        'the held entries to be written and read',
        async () => {
          for (;;) {
            try {
              const n = readSync(reader, chunk, 0, chunk.length, null);
              if (n <= 0) break;
              received += chunk.toString('utf8', 0, n);
            } catch (err) {
              if ((err as NodeJS.ErrnoException).code === 'EAGAIN') break;
              throw err;
            }
          }
          const c = await logCounters(url);
          const lines = received.split('\n').length - 1;
          return c.written + c.buffer_full === total && lines === c.written ? c : undefined;
        },
        10_000,
      );
      expect(settled.buffer_full).toBe(stuck.buffer_full);
      expect(settled.written).toBe(stuck.written + BUFFER);
      for (const line of received.trimEnd().split('\n'))
        expect(JSON.parse(line)).toMatchObject({ kind: 'batch_item', allow: true });
    } finally {
      await app.stop();
      closeSync(reader);
    }
  });
});
