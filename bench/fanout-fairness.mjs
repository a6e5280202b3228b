#!/usr/bin/env node
// Benchmark: how long a single decision waits while fan-outs run. Starts orgwarden (built dist/,
// default policy bundle, file directory fixture, HS256, decision log to stdout, drained) once per
// `--yield-every` value (server.fanout_yield_every; 0 = never yield, the behaviour before
// chunking), then:
//   1. single POST /v1/authorize decisions alone, one after the other (the baseline);
//   2. three concurrent POST /v1/events/filter fan-outs of 10 000 distinct recipients each, and
//      meanwhile single decisions, one after the other, until the fan-outs end.
// Prints p50 / p99 / max of the single decisions in both phases and the fan-outs' own duration.
//
//   npm run build && node bench/fanout-fairness.mjs [--yield-every 0,8,16,32,64] [--rounds 2]
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import { buildBenchBundle } from './bench-bundle.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    'yield-every': { type: 'string', default: '0,8,16,32,64' },
    rounds: { type: 'string', default: '2' },
    recipients: { type: 'string', default: '10000' },
    'fan-outs': { type: 'string', default: '3' },
    help: { type: 'boolean' },
  },
});
if (values.help) {
  console.log(
    'Usage: node bench/fanout-fairness.mjs [--yield-every 0,8,16,32,64] [--rounds N] [--recipients 10000] [--fan-outs 3]',
  );
  process.exit(0);
}
if (!existsSync(path.join(root, 'dist', 'cli', 'main.js'))) {
  console.error('bench: run "npm run build" first');
  process.exit(2);
}

const SECRET = 'orgwarden-bench-secret-0123456789abcdef';
const RECIPIENTS = Number(values.recipients);
const FAN_OUTS = Number(values['fan-outs']);
const BASELINE_DECISIONS = 300;
const { work, bundle } = buildBenchBundle(root, 'fanout');

const token = await new SignJWT({ sub: 'carol' })
  .setProtectedHeader({ alg: 'HS256' })
  .setIssuer('bench')
  .setAudience('orgwarden')
  .setIssuedAt()
  .setExpirationTime('2h')
  .sign(new TextEncoder().encode(SECRET));
const single = JSON.stringify({
  token,
  org: 'acme',
  action: 'resource.read',
  resource: { type: 'node', id: 'n1', org: 'acme' },
});
// Distinct users (none of them a member): one policy evaluation per recipient, nothing shared.
const fanOutBody = (n) =>
  JSON.stringify({
    channel: 'websocket',
    event: { type: 'alert', org: 'acme' },
    recipients: Array.from({ length: RECIPIENTS }, (_, i) => ({
      id: `s${i}`,
      user: `fan-${n}-user-${i}`,
      org: 'acme',
    })),
  });

function start(yieldEvery) {
  const config = path.join(work, `orgwarden-${yieldEvery}.yaml`);
  writeFileSync(
    config,
    `server: {host: 127.0.0.1, port: 0, fanout_yield_every: ${yieldEvery}}
tenancy: {multi_tenant: true}
auth: {issuer: bench, audience: orgwarden, algorithms: [HS256], hs256_secret_env: BENCH_SECRET}
directory: {file: ${JSON.stringify(path.join(root, 'test', 'support', 'fixtures', 'directory.yaml'))}}
policy: {bundle: ${JSON.stringify(bundle)}}
`,
  );
  return new Promise((resolve, reject) => {
    const child = spawn(
      'node',
      [path.join(root, 'dist', 'cli', 'main.js'), 'serve', '--config', config],
      {
        env: { ...process.env, BENCH_SECRET: SECRET },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.resume(); // the decision log: drained, never read
    child.stderr.on('data', (d) => {
      out += String(d);
      const m = /"port":(\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.on('exit', (code) => reject(new Error(`orgwarden exited with ${String(code)}: ${out}`)));
  });
}

function post(agent, port, path, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')))
            : reject(new Error(`${path}: ${String(res.statusCode)}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function timedSingle(agent, port) {
  const started = performance.now();
  const decision = await post(agent, port, '/v1/authorize', single);
  if (!decision.allow)
    throw new Error(`the single decision is not an allow: ${JSON.stringify(decision)}`);
  return performance.now() - started;
}

function summary(ms) {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { n: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] };
}

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const fmt = (v) => `${v.toFixed(1)} ms`;

async function measure(yieldEvery) {
  const server = await start(yieldEvery);
  const singles = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const fans = new http.Agent({ keepAlive: true, maxSockets: FAN_OUTS });
  const bodies = Array.from({ length: FAN_OUTS }, (_, n) => fanOutBody(n));
  try {
    for (let i = 0; i < 200; i++) await timedSingle(singles, server.port); // warm-up
    await Promise.all(bodies.map((b) => post(fans, server.port, '/v1/events/filter', b)));
    const alone = [];
    const during = [];
    const fanOutMs = [];
    for (let round = 0; round < Number(values.rounds); round++) {
      for (let i = 0; i < BASELINE_DECISIONS; i++)
        alone.push(await timedSingle(singles, server.port));
      let running = FAN_OUTS;
      const fanOuts = bodies.map(async (b) => {
        const started = performance.now();
        const result = await post(fans, server.port, '/v1/events/filter', b);
        fanOutMs.push(performance.now() - started);
        running -= 1;
        if (result.denied.length !== RECIPIENTS)
          throw new Error('a fan-out did not answer every recipient');
      });
      await pause(5); // the fan-outs' bodies are on their way
      while (running > 0) {
        during.push(await timedSingle(singles, server.port));
        await pause(2);
      }
      await Promise.all(fanOuts);
    }
    return {
      yieldEvery,
      alone: summary(alone),
      during: summary(during),
      fanOut: summary(fanOutMs),
    };
  } finally {
    singles.destroy();
    fans.destroy();
    server.child.kill('SIGTERM');
  }
}

console.log(
  `bench: ${FAN_OUTS} fan-outs of ${RECIPIENTS} distinct recipients; load average ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}; ${os.cpus().length} cores`,
);
const rows = [];
for (const every of values['yield-every'].split(',').map(Number)) {
  console.log(`bench: server.fanout_yield_every = ${every}...`);
  rows.push(await measure(every));
}
console.log(
  '\n| fanout_yield_every | single alone p50 / p99 / max | single during fan-outs p50 / p99 / max (n) | fan-out duration p50 / max |',
);
console.log('| --- | --- | --- | --- |');
for (const r of rows) {
  console.log(
    `| ${r.yieldEvery === 0 ? '0 (never yields)' : r.yieldEvery} | ${fmt(r.alone.p50)} / ${fmt(r.alone.p99)} / ${fmt(r.alone.max)} | ${fmt(r.during.p50)} / ${fmt(r.during.p99)} / ${fmt(r.during.max)} (${r.during.n}) | ${fmt(r.fanOut.p50)} / ${fmt(r.fanOut.max)} |`,
  );
}
console.log(
  `\nload average after: ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
