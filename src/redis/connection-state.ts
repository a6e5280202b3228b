/**
 * The state of one Redis connection as its owner needs it, read from ioredis's own status so the
 * two can never disagree:
 *
 *   connected     `ready`: commands are answered (or time out after `command_timeout_ms`)
 *   reconnecting  not up yet, or lost and being retried: commands reject at once (client.ts)
 *   unavailable   ended (closed by its owner): nothing will be answered again
 *
 * `epoch` counts lost connections. An answer obtained over one connection says nothing about the
 * next one (Redis may have restarted empty, messages were missed), so an owner that starts an
 * asynchronous step on a connection compares the epoch when the answer comes back and throws the
 * answer away when it moved on. The counter lives in the closure of one tracker, one per client.
 */
import type { RedisClient } from './client.js';

type ConnectionStatus = 'connected' | 'reconnecting' | 'unavailable';

export interface ConnectionState {
  status(): ConnectionStatus;
  isConnected(): boolean;
  /** Lost connections so far; it moves on at every `close`. */
  epoch(): number;
  /**
   * Resolves after the client's first connection attempt: when it fails (the client is not ready
   * yet and closes), at once; when it succeeds, after `step` has settled. Owners await this at
   * start so a healthy Redis serves from the first request and a dead one does not block the start.
   */
  firstAttempt(step: () => Promise<unknown>): Promise<void>;
}

export function trackConnection(client: RedisClient): ConnectionState {
  let lost = 0;
  client.on('close', () => {
    lost += 1;
  });
  const status = (): ConnectionStatus =>
    client.status === 'ready'
      ? 'connected'
      : client.status === 'end'
        ? 'unavailable'
        : 'reconnecting';
  return {
    status,
    isConnected: () => client.status === 'ready',
    epoch: () => lost,
    firstAttempt: (step) =>
      new Promise<void>((resolve) => {
        const onReady = () => {
          client.off('close', onClose);
          void step().then(
            () => resolve(),
            () => resolve(),
          );
        };
        const onClose = () => {
          client.off('ready', onReady);
          resolve();
        };
        if (client.status === 'ready') {
          onReady();
          return;
        }
        client.once('ready', onReady);
        client.once('close', onClose);
      }),
  };
}
