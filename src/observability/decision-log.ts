/**
 * The decision log: one JSON line per decision, written off the decision path.
 *
 * Invariants:
 * - `onDecision` never waits, never throws, never does I/O and does not serialize: it keeps the
 *   record for the drain, which `setImmediate` runs after the answers of this turn of the event
 *   loop are written. The drain serializes what was kept into lines (the byte bound applies there)
 *   and, when the sink is not busy, hands every waiting line to it as one chunk (one write per
 *   turn, not per decision), then waits for the sink to confirm it before sending the next.
 * - At most `bufferEntries` entries are held (kept records, waiting lines and lines the sink has
 *   not yet confirmed), and at most `bufferBytes` bytes of serialized lines. A record is kept as
 *   a record for one turn of the event loop at most: every drain serializes all of them, whether or
 *   not the sink is busy, so the byte bound is never deferred. An entry that does not fit either
 *   bound is dropped and counted (`buffer_full`), so a slow or stuck sink costs log lines, never
 *   decisions and never unbounded memory, however large the fields clients send (and each
 *   free-text field is cut to MAX_FIELD_CHARS anyway, decision-log-entry.ts).
 * - Every entry is accounted for exactly once: written, dropped (`buffer_full`, `sink_error`,
 *   `closed`) or, for allows only, sampled out. Denies are never sampled.
 */
import type { DecisionObserver, DecisionRecord } from '../contract/decision.js';
import { decisionLogLiner } from './decision-log-line.js';
import type { DecisionLogSink } from './decision-log-sink.js';
import type { DecisionLogCounters } from './metrics.js';

export interface DecisionLogOptions {
  /** Capacity of the in-memory buffer, in entries (waiting + being written). */
  bufferEntries: number;
  /** Capacity of the in-memory buffer, in bytes of serialized lines (waiting + being written). */
  bufferBytes: number;
  /** Log one allow in this many (1 = every allow); denies are always logged. */
  sampleAllowsOneIn: number;
}

export interface DecisionLogDeps {
  sink: DecisionLogSink;
  counters: DecisionLogCounters;
  /** Told when the sink starts failing and when it recovers (not once per failed write). */
  onSinkState?: (state: { failing: true; error: Error } | { failing: false }) => void;
  /** Uniform in [0, 1); decides which allows are sampled out. */
  random?: () => number;
}

export interface DecisionLog extends DecisionObserver {
  /** Entries held in memory (waiting or being written). */
  readonly held: number;
  /** Bytes of serialized lines held in memory (waiting or being written). */
  readonly heldBytes: number;
  /** Resolves true once everything accepted so far is confirmed by the sink, false at the deadline. */
  flush(timeoutMs: number): Promise<boolean>;
  /** Stops accepting, flushes up to the deadline, counts what is left as dropped, closes the sink. */
  close(timeoutMs: number): Promise<void>;
}

export function createDecisionLog(options: DecisionLogOptions, deps: DecisionLogDeps): DecisionLog {
  const { bufferEntries, bufferBytes, sampleAllowsOneIn } = options;
  if (!Number.isInteger(bufferEntries) || bufferEntries < 1)
    throw new TypeError('bufferEntries must be a positive integer');
  if (!Number.isInteger(bufferBytes) || bufferBytes < 1)
    throw new TypeError('bufferBytes must be a positive integer');
  if (!Number.isInteger(sampleAllowsOneIn) || sampleAllowsOneIn < 1)
    throw new TypeError('sampleAllowsOneIn must be a positive integer');
  const { sink, counters } = deps;
  const random = deps.random ?? Math.random;
  const liner = decisionLogLiner();

  /** Records accepted this turn, serialized by the next drain. */
  let kept: DecisionRecord[] = [];
  /** Serialized lines (without their newline) waiting for the sink. */
  let waiting: string[] = [];
  let waitingBytes = 0;
  let writing = 0;
  let writingBytes = 0;
  let scheduled: NodeJS.Immediate | null = null;
  let closed = false;
  let failing = false;
  /** Bumped when close gives up on a write: its late confirmation must not count it twice. */
  let epoch = 0;
  const idleWaiters = new Set<() => void>();

  function onDecision(record: DecisionRecord): void {
    if (closed) {
      counters.dropped('closed', 1);
      return;
    }
    if (record.decision.allow && sampleAllowsOneIn > 1 && random() * sampleAllowsOneIn >= 1) {
      counters.sampledOut();
      return;
    }
    if (kept.length + waiting.length + writing >= bufferEntries) {
      counters.dropped('buffer_full', 1);
      return;
    }
    kept.push(record);
    schedule();
  }

  function schedule(): void {
    if (scheduled) return;
    if (kept.length === 0 && (writing > 0 || waiting.length === 0)) return;
    scheduled = setImmediate(drain);
  }

  /** Serializes the records kept since the last drain into waiting lines, within the byte bound. */
  function serializeKept(): void {
    const records = kept;
    kept = [];
    for (const record of records) {
      const line = liner.line(record);
      const bytes = liner.bytesOf(line) + 1; // and its newline
      if (waitingBytes + writingBytes + bytes > bufferBytes) {
        counters.dropped('buffer_full', 1);
        continue;
      }
      waiting.push(line);
      waitingBytes += bytes;
    }
  }

  function drain(): void {
    scheduled = null;
    serializeKept();
    if (writing > 0 || waiting.length === 0) {
      if (waiting.length + writing === 0) for (const wake of idleWaiters) wake();
      return;
    }
    const batch = waiting;
    const lines = batch.length;
    waiting = [];
    writing = lines;
    writingBytes = waitingBytes;
    waitingBytes = 0;
    const started = epoch;
    let confirmed = false;
    const done = (err?: Error | null) => {
      if (confirmed || started !== epoch) return;
      confirmed = true;
      writing = 0;
      writingBytes = 0;
      if (err) counters.dropped('sink_error', lines);
      else counters.written(lines);
      reportState(err ?? null);
      if (waiting.length + kept.length > 0) schedule();
      else for (const wake of idleWaiters) wake();
    };
    try {
      // Each line ends with a newline: joined with one, and one after the last.
      batch.push('');
      sink.write(batch.join('\n'), done);
    } catch (err) {
      done(err instanceof Error ? err : new Error(String(err)));
    }
  }

  function reportState(err: Error | null): void {
    if ((err !== null) === failing) return;
    failing = err !== null;
    try {
      deps.onSinkState?.(err ? { failing: true, error: err } : { failing: false });
    } catch {
      // reporting must not break the drain
    }
  }

  function flush(timeoutMs: number): Promise<boolean> {
    if (kept.length + waiting.length + writing === 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const finish = (idle: boolean) => {
        clearTimeout(timer);
        idleWaiters.delete(onIdle);
        resolve(idle);
      };
      const onIdle = () => finish(true);
      const timer = setTimeout(() => finish(false), timeoutMs);
      idleWaiters.add(onIdle);
    });
  }

  return {
    onDecision,
    get held() {
      return kept.length + waiting.length + writing;
    },
    get heldBytes() {
      return waitingBytes + writingBytes;
    },
    flush,
    async close(timeoutMs) {
      if (closed) return;
      closed = true;
      await flush(timeoutMs);
      if (scheduled) clearImmediate(scheduled);
      scheduled = null;
      const lost = kept.length + waiting.length + writing;
      epoch += 1;
      kept = [];
      waiting = [];
      waitingBytes = 0;
      writing = 0;
      writingBytes = 0;
      if (lost > 0) counters.dropped('closed', lost);
      await sink.close(timeoutMs);
    },
  };
}
