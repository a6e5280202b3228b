/**
 * The liveness rule of the live subscription, on fake timers and a scripted subscriber connection
 * (the same rule against a real, paused Redis: subscriber-stall.test.ts):
 * - live only while subscribed over the current connection and the last PONG is recent (within
 *   ping interval + timeout), so a stall turns it off by itself, before any PING has failed;
 * - a PING that fails, times out or answers late loses the subscription once (`onLost`,
 *   `onStalled`) and drops the connection so it reconnects;
 * - after the reconnection it subscribes again and is live again (`onLive` again).
 */
import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RedisClient } from '../../src/redis/client.js';
import { trackConnection } from '../../src/redis/connection-state.js';
import { createLiveSubscription, type LiveSubscription } from '../../src/redis/subscription.js';

const PING_MS = 500;
const TIMEOUT_MS = 50;
const FRESH_MS = PING_MS + TIMEOUT_MS;

interface PendingPing {
  resolve: (reply: string) => void;
  reject: (err: Error) => void;
}

/** A subscriber connection whose answers the test gives by hand. */
class ScriptedSubscriber extends EventEmitter {
  status = 'ready';
  readonly pings: PendingPing[] = [];
  /** Answer every PING at once (false: PINGs wait for the test). */
  answering = true;
  readonly reconnects: boolean[] = [];

  subscribe(): Promise<number> {
    return Promise.resolve(1);
  }

  ping(): Promise<string> {
    if (this.answering) return Promise.resolve('PONG');
    return new Promise((resolve, reject) => this.pings.push({ resolve, reject }));
  }

  disconnect(reconnect = false): void {
    this.reconnects.push(reconnect);
  }

  /** The connection closes, then comes back. */
  reconnected(): void {
    this.status = 'reconnecting';
    this.emit('close');
    this.status = 'ready';
    this.emit('ready');
  }
}

let subscriber: ScriptedSubscriber;
let subscription: LiveSubscription;
let events: string[];

beforeEach(async () => {
  vi.useFakeTimers();
  events = [];
  subscriber = new ScriptedSubscriber();
  const client = subscriber as unknown as RedisClient;
  subscription = createLiveSubscription(client, trackConnection(client), {
    channel: 'invalidations',
    retryMs: 100,
    health: { intervalMs: PING_MS, timeoutMs: TIMEOUT_MS },
    onLive: () => void events.push('live'),
    onLost: () => void events.push('lost'),
    onStalled: (reason) => void events.push(`stalled: ${reason}`),
    onMessage: () => undefined,
    onError: (err) => void events.push(`error ${String(err)}`),
  });
  await subscription.subscribe();
});

afterEach(() => {
  subscription.close();
  vi.useRealTimers();
});

/** Time passes, timers run. */
async function elapse(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
}

/** Time passes while the process is busy: the clock moves, no timer has run yet. */
function busyFor(ms: number): void {
  vi.setSystemTime(Date.now() + ms);
}

describe('live subscription: liveness', () => {
  it('stays live for as long as PINGs are answered', async () => {
    expect(subscription.isLive()).toBe(true);
    for (let i = 0; i < 20; i++) {
      await elapse(PING_MS / 2);
      expect(subscription.isLive()).toBe(true);
    }
    expect(events).toEqual(['live']);
    expect(subscriber.reconnects).toEqual([]);
  });

  it('turns off by itself once the last answer is older than ping + timeout, before any PING failed', () => {
    // No timer has run yet: no PING was sent, none failed.
    busyFor(FRESH_MS);
    expect(subscription.isLive()).toBe(true);
    busyFor(1);
    expect(subscription.isLive()).toBe(false);
    expect(events).toEqual(['live']);
  });

  it('a PING without an answer loses the subscription at the timeout and drops the connection', async () => {
    subscriber.answering = false;
    await elapse(PING_MS);
    expect(subscriber.pings).toHaveLength(1);
    await elapse(TIMEOUT_MS - 1);
    expect(subscription.isLive()).toBe(true);
    await elapse(1);
    expect(subscription.isLive()).toBe(false);
    expect(events).toEqual(['live', 'lost', `stalled: no answer to PING: timed out after 50 ms`]);
    expect(subscriber.reconnects).toEqual([true]);

    // Nothing more happens on the dropped connection: no further PING, no second loss.
    await elapse(5 * PING_MS);
    expect(subscriber.pings).toHaveLength(1);
    expect(events).toHaveLength(3);

    // The connection comes back: subscribed again, live again, PINGed again.
    subscriber.answering = true;
    subscriber.reconnected();
    await vi.advanceTimersByTimeAsync(0);
    expect(subscription.isLive()).toBe(true);
    expect(events.slice(3)).toEqual(['lost', 'live']);
    await elapse(10 * PING_MS);
    expect(subscription.isLive()).toBe(true);
  });

  it('a PING that fails loses the subscription at once', async () => {
    subscriber.answering = false;
    await elapse(PING_MS);
    subscriber.pings[0]!.reject(new Error('Connection is closed.'));
    await vi.advanceTimersByTimeAsync(0);
    expect(subscription.isLive()).toBe(false);
    expect(events).toEqual(['live', 'lost', 'stalled: no answer to PING: Connection is closed.']);
    expect(subscriber.reconnects).toEqual([true]);
  });

  it('an answer that arrives when the last one is no longer fresh counts as a failure, not as a PONG', async () => {
    subscriber.answering = false;
    await elapse(PING_MS);
    // The process stalled while the PING was out: its timeout timer has not run yet.
    busyFor(FRESH_MS);
    subscriber.pings[0]!.resolve('PONG');
    await vi.advanceTimersByTimeAsync(0); // settles the answer; the PING's own timeout is not due yet
    expect(subscription.isLive()).toBe(false);
    expect(events).toEqual([
      'live',
      'lost',
      `stalled: PING answered after ${FRESH_MS} ms, when the last answer was no longer fresh`,
    ]);
    expect(subscriber.reconnects).toEqual([true]);
  });

  it('a closed connection is lost at once, whatever the heartbeat says; close() stops the PINGs', async () => {
    subscriber.status = 'reconnecting';
    subscriber.emit('close');
    expect(subscription.isLive()).toBe(false);
    expect(events).toEqual(['live', 'lost']);

    subscriber.status = 'ready';
    subscriber.emit('ready');
    await vi.advanceTimersByTimeAsync(0);
    expect(subscription.isLive()).toBe(true);
    subscription.close();
    subscriber.answering = false;
    await elapse(10 * PING_MS);
    expect(subscriber.pings).toHaveLength(0);
    expect(subscriber.reconnects).toEqual([]);
  });
});
