/**
 * A flip whose transaction Redis does not answer in time: the switch reads the state back over the
 * same connection before it answers, so it never says "nothing changed" about a change that was
 * made. Real Redis (a private redis-server, paused with SIGSTOP for a chosen time).
 */
import { initialState } from '../../src/tenancy/rollout-state.js';
import { afterEach, describe, expect, it } from 'vitest';
import {
  TenancyStoreUnavailableError,
  createRedisTenancySwitch,
  type TenancyControl,
} from '../../src/tenancy/index.js';
import {
  memoryLog,
  redisConfig,
  startScratchRedis,
  uniquePrefix,
  waitUntil,
  type ScratchRedis,
} from '../directory/helpers.js';

const COMMAND_TIMEOUT_MS = 100;
const switches: TenancyControl[] = [];
const servers: ScratchRedis[] = [];
afterEach(async () => {
  await Promise.all(switches.splice(0).map((s) => s.close()));
  await Promise.all(servers.splice(0).map((s) => s.kill()));
});

async function openOn(server: ScratchRedis, prefix: string) {
  const log = memoryLog();
  const control = await createRedisTenancySwitch(
    {
      redis: redisConfig(prefix, { url: server.url, command_timeout_ms: COMMAND_TIMEOUT_MS }),
      initial: initialState({ multi_tenant: true }),
      defaultOrg: 'default',
    },
    { log },
  );
  switches.push(control);
  return { control, log };
}

/** Pauses the server for `ms`, then resumes it. */
function stall(server: ScratchRedis, ms: number): Promise<void> {
  server.pause();
  return new Promise((resolve) =>
    setTimeout(() => {
      server.resume();
      resolve();
    }, ms),
  );
}

describe('kill switch: a flip Redis did not answer in time', () => {
  it('is reported as made when the read-back shows it was made', async () => {
    const server = await startScratchRedis();
    servers.push(server);
    const prefix = uniquePrefix();
    const { control, log } = await openOn(server, prefix);
    const other = await openOn(server, prefix);
    expect(control.isMultiTenant()).toBe(true);

    // The transaction times out after 100 ms; the read-back, sent then, is answered at 160 ms.
    const stalled = stall(server, COMMAND_TIMEOUT_MS + 60);
    await expect(control.set(false, 'test')).resolves.toBeUndefined();
    await stalled;
    expect(control.isMultiTenant()).toBe(false);
    expect(log.lines.map((l) => l.message)).toContain(
      'tenancy switch change confirmed by reading it back after redis did not answer',
    );
    // and it was broadcast: the other replica follows
    await waitUntil(() => !other.control.isMultiTenant(), 2000);
  });

  it('is reported as unknown, never as "nothing changed", when the read-back is not answered', async () => {
    const server = await startScratchRedis();
    servers.push(server);
    const prefix = uniquePrefix();
    const { control } = await openOn(server, prefix);

    const stalled = stall(server, COMMAND_TIMEOUT_MS * 4);
    const error = await control.set(false, 'test').then(
      () => null,
      (err: unknown) => err,
    );
    await stalled;
    expect(error).toBeInstanceOf(TenancyStoreUnavailableError);
    expect((error as TenancyStoreUnavailableError).outcome).toBe('unknown');
    // Redis ran the transaction once it resumed: "unknown" was the honest answer.
    const probe = await openOn(server, prefix);
    expect(probe.control.isMultiTenant()).toBe(false);
  });
});
