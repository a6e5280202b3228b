/**
 * A real Prometheus for a test: the given rules, scraping the given targets every second (job
 * `orgwarden`), evaluating rules every second, its data in a scratch folder. Resolves once
 * Prometheus answers `/-/ready`; rejects with its log when it exits first. `stop` terminates it
 * (SIGKILL after 10 s) and removes the folder.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from '../directory/helpers.js';
import { waitFor } from '../observability/helpers.js';

export interface TestPrometheus {
  url: string;
  /** The last 20 000 characters Prometheus wrote to stderr. */
  log(): string;
  stop(): Promise<void>;
}

export async function startPrometheus(options: {
  rules: readonly Record<string, unknown>[];
  /** `host:port` of each orgwarden to scrape. */
  targets: readonly string[];
}): Promise<TestPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'orgwarden-prometheus-'));
  writeFileSync(
    join(dir, 'rules.yml'),
    stringify({ groups: [{ name: 'orgwarden-test', rules: options.rules }] }),
  );
  writeFileSync(
    join(dir, 'prometheus.yml'),
    stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: [join(dir, 'rules.yml')],
      scrape_configs: [{ job_name: 'orgwarden', static_configs: [{ targets: options.targets }] }],
    }),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let log = '';
  const child = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  child.stderr.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-20_000)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise<boolean>((r) => child.once('exit', () => r(true)));
      child.kill('SIGTERM');
      const stopped = await Promise.race([
        gone,
        new Promise<boolean>((r) => setTimeout(() => r(false), 10_000)),
      ]);
      if (!stopped) child.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`prometheus exited (${String(code)}):\n${log}`))),
  );
  exited.catch(() => undefined);
  try {
    await Promise.race([
      exited,
      waitFor(
        'prometheus to be ready',
        async () =>
          (await fetch(`${url}/-/ready`).catch(() => null))?.status === 200 ? true : undefined,
        30_000,
        100,
      ),
    ]);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, log: () => log, stop };
}
