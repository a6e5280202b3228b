/**
 * The chaos suite's own Redis: a `redis-server` on a free loopback port (never the shared one),
 * with an append-only file written on every command so "restarted with its data" is a real
 * restart from disk and "restarted empty" is a restart after the files are removed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, waitUntil } from '../../directory/helpers.js';

export interface ChaosRedis {
  port: number;
  url: string;
  /** SIGKILL: every connection drops at once. */
  kill(): Promise<void>;
  /** Starts it again on the same port; `empty` removes its data first. */
  start(options: { empty: boolean }): Promise<void>;
  /** SIGSTOP / SIGCONT: it keeps its connections but answers nothing. */
  pause(): void;
  resume(): void;
  /** One command on a short-lived connection (for the suite's own checks). */
  command(...args: string[]): Promise<unknown>;
  stop(): Promise<void>;
}

export async function startChaosRedis(): Promise<ChaosRedis> {
  const dir = await mkdtemp(join(tmpdir(), 'orgwarden-chaos-redis-'));
  const port = await freePort();
  if (port === 6379) throw new Error('refusing to start a chaos redis on the shared port');
  const url = `redis://127.0.0.1:${port}/0`;
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();

  const running = () => child !== null && child.exitCode === null && child.signalCode === null;
  const command = async (...args: string[]) => {
    const client = new Redis(url, {
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      const [name, ...rest] = args;
      return await client.call(name ?? 'PING', ...rest);
    } finally {
      client.disconnect();
    }
  };
  const launch = async () => {
    child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
      ],
      { stdio: 'ignore' },
    );
    const self = child;
    exited = new Promise((resolve) => self.once('exit', () => resolve()));
    await waitUntil(
      () =>
        command('PING').then(
          (r) => r === 'PONG',
          () => false,
        ),
      10_000,
      20,
    );
  };
  const kill = async () => {
    if (!running()) return;
    child?.kill('SIGCONT');
    child?.kill('SIGKILL');
    await exited;
  };

  await launch();
  return {
    port,
    url,
    kill,
    async start({ empty }) {
      await kill();
      if (empty) {
        await rm(dir, { recursive: true, force: true });
        await import('node:fs/promises').then((fs) => fs.mkdir(dir, { recursive: true }));
      }
      await launch();
    },
    pause: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
    command,
    async stop() {
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
