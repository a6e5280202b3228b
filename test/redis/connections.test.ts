/**
 * The shared Redis plumbing on its own, against the shared Redis: the connection state machine
 * (status, epoch, first attempt) and the live subscription (live only between a confirmed
 * SUBSCRIBE and the next close; `onLive` again after every reconnection).
 */
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedisClient, type RedisClient } from '../../src/redis/client.js';
import { createRedisConnections, type RedisConnections } from '../../src/redis/connections.js';
import { createLiveSubscription } from '../../src/redis/subscription.js';
import {
  freePort,
  memoryLog,
  redisConfig,
  SHARED_REDIS_URL,
  uniquePrefix,
  waitUntil,
} from '../directory/helpers.js';

const opened: RedisConnections[] = [];
afterEach(() => opened.splice(0).forEach((connections) => connections.disconnect()));

function open(url = SHARED_REDIS_URL): RedisConnections {
  const config = { ...redisConfig(uniquePrefix()), url };
  const connections = createRedisConnections((role) =>
    createRedisClient(config, role, memoryLog()),
  );
  opened.push(connections);
  return connections;
}

/** Has Redis drop one client's connection (found by its local address), as a restart or a network cut would. */
async function killConnection(client: RedisClient): Promise<void> {
  const socket = (client as Redis).stream;
  const admin = new Redis(SHARED_REDIS_URL);
  try {
    await admin.call(
      'CLIENT',
      'KILL',
      'ADDR',
      `${String(socket.localAddress)}:${String(socket.localPort)}`,
    );
  } finally {
    admin.disconnect();
  }
}

describe('connection state', () => {
  it('is reconnecting until ready, connected when ready, unavailable once its owner closed it; each close moves the epoch on', async () => {
    const connections = open();
    const { commandsState } = connections;
    expect(commandsState.status()).toBe('reconnecting');
    let stepRan = false;
    connections.connect();
    await commandsState.firstAttempt(() => {
      stepRan = true;
      return Promise.resolve();
    });
    expect({ stepRan, status: commandsState.status(), epoch: commandsState.epoch() }).toEqual({
      stepRan: true,
      status: 'connected',
      epoch: 0,
    });
    await killConnection(connections.commands);
    await waitUntil(() => commandsState.epoch() === 1, 2000);
    await waitUntil(() => commandsState.isConnected(), 5000);
    connections.disconnect();
    await waitUntil(() => commandsState.status() === 'unavailable', 2000);
  });

  it('a first attempt against a dead Redis resolves without running the step', async () => {
    const connections = open(`redis://127.0.0.1:${await freePort()}`);
    connections.connect();
    let stepRan = false;
    await connections.commandsState.firstAttempt(() => {
      stepRan = true;
      return Promise.resolve();
    });
    expect({ stepRan, status: connections.commandsState.status() }).toEqual({
      stepRan: false,
      status: 'reconnecting',
    });
  });
});

describe('live subscription', () => {
  it('is live once subscribed, hears its channel only, and after a lost connection is lost, then live again', async () => {
    const connections = open();
    const channel = `${uniquePrefix()}nudge`;
    const events: string[] = [];
    const subscription = createLiveSubscription(
      connections.subscriber,
      connections.subscriberState,
      {
        channel,
        retryMs: 50,
        health: { intervalMs: 500, timeoutMs: 50 },
        onLive: () => void events.push('live'),
        onLost: () => void events.push('lost'),
        onMessage: (message) => void events.push(`message ${message}`),
        onError: (err) => void events.push(`error ${String(err)}`),
      },
    );
    connections.connect();
    await connections.subscriberState.firstAttempt(() => subscription.subscribe());
    expect(subscription.isLive()).toBe(true);

    const publisher: RedisClient = new Redis(SHARED_REDIS_URL);
    try {
      await publisher.publish(`${channel}-other`, 'ignored');
      await publisher.publish(channel, 'hello');
      await waitUntil(() => events.includes('message hello'), 2000);
      await killConnection(connections.subscriber);
      await waitUntil(() => events.filter((e) => e === 'live').length === 2, 5000);
    } finally {
      publisher.disconnect();
    }
    expect(events).toEqual(['live', 'message hello', 'lost', 'live']);
    subscription.close();
  });
});
