/**
 * The Prometheus metrics of one orgwarden (contract section 7; every metric is described in
 * docs/metrics.md). They live on a `Registry` the composition root creates and passes in: nothing
 * here touches prom-client's global default registry, so tests can run many apps side by side and
 * read exact values.
 *
 * Label invariant: every label value comes from a closed set (decision kinds, reason codes, spoof
 * sources, cache layers, components, drop causes, the catalogue's actions, the manifest's routes),
 * except the policy revision (on `orgwarden_policy_info` and `orgwarden_build_info`), which
 * changes only on a reload and has one series at a time. No label ever carries a user, token, org
 * or decision id. Every known label combination is created at zero up front, so `rate()` sees the
 * first event and dashboards see "none" instead of "no data" — except the denials by action and
 * route, whose product is too large for that (denial-series.ts).
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { DecisionObserver, DecisionRecord } from '../contract/decision.js';
import { DECISION_KINDS } from '../contract/decision-kinds.js';
import {
  CACHE_LAYERS,
  CACHE_OUTCOMES,
  REQUEST_REFUSALS,
  type CacheStats,
  type RequestRefusal,
} from '../contract/metric-labels.js';
import { SPOOF_SOURCES } from '../contract/org-sources.js';
import { REASONS } from '../contract/reasons.js';
import { FLIP_SOURCES, type FlipSource } from '../contract/tenancy-switch.js';
import { decisionLabels, ORG_SWITCH_DETAILS } from './decision-labels.js';
import { createDenialSeries } from './denial-series.js';
import {
  localCounter,
  localHistogram,
  type CountSeries,
  type ObserveSeries,
} from './local-series.js';

/** Decision latency buckets in seconds: 25 µs … 100 ms. */
const DECISION_LATENCY_BUCKETS_S = [
  0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
];

/** Redis-backed components; add yours here when it starts counting its Redis errors. */
const REDIS_COMPONENTS = ['directory', 'tenancy', 'policy', 'audit'] as const;
type RedisComponent = (typeof REDIS_COMPONENTS)[number];
const DECISION_LOG_DROP_CAUSES = ['buffer_full', 'sink_error', 'closed'] as const;
export type DecisionLogDropCause = (typeof DECISION_LOG_DROP_CAUSES)[number];

/** What the state gauges read at scrape time. */
interface StateSources {
  isMultiTenant(): boolean;
  /** The active policy (the engine holder's `current()`); null while none is loaded. */
  activePolicy(): { revision: string; loadedAt: Date } | null;
}

/** What the decision log reports about itself. */
export interface DecisionLogCounters {
  written(entries: number): void;
  dropped(cause: DecisionLogDropCause, entries: number): void;
  sampledOut(): void;
}

export interface Metrics {
  readonly registry: Registry;
  /** Counts every decision: by kind/decision/reason, denials by action and route, spoofs, org-switch failures, latency. */
  readonly decisionObserver: DecisionObserver;
  /** The directory stores' `stats` callback: cache hits and misses by layer. */
  readonly directoryCacheStats: CacheStats;
  readonly decisionLog: DecisionLogCounters;
  /** Count one Redis error (a failed connection attempt, a dropped connection) of a component. */
  redisError(component: RedisComponent): void;
  /**
   * A Redis directory's cache state, read at each scrape for `orgwarden_directory_cache_bypassed`
   * (until told, and with a file directory, which has no cache, the gauge stays 0).
   */
  observeDirectoryInvalidations(isLive: () => boolean): void;
  /** Count one policy load or reload that failed (the active policy kept serving). */
  policyLoadFailed(): void;
  /** Count one flip of the multi-tenant switch served by this replica, by what caused it. */
  tenancyFlipped(flip: { multi_tenant: boolean; source: FlipSource }): void;
  /** Count one disagreement of the shadow (candidate) policy with the active one. */
  shadowDisagreed(d: { differs: 'allow' | 'reason'; shadow: { allow: boolean } }): void;
  /** Count one forward-auth check refused before any decision (malformed, unknown route, ...). */
  forwardAuthRefused(refusal: RequestRefusal): void;
  /** Count one lookup in the decision memo (hit: the policy was not evaluated again). */
  decisionMemoLookup(outcome: 'hit' | 'miss'): void;
  /** Where the multi-tenant and policy gauges read from; until called they report nothing. */
  observeState(sources: StateSources): void;
  /**
   * The label values of `orgwarden_denials_total`: the actions of the active policy's catalogue
   * (again after every successful reload) and the names of the forward-auth routes. Until told,
   * every action and route is `unknown`.
   */
  observeVocabulary(vocabulary: { actions?: Iterable<string>; routes?: Iterable<string> }): void;
}

