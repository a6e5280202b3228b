/**
 * `orgwarden serve`: run the sidecar until SIGTERM/SIGINT, then drain and exit 0. With
 * `server.workers` > 1 this process becomes the primary of that many workers (workers/primary.ts),
 * each of which runs the single-process path below with its peers wired over IPC.
 */
import { initialState } from '../tenancy/rollout-state.js';
import cluster from 'node:cluster';
import type { Writable } from 'node:stream';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { createApp, type AppPeers } from '../app.js';
import type { Config } from '../config/schema.js';
import { loadConfigFile } from '../config/load.js';
import { withFields, type Logger } from '../contract/logger.js';
import { createLogger, errorFields } from '../observability/logger.js';
import { parseFlags, parsePort, UsageError } from './args.js';
import { workerCount } from './workers/count.js';
import { lineAtomic } from './workers/line-writes.js';
import { runPrimary } from './workers/primary.js';
import { connectToPrimary } from './workers/worker-link.js';

export const SERVE_HELP = `Usage: orgwarden serve --config FILE [--port N]

Starts the authorization sidecar. SIGHUP reloads the policy (same checks as at start). SIGTERM or
SIGINT: /readyz turns 503 at once, answers carry Connection: close for server.shutdown_delay_s, then
the listener closes and in-flight requests finish, all within server.shutdown_timeout_s; a second
signal skips the rest of the delay. With server.workers > 1, this process supervises that many
worker processes sharing the port and passes these signals to every one of them.
  --config FILE   YAML config (see docs/config.md)
  --port N        listen port; overrides ORGWARDEN_PORT and server.port
Exit codes: 0 after a clean SIGTERM drain, 1 when it cannot start, 2 for a bad config or usage.`;

export async function serve(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, { config: 'string', port: 'string', help: 'boolean' });
  if (flags.help) {
    console.log(SERVE_HELP);
    return 0;
  }
  if (typeof flags.config !== 'string') throw new UsageError('serve needs --config FILE');
  const port = parsePort(flags.port);
  const config = loadConfigFile(flags.config, {
    env: process.env,
    ...(port !== undefined ? { port } : {}),
  });
  const logger = createLogger();
  const slot = process.env.ORGWARDEN_WORKER;
  if (cluster.isWorker && slot !== undefined)
    return serveWorker(config, withFields(logger, { worker: Number(slot) }));
  const workers = workerCount(config.server.workers);
  if (workers > 1) return runPrimary({ workers, tenancy: initialState(config.tenancy), logger });
  return serveProcess(config, { logger, registry: processRegistry() });
}

/**
 * Process and Node.js metrics (CPU, memory, event-loop lag, GC) belong to the process, not to an
 * app: prom-client starts monitors that are never stopped, so they are set up once per process.
 */
function processRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'orgwarden_' });
  return registry;
}

/**
 * One worker of several: the same app and shutdown as a single process, with its peers over IPC.
 * It takes its signals from the primary only: SIGTERM, SIGINT and SIGHUP sent to the whole process
 * group (a terminal's Ctrl-C, systemd's default stop) would otherwise reach a worker twice, and the
 * second SIGTERM would skip the shutdown delay. (A worker whose primary is gone exits at once:
 * node:cluster does that, and without the primary nobody supervises or relays.)
 */
async function serveWorker(config: Config, logger: Logger): Promise<number> {
  const registry = processRegistry();
  const link = await connectToPrimary(registry);
  try {
    return await serveProcess(config, {
      logger,
      registry,
      peers: link.peers,
      stdout: lineAtomic(process.stdout),
      onListening: (address) => link.report('listening', address),
      signals: (onSignal) => link.onStop(onSignal),
    });
  } catch (err) {
    await link.report('failed', { error: err instanceof Error ? err.message : String(err) });
    throw err;
  } finally {
    // cluster's own disconnect: after process.disconnect() Node would exit at once with code 0
    if (process.connected) cluster.worker?.disconnect();
  }
}

interface ProcessOptions {
  logger: Logger;
  registry: Registry;
  peers?: AppPeers;
  stdout?: Writable;
  onListening?: (address: { address: string; port: number }) => Promise<void>;
  /** Where stop signals come from (default: this process's SIGTERM and SIGINT); returns the unsubscribe. */
  signals?: (onSignal: (signal: NodeJS.Signals) => void) => () => void;
}

/** SIGTERM and SIGINT of this process; SIGHUP reloads the policy (`reload`). */
function processSignals(onSignal: (signal: NodeJS.Signals) => void): () => void {
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return () => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  };
}

/** A worker ignores the signals of its process group; the primary passes them on. */
function ignoreGroupSignals(): () => void {
  const ignore = () => undefined;
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, ignore);
  return () => {
    for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.off(signal, ignore);
  };
}

async function serveProcess(config: Config, options: ProcessOptions): Promise<number> {
  const { logger, registry } = options;
  const app = await createApp(config, {
    env: process.env,
    logger,
    registry,
    ...(options.peers ? { peers: options.peers } : {}),
    ...(options.stdout ? { stdout: options.stdout } : {}),
  });
  // Signal handlers go in before the listener opens: a signal that arrives as soon as the process
  // says it is listening must start the shutdown, not kill the process. The first SIGTERM/SIGINT
  // starts the shutdown; a later one skips the rest of its delay.
  const skipDelay = new AbortController();
  let first: NodeJS.Signals | null = null;
  let signalled: (signal: NodeJS.Signals) => void = () => undefined;
  const received = new Promise<NodeJS.Signals>((resolve) => (signalled = resolve));
  const onSignal = (signal: NodeJS.Signals) => {
    if (first === null) {
      first = signal;
      signalled(signal);
    } else skipDelay.abort();
  };
  const unsubscribe = (options.signals ?? processSignals)(onSignal);
  const unignore = options.signals ? ignoreGroupSignals() : () => undefined;
  try {
    try {
      const address = await app.start();
      await options.onListening?.({ address: address.address, port: address.port });
    } catch (err) {
      // e.g. the port is taken: release what the app opened (Redis, watchers) before exiting 1
      await app.stop();
      throw err;
    }
    // SIGHUP reloads the policy through every check; a failure is logged and the active one stays.
    // (A worker's reloads come from the primary, over IPC.)
    const reload = () => {
      logger.info('policy reload requested', { signal: 'SIGHUP' });
      void app.rollout.reload('sighup');
    };
    if (!options.signals) process.on('SIGHUP', reload);
    const signal = await received;
    process.off('SIGHUP', reload);
    const result = await app
      .stop({ cause: signal, announce: true, skipDelay: skipDelay.signal })
      .catch((err: unknown) => {
        logger.error('shutdown failed', errorFields(err));
        return null;
      });
    if (result === null) return 1;
    logger.info('stopped', {
      drained: result.drained,
      answered_during_delay: result.answeredDuringDelay,
      answered_during_drain: result.answeredDuringDrain,
      cut: result.cut,
      closed_idle: result.closedIdle,
      seconds: result.seconds,
    });
    return 0;
  } finally {
    unsubscribe();
    unignore();
  }
}
