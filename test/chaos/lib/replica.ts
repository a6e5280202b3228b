/**
 * One orgwarden replica as an operator runs it: `node dist/cli/main.js serve` in its own process,
 * on a fixed loopback port (so a restart comes back where a gateway expects it), with its stderr
 * kept for the report. `dist/` must be built (main.ts builds it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { freePort } from '../../directory/helpers.js';

const MAIN = resolve('dist', 'cli', 'main.js');

export interface Replica {
  name: string;
  port: number;
  url: string;
  /** Everything the current process wrote to stderr (its JSON log). */
  logs(): string;
  /** Sends a signal to the running process (no-op when it has exited). */
  signal(signal: NodeJS.Signals): void;
  /** Resolves with the exit code (or signal) of the current process, and how long after `since` it came. */
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** Starts the process again on the same port and waits until `/readyz` answers 200. */
  restart(extraEnv?: Record<string, string>): Promise<void>;
  /** SIGKILL if still running. */
  stop(): Promise<void>;
}

export interface ReplicaOptions {
  name: string;
  config: string;
  env: Record<string, string>;
  port?: number;
  /** Wait for `/readyz` 200 (default) or only for the listener (a replica that cannot be ready yet). */
  waitReady?: boolean;
  /** Prefix for the child (e.g. `faketime` to skew its clock): argv before `node`. */
  wrapper?: readonly string[];
}

export async function startReplica(options: ReplicaOptions): Promise<Replica> {
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess;
  let logs = '';
  let exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;

  const launch = async (extraEnv: Record<string, string> = {}) => {
    logs = '';
    const argv = [...(options.wrapper ?? []), process.execPath];
    const command = argv[0] ?? process.execPath;
    const prefix = argv.slice(1);
    child = spawn(
      command,
      [...prefix, MAIN, 'serve', '--config', options.config, '--port', String(port)],
      {
        env: { ...process.env, ...options.env, ...extraEnv },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    child.stderr?.on('data', (d: Buffer) => {
      logs += d.toString();
      if (logs.length > 2_000_000) logs = logs.slice(-1_000_000);
    });
    exit = new Promise((done) =>
      child.once('exit', (code, signal) => done({ code, signal, at: performance.now() })),
    );
    await waitForStart(
      url,
      options.waitReady ?? true,
      () => child.exitCode !== null,
      () => logs,
    );
  };

  await launch();
  return {
    name: options.name,
    port,
    url,
    logs: () => logs,
    signal(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    exited: () => exit,
    async restart(extraEnv) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exit;
      }
      await launch(extraEnv);
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exit;
      }
    },
  };
}

async function waitForStart(
  url: string,
  ready: boolean,
  died: () => boolean,
  logs: () => string,
): Promise<void> {
  const deadline = performance.now() + 30_000;
  while (performance.now() < deadline) {
    if (died()) throw new Error(`replica at ${url} exited while starting:\n${logs().slice(-2000)}`);
    const status = await fetch(`${url}${ready ? '/readyz' : '/healthz'}`).then(
      (res) => res.status,
      () => 0,
    );
    if (status === 200) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`replica at ${url} not ready within 30 s:\n${logs().slice(-2000)}`);
}
