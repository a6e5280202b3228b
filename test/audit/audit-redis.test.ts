/**
 * The audit log on the shared Redis (a private key prefix per test): two replicas sharing the
 * prefix number their records from one sequence (monotonic, no gaps, no repeats, whichever
 * replica wrote), either replica pages through all of them, the kept records are capped at
 * `audit.keep_records`, and a Redis that refuses the record refuses the change with 503 (not made).
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { auditKeys } from '../../src/audit/redis-store.js';
import { deletePrefix, SHARED_REDIS_URL, uniquePrefix } from '../directory/helpers.js';
import { startAuditApp, TOKENS, type AuditApp, type Page } from './helpers.js';

let admin: Redis;
const prefixes: string[] = [];
const apps: AuditApp[] = [];
beforeAll(() => {
  admin = new Redis(SHARED_REDIS_URL);
});
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.app.stop()));
});
afterAll(async () => {
  for (const p of prefixes) await deletePrefix(p);
  admin.disconnect();
});

// A 2 s command timeout: a loaded host's pauses must not turn a kept record into a 503 (the
// refusal below comes from Redis's answer, not from a timeout).
async function replica(prefix: string, audit: Record<string, unknown> = {}): Promise<AuditApp> {
  const a = await startAuditApp({
    redis: { url: SHARED_REDIS_URL, key_prefix: prefix, command_timeout_ms: 2000 },
    audit: { sink: 'none', ...audit },
  });
  apps.push(a);
  return a;
}
function prefix(): string {
  const p = uniquePrefix();
  prefixes.push(p);
  return p;
}
const member = (user: string) => `/v1/directory/orgs/acme/members/${user}`;
const page = async (a: AuditApp, query = '') =>
  (await a.send('GET', `/v1/admin/audit${query}`, TOKENS.auditor)).json as unknown as Page;

describe('audit log on Redis', () => {
  it('two replicas share one monotonic sequence and see the same records', async () => {
    const p = prefix();
    const [one, two] = [
      await replica(p, { replica: 'replica-1' }),
      await replica(p, { replica: 'replica-2' }),
    ];
    const writes = [];
    for (let i = 0; i < 6; i++) {
      const via = i % 2 === 0 ? one : two;
      writes.push(via.send('PUT', member(`u${i}`), TOKENS['directory-writer'], { role: 'viewer' }));
    }
    expect((await Promise.all(writes)).map((w) => w.status)).toEqual([
      200, 200, 200, 200, 200, 200,
    ]);
    const fromOne = await page(one);
    const fromTwo = await page(two);
    expect(fromTwo).toEqual(fromOne);
    expect(fromOne.entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(new Set(fromOne.entries.map((e) => e.replica))).toEqual(
      new Set(['replica-1', 'replica-2']),
    );
    // every closing record follows its started record, on the replica that made the change
    for (const closing of fromOne.entries.filter((e) => e.outcome !== 'started')) {
      const started = fromOne.entries.find((e) => e.seq === closing.ref);
      expect(started?.outcome).toBe('started');
      expect(started?.replica).toBe(closing.replica);
      expect(started?.seq).toBeLessThan(closing.seq);
    }
    expect(await admin.get(auditKeys(p).seq)).toBe('12');
  });

  it('keeps at most audit.keep_records, dropping the oldest; the sequence goes on', async () => {
    const p = prefix();
    const a = await replica(p, { keep_records: 3 });
    for (const role of ['viewer', 'editor', 'admin'])
      await a.send('PUT', member('zoe'), TOKENS.legacy, { role });
    expect((await page(a)).entries.map((e) => e.seq)).toEqual([4, 5, 6]);
    expect(await admin.zcard(auditKeys(p).log)).toBe(3);
  });

  it('Redis refusing the record: 503, the change not made, the refusal counted', async () => {
    const p = prefix();
    const a = await replica(p);
    // INCR fails on a value that is not an integer: the script keeps nothing
    await admin.set(auditKeys(p).seq, 'not-a-number');
    const answer = await a.send('PUT', member('zoe'), TOKENS.legacy, { role: 'viewer' });
    expect(answer.status).toBe(503);
    expect((answer.json.error as { message: string }).message).toContain('store_unavailable');
    const record = await a.app.directory.getOrg('acme');
    expect(record?.members.map((m) => m.user)).not.toContain('zoe');
    expect(await a.app.metrics.registry.metrics()).toContain(
      'orgwarden_audit_refused_total{cause="store_unavailable"} 1',
    );
    expect(await admin.zcard(auditKeys(p).log)).toBe(0);
  });
});
