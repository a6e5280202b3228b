/**
 * A replica's resident memory over time, read from its own `/metrics`
 * (`orgwarden_process_resident_memory_bytes`, the process's RSS) once per interval, and the
 * figures a soak is judged by: RSS after warm-up, the maximum, and the least-squares slope over
 * the second half of the soak.
 */
export interface RssSample {
  /** performance.now() of the reading. */
  at: number;
  bytes: number;
  /** V8 heap in use at the same moment (`orgwarden_nodejs_heap_size_used_bytes`). */
  heapBytes: number;
  /** The longest event-loop stall since the last reading (`orgwarden_nodejs_eventloop_lag_max_seconds`). */
  lagMaxMs: number;
}

export interface RssSampler {
  /** Stops sampling and returns every reading. */
  stop(): Promise<RssSample[]>;
}

const RSS = /^orgwarden_process_resident_memory_bytes (\S+)$/m;

/** The sum of metric `name`'s series in a Prometheus text page whose labels hold every `label`. */
export function metricSum(page: string, name: string, labels: readonly string[] = []): number {
  return page
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .filter((l) => labels.every((label) => l.includes(label)))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

export function startRssSampler(url: string, intervalMs = 1000): RssSampler {
  const samples: RssSample[] = [];
  const state = { running: true };
  const loop = (async () => {
    while (state.running) {
      const at = performance.now();
      const page = await fetch(`${url}/metrics`).then(
        (r) => r.text(),
        () => '',
      );
      const bytes = Number(RSS.exec(page)?.[1]);
      const heapBytes = metricSum(page, 'orgwarden_nodejs_heap_size_used_bytes');
      const lagMaxMs = metricSum(page, 'orgwarden_nodejs_eventloop_lag_max_seconds') * 1000;
      if (Number.isFinite(bytes)) samples.push({ at, bytes, heapBytes, lagMaxMs });
      await new Promise((r) => setTimeout(r, Math.max(0, at + intervalMs - performance.now())));
    }
  })();
  return {
    async stop() {
      state.running = false;
      await loop;
      return samples;
    },
  };
}

export interface RssFigures {
  /** RSS at the first reading after warm-up (MB). */
  afterWarmupMb: number;
  maxMb: number;
  /** Least-squares slope over the second half of the readings after warm-up (MB per minute). */
  slopeMbPerMin: number;
  /** The V8 heap in use: after warm-up, max, and its slope over the same half (MB, MB/min). */
  heapAfterWarmupMb: number;
  heapMaxMb: number;
  heapSlopeMbPerMin: number;
  /** The longest event-loop stall any reading after warm-up saw (ms). */
  lagMaxMs: number;
  readings: number;
}

const MB = 1024 * 1024;

export function rssFigures(samples: readonly RssSample[], warmupEnd: number): RssFigures {
  const soak = samples.filter((s) => s.at >= warmupEnd);
  const first = soak[0];
  if (!first) throw new Error('no RSS reading after warm-up');
  const half = soak.slice(Math.floor(soak.length / 2));
  return {
    afterWarmupMb: round(first.bytes / MB),
    maxMb: round(Math.max(...samples.map((s) => s.bytes)) / MB),
    slopeMbPerMin: round(slope(half, (s) => s.bytes) * 60_000),
    heapAfterWarmupMb: round(first.heapBytes / MB),
    heapMaxMb: round(Math.max(...samples.map((s) => s.heapBytes)) / MB),
    heapSlopeMbPerMin: round(slope(half, (s) => s.heapBytes) * 60_000),
    lagMaxMs: round(Math.max(...soak.map((s) => s.lagMaxMs))),
    readings: samples.length,
  };
}

/** MB per ms, least squares. */
function slope(points: readonly RssSample[], bytes: (s: RssSample) => number): number {
  if (points.length < 2) return 0;
  const n = points.length;
  const mx = points.reduce((a, p) => a + p.at, 0) / n;
  const my = points.reduce((a, p) => a + bytes(p) / MB, 0) / n;
  const num = points.reduce((a, p) => a + (p.at - mx) * (bytes(p) / MB - my), 0);
  const den = points.reduce((a, p) => a + (p.at - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

const round = (v: number) => Math.round(v * 10) / 10;
