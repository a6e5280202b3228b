/**
 * examples/client.mjs, run as a real process against the built client (`orgwarden/client`, from
 * dist/) and a real orgwarden that requires the caller token; docs/clients.md shows the example and
 * this output. The app is watched by the contract validator, so the example's traffic is checked
 * against openapi/orgwarden.yaml too.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { session, startTestApp } from '../support/app.js';

const EXPECTED = [
  'read in acme: allow (allowed) 200',
  'read in frozen: deny (org_suspended) 403',
  'orgs: default, acme, globex',
  'rollout refused: 400 invalid_request',
  'multi-tenant: on',
];

const CALLER_TOKEN = 'example-caller-token-0123456789';

let app: App;
let url: string;
beforeAll(async () => {
  ({ app, url } = await startTestApp({
    extra: { server: { host: '127.0.0.1', port: 0, caller_token_env: 'CALLER' } },
    env: { CALLER: CALLER_TOKEN },
  }));
});
afterAll(() => app.stop());

it('prints the answers docs/clients.md shows, and the page holds the example as it is', async () => {
  // Asynchronous: the orgwarden it talks to runs in this process.
  const run = await promisify(execFile)(
    process.execPath,
    [path.resolve('examples', 'client.mjs')],
    {
      encoding: 'utf8',
      timeout: 30_000,
      env: {
        PATH: process.env.PATH ?? '',
        ORGWARDEN_URL: url,
        ORGWARDEN_CALLER_TOKEN: CALLER_TOKEN,
        ORGWARDEN_ADMIN_TOKEN: 'test-admin-token-0123456789',
        USER_TOKEN: await session('alice'),
      },
    },
  );
  expect(run.stdout.trim().split('\n')).toEqual(EXPECTED);
  const doc = readFileSync(path.resolve('docs', 'clients.md'), 'utf8');
  for (const line of EXPECTED) expect(doc).toContain(line);
  const example = readFileSync(path.resolve('examples', 'client.mjs'), 'utf8');
  const body = example.slice(example.indexOf('import '));
  expect(doc).toContain(body.trim());
});
