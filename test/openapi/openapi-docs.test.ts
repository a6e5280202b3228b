/**
 * docs/openapi.md's copy-paste example, run as written (curl, against a real orgwarden that
 * requires the caller token; only the address is this test's): it prints the served document.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { loadOpenApiDocument } from '../../src/http/openapi-document.js';
import { startTestApp } from '../support/app.js';

const CALLER_TOKEN = 'docs-caller-token-0123456789';

let app: App;
let url: string;
beforeAll(async () => {
  ({ app, url } = await startTestApp({
    extra: { server: { host: '127.0.0.1', port: 0, caller_token_env: 'CALLER' } },
    env: { CALLER: CALLER_TOKEN },
  }));
});
afterAll(() => app.stop());

it('the curl line of docs/openapi.md prints the document', async () => {
  const doc = readFileSync('docs/openapi.md', 'utf8');
  const line = doc.split('\n').find((l) => l.trim().startsWith('curl '));
  expect(line).toBeDefined();
  const command = (line ?? '').trim().replace('http://127.0.0.1:8181', url);
  // Asynchronous: the orgwarden it talks to runs in this process.
  const run = await promisify(execFile)('sh', ['-c', command], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { PATH: process.env.PATH ?? '', CALLER_TOKEN },
  });
  expect(JSON.parse(run.stdout)).toEqual(await loadOpenApiDocument());
});
