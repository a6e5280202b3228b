/**
 * A worker's side of the IPC channel: the `AppPeers` its app is built with (createApp), and the
 * answers to what the primary asks (apply a flip, reload the policy, apply a directory change,
 * report metrics).
 *
 * Invariant: what the primary sends before the app has registered its listeners is kept (the
 * latest switch state; every directory change, replayed in order) and handed over when they
 * register, so a worker never starts behind a change made while it was starting. Replaying a
 * directory change is harmless when the file it loaded already held it: a change carries the
 * org's whole record.
 */
import type { Registry } from 'prom-client';
import type { AppPeers } from '../../app.js';
import type { PeerChange } from '../../directory/index.js';
import type { ReloadOutcome, ReloadTrigger } from '../../policy-rollout/index.js';
import { UNREADABLE_STATE, type TenancyState } from '../../tenancy/rollout-state.js';
import { createRpc } from './rpc.js';

/** How long a worker waits for the primary to relay a change to every worker. */
const RELAY_TIMEOUT_MS = 30_000;

export interface WorkerLink {
  readonly peers: AppPeers;
  /** A one-way notice to the primary (`listening`, `failed`), resolved once it has been sent. */
  report(kind: 'listening' | 'failed', payload: unknown): Promise<void>;
  /**
   * The primary's stop requests (it passes on each SIGTERM/SIGINT it gets). Requests made before
   * a listener registered are handed to it.
   */
  onStop(listener: (signal: NodeJS.Signals) => void): () => void;
}

interface Hello {
  tenancy: TenancyState;
  directory_generation: number;
}

export async function connectToPrimary(registry: Registry): Promise<WorkerLink> {
  const send = (message: unknown) => {
    if (!process.send || !process.connected) throw new Error('the primary process is gone');
    process.send(message);
  };
  let tenancy: TenancyState = UNREADABLE_STATE;
  let applyFlip: ((state: TenancyState, origin: 'self' | 'peer') => void) | null = null;
  let reload: ((trigger: ReloadTrigger) => Promise<ReloadOutcome>) | null = null;
  let applyChange: ((change: PeerChange) => void) | null = null;
  const pendingChanges: PeerChange[] = [];
  let generation = 0;

  const stops: NodeJS.Signals[] = [];
  let stopListener: ((signal: NodeJS.Signals) => void) | null = null;
  const stop = (signal: NodeJS.Signals) => {
    if (stopListener) stopListener(signal);
    else stops.push(signal);
  };
  const onEvent = (kind: string, payload: unknown) => {
    if (kind === 'stop') stop((payload as { signal: NodeJS.Signals }).signal);
  };
  const rpc = createRpc(
    send,
    {
      'tenancy.apply': (payload) => {
        const { tenancy: applied, origin } = payload as { tenancy: TenancyState; origin: number };
        tenancy = applied;
        applyFlip?.(applied, origin === process.pid ? 'self' : 'peer');
      },
      // null: this worker is still starting, and its first load reads the files as they are now
      'policy.reload': (payload) =>
        reload?.((payload as { trigger: ReloadTrigger }).trigger) ?? null,
      'directory.change': (payload) => {
        const { change, generation: after } = payload as { change: PeerChange; generation: number };
        generation = after;
        if (applyChange) applyChange(change);
        else pendingChanges.push(change);
      },
      'metrics.json': () => registry.getMetricsAsJSON(),
    },
    onEvent,
  );
  process.on('message', (message) => void rpc.receive(message));
  process.once('disconnect', () => rpc.closeAll('the primary process is gone'));

  const hello = (await rpc.call('hello', { pid: process.pid }, RELAY_TIMEOUT_MS)) as Hello;
  tenancy = hello.tenancy;
  generation = hello.directory_generation;

  const peers: AppPeers = {
    tenancy: {
      current: () => Promise.resolve(tenancy),
      set: async (value) => {
        await rpc.call('tenancy.set', { tenancy: value }, RELAY_TIMEOUT_MS);
      },
      onApply(listener) {
        applyFlip = listener;
      },
    },
    policy: {
      reloadOthers: async (trigger) =>
        (await rpc.call(
          'policy.reload_others',
          { trigger },
          RELAY_TIMEOUT_MS * 4,
        )) as ReloadOutcome[],
      serveReloads(handler) {
        reload = handler;
      },
    },
    directory: {
      async exclusive(task) {
        // no timeout: the wait is the queue of writes before this one
        const granted = (await rpc.call('directory.lock')) as { generation: number };
        let change: PeerChange | null = null;
        try {
          change = await task(granted.generation !== generation);
        } finally {
          const released = (await rpc.call('directory.unlock', { change }, RELAY_TIMEOUT_MS)) as {
            generation: number;
          };
          generation = released.generation;
        }
      },
      onPeerChange(listener) {
        applyChange = listener;
        for (const change of pendingChanges.splice(0)) listener(change);
      },
    },
    metrics: {
      scrape: async () =>
        (await rpc.call('metrics', null, RELAY_TIMEOUT_MS)) as {
          body: string;
          contentType: string;
        },
    },
  };
  const report = (kind: string, payload: unknown) =>
    new Promise<void>((resolve) => {
      if (!process.send || !process.connected) {
        resolve();
        return;
      }
      process.send({ ow: 'event', kind, payload }, undefined, {}, () => resolve());
    });
  return {
    peers,
    report,
    onStop(listener) {
      stopListener = listener;
      for (const signal of stops.splice(0)) listener(signal);
      return () => {
        stopListener = null;
      };
    },
  };
}
