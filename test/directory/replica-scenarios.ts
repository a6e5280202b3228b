/**
 * Scenarios for two replicas sharing one Redis (single node or cluster), driven over HTTP as the
 * main API and the gateways would: writes go to replica A, decisions are asked of both.
 */
import { expect } from 'vitest';
import type { App } from '../../src/app.js';
import { postJson, session, startTestApp } from '../support/app.js';
import type { OrgRecord } from '../../src/directory/types.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';
const ADMIN = { authorization: `Bearer ${ADMIN_TOKEN}` };

export interface Replica {
  app: App;
  url: string;
}

/** Two apps on one Redis prefix; the cache TTL is long, so only invalidations can make B see a write. */
export async function startReplicas(
  redis: Record<string, unknown>,
  directoryFile: string,
): Promise<[Replica, Replica]> {
  const options = { redis, extra: { directory: { file: directoryFile, cache_ttl_ms: 600_000 } } };
  const a = await startTestApp(options);
  try {
    const b = await startTestApp(options);
    return [a, b];
  } catch (err) {
    await a.app.stop();
    throw err;
  }
}

export async function write(
  replica: Replica,
  method: 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<number> {
  const res = await fetch(`${replica.url}/v1/directory/orgs/${path}`, {
    method,
    headers: { ...ADMIN, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await res.json()) as { revision?: number; error?: unknown };
  if (res.status !== 200)
    throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(json)}`);
  return json.revision!;
}

async function allows(replica: Replica, token: string, org: string): Promise<boolean> {
  const res = await postJson(`${replica.url}/v1/authorize`, {
    token,
    org,
    action: 'resource.read',
  });
  if (res.status !== 200) throw new Error(`authorize answered ${res.status}`);
  if (!res.json?.allow && res.json?.reason !== 'access_denied')
    throw new Error(`unexpected deny: ${String(res.json?.reason)}`);
  return res.json.allow === true;
}

/** Polls until `check` is true; returns the milliseconds it took, or throws after `deadlineMs`. */
async function until(
  check: () => Promise<boolean>,
  deadlineMs: number,
  what: string,
): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await check()) return performance.now() - started;
    if (performance.now() - started > deadlineMs)
      throw new Error(`${what}: not within ${deadlineMs} ms`);
  }
}

export interface RevocationFigures {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/**
 * `count` revocations of a fresh member of `org`: add on A, wait until B allows, DELETE on A; A must
 * deny at once, B within `deadlineMs`. Returns B's revocation latencies (from the DELETE answer).
 */
export async function revocations(
  a: Replica,
  b: Replica,
  org: string,
  count: number,
  deadlineMs: number,
): Promise<RevocationFigures> {
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    const user = `revoked-${i}`;
    const token = await session(user);
    await write(a, 'PUT', `${org}/members/${user}`, { role: 'viewer' });
    await until(() => allows(b, token, org), deadlineMs, `B allows ${user} after the grant`);
    await write(a, 'DELETE', `${org}/members/${user}`);
    const answered = performance.now();
    expect(await allows(a, token, org), `A still allows ${user} after its DELETE answered`).toBe(
      false,
    );
    await until(
      async () => !(await allows(b, token, org)),
      deadlineMs,
      `B denies ${user} after the DELETE`,
    );
    latencies.push(performance.now() - answered);
  }
  return summarize(latencies);
}

function summarize(latencies: number[]): RevocationFigures {
  const sorted = [...latencies].sort((x, y) => x - y);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  return { count: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted.at(-1)! };
}

/**
 * A deterministic sequence of mixed writes (whole records, members, roles, removals, deletes,
 * re-creations), alternating between the replicas; both keep reading every org so their caches
 * are warm. After every write both replicas must agree on every org (and the default org, which is
 * never written) within `deadlineMs`.
 */
export async function mixedWrites(
  a: Replica,
  b: Replica,
  writable: string[],
  steps: number,
  deadlineMs: number,
): Promise<void> {
  const orgs = [...writable, 'default'];
  let seed = 42;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const users = ['u1', 'u2', 'u3', 'u4', 'u5'];
  const roles = ['viewer', 'editor', 'admin', 'member'];
  const statuses = ['active', 'suspended', 'pending_deletion'];
  const existing = new Set<string>(['default']);
  for (const org of writable) if ((await a.app.directory.getOrg(org)) !== null) existing.add(org);

  for (let step = 0; step < steps; step++) {
    const [writer, reader] = step % 2 === 0 ? [a, b] : [b, a];
    const org = writable[random(writable.length)]!;
    const user = users[random(users.length)]!;
    const choice = existing.has(org) ? random(5) : 0;
    if (choice === 0) {
      const members = users
        .filter(() => random(2) === 0)
        .map((u) => ({ user: u, role: roles[random(roles.length)]! }));
      await write(writer, 'PUT', org, { status: statuses[random(statuses.length)], members });
      existing.add(org);
    } else if (choice === 1 || choice === 2) {
      await write(writer, 'PUT', `${org}/members/${user}`, { role: roles[random(roles.length)] });
    } else if (choice === 3) {
      await write(writer, 'DELETE', `${org}/members/${user}`);
    } else {
      await write(writer, 'DELETE', org);
      existing.delete(org);
    }
    // The writer reads its own write at once; the other replica within the propagation bound.
    const expected = await Promise.all(orgs.map((id) => writer.app.directory.getOrg(id)));
    let seen: (OrgRecord | null)[] = [];
    await until(
      async () =>
        same(
          (seen = await Promise.all(orgs.map((id) => reader.app.directory.getOrg(id)))),
          expected,
        ),
      deadlineMs,
      `replicas agree after step ${step}`,
    ).catch((err: unknown) => {
      throw new Error(
        `${(err as Error).message}: ${JSON.stringify({ org, choice, expected, seen })}`,
      );
    });
  }
  const read = (r: Replica) => Promise.all(orgs.map((id) => r.app.directory.getOrg(id)));
  const [onA, onB] = await Promise.all([read(a), read(b)]);
  expect(onB).toEqual(onA);
  expect(onA.filter((r) => r !== null).length).toBe(existing.size);
}

function same(x: (OrgRecord | null)[], y: (OrgRecord | null)[]): boolean {
  return JSON.stringify(x) === JSON.stringify(y);
}
