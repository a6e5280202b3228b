/**
 * The decision log: one JSON line per decision, written off the decision path.
 *
 * Invariants:
 * - `onDecision` never waits, never throws and never does I/O: it serializes the entry and puts it
 *   in a bounded buffer; a drain scheduled with `setImmediate` hands the buffer to the sink as one
 *   chunk and waits for the sink to confirm it before sending the next.
 * - At most `bufferEntries` entries and `bufferBytes` bytes of serialized lines are held in memory,
 *   counting both those waiting and those the sink has not yet confirmed. An entry that does not
 *   fit either bound is dropped and counted (`buffer_full`), so a slow or stuck sink costs log
 *   lines, never decisions and never unbounded memory, however large the fields clients send
 *   (and each free-text field is cut to MAX_FIELD_CHARS anyway, decision-log-entry.ts).
 * - Every entry is accounted for exactly once: written, dropped (`buffer_full`, `sink_error`,
 *   `closed`) or, for allows only, sampled out. Denies are never sampled.
 */
import type { DecisionObserver, DecisionRecord } from '../contract/decision.js';
import { decisionLogEntry } from './decision-log-entry.js';
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
    if (waiting.length + writing >= bufferEntries) {
      counters.dropped('buffer_full', 1);
      return;
    }
    const line = `${JSON.stringify(decisionLogEntry(record))}\n`;
    const bytes = Buffer.byteLength(line);
    if (waitingBytes + writingBytes + bytes > bufferBytes) {
      counters.dropped('buffer_full', 1);
      return;
    }
    waiting.push(line);
    waitingBytes += bytes;
    schedule();
  }

  function schedule(): void {
    if (scheduled || writing > 0 || waiting.length === 0) return;
    scheduled = setImmediate(drain);
  }

  function drain(): void {
    scheduled = null;
    if (writing > 0 || waiting.length === 0) return;
    const batch = waiting;
    waiting = [];
    writing = batch.length;
    writingBytes = waitingBytes;
    waitingBytes = 0;
    const started = epoch;
    let confirmed = false;
    const done = (err?: Error | null) => {
      if (confirmed || started !== epoch) return;
      confirmed = true;
      writing = 0;
      writingBytes = 0;
      if (err) counters.dropped('sink_error', batch.length);
      else counters.written(batch.length);
      reportState(err ?? null);
      if (waiting.length > 0) schedule();
      else for (const wake of idleWaiters) wake();
    };
    try {
      sink.write(batch.join(''), done);
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
    if (waiting.length + writing === 0) return Promise.resolve(true);
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
      return waiting.length + writing;
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
      const lost = waiting.length + writing;
      epoch += 1;
      waiting = [];
      waitingBytes = 0;
      writing = 0;
      writingBytes = 0;
      if (lost > 0) counters.dropped('closed', lost);
      await sink.close(timeoutMs);
    },
  };
}
