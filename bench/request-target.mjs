#!/usr/bin/env node
// Micro-benchmark: what reading the request target once (origin-form check and path
// normalisation, http/request-target.ts) and decoding forward-auth path parameters
// (surfaces/forward-auth/path-params.ts) cost per request, next to the raw `pathOf` split they add to.
// In-process, single thread, on the compiled code; prints ns per call.
//
//   npm run build && node bench/request-target.mjs [--iterations 500000]
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => path.join(root, 'dist', p);
if (!existsSync(dist('http/request-target.js'))) {
  console.error('bench: run "npm run build" first');
  process.exit(2);
}
const { values } = parseArgs({ options: { iterations: { type: 'string', default: '500000' } } });
const iterations = Number(values.iterations);

const { readRequestTarget } = await import(dist('http/request-target.js'));
const { pathOf } = await import(dist('http/route-match.js'));
const { decodeParam } = await import(dist('surfaces/forward-auth/path-params.js'));

const OPAQUE = ['/v1/forward-auth'];
const cases = [
  ['pathOf (before)', () => pathOf('/v1/authorize?explain=true')],
  [
    'readRequestTarget /v1/authorize',
    () => readRequestTarget('/v1/authorize?explain=true', OPAQUE),
  ],
  [
    'readRequestTarget directory member path',
    () => readRequestTarget('/v1/directory/orgs/acme/members/olivia%40example.com', OPAQUE),
  ],
  [
    'readRequestTarget forward-auth (Envoy tail)',
    () => readRequestTarget('/v1/forward-auth/api/orgs/acme/members/bob', OPAQUE),
  ],
  ['decodeParam plain id', () => decodeParam('carol')],
  ['decodeParam encoded e-mail id', () => decodeParam('olivia%40example.com')],
  ['decodeParam non-ASCII id', () => decodeParam('zo%C3%AB%20%C3%BC')],
];

let sink = 0;
for (const [name, fn] of cases) {
  for (let i = 0; i < 20_000; i++) sink ^= fn() ? 1 : 0; // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) sink ^= fn() ? 1 : 0;
  const ns = Number(process.hrtime.bigint() - start) / iterations;
  console.log(`${name.padEnd(46)} ${ns.toFixed(0).padStart(6)} ns/call`);
}
if (sink === 2) console.log('');
