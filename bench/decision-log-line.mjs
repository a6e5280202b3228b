#!/usr/bin/env node
// Micro-benchmark: what one decision log line costs the drain, written straight from the record
// (observability/decision-log-line.ts, what the log does) against serializing the allow-listed
// entry (JSON.stringify(decisionLogEntry(record)), the reference it must equal). In-process, on
// the compiled code, records shaped like a batch's (the same principal and resource repeated, a
// time that moves within a second); prints CPU ns per line, the minimum over the rounds, and the
// ratio. Rounds alternate between the two.
//
//   npm run build && node bench/decision-log-line.mjs [--rounds 15] [--lines 50000]
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => path.join(root, 'dist', p);
if (!existsSync(dist('observability/decision-log-line.js'))) {
  console.error('bench: run "npm run build" first');
  process.exit(2);
}
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '15' },
    lines: { type: 'string', default: '50000' },
    help: { type: 'boolean' },
  },
});
if (values.help) {
  console.log('Usage: npm run build && node bench/decision-log-line.mjs [--rounds N] [--lines N]');
  process.exit(0);
}
const rounds = Number(values.rounds);
const lines = Number(values.lines);
if (!(Number.isInteger(rounds) && rounds > 0 && Number.isInteger(lines) && lines >= 1000)) {
  console.error('bench: --rounds takes a positive integer, --lines an integer >= 1000');
  process.exit(2);
}
const { decisionLogEntry } = await import(dist('observability/decision-log-entry.js'));
const { decisionLogLiner } = await import(dist('observability/decision-log-line.js'));

const started = Date.now();
const record = (i) => ({
  kind: 'batch_item',
  decision: {
    decision_id: `01HF${i.toString(36).padStart(22, '0')}`,
    allow: true,
    reason: 'allowed',
    detail: null,
    status: 200,
    effective_org: 'acme',
    principal: { id: `user-${i % 50}`, kind: 'session' },
    role: 'editor',
    spoof: false,
    policy_revision: `sha256:${'ab'.repeat(32)}`,
    multi_tenant: true,
  },
  requested_org: { id: 'acme', source: 'field' },
  action: 'resource.read',
  resource: { type: 'node', id: 'n1', org: 'acme' },
  spoof_source: null,
  time: new Date(started + Math.floor(i / 100)),
  latency_s: 0.000031,
  directory_revision: 7,
  // what the HTTP route records: the resolved principal, the named org, the request's fields
  request: {
    kind: 'batch_item',
    principal: {
      id: `user-${i % 50}`,
      kind: 'session',
      scopes: [],
      bound_orgs: null,
      auth_time: 1_700_000_000,
    },
    authn_failure: null,
    named_org: { id: 'acme', source: 'field' },
    action: 'resource.read',
    resource: { type: 'node', id: 'n1', org: 'acme' },
    context: {},
  },
});
const records = Array.from({ length: 1000 }, (_, i) => record(i));
const liner = decisionLogLiner();
for (const r of records) {
  const line = liner.line(r);
  if (
    line !== JSON.stringify(decisionLogEntry(r)) ||
    liner.bytesOf(line) !== Buffer.byteLength(line)
  ) {
    console.error('bench: the two serializations differ');
    process.exit(1);
  }
}

// Each contender makes the line and counts its bytes, as the log's drain does for its bound.
/** @type {[string, (r: object) => number][]} */
const contenders = [
  ['entry + JSON.stringify', (r) => Buffer.byteLength(JSON.stringify(decisionLogEntry(r)))],
  ['line from the record', (r) => liner.bytesOf(liner.line(r))],
];
const best = contenders.map(() => Number.POSITIVE_INFINITY);
let sink = 0;
for (let round = 0; round < rounds; round++)
  contenders.forEach(([, write], c) => {
    const before = process.cpuUsage();
    for (let i = 0; i < lines; i++) sink += write(records[i % records.length]);
    const used = process.cpuUsage(before);
    best[c] = Math.min(best[c], ((used.user + used.system) * 1000) / lines);
  });
console.log(
  `CPU ns per decision log line, minimum of ${rounds} rounds of ${lines} (rounds alternate)`,
);
contenders.forEach(([name], c) =>
  console.log(`  ${name.padEnd(24)} ${best[c].toFixed(0).padStart(6)} ns`),
);
console.log(
  `  ratio ${(best[0] / best[1]).toFixed(2)} (entry + stringify / line; ${sink} bytes written)`,
);
