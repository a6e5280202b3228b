/** Shared test helpers for the directory stores: temp files, Redis prefixes, throwaway Redis servers. */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { RedisConfig } from '../../src/redis/config.js';
import type { Logger, LogLevel } from '../../src/contract/logger.js';

export const SHARED_REDIS_URL = 'redis://127.0.0.1:6379/0';

export const DIRECTORY_YAML = `orgs:
  - id: acme
    status: active
    members:
      - { user: alice, role: owner }
      - { user: bob, role: admin }
      - { user: dave, role: member }
    shares:
      - { id: s1, resource: { type: node, id: n1 }, target_org: globex, access_role: viewer, state: accepted }
  - id: globex
    status: active
    members:
      - { user: erin, role: owner }
      - { user: alice, role: viewer }
  - id: initech
    status: suspended
    members: []
  - id: default
    members:
      - { user: alice, role: admin }
`;

/** The `acme` record of DIRECTORY_YAML, as every store must serve it. */
export const ACME_RECORD = {
  id: 'acme',
  status: 'active',
  members: [
    { user: 'alice', role: 'owner' },
    { user: 'bob', role: 'admin' },
    { user: 'dave', role: 'member' },
  ],
  shares: [
    {
      id: 's1',
      resource: { type: 'node', id: 'n1' },
      target_org: 'globex',
      access_role: 'viewer',
      state: 'accepted',
    },
  ],
};

export interface TempDir {
  dir: string;
  file(name: string, content: string): Promise<string>;
  remove(): Promise<void>;
}

export async function tempDir(): Promise<TempDir> {
  const dir = await mkdtemp(join(tmpdir(), 'orgwarden-directory-'));
  return {
    dir,
    async file(name, content) {
      const path = join(dir, name);
      await writeFile(path, content);
      return path;
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Collects log lines instead of printing them. */
export function memoryLog(): Logger & {
  lines: { level: string; message: string; fields?: Record<string, unknown> }[];
} {
  const lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  const emit = (level: LogLevel) => (message: string, fields?: Record<string, unknown>) => {
    lines.push({ level, message, ...(fields ? { fields } : {}) });
  };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    lines,
  };
}

export function uniquePrefix(): string {
  return `orgwarden-test:${randomBytes(6).toString('hex')}:`;
}

export function redisConfig(prefix: string, overrides: Partial<RedisConfig> = {}): RedisConfig {
  return {
    url: SHARED_REDIS_URL,
    key_prefix: prefix,
    command_timeout_ms: 50,
    connect_timeout_ms: 1000,
    max_reconnect_delay_ms: 200,
    slots_refresh_ms: 1000,
    subscriber_ping_ms: 500,
    write_replicas: 0,
    write_timeout_ms: 250,
    ...overrides,
  };
}

/** Deletes every key under the prefix (SCAN + DEL), so test runs leave the shared Redis as they found it. */
export async function deletePrefix(prefix: string, url = SHARED_REDIS_URL): Promise<number> {
  const redis = new Redis(url);
  try {
    let cursor = '0';
    let deleted = 0;
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) deleted += await redis.del(...keys);
    } while (cursor !== '0');
    return deleted;
  } finally {
    redis.disconnect();
  }
}

/** A loopback port nothing listens on (bound once by us, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface ScratchRedis {
  port: number;
  url: string;
  /** SIGKILL: connections drop at once. */
  kill(): Promise<void>;
  /** SIGSTOP / SIGCONT: the server keeps its connections but stops answering. */
  pause(): void;
  resume(): void;
}

/** Starts a private, non-persistent redis-server on a free (or the given) loopback port, never the shared one. */
export async function startScratchRedis(requestedPort?: number): Promise<ScratchRedis> {
  const port = requestedPort ?? (await freePort());
  if (port === 6379) throw new Error('refusing to start a scratch redis on the shared port');
  const child: ChildProcess = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--protected-mode',
      'yes',
    ],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `redis://127.0.0.1:${port}/0`;
  await waitUntil(async () => {
    const probe = new Redis(url, {
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
    });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      await probe.ping(); // answers PONG or rejects
      return true;
    } catch {
      return false;
    } finally {
      probe.disconnect();
    }
  }, 5000);
  return {
    port,
    url,
    async kill() {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
      await exited;
    },
    pause: () => void child.kill('SIGSTOP'),
    resume: () => void child.kill('SIGCONT'),
  };
}

/** Polls until `check` is true; fails after `timeoutMs`. */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  intervalMs = 5,
): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await check()) return performance.now() - started;
    if (performance.now() - started > timeoutMs)
      throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
