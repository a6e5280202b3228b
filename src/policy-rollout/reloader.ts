/**
 * Hot reload of the active policy. Whatever asks for it (the file watcher, SIGHUP, the admin API),
 * a reload loads a candidate through every step (policy-loader.ts) and swaps it in only when all
 * passed; a failure leaves the active policy serving and is logged, counted (`onReload`) and
 * reported (`lastReload`, shown by `GET /v1/policy`).
 *
 * Reloads run one at a time. A request made while one runs joins the next reload, which starts
 * after the running one ends, so it always sees the files as they were when it asked; any number of
 * requests during one reload cause one more reload, not a queue.
 */
import { createActivePolicy, type ActivePolicy } from '../engine/active-policy.js';
import type { Logger } from '../contract/logger.js';
import {
  PolicyRejectedError,
  describeSource,
  type Candidate,
  type LoadStep,
  type PolicySource,
} from './policy-loader.js';
import type { SmokeReport } from './smoke-cases.js';

export type ReloadTrigger = 'start' | 'api' | 'watch' | 'sighup';

export interface ReloadOutcome {
  ok: boolean;
  trigger: ReloadTrigger;
  at: string;
  duration_ms: number;
  /** The step that failed and why; null when ok. */
  step: LoadStep | null;
  error: string | null;
  /** The candidate's revision, when it got that far. */
  revision: string | null;
  /** The revision serving after this reload. */
  active_revision: string | null;
  /** A different revision became active. */
  changed: boolean;
  smoke: SmokeReport | null;
}

export interface PolicyReloader {
  readonly active: ActivePolicy;
  reload(trigger: ReloadTrigger): Promise<ReloadOutcome>;
  lastReload(): ReloadOutcome | null;
  /** Hook for metrics: told after every reload, failed or not. */
  onReload(listener: (outcome: ReloadOutcome) => void): () => void;
  /** Resolves when no reload is running or waiting. */
  idle(): Promise<void>;
}

export interface ReloaderDeps {
  load: (source: PolicySource) => Promise<Candidate>;
  logger: Logger;
  now: () => number;
}

/** Loads the policy once (a failure rejects: there is nothing to serve) and returns the reloader. */
export async function createPolicyReloader(
  source: PolicySource,
  deps: ReloaderDeps,
): Promise<PolicyReloader> {
  const { logger, now } = deps;
  const active = createActivePolicy();
  const listeners = new Set<(outcome: ReloadOutcome) => void>();
  let last: ReloadOutcome | null = null;
  let running: Promise<unknown> = Promise.resolve();
  let queued: Promise<ReloadOutcome> | null = null;

  async function runOnce(trigger: ReloadTrigger): Promise<ReloadOutcome> {
    const started = performance.now();
    const at = new Date(now()).toISOString();
    const previous = active.current()?.revision ?? null;
    let outcome: ReloadOutcome;
    try {
      const candidate = await deps.load(source);
      const revision = candidate.bundle.revision;
      const changed = revision !== previous;
      if (changed) active.swap(candidate.engine);
      outcome = {
        ok: true,
        trigger,
        at,
        duration_ms: elapsed(started),
        step: null,
        error: null,
        revision,
        active_revision: revision,
        changed,
        smoke: candidate.smoke,
      };
      logger.info(changed ? 'policy activated' : 'policy reloaded: unchanged', {
        component: 'policy',
        trigger,
        revision,
        previous_revision: previous,
        source: describeSource(source),
        smoke_cases: candidate.smoke.cases,
        signed: candidate.signed,
      });
    } catch (err) {
      const step = err instanceof PolicyRejectedError ? err.step : null;
      const error = err instanceof Error ? err.message : String(err);
      outcome = {
        ok: false,
        trigger,
        at,
        duration_ms: elapsed(started),
        step,
        error,
        revision: null,
        active_revision: previous,
        changed: false,
        smoke: null,
      };
      logger.error(
        previous ? 'policy reload failed; the active policy keeps serving' : 'policy load failed',
        {
          component: 'policy',
          trigger,
          step,
          error,
          active_revision: previous,
          source: describeSource(source),
        },
      );
    }
    last = outcome;
    for (const listener of listeners) {
      try {
        listener(outcome);
      } catch {
        // metrics must never fail a reload
      }
    }
    return outcome;
  }

  function reload(trigger: ReloadTrigger): Promise<ReloadOutcome> {
    if (queued) return queued;
    const next = running.then(() => {
      queued = null;
      return runOnce(trigger);
    });
    queued = next;
    running = next.catch(() => undefined);
    return next;
  }

  const first = await reload('start');
  if (!first.ok)
    throw new PolicyRejectedError(
      first.step ?? 'load',
      `${describeSource(source)}: rejected at step ${first.step ?? 'load'}: ${first.error ?? 'failed'}`,
    );

  return {
    active,
    reload,
    lastReload: () => last,
    onReload(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    idle: () => running.then(() => undefined),
  };
}

const elapsed = (started: number) => Math.round((performance.now() - started) * 10) / 10;
