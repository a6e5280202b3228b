/**
 * Revisions never go backwards unnoticed, whatever the sequence: two store replicas on one prefix
 * take random writes (new members, a revocation, a re-admission, a retry of their last write),
 * reads, and rewinds (Redis holding an older record and revision for a while, as after a failover
 * that lost writes or an old master answering again, with or without a cache drop), in a seeded
 * random order.
 *
 * Invariants:
 * - no replica ever serves a record that exists only at revisions older than one it has seen (it
 *   refuses with DirectoryRewoundError instead), and nothing it refused stays cached;
 * - each org's revision goes up by one per change and stays put on a no-op or a retry;
 * - every acknowledged write is visible on both replicas afterwards.
 *
 * Against the real Redis at 127.0.0.1:6379, one fresh key prefix per case.
 */
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisStore } from '../../src/directory/redis-store.js';
import { DirectoryRewoundError } from '../../src/directory/redis-revisions.js';
import type { DirectoryStore, OrgRecord } from '../../src/directory/types.js';
import { fuzzParams } from '../support/fuzz.js';
import {
  DIRECTORY_YAML,
  SHARED_REDIS_URL,
  deletePrefix,
  memoryLog,
  redisConfig,
  tempDir,
  uniquePrefix,
  waitUntil,
  type TempDir,
} from './helpers.js';

const ORGS = ['acme', 'globex'] as const;
type Org = (typeof ORGS)[number];
const replicaIndex = fc.constantFrom(0, 1);
const org = fc.constantFrom(...ORGS);

type Step =
  | { kind: 'write'; on: 0 | 1; org: Org; op: 'add' | 'revoke' | 'admit' | 'retry' }
  | { kind: 'read'; on: 0 | 1; org: Org }
  | { kind: 'rewind'; org: Org; back: number; dropCaches: boolean; reads: (0 | 1)[] };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant('write' as const),
    on: replicaIndex,
    org,
    op: fc.constantFrom('add' as const, 'revoke' as const, 'admit' as const, 'retry' as const),
  }),
  fc.record({ kind: fc.constant('read' as const), on: replicaIndex, org }),
  fc.record({
    kind: fc.constant('rewind' as const),
    org,
    back: fc.integer({ min: 1, max: 3 }),
    dropCaches: fc.boolean(),
    reads: fc.array(replicaIndex, { minLength: 1, maxLength: 4 }),
  }),
);

/** What Redis held for an org at one revision. */
interface Version {
  revision: number;
  raw: string;
}

let admin: Redis;
let tmp: TempDir;
let file: string;
const prefixes: string[] = [];

beforeAll(async () => {
  admin = new Redis(SHARED_REDIS_URL);
  tmp = await tempDir();
  file = await tmp.file('directory.yaml', DIRECTORY_YAML);
});

afterAll(async () => {
  for (const prefix of prefixes) await deletePrefix(prefix);
  admin.disconnect();
  await tmp.remove();
});

