/**
 * From samples to a table row. The rules, the same for every fault:
 * - a **wrong allow** is an allow for a request whose probe expected a deny when it was sent —
 *   at any time, inside the fault window or not (must be 0);
 * - a **wrong deny** is anything but an allow for a request that expected an allow; inside the
 *   fault window plus the fault's recovery budget it is the fault's cost (reported as the
 *   recovery time), outside it is a defect (must be 0);
 * - a **failed request** got no complete decision answer (reset, timeout, gateway error); a
 *   connection refused is "not sent" and counted apart; failed requests are reported for every
 *   fault and must be 0 where the fault promises no lost request (graceful shutdown);
 * - **recovery** is the time from the end of the fault to the last wrong deny after it.
 */
import { NOT_SENT, type Sample } from './load.js';

export interface FaultWindow {
  /** performance.now() when the fault was injected, and when it was lifted. */
  start: number;
  end: number;
  /** How long after `end` wrong denies still count as the fault's cost (default 5000 ms). */
  recoveryBudgetMs?: number;
}

export interface Figures {
  decisions: number;
  wrongAllows: number;
  wrongDeniesOutside: number;
  failed: number;
  notSent: number;
  p99DuringMs: number | null;
  p99AfterMs: number | null;
  recoveryMs: number | null;
  /** Allows the "must allow" probes got: 0 means the load never saw an allow, so it proves nothing. */
  allowsSeen: number;
  /** The first few wrong allows and outside wrong denies, for the report. */
  examples: string[];
}

export function analyse(samples: readonly Sample[], window: FaultWindow): Figures {
  const budget = window.recoveryBudgetMs ?? 5000;
  const inWindow = (s: Sample) => s.sentAt >= window.start && s.sentAt <= window.end + budget;
  const during = samples.filter((s) => s.sentAt >= window.start && s.sentAt <= window.end);
  const wrongAllows = samples.filter((s) => s.expected === 'deny' && s.outcome === 'allow');
  const wrongDenies = samples.filter((s) => s.expected === 'allow' && s.outcome !== 'allow');
  const outside = wrongDenies.filter((s) => !inWindow(s) && s.reason !== NOT_SENT);
  const lastWrongDeny = wrongDenies
    .filter((s) => s.sentAt >= window.end && inWindow(s))
    .reduce<number | null>((last, s) => Math.max(last ?? 0, s.sentAt + s.latencyMs), null);
  const recoveryMs = lastWrongDeny === null ? 0 : Math.round(lastWrongDeny - window.end);
  const after = samples.filter((s) => s.sentAt > window.end + recoveryMs);
  const describe = (kind: string) => (s: Sample) =>
    `${kind}: ${s.group} via ${s.target} at +${Math.round(s.sentAt - window.start)} ms (${s.reason})`;
  return {
    decisions: samples.filter((s) => s.outcome !== 'failed').length,
    wrongAllows: wrongAllows.length,
    wrongDeniesOutside: outside.length,
    failed: samples.filter((s) => s.outcome === 'failed' && s.reason !== NOT_SENT).length,
    notSent: samples.filter((s) => s.reason === NOT_SENT).length,
    p99DuringMs: p99(during),
    p99AfterMs: p99(after),
    recoveryMs,
    allowsSeen: samples.filter((s) => s.expected === 'allow' && s.outcome === 'allow').length,
    examples: [
      ...wrongAllows.slice(0, 3).map(describe('wrong allow')),
      ...outside.slice(0, 3).map(describe('wrong deny')),
      ...samples
        .filter((s) => s.outcome === 'failed' && s.reason !== NOT_SENT)
        .slice(0, 3)
        .map(describe('failed')),
    ],
  };
}

function p99(samples: readonly Sample[]): number | null {
  if (samples.length === 0) return null;
  const sorted = samples.map((s) => s.latencyMs).sort((a, b) => a - b);
  const value = sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] ?? 0;
  return Math.round(value * 10) / 10;
}
