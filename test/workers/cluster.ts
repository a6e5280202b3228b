/**
 * Running `orgwarden serve` with `server.workers` > 1 as a real process tree from `dist/`, and
 * talking to it one fresh connection per request, so that consecutive requests land on different
 * workers (node:cluster hands connections out round-robin).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { testConfigDoc } from '../support/app.js';
import { FIXTURE_DIRECTORY, TEST_BUNDLE } from '../support/paths.js';
import { TEST_SECRET, TEST_SECRET_ENV } from '../support/tokens.js';

const MAIN = path.resolve('dist', 'cli', 'main.js');
export const ADMIN = { authorization: 'Bearer test-admin-token-0123456789' };

export interface Cluster {
  child: ChildProcess;
  port: number;
  /** The worker pids the primary named when every worker listened. */
  pids: number[];
  dir: string;
  /** The directory file and the policy bundle (copies this cluster may change). */
  directoryFile: string;
  bundle: string;
  stderr(): string;
  stdout(): string;
  exited: Promise<number | null>;
  /** Resolves once stderr holds a line matching `pattern` (after `from` characters). */
  waitForLog(pattern: RegExp, from?: number, timeoutMs?: number): Promise<string>;
}

export function clusterConfig(
  workers: number | 'auto',
  extra: Record<string, unknown> = {},
): { file: string; dir: string; directoryFile: string; bundle: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'orgwarden-workers-'));
  const directoryFile = path.join(dir, 'directory.yaml');
  const bundle = path.join(dir, 'bundle.tar.gz');
  copyFileSync(FIXTURE_DIRECTORY, directoryFile);
  copyFileSync(TEST_BUNDLE, bundle);
  const base = testConfigDoc({ directoryFile });
  const doc = {
    ...base,
    ...extra,
    server: { ...(base.server as object), workers, ...(extra.server as object | undefined) },
    policy: { bundle, watch: false, ...(extra.policy as object | undefined) },
  };
  const file = path.join(dir, 'orgwarden.yaml');
  writeFileSync(file, stringify(doc));
  return { file, dir, directoryFile, bundle };
}

export function startCluster(
  config: ReturnType<typeof clusterConfig>,
  options: { port?: number; env?: Record<string, string> } = {},
): Promise<Cluster> {
  const child = spawn(
    process.execPath,
    [MAIN, 'serve', '--config', config.file, '--port', String(options.port ?? 0)],
    {
      env: {
        ...process.env,
        [TEST_SECRET_ENV]: TEST_SECRET,
        ORGWARDEN_ADMIN_TOKEN: 'test-admin-token-0123456789',
        ...options.env,
      },
    },
  );
  let stderr = '';
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const waitForLog = (pattern: RegExp, from = 0, timeoutMs = 30_000) =>
    new Promise<string>((resolve, reject) => {
      const deadline = Date.now() + timeoutMs;
      const look = () => {
        const line = stderr
          .slice(from)
          .split('\n')
          .find((l) => pattern.test(l));
        if (line) resolve(line);
        else if (Date.now() > deadline)
          reject(new Error(`no log line matching ${String(pattern)} in:\n${stderr}`));
        else setTimeout(look, 25);
      };
      look();
    });
  const cluster = {
    child,
    port: 0,
    pids: [] as number[],
    ...config,
    stderr: () => stderr,
    stdout: () => stdout,
    exited,
    waitForLog,
  };
  return Promise.race([
    waitForLog(/"msg":"listening".*"workers":/).then((line) => {
      const parsed = JSON.parse(line) as { port: number; pids: number[] };
      return { ...cluster, port: parsed.port, pids: parsed.pids };
    }),
    exited.then((code) => {
      throw new Error(`orgwarden exited with ${String(code)} before listening:\n${stderr}`);
    }),
  ]);
}

export interface Answer {
  status: number;
  body: string;
  /** The body parsed as JSON (typed by the caller, who knows the route). */
  json(): Record<string, unknown>;
}

/** One request on a connection of its own. */
export function call(
  port: number,
  method: string,
  target: string,
  options: { headers?: Record<string, string>; body?: unknown } = {},
): Promise<Answer> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: target,
        agent: false,
        headers: {
          ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
          ...options.headers,
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body,
            json: () => JSON.parse(body) as Record<string, unknown>,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** The sum of every series of a metric in Prometheus text. */
export function metricSum(text: string, name: string, labels = ''): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (labels && !line.includes(labels)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** The workers' `listener closed` lines: how many connections each accepted, by worker slot. */
export function acceptedPerWorker(stderr: string): Map<number, number> {
  const accepted = new Map<number, number>();
  for (const line of stderr.split('\n')) {
    if (!line.includes('"msg":"listener closed"') || !line.includes('"worker":')) continue;
    const fields = JSON.parse(line) as { worker: number; connections_accepted: number };
    accepted.set(fields.worker, (accepted.get(fields.worker) ?? 0) + fields.connections_accepted);
  }
  return accepted;
}
