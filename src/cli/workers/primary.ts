/**
 * The primary of `server.workers` > 1: it forks the workers (node:cluster; they share the port and
 * each builds its own app), supervises them and relays between them. It serves no request.
 *
 * Rules (docs/scaling.md, "Workers"):
 * - Start: the primary says `listening` once every worker listens. A worker that exits before it
 *   listens stops the whole sidecar with exit code 1 and that worker's error: a worker that cannot
 *   start would not start on a retry either (config, policy, port), and a restart loop would hide it.
 * - A worker that dies after it listened is replaced (logged, `orgwarden_worker_restarts_total`).
 * - SIGTERM/SIGINT: each worker is told (over IPC; workers ignore the signals of their process
 *   group) and runs the single-process graceful shutdown; a second signal is passed on too (it
 *   skips the rest of the delay). Exit 0 when every worker exited 0.
 * - SIGHUP: every worker reloads its policy.
 * - The in-process kill switch is held here; a flip is applied to every listening worker, in the
 *   order flips arrive, before the worker that took the request answers. A listening worker that
 *   does not confirm within CONFIRM_TIMEOUT_MS is killed and replaced: it starts in the current
 *   state. Workers still starting get the change without waiting (they apply it before they take
 *   a connection: the channel is ordered and their listen goes through it).
 * - File-mode directory writes: one worker at a time holds the write lock; its change reaches every
 *   other worker (same confirmation rule) before the lock is released and the writer answers.
 */
import cluster, { type Worker } from 'node:cluster';
import { Counter, Gauge, Registry } from 'prom-client';
import type { Logger } from '../../contract/logger.js';
import type { PeerChange } from '../../directory/index.js';
import type { ReloadOutcome, ReloadTrigger } from '../../policy-rollout/index.js';
import { parseTenancyState, type TenancyState } from '../../tenancy/rollout-state.js';
import { aggregateMetrics } from './aggregate-metrics.js';
import { createRpc, type Rpc } from './rpc.js';

const CONFIRM_TIMEOUT_MS = 5_000;
const METRICS_TIMEOUT_MS = 5_000;
const RELOAD_TIMEOUT_MS = 120_000;

export interface PrimaryOptions {
  workers: number;
  /** The config's rollout (`tenancy.rollout` / `tenancy.multi_tenant`): where the in-process switch starts. */
  tenancy: TenancyState;
  logger: Logger;
}

interface Member {
  slot: number;
  worker: Worker;
  rpc: Rpc;
  hello: boolean;
  listening: boolean;
  /** The error the worker reported before exiting, if any. */
  failure: string | null;
}

