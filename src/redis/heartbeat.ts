/**
 * A periodic PING on one connection that says whether the connection answered recently.
 *
 * A Redis that stops answering without closing its connections (paused, overloaded, a network
 * black hole) produces no `close`: only the silence shows. Rules:
 * - `start` counts as an answer (the owner just got one, e.g. a SUBSCRIBE confirmation); then a
 *   PING is sent `intervalMs` after each answer.
 * - `isFresh()` is true only while the last answer is at most `intervalMs + timeoutMs` old, so it
 *   turns false by itself when the node stalls, whether or not a PING has failed yet.
 * - A PING that rejects, or gets no answer within `timeoutMs`, or whose answer arrives when the
 *   last one is no longer fresh (the process itself was stalled meanwhile), is a failure:
 *   `onFailure` runs once and the heartbeat stops until the next `start`.
 * - `stop` (and a new `start`) discards the outcome of any PING still in flight.
 */

export interface HeartbeatTiming {
  /** Pause between an answer and the next PING. */
  intervalMs: number;
  /** How long a PING may take. */
  timeoutMs: number;
}

export interface Heartbeat {
  /** Starts (or restarts) beating over `ping`; `onFailure` runs once when a PING fails or is late. */
  start(ping: () => Promise<unknown>, onFailure: (reason: string) => void): void;
  stop(): void;
  /** The connection answered within the last `intervalMs + timeoutMs`. */
  isFresh(): boolean;
}

export function createHeartbeat(timing: HeartbeatTiming, now: () => number = Date.now): Heartbeat {
  const freshMs = timing.intervalMs + timing.timeoutMs;
  let lastAnswer = Number.NEGATIVE_INFINITY;
  let run = 0;
  let timer: NodeJS.Timeout | null = null;

  const isFresh = () => now() - lastAnswer <= freshMs;

  function stop(): void {
    run += 1;
    lastAnswer = Number.NEGATIVE_INFINITY;
    if (timer) clearTimeout(timer);
    timer = null;
  }

  function start(ping: () => Promise<unknown>, onFailure: (reason: string) => void): void {
    stop();
    const current = run;
    lastAnswer = now();
    const fail = (reason: string) => {
      if (current !== run) return;
      stop();
      onFailure(reason);
    };
    const beat = async () => {
      timer = null;
      const sentAt = now();
      try {
        await withTimeout(ping(), timing.timeoutMs);
      } catch (err) {
        fail(`no answer to PING: ${err instanceof Error ? err.message : String(err)}`);
        return;
      }
      if (current !== run) return;
      if (!isFresh()) {
        fail(`PING answered after ${now() - sentAt} ms, when the last answer was no longer fresh`);
        return;
      }
      lastAnswer = now();
      schedule();
    };
    const schedule = () => {
      timer = setTimeout(() => void beat(), timing.intervalMs);
      timer.unref();
    };
    schedule();
  }

  return { start, stop, isFresh };
}

/** `promise`, or a rejection after `ms` if it has not settled by then. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
