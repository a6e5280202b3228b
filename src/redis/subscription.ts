/**
 * A pub/sub subscription that says whether it is live, for owners that must know when they may
 * have missed a message (the directory store's cache, the kill switch's broadcast nudge).
 *
 * Invariants:
 * - `isLive()` is true only between a SUBSCRIBE confirmed over the current subscriber connection
 *   and the next loss of that connection, and only while the connection answered a PING recently
 *   (heartbeat.ts: within `subscriber_ping_ms + command_timeout_ms`). A node that stops answering
 *   without closing the connection therefore stops counting as live by itself. An answer to a
 *   SUBSCRIBE sent over a connection that is gone by then (its epoch moved on) does not count: it
 *   subscribes again over the new one.
 * - The connection is lost when it closes, or when a PING fails or answers late: then the
 *   connection is dropped and reconnects at once (a cluster subscriber moves to the next seed).
 * - Every time it becomes live, `onLive` runs (whatever was published meanwhile was missed); every
 *   time the connection is lost, `onLost` runs. A SUBSCRIBE that fails on a ready connection is
 *   reported to `onError` and tried again after `retryMs`, for as long as the connection is ready.
 * - ioredis's own resubscription is off (client.ts), so nothing subscribes behind its back.
 */
import { dropConnection, type RedisClient } from './client.js';
import type { ConnectionState } from './connection-state.js';
import { createHeartbeat, type HeartbeatTiming } from './heartbeat.js';

export interface SubscriptionHandlers {
  channel: string;
  /** The subscription is live again: whatever was published while it was not, was missed. */
  onLive: () => void | Promise<void>;
  /** The subscriber connection closed or stopped answering: messages published from now on are missed. */
  onLost?: () => void;
  /** The subscriber connection stopped answering PINGs; it is dropped and reconnects. */
  onStalled?: (reason: string) => void;
  onMessage: (message: string) => void;
  /** A SUBSCRIBE failed on a ready connection (it is tried again after `retryMs`). */
  onError: (err: unknown) => void;
  retryMs: number;
  /** The PING health check of the subscriber connection (`subscriberHealth(config)`). */
  health: HeartbeatTiming;
  now?: () => number;
}

/** The health-check timing of a subscriber connection, from the `redis` config section. */
export function subscriberHealth(config: {
  subscriber_ping_ms: number;
  command_timeout_ms: number;
}): HeartbeatTiming {
  return { intervalMs: config.subscriber_ping_ms, timeoutMs: config.command_timeout_ms };
}

export interface LiveSubscription {
  isLive(): boolean;
  /** Subscribes over the current connection (one attempt at a time); resolves once `onLive` ran or it failed. */
  subscribe(): Promise<void>;
  /** Stops retrying; the owner disconnects the client. */
  close(): void;
}

export function createLiveSubscription(
  subscriber: RedisClient,
  state: ConnectionState,
  handlers: SubscriptionHandlers,
): LiveSubscription {
  /** Subscribed over the current connection (live while the heartbeat is fresh too). */
  let subscribed = false;
  let closed = false;
  const heartbeat = createHeartbeat(handlers.health, handlers.now);
  let subscribing: Promise<void> | null = null;
  let retry: NodeJS.Timeout | null = null;

  function retryLater(): void {
    if (closed || !state.isConnected() || retry) return;
    retry = setTimeout(() => {
      retry = null;
      void subscribe();
    }, handlers.retryMs);
    retry.unref();
  }

  function subscribe(): Promise<void> {
    subscribing ??= attempt().finally(() => {
      subscribing = null;
    });
    return subscribing;
  }

  async function attempt(): Promise<void> {
    const epoch = state.epoch();
    try {
      await subscriber.subscribe(handlers.channel);
    } catch (err) {
      if (!closed) handlers.onError(err);
      retryLater();
      return;
    }
    if (closed) return;
    // that subscription belonged to a connection that is gone; subscribe over the new one
    if (epoch !== state.epoch()) {
      retryLater();
      return;
    }
    subscribed = true;
    heartbeat.start(() => subscriber.ping(), stalled);
    await handlers.onLive();
  }

  function lost(): void {
    subscribed = false;
    heartbeat.stop();
    handlers.onLost?.();
  }

  /** The connection stopped answering: it is lost now, and replaced by a new one. */
  function stalled(reason: string): void {
    if (closed) return;
    lost();
    handlers.onStalled?.(reason);
    dropConnection(subscriber);
  }

  subscriber.on('ready', () => void subscribe());
  subscriber.on('close', lost);
  subscriber.on('message', (channel: string, message: string) => {
    if (channel === handlers.channel) handlers.onMessage(message);
  });

  return {
    isLive: () => subscribed && heartbeat.isFresh(),
    subscribe,
    close() {
      closed = true;
      heartbeat.stop();
      if (retry) clearTimeout(retry);
      retry = null;
    },
  };
}