export function runPrimary(options: PrimaryOptions): Promise<number> {
  const { logger } = options;
  const members = new Map<number, Member>();
  const registry = new Registry();
  const restarts = new Counter({
    name: 'orgwarden_worker_restarts_total',
    help: 'Workers that died after they started listening and were replaced.',
    registers: [registry],
  });
  new Gauge({
    name: 'orgwarden_workers',
    help: 'Worker processes serving the port (server.workers), by state: listening or starting.',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const listening = [...members.values()].filter((m) => m.listening).length;
      this.set({ state: 'listening' }, listening);
      this.set({ state: 'starting' }, members.size - listening);
    },
  });

  let tenancy = options.tenancy;
  let flips: Promise<unknown> = Promise.resolve();
  let generation = 0;
  let lockHolder: Member | null = null;
  const lockQueue: { member: Member; grant: () => void }[] = [];
  let stopping: NodeJS.Signals | null = null;
  let startupFailed = false;
  let allListening = false;
  let finish: (code: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => (finish = resolve));
  let exitCode = 0;

  const listeningMembers = (except?: Member) =>
    [...members.values()].filter((m) => m.listening && m !== except);

  /**
   * Sends a change to every worker that has said hello (but `except`) and waits for the listening
   * ones to confirm; a listening worker that does not is replaced.
   */
  async function applyEverywhere(kind: string, payload: unknown, except?: Member): Promise<void> {
    await Promise.all(
      [...members.values()]
        .filter((m) => m.hello && m !== except)
        .map(async (m) => {
          const call = m.rpc.call(kind, payload, CONFIRM_TIMEOUT_MS);
          if (!m.listening) return void call.catch(() => undefined);
          try {
            await call;
          } catch (err) {
            logger.error('worker did not confirm a change; replacing it', {
              component: 'workers',
              worker: m.slot,
              pid: m.worker.process.pid,
              change: kind,
              error: err instanceof Error ? err.message : String(err),
            });
            m.worker.process.kill('SIGKILL');
          }
        }),
    );
  }

  function releaseLock(): void {
    lockHolder = null;
    const next = lockQueue.shift();
    if (next) {
      lockHolder = next.member;
      next.grant();
    }
  }

  function handlers(member: Member) {
    return {
      hello: () => {
        member.hello = true;
        return { tenancy, directory_generation: generation };
      },
      'tenancy.set': (payload: unknown) => {
        const value = parseTenancyState((payload as { tenancy: unknown }).tenancy);
        if (value === null) throw new Error('tenancy must be a rollout state');
        const run = flips.then(async () => {
          tenancy = value;
          await applyEverywhere('tenancy.apply', {
            tenancy: value,
            origin: member.worker.process.pid,
          });
        });
        flips = run.catch(() => undefined);
        return run.then(() => null);
      },
      'policy.reload_others': async (payload: unknown) => {
        const { trigger } = payload as { trigger: ReloadTrigger };
        return (await reloadAll(trigger, member)).filter((o) => o !== null);
      },
      metrics: async () =>
        aggregateMetrics(
          await Promise.all(
            listeningMembers().map(
              (m) =>
                m.rpc.call('metrics.json', null, METRICS_TIMEOUT_MS) as ReturnType<
                  Registry['getMetricsAsJSON']
                >,
            ),
          ),
          await registry.getMetricsAsJSON(),
        ),
      'directory.lock': () =>
        new Promise<{ generation: number }>((resolve) => {
          const grant = () => resolve({ generation });
          if (lockHolder === null) {
            lockHolder = member;
            grant();
          } else lockQueue.push({ member, grant });
        }),
      'directory.unlock': async (payload: unknown) => {
        if (lockHolder !== member) throw new Error('this worker does not hold the directory lock');
        const { change } = payload as { change: PeerChange | null };
        try {
          if (change) {
            generation += 1;
            await applyEverywhere('directory.change', { change, generation }, member);
          }
        } finally {
          releaseLock();
        }
        return { generation };
      },
    };
  }

  async function reloadAll(
    trigger: ReloadTrigger,
    except?: Member,
  ): Promise<(ReloadOutcome | null)[]> {
    return Promise.all(
      listeningMembers(except).map((m) =>
        (
          m.rpc.call(
            'policy.reload',
            { trigger },
            RELOAD_TIMEOUT_MS,
          ) as Promise<ReloadOutcome | null>
        ).catch((err: unknown) => {
          logger.error('worker did not answer a policy reload', {
            component: 'workers',
            worker: m.slot,
            error: err instanceof Error ? err.message : String(err),
          });
          return null;
        }),
      ),
    );
  }

  function fork(slot: number): void {
    const worker = cluster.fork({ ORGWARDEN_WORKER: String(slot) });
    // the rpc's handlers need the member itself, so it is added right after
    const member = { slot, worker, hello: false, listening: false, failure: null } as Member;
    member.rpc = createRpc(
      (message) => {
        if (!worker.isConnected()) throw new Error(`worker ${slot} is gone`);
        worker.send(message, (err: Error | null) => {
          if (err) member.rpc.closeAll(`worker ${slot} is gone: ${err.message}`);
        });
      },
      handlers(member),
      (kind, payload) => onEvent(member, kind, payload),
    );
    members.set(slot, member);
    worker.on('message', (message) => void member.rpc.receive(message));
    worker.on('error', () => undefined); // a send on a closing channel; exit follows
    worker.once('exit', (code: number | null, signal: string | null) =>
      onExit(member, code, signal as NodeJS.Signals | null),
    );
  }

  function onEvent(member: Member, kind: string, payload: unknown): void {
    if (kind === 'listening') {
      member.listening = true;
      const address = payload as { address: string; port: number };
      if (!allListening && [...members.values()].every((m) => m.listening)) {
        allListening = true;
        logger.info('listening', {
          host: address.address,
          port: address.port,
          workers: members.size,
          pids: [...members.values()].map((m) => m.worker.process.pid),
        });
      }
    } else if (kind === 'failed') {
      member.failure = String((payload as { error: unknown }).error);
    }
  }

  function onExit(member: Member, code: number | null, signal: NodeJS.Signals | null): void {
    member.rpc.closeAll(`worker ${member.slot} exited`);
    members.delete(member.slot);
    if (lockHolder === member) {
      // it may have replaced the file without telling the others: the next writer re-reads it
      generation += 1;
      releaseLock();
    }
    for (let i = lockQueue.length - 1; i >= 0; i--)
      if (lockQueue[i]?.member === member) lockQueue.splice(i, 1);
    // the exit code is the shutdown's: a worker replaced earlier does not count
    if (stopping !== null && (code !== 0 || signal !== null)) exitCode = 1;
    if (stopping === null && !startupFailed) {
      if (!member.listening) {
        startupFailed = true;
        logger.error('worker failed to start; stopping the other workers', {
          component: 'workers',
          worker: member.slot,
          pid: member.worker.process.pid,
          code,
          signal,
          error: member.failure ?? `exited with ${signal ?? String(code)} before it listened`,
        });
        exitCode = 1;
        for (const m of members.values()) m.rpc.event('stop', { signal: 'SIGTERM' });
      } else {
        restarts.inc();
        logger.error('worker died; starting another', {
          component: 'workers',
          worker: member.slot,
          pid: member.worker.process.pid,
          code,
          signal,
        });
        fork(member.slot);
        return;
      }
    }
    if (members.size === 0) finish(startupFailed ? 1 : exitCode);
  }

  const onStop = (signal: NodeJS.Signals) => {
    if (stopping === null) {
      stopping = signal;
      logger.info('stopping workers', { component: 'workers', signal, workers: members.size });
    }
    for (const m of members.values()) m.rpc.event('stop', { signal });
  };
  const onReload = () => {
    logger.info('policy reload requested', { signal: 'SIGHUP', workers: members.size });
    void reloadAll('sighup');
  };
  process.on('SIGTERM', onStop);
  process.on('SIGINT', onStop);
  process.on('SIGHUP', onReload);
  logger.info('starting workers', { component: 'workers', workers: options.workers });
  for (let slot = 1; slot <= options.workers; slot++) fork(slot);

  return finished.then((code) => {
    process.off('SIGTERM', onStop);
    process.off('SIGINT', onStop);
    process.off('SIGHUP', onReload);
    logger.info('stopped', { component: 'workers', exit_code: code });
    return code;
  });
}
