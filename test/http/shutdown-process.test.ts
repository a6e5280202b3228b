/**
 * SIGTERM to the real `orgwarden serve` process under load: 32 keep-alive clients in tight loops
 * of `POST /v1/authorize`. Every request the process took gets a complete answer; once the
 * listener closes, clients find it closed (refused) and stop; the process exits 0 within
 * `server.shutdown_timeout_s`. A second signal skips the rest of the delay.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { session, testConfigDoc } from '../support/app.js';
import { createCommandRunner, type Served } from '../support/command.js';
import { TEST_SECRET, TEST_SECRET_ENV } from '../support/tokens.js';
import { startLoad } from './shutdown-load.js';

const orgwarden = createCommandRunner({
  env: { [TEST_SECRET_ENV]: TEST_SECRET, ORGWARDEN_ADMIN_TOKEN: 'test-admin-token-0123456789' },
});
afterEach(() => orgwarden.killAll());

function writeConfig(server: Record<string, unknown>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'orgwarden-shutdown-'));
  const file = path.join(dir, 'orgwarden.yaml');
  writeFileSync(file, stringify({ ...testConfigDoc(), server: { host: '127.0.0.1', ...server } }));
  return file;
}

/** The fields of the first log line with this message. */
function logLine(served: Served, msg: string): Record<string, unknown> {
  const line = served
    .logs()
    .split('\n')
    .find((l) => l.includes(`"msg":"${msg}"`));
  if (!line) throw new Error(`no "${msg}" line in:\n${served.logs()}`);
  return JSON.parse(line) as Record<string, unknown>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One GET on a connection of its own: status and body. */
function probe(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

/** Probes `/readyz` until it answers 503 (the signal was handled); returns that answer and the connections it took. */
async function untilNotReady(url: string): Promise<{ body: string; connections: number }> {
  const deadline = Date.now() + 5000;
  for (let connections = 1; ; connections++) {
    const ready = await probe(`${url}/readyz`);
    if (ready.status === 503) return { body: ready.body, connections };
    if (Date.now() > deadline) throw new Error(`/readyz still answers ${ready.status}`);
    await sleep(20);
  }
}

describe('orgwarden serve: SIGTERM under load', () => {
  it('drops no request: 32 keep-alive clients, 0 failed, exit 0 within the deadline', async () => {
    const served = await orgwarden.serve(
      writeConfig({ shutdown_delay_s: 1, shutdown_timeout_s: 5 }),
    );
    const body = JSON.stringify({ token: await session('alice'), org: 'acme', action: 'org.read' });
    const load = startLoad({
      port: served.port,
      clients: 32,
      stopWhenRefused: true,
      request: () => ({
        method: 'POST',
        path: '/v1/authorize',
        headers: { 'content-type': 'application/json' },
        body,
      }),
    });
    await sleep(500);
    const answeredBefore = load.report().answered;
    expect(answeredBefore).toBeGreaterThan(0);
    const signalled = performance.now();
    served.child.kill('SIGTERM');
    // not ready at once, still serving; every probe is a connection the process accepts
    const notReady = await untilNotReady(served.url);
    expect(
      (JSON.parse(notReady.body) as { reasons: Record<string, string> }).reasons.shutdown,
    ).toMatch(/^draining: SIGTERM received; the listener closes in 1 s$/);
    expect((await probe(`${served.url}/healthz`)).status).toBe(200);
    const probes = notReady.connections + 1;

    const report = await load.settled;
    const code = await served.exited;
    const seconds = (performance.now() - signalled) / 1000;

    expect(report.failures).toEqual([]);
    expect(code).toBe(0);
    expect(seconds).toBeLessThan(5);
    expect(report.answered).toBeGreaterThan(answeredBefore);
    expect(report.statuses).toEqual({ 200: report.answered });
    // Every connection the process accepted got all its requests answered: a new connection
    // reset without an answer is one the process never accepted (the kernel's accept queue
    // when the listener closed), so the resets are exactly the connections it did not take.
    const accepted = logLine(served, 'listener closed').connections_accepted as number;
    expect(report.resetFresh).toBe(report.newConnections - report.refused + probes - accepted);
    expect(report.refused + report.resetFresh).toBe(32);

    expect(logLine(served, 'shutdown started')).toMatchObject({ cause: 'SIGTERM', delay_s: 1 });
    const stopped = logLine(served, 'stopped');
    expect(stopped).toMatchObject({ drained: true, cut: 0 });
    expect(stopped.answered_during_delay).toBeGreaterThan(0);
    console.log(
      `SIGTERM under load: ${report.answered} answered (${String(stopped.answered_during_delay)} during the delay, ${String(stopped.answered_during_drain)} during the drain), 0 failed; not sent: ${report.refused} refused, ${report.resetFresh} reset in the accept queue; exit 0 after ${seconds.toFixed(2)} s`,
    );
  });

  it('a second signal skips the rest of the delay', async () => {
    const served = await orgwarden.serve(
      writeConfig({ shutdown_delay_s: 60, shutdown_timeout_s: 90 }),
    );
    const signalled = performance.now();
    served.child.kill('SIGTERM');
    await untilNotReady(served.url);
    served.child.kill('SIGINT');
    expect(await served.exited).toBe(0);
    expect((performance.now() - signalled) / 1000).toBeLessThan(5);
    expect(served.logs()).toContain('"msg":"shutdown delay skipped"');
    expect(logLine(served, 'stopped')).toMatchObject({ drained: true });
  });
});
