/**
 * Shadow mode: a candidate policy evaluated beside the active one on live traffic, never enforced.
 *
 * The decision core hands every evaluated input and its decision to `observe` after the decision is
 * made. `observe` only queues (bounded; an item that does not fit is dropped and counted), and the
 * queue is evaluated on later turns of the event loop, so the shadow never delays, changes or fails
 * a decision. It does cost CPU: each shadowed decision is evaluated twice.
 *
 * A disagreement is a different `allow` or, when both deny, a different `reason`. Each is counted
 * and logged (rate-limited; what was not logged is counted too) with the decision id, kind, action,
 * requested org and both outcomes, never a token. Replacing or clearing the candidate starts the
 * counts afresh and drops what was queued for the old one.
 */
import type { Decision } from '../contract/decision.js';
import type { PolicyInput } from '../contract/policy-io.js';
import type { PolicyEngine } from '../engine/wasm-engine.js';
import type { Logger } from '../contract/logger.js';

const DEFAULT_QUEUE_MAX = 1000;
const DEFAULT_LOGS_PER_SECOND = 20;
const BATCH = 200;

interface Outcome {
  allow: boolean;
  reason: string;
  detail: string | null;
}

export interface ShadowDisagreement {
  decision_id: string;
  kind: string;
  action: string;
  requested_org: string;
  differs: 'allow' | 'reason';
  active: Outcome & { revision: string | null };
  shadow: Outcome & { revision: string };
}

export interface ShadowStatus {
  revision: string;
  source: string;
  loaded_at: string;
  evaluated: number;
  agreed: number;
  disagreed: { allow: number; reason: number };
  /** Evaluations where the candidate itself failed (counted as policy_error). */
  errors: number;
  /** Decisions not shadowed because the queue was full. */
  dropped: number;
  /** Disagreements counted but not logged (log rate limit). */
  logs_suppressed: number;
}

export interface ShadowPolicy {
  /** The decision core's hook: queues; never throws, never blocks. */
  observe(input: PolicyInput, decision: Decision): void;
  set(engine: PolicyEngine, source: string): ShadowStatus;
  clear(): boolean;
  status(): ShadowStatus | null;
  /** Hook for metrics: told about every disagreement. */
  onDisagreement(listener: (d: ShadowDisagreement) => void): () => void;
  /** Evaluates everything queued now (tests, shutdown). */
  flush(): void;
  close(): void;
}

interface Slot {
  engine: PolicyEngine;
  status: ShadowStatus;
}

export function createShadowPolicy(deps: {
  logger: Logger;
  now?: () => number;
  queueMax?: number;
  logsPerSecond?: number;
}): ShadowPolicy {
  const now = deps.now ?? Date.now;
  const queueMax = deps.queueMax ?? DEFAULT_QUEUE_MAX;
  const logsPerSecond = deps.logsPerSecond ?? DEFAULT_LOGS_PER_SECOND;
  const listeners = new Set<(d: ShadowDisagreement) => void>();
  let slot: Slot | null = null;
  let queue: { slot: Slot; input: PolicyInput; decision: Decision }[] = [];
  let scheduled: NodeJS.Immediate | null = null;
  let logWindow = { second: 0, logged: 0 };
  let closed = false;

  function evaluate(item: { slot: Slot; input: PolicyInput; decision: Decision }): void {
    const { slot: s, input, decision } = item;
    const result = s.engine.evaluate(input);
    const shadow: Outcome = result.ok
      ? {
          allow: result.decision.allow,
          reason: result.decision.reason,
          detail: result.decision.detail,
        }
      : { allow: false, reason: 'policy_error', detail: null };
    s.status.evaluated += 1;
    if (!result.ok) s.status.errors += 1;
    const differs =
      shadow.allow !== decision.allow
        ? 'allow'
        : shadow.reason !== decision.reason
          ? 'reason'
          : null;
    if (differs === null) {
      s.status.agreed += 1;
      return;
    }
    s.status.disagreed[differs] += 1;
    const disagreement: ShadowDisagreement = {
      decision_id: decision.decision_id,
      kind: input.kind,
      action: input.action,
      requested_org: input.requested_org.id,
      differs,
      active: {
        allow: decision.allow,
        reason: decision.reason,
        detail: decision.detail,
        revision: decision.policy_revision,
      },
      shadow: { ...shadow, revision: s.engine.revision },
    };
    if (mayLog())
      deps.logger.warn('shadow policy disagrees', { component: 'policy', ...disagreement });
    else s.status.logs_suppressed += 1;
    for (const listener of listeners) {
      try {
        listener(disagreement);
      } catch {
        // metrics must never break the shadow
      }
    }
  }

  function mayLog(): boolean {
    const second = Math.floor(now() / 1000);
    if (second !== logWindow.second) logWindow = { second, logged: 0 };
    logWindow.logged += 1;
    return logWindow.logged <= logsPerSecond;
  }

  function drain(limit: number): void {
    const batch = queue.splice(0, limit);
    for (const item of batch) {
      try {
        evaluate(item);
      } catch {
        item.slot.status.errors += 1;
      }
    }
  }

  function schedule(): void {
    if (scheduled || closed) return;
    scheduled = setImmediate(() => {
      scheduled = null;
      drain(BATCH);
      if (queue.length > 0) schedule();
    });
  }

  return {
    observe(input, decision) {
      const s = slot;
      if (!s || closed) return;
      if (queue.length >= queueMax) {
        s.status.dropped += 1;
        return;
      }
      queue.push({ slot: s, input, decision });
      schedule();
    },
    set(engine, source) {
      queue = [];
      slot = {
        engine,
        status: {
          revision: engine.revision,
          source,
          loaded_at: new Date(now()).toISOString(),
          evaluated: 0,
          agreed: 0,
          disagreed: { allow: 0, reason: 0 },
          errors: 0,
          dropped: 0,
          logs_suppressed: 0,
        },
      };
      return { ...slot.status };
    },
    clear() {
      const had = slot !== null;
      slot = null;
      queue = [];
      return had;
    },
    status: () => (slot ? { ...slot.status, disagreed: { ...slot.status.disagreed } } : null),
    onDisagreement(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    flush: () => drain(queue.length),
    close() {
      closed = true;
      if (scheduled) clearImmediate(scheduled);
      scheduled = null;
      queue = [];
      slot = null;
      listeners.clear();
    },
  };
}