/** One case: two replicas, the model of each org's history, and the checks. */
async function runCase(steps: Step[]): Promise<void> {
  const prefix = uniquePrefix();
  prefixes.push(prefix);
  const open = () =>
    createRedisStore(
      {
        file,
        defaultOrg: 'default',
        redis: redisConfig(prefix, { command_timeout_ms: 1000 }),
        cache_ttl_ms: 600_000,
        cache_max_entries: 100,
      },
      { log: memoryLog() },
    );
  const replicas: DirectoryStore[] = [await open(), await open()];
  const recordKey = (id: Org) => `${prefix}{org:${id}}`;
  const revisionKey = (id: Org) => `${prefix}{org:${id}}:revision`;
  const stored = async (id: Org): Promise<Version> => {
    const [raw, revision] = await admin.mget(recordKey(id), revisionKey(id));
    return { raw: raw!, revision: Number(revision) };
  };
  try {
    const history = new Map<Org, Version[]>();
    for (const id of ORGS) history.set(id, [await stored(id)]);
    const latest = (id: Org) => history.get(id)!.at(-1)!;
    /** The highest revision each replica has certainly seen: every replica settles on each write. */
    const seen = (id: Org) => latest(id).revision;
    const lastWrite: (((id: Org) => Promise<{ revision: number }>) | null)[] = [null, null];
    let added = 0;

    /** A read's outcome must be a refusal (only while Redis is rewound) or a record from a revision it has seen or later. */
    const checkRead = async (on: 0 | 1, id: Org, rewound: boolean) => {
      const outcome = await replicas[on]!.getOrg(id).catch((err: unknown) => err);
      if (outcome instanceof DirectoryRewoundError) {
        expect(rewound, `replica ${on} refused ${id} while Redis was not rewound`).toBe(true);
        expect(outcome.seen).toBeGreaterThanOrEqual(seen(id));
        return;
      }
      if (outcome instanceof Error) throw outcome;
      const served = JSON.stringify(outcome);
      const fresh = history.get(id)!.filter((v) => v.revision >= seen(id));
      expect(
        fresh.map((v) => JSON.stringify(JSON.parse(v.raw) as OrgRecord)),
        `replica ${on} served ${id} from before revision ${seen(id)}`,
      ).toContain(served);
    };

    /** Both replicas serve the latest version (the write's invalidation has arrived). */
    const settle = async (id: Org) => {
      const want = JSON.stringify(JSON.parse(latest(id).raw) as OrgRecord);
      for (const replica of replicas)
        await waitUntil(
          async () => JSON.stringify(await replica.getOrg(id).catch(() => null)) === want,
          2000,
          1,
        );
    };

    /** Publishes `{org}` and waits until both replicas have heard it (and dropped the org). */
    const dropCaches = async (id: Org) => {
      const heard = replicas.map(
        (replica) =>
          new Promise<void>((resolve) => {
            const stop = replica.onChange((changed) => {
              if (changed !== id) return;
              stop();
              resolve();
            });
          }),
      );
      await admin.publish(`${prefix}invalidate`, JSON.stringify({ org: id }));
      await Promise.all(heard);
    };

    for (const s of steps) {
      if (s.kind === 'read') {
        await checkRead(s.on, s.org, false);
        continue;
      }
      if (s.kind === 'rewind') {
        const versions = history.get(s.org)!;
        const current = latest(s.org);
        const old = versions[Math.max(0, versions.length - 1 - s.back)]!;
        if (old.revision === current.revision) continue;
        await admin.mset(recordKey(s.org), old.raw, revisionKey(s.org), String(old.revision));
        // The old record comes back without an invalidation; optionally the caches are dropped
        // (an invalidation without a revision, as older versions send), so the replicas read Redis.
        if (s.dropCaches) await dropCaches(s.org);
        for (const on of s.reads) await checkRead(on, s.org, true);
        // The old master is demoted: the current version is back, still without an invalidation.
        await admin.mset(
          recordKey(s.org),
          current.raw,
          revisionKey(s.org),
          String(current.revision),
        );
        for (const on of s.reads) await checkRead(on, s.org, false);
        continue;
      }
      const replica = replicas[s.on]!;
      const write =
        s.op === 'retry'
          ? lastWrite[s.on]
          : s.op === 'revoke'
            ? (id: Org) => replica.removeMember(id, 'alice')
            : s.op === 'admit'
              ? (id: Org) => replica.putMember(id, 'alice', 'viewer')
              : (
                  (n: number) => (id: Org) =>
                    replica.putMember(id, `w${n}`, 'viewer')
                )(++added);
      if (!write) continue;
      lastWrite[s.on] = write;
      const before = latest(s.org);
      const { revision } = await write(s.org);
      const after = await stored(s.org);
      expect(after.revision, 'the answer is the revision stored with the record').toBe(revision);
      if (after.raw === before.raw)
        expect(revision, 'a no-op keeps the revision').toBe(before.revision);
      else {
        expect(revision, 'a change raises the revision by one').toBe(before.revision + 1);
        history.get(s.org)!.push(after);
      }
      await settle(s.org);
    }

    // Every acknowledged write is visible on both replicas, at the revision acknowledged.
    for (const id of ORGS) {
      await settle(id);
      for (const replica of replicas) expect(await replica.revision(id)).toBe(latest(id).revision);
    }
  } finally {
    await Promise.all(replicas.map((r) => r.close()));
    await deletePrefix(prefix);
  }
}

describe('revisions across two replicas', () => {
  it('no replica serves a record older than a revision it has seen, and every acknowledged write stays visible', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 14 }), runCase),
      fuzzParams(15, 300),
    );
  }, 120_000);
});
