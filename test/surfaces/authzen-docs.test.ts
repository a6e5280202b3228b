/**
 * docs/authzen.md's "Try it" block is run as written: each `curl` command (its URL, `-H` headers
 * and `-d` body, read from the markdown) is sent to an orgwarden started from the example config
 * `npm start` serves without OPA (examples/orgwarden-prebuilt.yaml, on a free port instead of
 * 8282), and its answer must be the `# {...}` line under it, byte for byte but for the decision
 * ids (`01K…` on the page).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { loadConfigFile } from '../../src/config/load.js';
import { silentLogger } from '../../src/contract/logger.js';

const START_ENV = { ORGWARDEN_JWT_SECRET: 'orgwarden-dev-secret-not-for-production-0123456789' };
const DOC = readFileSync(path.resolve('docs', 'authzen.md'), 'utf8');

interface Example {
  command: string;
  answer: string;
}

/** The commands of the block under "## Try it", each with the answer line that follows it. */
function examples(): Example[] {
  const block = /## Try it\n[\s\S]*?```sh\n([\s\S]*?)```/.exec(DOC)?.[1] ?? '';
  const lines = block.replace(/\\\n\s*/g, '').split('\n');
  const out: Example[] = [];
  for (const [i, line] of lines.entries())
    if (line.startsWith('curl ')) out.push({ command: line, answer: lines[i + 1] ?? '' });
  return out;
}

/** The words of a command line: single quotes group, nothing else is special here. */
function words(line: string): string[] {
  return [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? '');
}

function request(command: string, port: number): { url: string; init: RequestInit } {
  const [curl, ...args] = words(command);
  expect(curl).toBe('curl');
  const headers: Record<string, string> = {};
  let url = '';
  let body: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '-s') continue;
    if (arg === '-H') {
      const [name, ...value] = (args[++i] ?? '').split(':');
      headers[(name ?? '').trim()] = value.join(':').trim();
    } else if (arg === '-d') body = args[++i];
    else if (arg.startsWith('localhost:8282/'))
      url = arg.replace('localhost:8282', `127.0.0.1:${port}`);
    else throw new Error(`the docs test does not know the curl argument ${arg}`);
  }
  return {
    url: `http://${url}`,
    init: body === undefined ? {} : { method: 'POST', headers, body },
  };
}

let app: App;
let port: number;
beforeAll(async () => {
  const config = loadConfigFile(path.resolve('examples', 'orgwarden-prebuilt.yaml'), {
    env: START_ENV,
  });
  app = await createApp(
    { ...config, server: { ...config.server, port: 0 } },
    { env: START_ENV, logger: silentLogger },
  );
  port = (await app.start()).port;
});
afterAll(() => app.stop());

it('shows four commands, each with the answer it gets', () => {
  expect(examples()).toHaveLength(4);
  for (const { answer } of examples()) expect(answer).toMatch(/^# \{/);
});

it.each(examples().map((e) => [e.command.slice(0, 70), e] as const))('%s', async (_name, e) => {
  const { url, init } = request(e.command, port);
  const res = await fetch(url, init);
  const text = (await res.text()).replace(/"decision_id":"[0-9A-Z]{26}"/g, '"decision_id":"01K…"');
  expect(`# ${text}`).toBe(e.answer);
});
