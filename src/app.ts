/**
 * The composition root: the one place that builds stores, services and routes from the config
 * and wires them together. Nothing below it reaches for globals; everything it builds is owned by
 * the returned App and released by `stop()`, so tests can run many apps side by side.
 */
import type { AddressInfo } from 'node:net';
import type { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { createAuthenticator } from './authn/index.js';
import type { Config } from './config/schema.js';
import { createDirectoryStore, createRedisClient } from './directory/index.js';
import type { DirectoryStore } from './directory/types.js';
import type { FileStorePeers } from './directory/index.js';
import type { ActivePolicy } from './engine/active-policy.js';
import { catalogueFromPolicyData } from './contract/policy-catalogue.js';
import { routeActionFlags } from './surfaces/forward-auth/manifest.js';
import { createAuthzenEvaluator } from './surfaces/authzen/evaluate.js';
import { authzenMetadata } from './surfaces/authzen/metadata.js';
import { loadForwardAuthManifest } from './surfaces/forward-auth/load-manifest.js';
import {
  createDocumentAuthorizer,
  type DocumentAuthorizer,
} from './http/inbound/document-authorizer.js';
import { openAuditLog, type AuditLog } from './audit/index.js';
import { createAdminGuard } from './http/admin-auth.js';
import { resolveAdminCredentials } from './http/admin-credentials.js';
import { MIN_TOKEN_CHARS } from './http/config.js';
import { callerTokenGuard } from './http/caller-guard.js';
import { createDecisionDispatcher } from './http/decision-dispatcher.js';
import { createManagementApp } from './http/management-app.js';
import { createHttpRequestMetrics } from './http/request-metrics.js';
import { canonicalTargetsOf, opaquePrefixesOf } from './http/request-target.js';
import { routeInventory, type RegisteredRoute } from './http/route-inventory.js';
import { declareRoutes } from './http/route-table.js';
import { auditRoutes } from './http/routes/audit.js';
import { authzenRoutes } from './http/routes/authzen.js';
import { authorizeRoutes } from './http/routes/authorize.js';
import { directoryRoutes } from './http/routes/directory.js';
import { directorySeedRoutes } from './http/routes/directory-seed.js';
import { eventRoutes } from './http/routes/events.js';
import { featuresRoutes } from './http/routes/features.js';
import { forwardAuthRoute } from './http/routes/forward-auth.js';
import { healthRoutes } from './http/routes/health.js';
import { jobRoutes } from './http/routes/jobs.js';
import { metricsRoutes, registrySource, type MetricsSource } from './http/routes/metrics.js';
import { loadOpenApiDocument } from './http/openapi-document.js';
import { openApiRoutes } from './http/routes/openapi.js';
import { policyAdminRoutes } from './http/routes/policy-admin.js';
import { policyStatusRoutes } from './http/routes/policy-status.js';
import { rolloutAdminRoutes } from './http/routes/rollout.js';
import { tenancyAdminRoutes } from './http/routes/tenancy.js';
import { UI_PAGE_PATH, uiRoutes } from './http/routes/ui.js';
import { loadUiAssets } from './http/ui-assets.js';
import { shutDownGracefully, type ShutdownResult } from './http/graceful-shutdown.js';
import { createHttpServer, type HttpServer, type RequestGuard } from './http/server.js';
import { loadAuthorizationService } from './grpc/protos.js';
import { createGrpcCheckServer, type GrpcAddress, type GrpcCheckServer } from './grpc/server.js';
import { createForwardAuthCheck } from './surfaces/forward-auth/check.js';
import { createLogger, errorFields } from './observability/logger.js';
import { withFields, type Logger } from './contract/logger.js';
import { buildFacts } from './observability/build-info.js';
import { createMetrics, type Metrics } from './observability/metrics.js';
import { createRolloutMetrics } from './observability/rollout-metrics.js';
import {
  DECISION_LOG_CLOSE_TIMEOUT_MS,
  openDecisionLog,
} from './observability/open-decision-log.js';
import { createRecentDecisions } from './observability/recent-decisions.js';
import { countingRedisErrors } from './observability/redis-errors.js';
import {
  createPolicyRollout,
  type PolicyPeers,
  type PolicyRollout,
} from './policy-rollout/index.js';
import { createTenancyControl, type TenancyControl, type TenancyPeers } from './tenancy/index.js';

export interface AppDeps {
  env: Record<string, string | undefined>;
  /** Milliseconds since epoch. */
  now?: () => number;
  logger?: Logger;
  fetch?: typeof fetch;
  /** Where the metrics live (default: a new registry per app, never prom-client's global one). */
  registry?: Registry;
  /** The stream of `decision_log.sink: stdout` (default: process.stdout). */
  stdout?: Writable;
  /** The stream of `audit.sink: stderr` (default: process.stderr). */
  stderr?: Writable;
  /**
   * The other workers of this sidecar (`server.workers` > 1, wired by cli/workers over IPC);
   * absent in a single process, which then needs no IPC at all.
   */
  peers?: AppPeers;
}

/** What a worker shares with the others: each hook belongs to the component that uses it. */
export interface AppPeers {
  /** The in-process kill switch (without Redis; with it, Redis is what they share). */
  tenancy: TenancyPeers;
  /** Admin reloads run on every worker; SIGHUP reaches them through the primary. */
  policy: PolicyPeers;
  /** File-mode directory writes: one writer at a time, applied by every worker. */
  directory: FileStorePeers;
  /** `GET /metrics`: the aggregate of every worker. */
  metrics: MetricsSource;
}

export interface App {
  readonly config: Config;
  readonly authorizer: DocumentAuthorizer;
  readonly directory: DirectoryStore;
  readonly policy: ActivePolicy;
  readonly http: HttpServer;
  /** Every route the server answers, decision and management, as registered. */
  readonly routes: readonly RegisteredRoute[];
  /** The metrics registry and the hooks other components count through (`policyLoadFailed`, `redisError`). */
  readonly metrics: Metrics;
  /** The rollout and its kill switch (`onChange` / `onFlip` are the hooks for logs, metrics, audit). */
  readonly tenancy: TenancyControl;
  /** Policy reloads (`reload`, `onReload`) and the shadow candidate. */
  readonly rollout: PolicyRollout;
  /**
   * The audit log: `record(entry)` keeps a record before a change (rejects: do not make it; the
   * HTTP answer is 503), `page(since, limit)` reads the recent ones. See docs/audit.md.
   */
  readonly audit: AuditLog;
  /** Envoy's ext_authz gRPC service (`server.grpc`): its bound address once started, else null. */
  readonly grpc: GrpcAddress | null;
  /**
   * Listens on the configured host and port (port 0 picks a free one), and on `server.grpc` when
   * configured; a gRPC address that cannot be bound fails the start (and closes the HTTP listener).
   */
  start(): Promise<AddressInfo>;
  /**
   * Shuts HTTP down within `server.shutdown_timeout_s` and releases every resource. With
   * `announce`, it first keeps serving, not ready, for `server.shutdown_delay_s` (what `serve`
   * does on a signal); without, it drains at once.
   */
  stop(options?: StopOptions): Promise<StopResult>;
}

export interface StopOptions {
  /** What asked for the stop (`SIGTERM`): named by `/readyz` and the logs. */
  cause?: string;
  /** Keep serving, not ready and answering with `Connection: close`, for the configured delay. */
  announce?: boolean;
  /** Once aborted, the rest of the delay is skipped (a second signal). */
  skipDelay?: AbortSignal;
}

/** What the HTTP shutdown did (`drained`: nothing was cut at the deadline). */
export type StopResult = ShutdownResult;

export async function createApp(config: Config, deps: AppDeps): Promise<App> {
  const logger = deps.logger ?? createLogger();
  const now = deps.now ?? Date.now;
  const closers: (() => Promise<void>)[] = [];
  try {
    const metrics = createMetrics(deps.registry ?? new Registry(), buildFacts());
    const auditLog = withFields(logger, { component: 'audit' });
    const auditRedis = config.redis;
    // Records its Redis did not keep are counted as orgwarden_audit_refused_total{cause=
    // "store_unavailable"}; its connection errors as orgwarden_redis_errors_total{component="audit"}.
    const audit = await openAuditLog(config.audit, {
      registry: metrics.registry,
      logger: auditLog,
      now,
      stderr: deps.stderr ?? process.stderr,
      ...(auditRedis
        ? {
            redis: {
              connect: countingRedisErrors(
                (role) => createRedisClient(auditRedis, role, auditLog),
                () => metrics.redisError('audit'),
              ),
              prefix: auditRedis.key_prefix,
              readyWaitMs: auditRedis.connect_timeout_ms,
            },
          }
        : {}),
    });
    closers.push(() => audit.close());
    const authenticator = await createAuthenticator(config.auth, {
      env: deps.env,
      now,
      log: withFields(logger, { component: 'authn' }),
      defaultOrg: config.tenancy.default_org,
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
    });
    closers.push(() => authenticator.close());

    const directoryLog = withFields(logger, { component: 'directory' });
    const redisConfig = config.redis;
    const directory = await createDirectoryStore(
      {
        directory: config.directory,
        redis: config.redis,
        defaultOrg: config.tenancy.default_org,
        ...(config.directory.http?.token_env
          ? {
              mainApiToken: requireSecret(
                deps.env,
                config.directory.http.token_env,
                'directory.http.token_env',
              ),
            }
          : {}),
      },
      {
        now,
        log: directoryLog,
        stats: metrics.directoryCacheStats,
        ...(deps.fetch ? { fetch: deps.fetch } : {}),
        ...(deps.peers ? { filePeers: deps.peers.directory } : {}),
        ...(redisConfig
          ? {
              connect: countingRedisErrors(
                (role) => createRedisClient(redisConfig, role, directoryLog),
                () => metrics.redisError('directory'),
              ),
            }
          : {}),
      },
    );
    closers.push(() => directory.close());
    if (directory.invalidationsLive)
      metrics.observeDirectoryInvalidations(directory.invalidationsLive);

    // Every load, the first one included, goes through the same checked steps (policy-rollout/).
    // Reloads must keep every action the route manifest (loaded once, below) maps to.
    let routeActions: ReadonlyMap<string, boolean> = new Map();
    const rollout = await createPolicyRollout(config.policy, {
      env: deps.env,
      logger,
      now,
      routeActions: () => routeActions,
      ...(deps.peers ? { peers: deps.peers.policy } : {}),
    });
    closers.push(() => rollout.close());
    // The denial metrics label actions of the active catalogue; a reload may add actions.
    const catalogueActions = () =>
      catalogueFromPolicyData({ ...rollout.active.current()?.data })?.keys();
    rollout.onReload((outcome) => {
      if (!outcome.ok) metrics.policyLoadFailed();
      else metrics.observeVocabulary({ actions: catalogueActions() });
      // Reloads through the admin API are recorded by their route, with the actor; these are the
      // ones nobody asked for there (SIGHUP, the file watcher): recorded after the fact.
      if (outcome.trigger === 'watch' || outcome.trigger === 'sighup')
        void audit
          .record({
            action: 'policy.reload',
            actor: `system:${outcome.trigger}`,
            outcome: outcome.ok ? 'applied' : 'failed',
            before: null,
            after: { revision: outcome.active_revision },
            ...(outcome.ok ? {} : { error: `refused at ${outcome.step ?? 'no step'}` }),
          })
          .catch(() => undefined); // refused records are logged and counted by the audit log
    });
    rollout.shadow.onDisagreement((d) => metrics.shadowDisagreed(d));
    const policy = rollout.active;
    metrics.observeVocabulary({ actions: catalogueActions() });
    const routeManifest = await loadForwardAuthManifest(config.policy, {
      ...policy.current()?.data,
    });
    if (routeManifest.table)
      routeActions = routeActionFlags(routeManifest.table, { ...policy.current()?.data });
    if (routeManifest.table)
      metrics.observeVocabulary({ routes: routeManifest.table.routes.map((r) => r.name) });
    if (routeManifest.table)
      logger.info('forward-auth routes loaded', {
        routes: routeManifest.table.routes.length,
        source: routeManifest.source,
      });
    else
      logger.warn('forward-auth has no route manifest and denies every request', {
        key: 'policy.routes',
        reason: routeManifest.source,
      });

    const tenancyLog = withFields(logger, { component: 'tenancy' });
    const tenancySwitch = await createTenancyControl(config, {
      logger,
      now,
      ...(deps.peers ? { peers: deps.peers.tenancy } : {}),
      ...(redisConfig
        ? {
            connect: countingRedisErrors(
              (role) => createRedisClient(redisConfig, role, tenancyLog),
              () => metrics.redisError('tenancy'),
            ),
          }
        : {}),
    });
    closers.push(() => tenancySwitch.close());
    tenancySwitch.onFlip((flip) => metrics.tenancyFlipped(flip));
    const rolloutMetrics = createRolloutMetrics(metrics.registry, tenancySwitch);
    metrics.observeState({
      isMultiTenant: () => tenancySwitch.isMultiTenant(),
      activePolicy: () => policy.current(),
    });

    const decisionLog = await openDecisionLog(config.decision_log, {
      counters: metrics.decisionLog,
      logger,
      stdout: deps.stdout ?? process.stdout,
    });
    if (decisionLog) closers.push(() => decisionLog.close(DECISION_LOG_CLOSE_TIMEOUT_MS));
    // The explorer page's ring of recent decisions (ui.recent_decisions); none when it is off.
    const recentDecisions = config.ui.enabled
      ? createRecentDecisions(config.ui.recent_decisions)
      : null;

    const authorizer = createDocumentAuthorizer({
      tenancy: config.tenancy,
      fanoutYieldEvery: config.server.fanout_yield_every,
      authenticator,
      directory,
      policy,
      tenancySwitch,
      onEvaluated: (input, decision) => rollout.shadow.observe(input, decision),
      onExplainError: (error) => logger.warn('policy explanation dropped', { error }),
      observers: [
        metrics.decisionObserver,
        ...(decisionLog ? [decisionLog] : []),
        ...(recentDecisions ? [recentDecisions] : []),
      ],
      memo: {
        entries: config.policy.memo_entries,
        bytes: config.policy.memo_bytes,
        onLookup: (outcome) => metrics.decisionMemoLookup(outcome),
      },
      now,
    });

    const onError = (err: unknown) => logger.error('request failed', errorFields(err));
    const adminCredentials = resolveAdminCredentials(config.admin, deps.env, MIN_TOKEN_CHARS);
    if (adminCredentials.length === 0)
      logger.warn('admin endpoints are disabled: no admin credential', {
        key: 'admin.token_env',
        env: config.admin.token_env ?? null,
      });
    const openApiDocument = await loadOpenApiDocument();
    const uiAssets = recentDecisions ? await loadUiAssets() : null;
    const directoryWarn = (msg: string, fields: Record<string, unknown>) =>
      logger.warn(msg, { component: 'directory', ...fields });
    // Every route, with its operation name and auth level; the guards are applied from this table.
    const table = declareRoutes([
      ...authorizeRoutes({
        authorizer,
        tenancy: config.tenancy,
        maxBodyBytes: config.server.max_body_bytes,
        maxBatchBodyBytes: config.server.max_batch_body_bytes,
        yieldEvery: config.server.fanout_yield_every,
      }),
      ...eventRoutes({
        authorizer,
        maxBodyBytes: config.server.max_batch_body_bytes,
        yieldEvery: config.server.fanout_yield_every,
        policyData: () => policy.current()?.data ?? null,
        allowUncatalogued: config.events.allow_uncatalogued,
      }),
      ...jobRoutes({ authorizer, maxBodyBytes: config.server.max_body_bytes }),
      ...authzenRoutes({
        evaluator: createAuthzenEvaluator({
          authorizer,
          yieldEvery: config.server.fanout_yield_every,
        }),
        maxBodyBytes: config.server.max_body_bytes,
        maxBatchBodyBytes: config.server.max_batch_body_bytes,
        metadata: config.authzen.base_url ? authzenMetadata(config.authzen.base_url) : null,
      }),
      forwardAuthRoute({
        authorizer,
        tenancy: config.tenancy,
        routes: routeManifest.table,
        onRefusal: (r) => metrics.forwardAuthRefused(r),
      }),
      ...healthRoutes([
        // not ready from the first moment of a shutdown, with why (the server is built below)
        {
          name: 'shutdown',
          check: () => Promise.resolve(http.shutdownReason() === null),
          reason: () => http.shutdownReason(),
        },
        { name: 'policy', check: () => Promise.resolve(policy.current() !== null) },
        // with Redis: also false while the prefix's seed is held or awaits confirmation (reason given)
        {
          name: 'directory',
          check: () => directory.ping(),
          reason: () => directory.seeding?.status().reason ?? null,
        },
        // with Redis: the kill switch has been read from it (until then this replica serves "off")
        { name: 'tenancy', check: () => Promise.resolve(tenancySwitch.status().synced) },
      ]),
      ...metricsRoutes(deps.peers?.metrics ?? registrySource(metrics.registry)),
      ...policyStatusRoutes(policy, rollout),
      ...policyAdminRoutes(rollout, audit),
      ...tenancyAdminRoutes(tenancySwitch, logger, audit),
      ...rolloutAdminRoutes({
        control: tenancySwitch,
        metrics: rolloutMetrics,
        defaultOrg: config.tenancy.default_org,
        logger,
        now,
        audit,
      }),
      ...auditRoutes(audit),
      ...featuresRoutes({ authorizer }),
      ...directoryRoutes({
        directory,
        maxBodyBytes: config.server.max_body_bytes,
        defaultOrg: config.tenancy.default_org,
        warn: directoryWarn,
        audit,
      }),
      ...directorySeedRoutes({ directory, warn: directoryWarn, audit }),
      ...openApiRoutes(openApiDocument),
      ...(recentDecisions && uiAssets
        ? uiRoutes({
            assets: uiAssets,
            recent: recentDecisions,
            tenancy: tenancySwitch,
            policy,
            rollout,
            directory,
            orgHeader: config.tenancy.org_header,
          })
        : []),
    ]);
    const adminGuard = createAdminGuard(adminCredentials);
    const dispatchDecision = createDecisionDispatcher(table.decision, { adminGuard, onError });
    const management = createManagementApp({ routes: table.management, adminGuard, onError });
    const guards: RequestGuard[] = [];
    if (config.server.caller_token_env) {
      guards.push(
        callerTokenGuard(
          requireSecret(deps.env, config.server.caller_token_env, 'server.caller_token_env'),
          table.publicPaths,
        ),
      );
    }
    const requestMetrics = createHttpRequestMetrics(metrics.registry, table.operations);
    const http = createHttpServer({
      dispatchDecision,
      management,
      guards,
      opaquePrefixes: opaquePrefixesOf(table.decision),
      // The explorer's page is `/ui/`, a path with a trailing slash that the target reading refuses
      // otherwise: this exact target (no query) reads as itself, like a declared decision path.
      canonicalTargets: new Set([
        ...canonicalTargetsOf(table.decision),
        ...(uiAssets ? [UI_PAGE_PATH] : []),
      ]),
      // The decision dispatcher names the operation it answered; the table is searched otherwise.
      onAnswered: (a) =>
        requestMetrics.observe(
          a.operation ?? table.operationOf(a.method, a.path),
          a.status,
          a.seconds,
        ),
    });
    const routes = routeInventory(table);
    // The ext_authz gRPC flavour: the same forward-auth check, over Envoy's protos (src/grpc/).
    const grpcConfig = config.server.grpc;
    let grpcServer: GrpcCheckServer | null = null;
    if (grpcConfig) {
      const server = createGrpcCheckServer({
        service: await loadAuthorizationService(),
        check: createForwardAuthCheck({
          authorizer,
          tenancy: config.tenancy,
          routes: routeManifest.table,
        }),
        onRefusal: (r) => metrics.forwardAuthRefused(r),
        onError,
        ...(config.server.caller_token_env
          ? {
              callerToken: requireSecret(
                deps.env,
                config.server.caller_token_env,
                'server.caller_token_env',
              ),
            }
          : {}),
      });
      grpcServer = server;
      // Registered now, so a failed start releases it too; `stop` has usually stopped it already.
      closers.push(async () => {
        await server.stop(0);
      });
    }

    return {
      config,
      authorizer,
      directory,
      policy,
      http,
      routes,
      metrics,
      tenancy: tenancySwitch,
      rollout,
      audit,
      get grpc() {
        return grpcServer?.address() ?? null;
      },
      async start() {
        const { host, port } = config.server;
        const address = await http.listen(port, host).catch((err: unknown) => {
          const why =
            err instanceof Error
              ? ((err as NodeJS.ErrnoException).code ?? err.message)
              : String(err);
          throw new Error(
            `cannot listen on ${host}:${port} (server.host, server.port / --port / ORGWARDEN_PORT): ${why}`,
          );
        });
        if (grpcServer && grpcConfig) {
          const bound = await grpcServer
            .listen(grpcConfig.host, grpcConfig.port)
            .catch(async (err: unknown) => {
              await http.close(0);
              throw new Error(
                `cannot listen on ${grpcConfig.host}:${grpcConfig.port} for gRPC (server.grpc.host, server.grpc.port): ${err instanceof Error ? err.message : String(err)}`,
              );
            });
          logger.info('gRPC ext_authz listening', { host: bound.host, port: bound.port });
        }
        logger.info('listening', {
          host: address.address,
          port: address.port,
          multi_tenant: tenancySwitch.isMultiTenant(),
        });
        return address;
      },
      async stop(options = {}) {
        const { shutdown_delay_s: delay, shutdown_timeout_s: timeout } = config.server;
        const startedAt = performance.now();
        const result = http.server.listening
          ? await shutDownGracefully(http, {
              cause: options.cause ?? 'stop',
              delayMs: options.announce ? delay * 1000 : 0,
              deadlineMs: timeout * 1000,
              ...(options.skipDelay ? { skipDelay: options.skipDelay } : {}),
              log: logger,
            })
          : NOT_LISTENING;
        // gRPC keeps answering Envoy through HTTP's delay and drain, then gets what is left of the
        // same shutdown timeout for its in-flight checks.
        if (grpcServer) {
          const left = Math.max(0, timeout * 1000 - (performance.now() - startedAt));
          const grpcStop = await grpcServer.stop(left);
          if (!grpcStop.drained) logger.warn('gRPC checks cut at the shutdown deadline', {});
        }
        await closeAll(closers, logger);
        return result;
      },
    };
  } catch (err) {
    await closeAll(closers, logger);
    throw err;
  }
}

const NOT_LISTENING: StopResult = {
  drained: true,
  answeredDuringDelay: 0,
  answeredDuringDrain: 0,
  cut: 0,
  closedIdle: 0,
  connectionsAccepted: 0,
  seconds: 0,
};

/** A secret named by a `*_env` key must be set and non-trivial; say which key and variable when not. */
function requireSecret(env: Record<string, string | undefined>, name: string, key: string): string {
  const value = env[name];
  if (!value || value.length < 16)
    throw new Error(
      `${key}: environment variable ${name} must hold a secret of at least 16 characters`,
    );
  return value;
}

async function closeAll(closers: (() => Promise<void>)[], logger: Logger): Promise<void> {
  for (const close of closers.reverse()) {
    await close().catch((err: unknown) => logger.warn('close failed', errorFields(err)));
  }
}
