#!/usr/bin/env node
// What a policy load costs, from dist/ (npm run build first): compiling the default pack with the
// pinned OPA, reading the bundle, and the content-hash revision against a baseline in the same
// run, one SHA-256 over policy.wasm and data.json. Loads happen at start and on reloads only; no
// decision pays for any of this.
import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildBenchBundle } from './bench-bundle.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    iterations: { type: 'string', default: '2000' },
    compiles: { type: 'string', default: '7' },
  },
});
const iterations = Number(values.iterations);
const compiles = Number(values.compiles);

const dist = (file) => import(path.join(root, 'dist', file));
const { readTarGz } = await dist('bundle/tar-read.js');
const { parseBundle } = await dist('bundle/policy-bundle.js');
const { compilePolicyDir } = await dist('bundle/opa-cli.js');
const { policyRevision } = await dist('bundle/policy-revision.js');

/** Median milliseconds of `run` over `count` calls, after a warm-up of a tenth as many. */
async function median(count, run) {
  for (let i = 0; i < Math.ceil(count / 10); i += 1) await run();
  const times = [];
  for (let i = 0; i < count; i += 1) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

const { work, bundle } = buildBenchBundle(root, 'policy-load');
try {
  const archive = readFileSync(bundle);
  const files = await readTarGz(archive);
  const baseline = await median(iterations, () =>
    createHash('sha256')
      .update(files.get('policy.wasm'))
      .update('\0')
      .update(files.get('data.json'))
      .digest('hex'),
  );
  const revision = await median(iterations, () => policyRevision(files));
  const read = await median(iterations, () => readTarGz(archive));
  const parse = await median(iterations, () => parseBundle(archive, 'bench'));
  const compile = await median(compiles, () => compilePolicyDir(path.join(root, 'policies')));
  const ms = (v) => `${v.toFixed(3)} ms`;
  console.log(`bundle: ${archive.length} bytes, ${files.size} files`);
  console.log(`baseline sha256(wasm, data)   ${ms(baseline)}`);
  console.log(
    `policyRevision                ${ms(revision)}  (${(revision / baseline).toFixed(1)}x the baseline)`,
  );
  console.log(`readTarGz (gunzip, untar)      ${ms(read)}`);
  console.log(`parseBundle (gunzip, revision) ${ms(parse)}`);
  console.log(`compilePolicyDir (opa build)  ${ms(compile)}  (median of ${compiles})`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
