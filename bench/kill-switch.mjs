#!/usr/bin/env node
// Benchmark: how long after `PUT /v1/admin/tenancy` on replica A replica B serves the new state
// (contract section 7 bounds it at one second; test/tenancy/replicas.test.ts asserts the bound).
//
// Two orgwarden processes (A and B, from dist/) share one Redis under a fresh key prefix. For each
// of --flips flips: PUT the opposite state on A, then ask B's GET /v1/admin/tenancy back to back
// until it reports that state. Prints p50 / p99 / max measured from the PUT sent and from the PUT
// answered (negative: B had flipped before A's answer arrived). Exits 1 if B missed --deadline-ms.
// Removes every key under its prefix when done.
//
//   npm run build && node bench/kill-switch.mjs [--flips 50] [--redis redis://127.0.0.1:6379/0] [--deadline-ms 1000]
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { buildBenchBundle } from './bench-bundle.mjs';
import { BENCH_ADMIN_TOKEN, figures, startReplica, writeReplicaConfig } from './replicas.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    flips: { type: 'string', default: '50' },
    redis: { type: 'string', default: 'redis://127.0.0.1:6379/0' },
    'deadline-ms': { type: 'string', default: '1000' },
    help: { type: 'boolean' },
  },
});
if (values.help) {
  console.log('Usage: node bench/kill-switch.mjs [--flips N] [--redis URL] [--deadline-ms MS]');
  process.exit(0);
}
const main = path.join(root, 'dist', 'cli', 'main.js');
if (!existsSync(main)) {
  console.error('bench: run "npm run build" first');
  process.exit(2);
}

const FLIPS = Number(values.flips);
const DEADLINE_MS = Number(values['deadline-ms']);
const ADMIN = { authorization: `Bearer ${BENCH_ADMIN_TOKEN}` };
const prefix = `orgwarden-bench:${randomBytes(6).toString('hex')}:`;

const { work, bundle } = buildBenchBundle(root, 'kill-switch');
const config = writeReplicaConfig(
  work,
  bundle,
  `{url: ${JSON.stringify(values.redis)}, key_prefix: "${prefix}"}`,
);

async function state(replica) {
  const res = await fetch(`${replica.url}/v1/admin/tenancy`, { headers: ADMIN });
  return (await res.json()).multi_tenant;
}

async function put(replica, multiTenant) {
  const res = await fetch(`${replica.url}/v1/admin/tenancy`, {
    method: 'PUT',
    headers: { ...ADMIN, 'content-type': 'application/json' },
    body: JSON.stringify({ multi_tenant: multiTenant }),
  });
  if (res.status !== 200)
    throw new Error(`${replica.name}: PUT answered ${res.status}: ${await res.text()}`);
}

let failed = false;
const replicas = [];
try {
  replicas.push(await startReplica(main, config, 'A'), await startReplica(main, config, 'B'));
  const [a, b] = replicas;
  const fromSent = [];
  const fromAnswered = [];
  console.log(`bench: ${FLIPS} kill-switch flips, A -> B, ${values.redis}`);
  let target = true;
  for (let i = 0; i < FLIPS; i++) {
    target = !target;
    const sent = performance.now();
    const answer = put(a, target).then(() => performance.now());
    while ((await state(b)) !== target) {
      if (performance.now() - sent > DEADLINE_MS)
        throw new Error(`B did not follow flip ${i + 1} within ${DEADLINE_MS} ms`);
    }
    const followed = performance.now();
    fromSent.push(followed - sent);
    fromAnswered.push(followed - (await answer));
  }
  const f = (x) => `${x.toFixed(2)} ms`;
  for (const { what, list } of [
    { what: 'the PUT sent', list: fromSent },
    { what: 'the PUT answered', list: fromAnswered },
  ]) {
    const r = figures(list);
    console.log(
      `B follows, measured from ${what}, n=${FLIPS}: p50 ${f(r.p50)}  p99 ${f(r.p99)}  max ${f(r.max)}`,
    );
  }
} catch (error) {
  failed = true;
  console.error(`bench: ${error.message}`);
} finally {
  for (const replica of replicas) replica.child.kill('SIGTERM');
  const client = new Redis(values.redis);
  const keys = await client.keys(`${prefix}*`);
  if (keys.length) await client.del(...keys);
  client.disconnect();
  rmSync(work, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
