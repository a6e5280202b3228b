/**
 * Safe policy rollout, built from the `policy` config: the first load, hot reloads (file watcher,
 * SIGHUP, admin API) through the same checked steps, signature verification when
 * `policy.public_key_file` is set, and a shadow candidate evaluated beside the active policy.
 */
import type { PolicyConfig } from './config.js';
import type { ActivePolicy } from '../engine/active-policy.js';
import type { Logger } from '../contract/logger.js';
import {
  PolicyRejectedError,
  describeSource,
  loadCandidate,
  type LoadStep,
  type PolicySource,
} from './policy-loader.js';
import { createPolicyReloader, type ReloadOutcome, type ReloadTrigger } from './reloader.js';
import { createShadowPolicy, type ShadowPolicy, type ShadowStatus } from './shadow.js';
import { loadVerificationKey } from '../bundle/signing-keys.js';
import { watchPolicySource } from './watcher.js';

type ShadowLoadOutcome =
  | { ok: true; at: string; status: ShadowStatus }
  | { ok: false; at: string; source: string; step: LoadStep | null; error: string };

export interface PolicyRollout {
  readonly active: ActivePolicy;
  readonly shadow: ShadowPolicy;
  /** Whether only signed bundles load (`policy.public_key_file`). */
  readonly signed: boolean;
  reload(trigger: ReloadTrigger): Promise<ReloadOutcome>;
  lastReload(): ReloadOutcome | null;
  onReload(listener: (outcome: ReloadOutcome) => void): () => void;
  /** Loads a candidate as the shadow; without a source, the configured `policy.shadow`. */
  loadShadow(source?: PolicySource): Promise<ShadowLoadOutcome>;
  lastShadowLoad(): ShadowLoadOutcome | null;
  close(): Promise<void>;
}

export interface PolicyRolloutDeps {
  env?: Record<string, string | undefined>;
  logger: Logger;
  now: () => number;
  /** The route manifest's actions and their org-management flag (see `loadCandidate`). */
  routeActions?: () => ReadonlyMap<string, boolean>;
  /** The other workers of this sidecar (`server.workers` > 1); absent in a single process. */
  peers?: PolicyPeers;
}

/**
 * How a worker's reloads reach the other workers. Each worker loads the candidate itself, through
 * every step, from the same files; a failure anywhere leaves that worker on its active policy.
 */
export interface PolicyPeers {
  /** Reloads every other worker (admin API); resolves with their outcomes once all have answered. */
  reloadOthers(trigger: ReloadTrigger): Promise<readonly ReloadOutcome[]>;
  /** How this worker serves a reload another one (or SIGHUP to the primary) asked for. */
  serveReloads(reload: (trigger: ReloadTrigger) => Promise<ReloadOutcome>): void;
}

export async function createPolicyRollout(
  config: PolicyConfig,
  deps: PolicyRolloutDeps,
): Promise<PolicyRollout> {
  const { logger, now } = deps;
  const verificationKey = config.public_key_file
    ? await loadVerificationKey(config.public_key_file)
    : null;
  const load = (source: PolicySource) =>
    loadCandidate(source, {
      env: deps.env,
      verificationKey,
      now: () => new Date(now()),
      ...(deps.routeActions ? { routeActions: deps.routeActions() } : {}),
    });
  // The schema holds exactly one of dir and bundle; watch and watch_debounce_ms have defaults there.
  const source: PolicySource =
    config.dir !== undefined ? { dir: config.dir } : { bundle: config.bundle };
  const reloader = await createPolicyReloader(source, { load, logger, now });
  const peers = deps.peers;
  peers?.serveReloads((trigger) => reloader.reload(trigger));
  /**
   * An admin reload answers once every worker has run it, so after a 200 every worker serves the
   * new revision. The answer is this worker's outcome; another worker's failure is logged (it
   * keeps its active policy, as a single process would).
   */
  function reloadEverywhere(trigger: ReloadTrigger): Promise<ReloadOutcome> {
    // one process: the reloader's own promise, so calls it coalesces share it
    if (!peers || trigger !== 'api') return reloader.reload(trigger);
    return reloadWithPeers(peers, trigger);
  }
  async function reloadWithPeers(
    peers: PolicyPeers,
    trigger: ReloadTrigger,
  ): Promise<ReloadOutcome> {
    const [mine, others] = await Promise.all([
      reloader.reload(trigger),
      peers.reloadOthers(trigger).catch((err: unknown) => {
        logger.error('policy reload could not reach the other workers', {
          component: 'policy',
          error: err instanceof Error ? err.message : String(err),
        });
        return [];
      }),
    ]);
    const disagreeing = others.filter(
      (o) => o.ok !== mine.ok || o.active_revision !== mine.active_revision,
    );
    if (disagreeing.length > 0)
      logger.error('policy reload ended differently on other workers', {
        component: 'policy',
        active_revision: mine.active_revision,
        others: disagreeing.map((o) => ({ ok: o.ok, active_revision: o.active_revision })),
      });
    return mine;
  }
  const shadow = createShadowPolicy({ logger, now });
  const watcher = config.watch
    ? watchPolicySource(source, () => void reloader.reload('watch'), {
        debounceMs: config.watch_debounce_ms,
        logger,
      })
    : null;
  let lastShadow: ShadowLoadOutcome | null = null;

  // Shadow loads run one at a time too, so the last one asked for is the one that stays.
  let shadowQueue: Promise<unknown> = Promise.resolve();
  function loadShadow(requested?: PolicySource): Promise<ShadowLoadOutcome> {
    const run = shadowQueue.then(async (): Promise<ShadowLoadOutcome> => {
      const at = new Date(now()).toISOString();
      const candidateSource = requested ?? config.shadow;
      if (!candidateSource)
        return (lastShadow = {
          ok: false,
          at,
          source: 'none',
          step: null,
          error: 'no shadow source given and policy.shadow is not configured',
        });
      const label = describeSource(candidateSource);
      try {
        const candidate = await load(candidateSource);
        const status = shadow.set(candidate.engine, label);
        logger.info('shadow policy loaded', {
          component: 'policy',
          revision: status.revision,
          source: label,
          smoke_cases: candidate.smoke.cases,
        });
        return (lastShadow = { ok: true, at, status });
      } catch (err) {
        const step = err instanceof PolicyRejectedError ? err.step : null;
        const error = err instanceof Error ? err.message : String(err);
        logger.error('shadow policy rejected; the previous shadow (if any) stays', {
          component: 'policy',
          source: label,
          step,
          error,
        });
        return (lastShadow = { ok: false, at, source: label, step, error });
      }
    });
    shadowQueue = run.catch(() => undefined);
    return run;
  }

  // A shadow that does not load is logged and reported, never a reason not to serve.
  if (config.shadow) await loadShadow(config.shadow);

  return {
    active: reloader.active,
    shadow,
    signed: verificationKey !== null,
    reload: reloadEverywhere,
    lastReload: () => reloader.lastReload(),
    onReload: (listener) => reloader.onReload(listener),
    loadShadow,
    lastShadowLoad: () => lastShadow,
    async close() {
      watcher?.close();
      shadow.close();
      await Promise.all([reloader.idle(), shadowQueue]);
    },
  };
}

export type { LoadStep, PolicySource } from './policy-loader.js';
export type { ReloadOutcome, ReloadTrigger } from './reloader.js';
