/**
 * A shutdown in the order load balancers and gateways need (docs/runbook.md, "Deploys and
 * rolling restarts"): not ready at once and every answer with `Connection: close`, for the delay;
 * then stop accepting and drain, until the deadline. The deadline counts from the start, the
 * delay included, so the whole shutdown fits in it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../contract/logger.js';
import type { DrainResult, HttpServer } from './server.js';

export interface ShutdownPlan {
  /** What asked for it (`SIGTERM`): named in the readiness reason and the logs. */
  cause: string;
  /** How long to keep serving, not ready, before the listener closes. */
  delayMs: number;
  /** When to destroy whatever is left, counted from now. Never earlier than the delay's end. */
  deadlineMs: number;
  /** Once aborted, the rest of the delay is skipped; the drain still runs to its deadline. */
  skipDelay?: AbortSignal;
  log: Logger;
}

export interface ShutdownResult extends DrainResult {
  /** From the start of the shutdown to the end of the drain. */
  seconds: number;
}

export async function shutDownGracefully(
  server: HttpServer,
  plan: ShutdownPlan,
): Promise<ShutdownResult> {
  const started = performance.now();
  const elapsedMs = () => performance.now() - started;
  let listenerClosed = false;
  server.announceShutdown(() =>
    listenerClosed
      ? `draining: ${plan.cause} received; the listener is closed`
      : `draining: ${plan.cause} received; the listener closes in ${Math.max(0, Math.ceil((plan.delayMs - elapsedMs()) / 1000))} s`,
  );
  plan.log.info('shutdown started', {
    cause: plan.cause,
    delay_s: plan.delayMs / 1000,
    timeout_s: plan.deadlineMs / 1000,
  });
  if (plan.delayMs > 0) {
    try {
      await sleep(plan.delayMs, undefined, plan.skipDelay ? { signal: plan.skipDelay } : {});
    } catch {
      plan.log.info('shutdown delay skipped', { after_s: round(elapsedMs() / 1000) });
    }
  }
  listenerClosed = true;
  const drained = server.close(Math.max(0, plan.deadlineMs - elapsedMs()));
  const traffic = server.traffic();
  plan.log.info('listener closed', {
    open_connections: traffic.openConnections,
    open_requests: traffic.openRequests,
    connections_accepted: traffic.connectionsAccepted,
  });
  const result = await drained;
  return { ...result, seconds: round(elapsedMs() / 1000) };
}

const round = (seconds: number) => Math.round(seconds * 1000) / 1000;
