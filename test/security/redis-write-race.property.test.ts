/**
 * No directory write is refused for a race, whatever the number of replicas and writers: every
 * write that races others on one org through its own replica lands, and the org's revision counts
 * each change exactly once. The race is the real one (real stores on the real Redis at
 * 127.0.0.1:6379, all writes started at once); fast-check picks the replicas, the writers per
 * replica and what each writes (seeded, so a failure replays). With five immediate attempts per
 * write (the retry before its jittered pauses) this found a refused write (503 "kept changing")
 * among 9 writers.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisStore } from '../../src/directory/redis-store.js';
import type { DirectoryStore, OrgRecord } from '../../src/directory/types.js';
import {
  DIRECTORY_YAML,
  deletePrefix,
  memoryLog,
  redisConfig,
  tempDir,
  uniquePrefix,
  type TempDir,
} from '../directory/helpers.js';
import { fuzzParams } from '../support/fuzz.js';

let tmp: TempDir;
let file: string;
const prefixes: string[] = [];

beforeAll(async () => {
  tmp = await tempDir();
  file = await tmp.file('directory.yaml', DIRECTORY_YAML);
});
afterAll(async () => {
  for (const p of prefixes) await deletePrefix(p);
  await tmp.remove();
});

async function replicas(prefix: string, count: number): Promise<DirectoryStore[]> {
  return Promise.all(
    Array.from({ length: count }, () =>
      createRedisStore(
        {
          file,
          defaultOrg: 'default',
          redis: redisConfig(prefix),
          cache_ttl_ms: 60_000,
          cache_max_entries: 100,
        },
        { log: memoryLog() },
      ),
    ),
  );
}

/** Per replica, the writes it makes at once: add a member (a new user), or remove `alice`. */
const race = fc.array(
  fc.array(fc.constantFrom('add' as const, 'remove-alice' as const), {
    minLength: 1,
    maxLength: 12,
  }),
  { minLength: 2, maxLength: 4 },
);

describe('directory writes racing on one org', () => {
  it('all land, and the revision counts each change once', async () => {
    await fc.assert(
      fc.asyncProperty(race, async (plan) => {
        const prefix = uniquePrefix();
        prefixes.push(prefix);
        const stores = await replicas(prefix, plan.length);
        try {
          const before = (await stores[0]!.getOrg('globex'))!;
          const revision = await stores[0]!.revision('globex');
          const added = plan.flatMap((writes, r) =>
            writes.flatMap((w, i) => (w === 'add' ? [`u${r}-${i}`] : [])),
          );
          await Promise.all(
            plan.flatMap((writes, r) =>
              writes.map((w, i) =>
                w === 'add'
                  ? stores[r]!.putMember('globex', `u${r}-${i}`, 'viewer')
                  : stores[r]!.removeMember('globex', 'alice'),
              ),
            ),
          );
          const removesAlice = plan.some((writes) => writes.includes('remove-alice'));
          const after = (await stores[0]!.getOrgAt('globex')).record as OrgRecord;
          const expected = before.members
            .map((m) => m.user)
            .filter((u) => !(removesAlice && u === 'alice'))
            .concat(added);
          expect(after.members.map((m) => m.user).sort()).toEqual(expected.sort());
          // each add changes the record; of the removals of alice only the first does
          const changes = added.length + (removesAlice ? 1 : 0);
          expect(await stores[0]!.revision('globex')).toBe(revision + changes);
        } finally {
          await Promise.all(stores.map((s) => s.close()));
        }
      }),
      fuzzParams(6, 40),
    );
  });
});