/** What `orgwarden_build_info` says about the build besides the policy revision. */
export interface BuildFacts {
  /** The package version (package.json). */
  version: string;
  /** The Node.js version running it (`process.version`). */
  nodeVersion: string;
}

interface Bound {
  count: CountSeries;
  latency: ObserveSeries;
}

export function createMetrics(
  registry: Registry,
  build: BuildFacts = { version: 'unknown', nodeVersion: process.version },
): Metrics {
  const registers = [registry];
  let state: StateSources | null = null;
  const denials = createDenialSeries(registry);

  // Counted on every decision: plain-number series (local-series.ts), read at scrape time.
  const decisions = localCounter({
    name: 'orgwarden_decisions_total',
    help: 'Decisions by surface (kind), outcome (decision: allow|deny) and reason code.',
    labelNames: ['kind', 'decision', 'reason'] as const,
    registers,
  });
  const spoofs = new Counter({
    name: 'orgwarden_spoof_attempts_total',
    help: 'Decisions that named an org the principal may not act in (spoof: true), by where that org came from.',
    labelNames: ['source'] as const,
    registers,
  });
  const orgSwitchFailures = new Counter({
    name: 'orgwarden_org_switch_failures_total',
    help: 'access_denied decisions for an org the client named explicitly (field, header, cookie, path) and the principal is not a member of (not_member) or its token is not bound to (token_org_mismatch), by whether multi-tenant mode was on for that request (in_cohort: true|false).',
    labelNames: ['detail', 'in_cohort'] as const,
    registers,
  });
  const latency = localHistogram({
    name: 'orgwarden_decision_duration_seconds',
    help: 'Time to decide, from the decision core receiving a request to the decision (authentication, directory, policy), by kind.',
    labelNames: ['kind'] as const,
    buckets: DECISION_LATENCY_BUCKETS_S,
    registers,
  });
  const cacheLookups = new Counter({
    name: 'orgwarden_directory_cache_lookups_total',
    help: 'Directory lookups by cache layer (memory: the in-process cache; redis: the shared store; http: the read-through cache of main API answers) and outcome (hit|miss).',
    labelNames: ['layer', 'outcome'] as const,
    registers,
  });
  const redisErrors = new Counter({
    name: 'orgwarden_redis_errors_total',
    help: 'Redis errors (failed connection attempts, dropped connections) by component.',
    labelNames: ['component'] as const,
    registers,
  });
  const policyLoadFailures = new Counter({
    name: 'orgwarden_policy_load_failures_total',
    help: 'Policy loads or reloads that failed; the previously active policy kept serving.',
    registers,
  });
  new Gauge({
    name: 'orgwarden_policy_info',
    help: 'Always 1, labelled with the revision of the active policy.',
    labelNames: ['revision'] as const,
    registers,
    collect() {
      this.reset();
      const active = state?.activePolicy();
      if (active) this.set({ revision: active.revision }, 1);
    },
  });
  new Gauge({
    name: 'orgwarden_build_info',
    help: 'Always 1, labelled with the package version, the revision of the active policy (none while no policy is active) and the Node.js version.',
    labelNames: ['version', 'policy_revision', 'node_version'] as const,
    registers,
    collect() {
      this.reset();
      const revision = state?.activePolicy()?.revision ?? 'none';
      this.set(
        { version: build.version, policy_revision: revision, node_version: build.nodeVersion },
        1,
      );
    },
  });
  new Gauge({
    name: 'orgwarden_policy_last_load_success_timestamp_seconds',
    help: 'When the active policy was loaded (seconds since the epoch).',
    registers,
    collect() {
      const active = state?.activePolicy();
      this.set(active ? active.loadedAt.getTime() / 1000 : 0);
    },
  });
  let invalidationsLive: (() => boolean) | null = null;
  new Gauge({
    name: 'orgwarden_directory_cache_bypassed',
    help: "1 while a Redis directory's invalidation subscription is not live, so its in-process cache is bypassed and every lookup reads Redis; 0 while the cache answers lookups, and always with a file directory (no cache).",
    registers,
    collect() {
      this.set(invalidationsLive && !invalidationsLive() ? 1 : 0);
    },
  });
  new Gauge({
    name: 'orgwarden_multi_tenant',
    help: 'The multi-tenant switch as this replica reads it: 1 on, 0 off (single-tenant).',
    registers,
    collect() {
      if (state) this.set(state.isMultiTenant() ? 1 : 0);
    },
  });
  const logWritten = new Counter({
    name: 'orgwarden_decision_log_written_total',
    help: 'Decision log entries handed to the sink.',
    registers,
  });
  const logDropped = new Counter({
    name: 'orgwarden_decision_log_dropped_total',
    help: 'Decision log entries lost: buffer_full (the sink is slower than decisions), sink_error (the sink failed the write), closed (unwritten at shutdown).',
    labelNames: ['cause'] as const,
    registers,
  });
  const shadowDisagreements = new Counter({
    name: 'orgwarden_shadow_disagreements_total',
    help: 'Live decisions where the shadow (candidate) policy disagreed with the active one, by what differed (allow, or only the reason) and what the shadow decided (allow|deny). Never enforced.',
    labelNames: ['differs', 'shadow'] as const,
    registers,
  });
  const tenancyFlips = new Counter({
    name: 'orgwarden_multi_tenant_flips_total',
    help: 'Flips of the multi-tenant switch this replica served, by new state (to: on|off) and cause (source: admin|broadcast|poll|sync).',
    labelNames: ['to', 'source'] as const,
    registers,
  });
  const forwardAuthRefusals = new Counter({
    name: 'orgwarden_forward_auth_refusals_total',
    help: 'Forward-auth checks refused before any decision (no decision id, no decision log entry), by refusal: invalid_request, invalid_path, unknown_route, org_mismatch.',
    labelNames: ['refusal'] as const,
    registers,
  });
  const logSampledOut = new Counter({
    name: 'orgwarden_decision_log_sampled_out_total',
    help: 'Allow decisions deliberately not logged (decision_log.sample_allows_one_in); denies are never sampled out.',
    registers,
  });

  const memoLookups = new Counter({
    name: 'orgwarden_decision_memo_lookups_total',
    help: 'Lookups in the decision memo by outcome: hit (answered without evaluating the policy) or miss.',
    labelNames: ['outcome'] as const,
    registers,
  });
  const memoHits = memoLookups.labels({ outcome: 'hit' });
  const memoMisses = memoLookups.labels({ outcome: 'miss' });
  memoHits.inc(0);
  memoMisses.inc(0);

  /**
   * The series of each (kind, outcome, reason), bound once and found by the record's own strings
   * (kind, then deny/allow, then reason: no key is built per decision); `seriesOf` adds any other.
   */
  const decisionSeries = new Map<string, [deny: Map<string, Bound>, allow: Map<string, Bound>]>();
  const seriesOf = (record: DecisionRecord): Bound => {
    const byReason = decisionSeries.get(record.kind)?.[record.decision.allow ? 1 : 0];
    const known = byReason?.get(record.decision.reason);
    if (known) return known;
    const labels = decisionLabels(record).decision;
    const series = {
      count: decisions.series(labels),
      latency: latency.series({ kind: labels.kind }),
    };
    // Only a record whose labels are its own values is remembered: the maps' keys stay the
    // closed set too, whatever a policy returns.
    if (labels.kind === record.kind && labels.reason === record.decision.reason) {
      let byOutcome = decisionSeries.get(labels.kind);
      if (!byOutcome) decisionSeries.set(labels.kind, (byOutcome = [new Map(), new Map()]));
      byOutcome[record.decision.allow ? 1 : 0].set(labels.reason, series);
    }
    return series;
  };
  for (const kind of DECISION_KINDS) {
    latency.series({ kind });
    for (const reason of REASONS) {
      const decision = reason === 'allowed' ? 'allow' : 'deny';
      decisions.series({ kind, decision, reason });
    }
  }
  for (const source of SPOOF_SOURCES) spoofs.inc({ source }, 0);
  for (const detail of ORG_SWITCH_DETAILS)
    for (const inCohort of ['true', 'false'])
      orgSwitchFailures.inc({ detail, in_cohort: inCohort }, 0);
  for (const layer of CACHE_LAYERS)
    for (const outcome of CACHE_OUTCOMES) cacheLookups.inc({ layer, outcome }, 0);
  for (const component of REDIS_COMPONENTS) redisErrors.inc({ component }, 0);
  for (const cause of DECISION_LOG_DROP_CAUSES) logDropped.inc({ cause }, 0);
  for (const refusal of REQUEST_REFUSALS) forwardAuthRefusals.inc({ refusal }, 0);
  for (const to of ['on', 'off'])
    for (const source of FLIP_SOURCES) tenancyFlips.inc({ to, source }, 0);
  for (const differs of ['allow', 'reason'])
    for (const shadow of ['allow', 'deny']) shadowDisagreements.inc({ differs, shadow }, 0);

  return {
    registry,
    decisionObserver: {
      onDecision(record) {
        const series = seriesOf(record);
        series.count.inc();
        series.latency.observe(record.latency_s);
        if (!record.decision.allow)
          denials.count(record.action, record.route, record.decision.reason);
        // Only a spoof or an access_denied can count as a spoof attempt or an org-switch failure.
        if (!record.decision.spoof && record.decision.reason !== 'access_denied') return;
        const labels = decisionLabels(record);
        if (labels.spoofSource) spoofs.inc({ source: labels.spoofSource });
        if (labels.orgSwitchFailure)
          orgSwitchFailures.inc({
            detail: labels.orgSwitchFailure,
            // the rollout served this request's org multi-tenant (decision.multi_tenant)
            in_cohort: record.decision.multi_tenant ? 'true' : 'false',
          });
      },
    },
    directoryCacheStats: (layer, outcome) => cacheLookups.inc({ layer, outcome }),
    decisionLog: {
      written: (entries) => logWritten.inc(entries),
      dropped: (cause, entries) => logDropped.inc({ cause }, entries),
      sampledOut: () => logSampledOut.inc(),
    },
    redisError: (component) => redisErrors.inc({ component }),
    policyLoadFailed: () => policyLoadFailures.inc(),
    shadowDisagreed: (d) =>
      shadowDisagreements.inc({
        differs: d.differs === 'allow' ? 'allow' : 'reason',
        shadow: d.shadow.allow ? 'allow' : 'deny',
      }),
    tenancyFlipped: (flip) =>
      tenancyFlips.inc({
        to: flip.multi_tenant ? 'on' : 'off',
        source: (FLIP_SOURCES as readonly string[]).includes(flip.source) ? flip.source : 'other',
      }),
    forwardAuthRefused: (refusal) =>
      forwardAuthRefusals.inc({
        refusal: (REQUEST_REFUSALS as readonly string[]).includes(refusal) ? refusal : 'other',
      }),
    decisionMemoLookup: (outcome) => (outcome === 'hit' ? memoHits : memoMisses).inc(),
    observeState(sources) {
      state = sources;
    },
    observeDirectoryInvalidations(isLive) {
      invalidationsLive = isLive;
    },
    observeVocabulary({ actions, routes }) {
      if (actions) denials.setActions(actions);
      if (routes) denials.addRoutes(routes);
    },
  };
}
