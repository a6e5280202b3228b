/**
 * The two connections every Redis-backed component holds: one for commands, one for SUBSCRIBE (a
 * subscribed connection can run nothing else). Both are created through the injected factory
 * (tests and the metrics wrapper substitute it), tracked (connection-state.ts), connected by their
 * owner and closed together.
 */
import type { RedisClient, RedisClientFactory } from './client.js';
import { trackConnection, type ConnectionState } from './connection-state.js';

export interface RedisConnections {
  commands: RedisClient;
  subscriber: RedisClient;
  commandsState: ConnectionState;
  subscriberState: ConnectionState;
  /** Starts connecting both. A failure is not thrown: the client's error listener logs it and it reconnects. */
  connect(): void;
  disconnect(): void;
}

export function createRedisConnections(factory: RedisClientFactory): RedisConnections {
  const commands = factory('commands');
  const subscriber = factory('subscriber');
  return {
    commands,
    subscriber,
    commandsState: trackConnection(commands),
    subscriberState: trackConnection(subscriber),
    connect() {
      commands.connect().catch(() => undefined);
      subscriber.connect().catch(() => undefined);
    },
    disconnect() {
      commands.disconnect();
      subscriber.disconnect();
    },
  };
}
