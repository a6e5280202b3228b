/**
 * The parts every fault shares: the standard probe mix, a pair of replicas on one Redis, a run
 * under load with its fault window, and admin calls.
 */
import { analyse, type FaultWindow } from './analyse.js';
import type { FaultRow } from './fault.js';
import { startLoad, type Expectation, type Probe, type Sample } from './load.js';
import { startReplica, type Replica } from './replica.js';
import {
  ADMIN_TOKEN,
  CONTROL_MEMBERS,
  CONTROL_ORG,
  HOME_ORG,
  NON_MEMBERS,
  replicaConfig,
  sessionToken,
  SPOOFERS,
  STEADY_MEMBERS,
  type World,
} from './world.js';

const always = (e: Expectation) => (): Expectation => e;

/**
 * The mix every fault runs under: members of acme (allow), members of globex naming acme (spoof:
 * deny), members of nothing (deny), and the positive control (members of `control`: allow).
 */
export async function standardProbes(nowMs = Date.now()): Promise<Probe[]> {
  const probe = async (group: string, user: string, org: string, e: Expectation) => ({
    group,
    body: { token: await sessionToken(user, nowMs), org, action: 'org.read' },
    expect: always(e),
  });
  return Promise.all([
    ...STEADY_MEMBERS.map((u) => probe('member', u, HOME_ORG, 'allow')),
    ...SPOOFERS.map((u) => probe('spoof', u, HOME_ORG, 'deny')),
    ...NON_MEMBERS.map((u) => probe('non-member', u, HOME_ORG, 'deny')),
    ...CONTROL_MEMBERS.map((u) => probe('control', u, CONTROL_ORG, 'allow')),
  ]);
}

/** Starts `count` replicas with the same config (each its own process and port). */
export async function startReplicas(
  world: World,
  count: number,
  overrides: Record<string, unknown>,
  names = ['a', 'b', 'c', 'd'],
): Promise<Replica[]> {
  const replicas: Replica[] = [];
  for (let i = 0; i < count; i++) {
    const name = names[i] ?? `r${i}`;
    const config = await world.writeConfig(name, replicaConfig(world, overrides));
    replicas.push(await startReplica({ name, config, env: world.env }));
  }
  return replicas;
}

export interface UnderLoadOptions {
  targets: readonly string[];
  probes: readonly Probe[];
  clients?: number;
  /** Load before the fault (ms). */
  warmupMs: number;
  /** Load after the fault is lifted (ms): recovery plus the "after" window. */
  cooldownMs: number;
  recoveryBudgetMs?: number;
  /** Clients route by readiness, as a load balancer with health checks does (load.ts). */
  readiness?: { path: string; intervalMs: number };
}

/**
 * Runs `inject` under load: the window starts when `inject` starts and ends when it resolves (or
 * when it calls `lifted()` earlier, e.g. after restarting a dependency but before its own checks).
 */
export async function underLoad(
  options: UnderLoadOptions,
  inject: (lifted: () => void) => Promise<void>,
): Promise<{ samples: Sample[]; window: FaultWindow }> {
  const load = startLoad({
    targets: options.targets,
    probes: options.probes,
    clients: options.clients ?? 8,
    ...(options.readiness ? { readiness: options.readiness } : {}),
  });
  try {
    await sleep(options.warmupMs);
    const start = performance.now();
    let end: number | null = null;
    await inject(() => (end ??= performance.now()));
    end ??= performance.now();
    await sleep(options.cooldownMs);
    const samples = await load.stop();
    return {
      samples,
      window: {
        start,
        end,
        ...(options.recoveryBudgetMs !== undefined
          ? { recoveryBudgetMs: options.recoveryBudgetMs }
          : {}),
      },
    };
  } finally {
    await load.stop();
  }
}

/** One table row from a run's samples. */
export function row(
  scenario: string,
  run: { samples: Sample[]; window: FaultWindow },
  extra: Partial<Pick<FaultRow, 'notes' | 'failures' | 'noFailedRequests'>> = {},
): FaultRow {
  return {
    scenario,
    figures: analyse(run.samples, run.window),
    noFailedRequests: extra.noFailedRequests ?? false,
    notes: extra.notes ?? [],
    failures: extra.failures ?? [],
  };
}

export async function admin(
  replica: Replica,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${replica.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN_TOKEN}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs `body` with resources stopped afterwards in reverse order, also when it throws. */
export async function withCleanup<T>(
  body: (defer: (stop: () => unknown) => void) => Promise<T>,
): Promise<T> {
  const stops: (() => unknown)[] = [];
  try {
    return await body((stop) => stops.push(stop));
  } finally {
    for (const stop of stops.reverse()) await Promise.resolve(stop()).catch(() => undefined);
  }
}
