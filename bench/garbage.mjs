#!/usr/bin/env node
// Benchmark: what each decision leaves to V8's garbage collector, in process (library mode, the
// same decision as bench/in-process.mjs: `authorize(body)` on a body parsed from JSON text each
// time, as the HTTP route reads it; the decision log on, its lines discarded; the explorer's ring
// on, as shipped). Under node:v8's GCProfiler it reports, per decision: the bytes allocated in the
// young generation, the bytes promoted into the old generation (what outlives two young-generation
// collections and waits for a full collection: the old generation's growth, and so the RSS peak
// under load), and the young-generation collections' count and pause. With --baseline DIR it runs
// another checkout's build (DIR/dist) beside this one in the same process, alternating rounds.
//
//   npm run build && node bench/garbage.mjs [--rounds 5] [--decisions 50000] [--baseline DIR]
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { GCProfiler } from 'node:v8';
import { buildBenchBundle } from './bench-bundle.mjs';
import { median, signBenchToken } from './bench-http.mjs';
import { libraryApp } from './library-app.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const HELP = `Usage: npm run build && node bench/garbage.mjs [options]

Per decision in process (authorize(body), decision log and explorer ring on, as shipped): bytes
allocated in the young generation, bytes promoted into the old generation, young-generation
collections and their pause (node:v8 GCProfiler).
  --rounds N       rounds per build (default 5; the median is printed)
  --decisions N    decisions per round (default 50000)
  --baseline DIR   also run the build of another checkout (DIR/dist), alternating rounds
  --help           this text`;

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    decisions: { type: 'string', default: '50000' },
    baseline: { type: 'string' },
    help: { type: 'boolean' },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const rounds = Number(values.rounds);
const perRound = Number(values.decisions);
if (!Number.isInteger(rounds) || rounds < 1 || !Number.isInteger(perRound) || perRound < 1000) {
  console.error('bench: --rounds must be a whole number >= 1 and --decisions >= 1000');
  process.exit(2);
}
const builds = [{ label: 'this build', dist: path.join(root, 'dist', 'index.js') }];
if (values.baseline)
  builds.push({ label: 'baseline', dist: path.resolve(values.baseline, 'dist', 'index.js') });
for (const { dist } of builds)
  if (!existsSync(dist)) {
    console.error(`bench: ${dist} does not exist (run "npm run build" in that checkout first)`);
    process.exit(2);
  }

const { bundle } = buildBenchBundle(root, 'garbage');
const appOf = async (dist) =>
  libraryApp(await import(dist), {
    bundle,
    directory: path.join(root, 'test', 'support', 'fixtures', 'directory.yaml'),
  });

const token = await signBenchToken('carol');
const text = JSON.stringify({
  token,
  org: 'acme',
  action: 'resource.read',
  resource: { type: 'node', id: 'n1', org: 'acme' },
});

const YIELD_EVERY = 64;
const spaceUsed = (stats, name) =>
  stats.heapSpaceStatistics.find((s) => s.spaceName === name)?.spaceUsedSize ?? 0;

/** One round under the GC profiler: per-decision figures of its young-generation collections. */
async function round(app) {
  const profiler = new GCProfiler();
  profiler.start();
  for (let i = 0; i < perRound; i++) {
    const answer = await app.authorizer.authorize(JSON.parse(text));
    if (!answer.ok || !answer.value.allow) throw new Error('bench: a decision was not allowed');
    if (i % YIELD_EVERY === YIELD_EVERY - 1) await nextTurn();
  }
  const { statistics } = profiler.stop();
  let promoted = 0;
  let allocated = 0;
  let scavenges = 0;
  let pauseUs = 0;
  let survivors = null;
  for (const gc of statistics) {
    const newBefore = spaceUsed(gc.beforeGC, 'new_space');
    if (survivors !== null) allocated += newBefore - survivors;
    survivors = spaceUsed(gc.afterGC, 'new_space');
    if (gc.gcType !== 'Scavenge') continue;
    scavenges += 1;
    pauseUs += gc.cost;
    promoted += spaceUsed(gc.afterGC, 'old_space') - spaceUsed(gc.beforeGC, 'old_space');
  }
  // The first collection's allocation is not known (the round began mid-cycle): per decision,
  // allocation is over the decisions between the first collection and the last.
  const between = scavenges > 1 ? (perRound * (scavenges - 1)) / scavenges : perRound;
  return {
    // fewer than two collections in the round: nothing to measure allocation between
    allocated: statistics.length > 1 ? allocated / between : Number.NaN,
    promoted: promoted / perRound,
    scavengesPer10k: (scavenges * 10_000) / perRound,
    pauseMs: scavenges > 0 ? pauseUs / scavenges / 1000 : 0,
  };
}

const apps = [];
for (const build of builds) apps.push({ ...build, app: await appOf(build.dist) });
console.log(
  `bench: ${rounds} rounds × ${perRound} decisions per build (authorize(body), decision log and ring on)`,
);
for (const a of apps) await round(a.app); // warm-up: compiled code, grown young generation
const results = new Map(apps.map((a) => [a.label, []]));
for (let r = 0; r < rounds; r++) {
  const order = r % 2 === 0 ? apps : [...apps].reverse();
  for (const a of order) {
    process.stderr.write(`bench: round ${r + 1}/${rounds}, ${a.label}\n`);
    results.get(a.label).push(await round(a.app));
  }
}
console.log(
  '\n| build | allocated per decision | promoted per decision | scavenges per 10 000 decisions | scavenge pause, mean |\n| --- | --- | --- | --- | --- |',
);
const rows = new Map();
for (const a of apps) {
  const rs = results.get(a.label);
  const row = {
    allocated: median(rs.map((x) => x.allocated)),
    promoted: median(rs.map((x) => x.promoted)),
    scavenges: median(rs.map((x) => x.scavengesPer10k)),
    pause: median(rs.map((x) => x.pauseMs)),
  };
  rows.set(a.label, row);
  console.log(
    `| ${a.label} | ${Number.isNaN(row.allocated) ? 'n/a (raise --decisions)' : `${(row.allocated / 1024).toFixed(2)} KB`} | ${row.promoted.toFixed(0)} B | ${row.scavenges.toFixed(1)} | ${row.pause.toFixed(2)} ms |`,
  );
}
if (values.baseline) {
  const mine = rows.get('this build');
  const base = rows.get('baseline');
  console.log(
    `\nbaseline / this build: allocated ${(base.allocated / mine.allocated).toFixed(2)}×, promoted ${(base.promoted / Math.max(mine.promoted, 1)).toFixed(1)}×, scavenge pause ${(base.pause / mine.pause).toFixed(2)}×`,
  );
}
for (const a of apps) await a.app.stop();
