/**
 * A pub/sub subscription that says whether it is live, for owners that must know when they may
 * have missed a message (the directory store's cache, the kill switch's broadcast nudge).
 *
 * Invariants:
 * - `isLive()` is true only between a SUBSCRIBE confirmed over the current subscriber connection
 *   and the next `close` of that connection. An answer to a SUBSCRIBE sent over a connection that
 *   is gone by then (its epoch moved on) does not count: it subscribes again over the new one.
 * - Every time it becomes live, `onLive` runs (whatever was published meanwhile was missed); every
 *   time the connection closes, `onLost` runs. A SUBSCRIBE that fails on a ready connection is
 *   reported to `onError` and tried again after `retryMs`, for as long as the connection is ready.
 * - ioredis's own resubscription is off (client.ts), so nothing subscribes behind its back.
 */
import type { RedisClient } from './client.js';
import type { ConnectionState } from './connection-state.js';

export interface SubscriptionHandlers {
  channel: string;
  /** The subscription is live again: whatever was published while it was not, was missed. */
  onLive: () => void | Promise<void>;
  /** The subscriber connection closed: messages published from now on are missed. */
  onLost?: () => void;
  onMessage: (message: string) => void;
  /** A SUBSCRIBE failed on a ready connection (it is tried again after `retryMs`). */
  onError: (err: unknown) => void;
  retryMs: number;
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
  let live = false;
  let closed = false;
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
    live = true;
    await handlers.onLive();
  }

  subscriber.on('ready', () => void subscribe());
  subscriber.on('close', () => {
    live = false;
    handlers.onLost?.();
  });
  subscriber.on('message', (channel: string, message: string) => {
    if (channel === handlers.channel) handlers.onMessage(message);
  });

  return {
    isLive: () => live,
    subscribe,
    close() {
      closed = true;
      if (retry) clearTimeout(retry);
      retry = null;
    },
  };
}
