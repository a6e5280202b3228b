#!/usr/bin/env node
// Benchmark: how long a revoked member stays allowed on another replica.
//
// Two orgwarden processes (A and B, from dist/) share one Redis (or a Redis Cluster) under a fresh
// key prefix. For each of --count members: PUT the member on A, wait until B allows them, DELETE
// them on A, check that A denies at once, then ask B's POST /v1/authorize back to back until it
// denies. The revocation latency is the time from the DELETE's answer to B's first deny, including
// that decision's own round trip. Prints p50 / p99 / max, and how often B's very first decision
// after the answer already denied. Exits 1 if A ever allowed after its DELETE answered or B missed
// the deadline. Removes every key under its prefix when done.
//
//   npm run build && node bench/revocation.mjs [--count 200] [--redis redis://127.0.0.1:6379/0]
//                                              [--cluster-nodes 127.0.0.1:7001,127.0.0.1:7002] [--deadline-ms 1000]
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Cluster, Redis } from 'ioredis';
import { SignJWT } from 'jose';
import { buildBenchBundle } from './bench-bundle.mjs';
import {
  BENCH_ADMIN_TOKEN,
  BENCH_SECRET,
  figures,
  startReplica,
  writeReplicaConfig,
} from './replicas.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '200' },
    redis: { type: 'string', default: 'redis://127.0.0.1:6379/0' },
    'cluster-nodes': { type: 'string' },
    'deadline-ms': { type: 'string', default: '1000' },
    help: { type: 'boolean' },
  },
});
if (values.help) {
  console.log(
    'Usage: node bench/revocation.mjs [--count N] [--redis URL | --cluster-nodes host:port,...] [--deadline-ms MS]',
  );
  process.exit(0);
}
const main = path.join(root, 'dist', 'cli', 'main.js');
if (!existsSync(main)) {
  console.error('bench: run "npm run build" first');
  process.exit(2);
}

const COUNT = Number(values.count);
const DEADLINE_MS = Number(values['deadline-ms']);
const ORG = 'bench';
const clusterNodes = values['cluster-nodes']?.split(',').filter(Boolean);
const prefix = `orgwarden-bench:${randomBytes(6).toString('hex')}:`;

const { work, bundle } = buildBenchBundle(root, 'revocation');
const redisYaml = clusterNodes
  ? `{cluster_nodes: ${JSON.stringify(clusterNodes)}, key_prefix: "${prefix}"}`
  : `{url: ${JSON.stringify(values.redis)}, key_prefix: "${prefix}"}`;
const config = writeReplicaConfig(work, bundle, redisYaml, ORG);

const token = (sub) =>
  new SignJWT({ sub })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer('bench')
    .setAudience('orgwarden')
    .setIssuedAt()
    .setExpirationTime('2h')
    .sign(new TextEncoder().encode(BENCH_SECRET));

async function write(replica, method, pathname, body) {
  const res = await fetch(`${replica.url}/v1/directory/orgs/${pathname}`, {
    method,
    headers: {
      authorization: `Bearer ${BENCH_ADMIN_TOKEN}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const json = await res.json();
  if (res.status !== 200)
    throw new Error(
      `${replica.name}: ${method} ${pathname} answered ${res.status}: ${JSON.stringify(json)}`,
    );
  return json.revision;
}

async function allows(replica, jwt) {
  const res = await fetch(`${replica.url}/v1/authorize`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: jwt, org: ORG, action: 'resource.read' }),
  });
  const decision = await res.json();
  if (!decision.allow && decision.reason !== 'access_denied')
    throw new Error(`${replica.name}: unexpected deny ${decision.reason}`);
  return decision.allow;
}

/** Asks until `want`; returns [milliseconds, decisions asked]. */
async function poll(replica, jwt, want, since) {
  for (let asked = 1; ; asked++) {
    if ((await allows(replica, jwt)) === want) return [performance.now() - since, asked];
    if (performance.now() - since > DEADLINE_MS)
      throw new Error(
        `${replica.name} did not ${want ? 'allow' : 'deny'} within ${DEADLINE_MS} ms`,
      );
  }
}

async function removePrefix() {
  const nodes = clusterNodes?.map((n) => ({
    host: n.split(':')[0],
    port: Number(n.split(':')[1]),
  }));
  const client = nodes ? new Cluster(nodes) : new Redis(values.redis);
  try {
    const masters = nodes ? client.nodes('master') : [client];
    for (const node of masters) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
        cursor = next;
        for (const key of keys) await client.del(key);
      } while (cursor !== '0');
    }
  } finally {
    client.disconnect();
  }
}

let failed = false;
const replicas = [];
try {
  replicas.push(await startReplica(main, config, 'A'));
  replicas.push(await startReplica(main, config, 'B'));
  const [a, b] = replicas;
  const grants = [];
  const revocations = [];
  let firstDecisionDenied = 0;
  console.log(
    `bench: ${COUNT} revocations, A -> B, ${clusterNodes ? `Redis Cluster ${clusterNodes.join(',')}` : values.redis}`,
  );
  for (let i = 0; i < COUNT; i++) {
    const user = `member-${i}`;
    const jwt = await token(user);
    await write(a, 'PUT', `${ORG}/members/${user}`, { role: 'viewer' });
    grants.push((await poll(b, jwt, true, performance.now()))[0]);
    await write(a, 'DELETE', `${ORG}/members/${user}`);
    const answered = performance.now();
    // A is asked at the same time as B starts polling, so neither check delays the other's clock.
    const [aAllows, [ms, asked]] = await Promise.all([
      allows(a, jwt),
      poll(b, jwt, false, answered),
    ]);
    if (aAllows) {
      failed = true;
      console.error(`A still allowed ${user} after its DELETE answered`);
    }
    revocations.push(ms);
    if (asked === 1) firstDecisionDenied++;
  }
  const r = figures(revocations);
  const g = figures(grants);
  const f = (x) => `${x.toFixed(2)} ms`;
  console.log(
    `\nrevocation (DELETE answered on A -> B denies), n=${COUNT}: p50 ${f(r.p50)}  p99 ${f(r.p99)}  max ${f(r.max)}`,
  );
  console.log(
    `B's first decision after the answer already denied: ${firstDecisionDenied}/${COUNT}`,
  );
  console.log(
    `grant (PUT answered on A -> B allows), n=${COUNT}: p50 ${f(g.p50)}  p99 ${f(g.p99)}  max ${f(g.max)}`,
  );
  console.log(
    `\n| setup | n | p50 | p99 | max | first decision denied |\n| --- | --- | --- | --- | --- | --- |`,
  );
  console.log(
    `| ${clusterNodes ? `Redis Cluster (${clusterNodes.length} seed nodes)` : 'single Redis'} | ${COUNT} | ${f(r.p50)} | ${f(r.p99)} | ${f(r.max)} | ${firstDecisionDenied}/${COUNT} |`,
  );
} catch (err) {
  failed = true;
  console.error(`bench: ${err.message}`);
} finally {
  for (const { child } of replicas) child.kill('SIGTERM');
  await removePrefix().catch((/** @type {unknown} */ err) =>
    console.error(
      `bench: cleaning up ${prefix}* failed: ${err instanceof Error ? err.message : String(err)}`,
    ),
  );
  rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
