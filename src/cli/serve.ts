/** `orgwarden serve`: run the sidecar until SIGTERM/SIGINT, then drain and exit 0. */
import { Registry, collectDefaultMetrics } from 'prom-client';
import { createApp } from '../app.js';
import { loadConfigFile } from '../config/load.js';
import { createLogger, errorFields } from '../observability/logger.js';
import { parseFlags, parsePort, UsageError } from './args.js';

export const SERVE_HELP = `Usage: orgwarden serve --config FILE [--port N]

Starts the authorization sidecar. SIGHUP reloads the policy (same checks as at start). SIGTERM or
SIGINT: /readyz turns 503 at once, answers carry Connection: close for server.shutdown_delay_s, then
the listener closes and in-flight requests finish, all within server.shutdown_timeout_s; a second
signal skips the rest of the delay.
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
  // Process and Node.js metrics (CPU, memory, event-loop lag, GC) belong to the process, not to
  // an app: prom-client starts monitors that are never stopped, so they are set up once, here.
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'orgwarden_' });
  const app = await createApp(config, { env: process.env, logger, registry });
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
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    try {
      await app.start();
    } catch (err) {
      // e.g. the port is taken: release what the app opened (Redis, watchers) before exiting 1
      await app.stop();
      throw err;
    }
    // SIGHUP reloads the policy through every check; a failure is logged and the active one stays.
    const reload = () => {
      logger.info('policy reload requested', { signal: 'SIGHUP' });
      void app.rollout.reload('sighup');
    };
    process.on('SIGHUP', reload);
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
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}
