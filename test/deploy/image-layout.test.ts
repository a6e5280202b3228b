/**
 * The image runs as shipped, checked without a container engine (docs/container.md): the runtime
 * stage's files, laid out in a temporary folder as the Dockerfile lays them out (image-root.ts),
 * started with the image's exact ENTRYPOINT, CMD, ENV, WORKDIR and user, with the default config
 * at its place. Only a root prefix is put in front of the image's paths; the tree is read-only but
 * for the image's volume. What this cannot check (the base image, npm ci in it, the OPA stage):
 * docs/container.md.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintHs256, TEST_SECRET } from '../support/tokens.js';
import { runtimeImage } from './image.js';
import {
  configOf,
  layOutImage,
  NODE_USER,
  removeImageRoot,
  runImage,
  RUNNING_AS_ROOT,
  type ImageRoot,
  type ImageRun,
} from './image-root.js';

const image = runtimeImage();
const CALLER_TOKEN = 'caller-token-for-the-image-test';
/** What a user must give the image's default config (docs/container.md). */
const REQUIRED_ENV = { ORGWARDEN_CALLER_TOKEN: CALLER_TOKEN, ORGWARDEN_JWT_SECRET: TEST_SECRET };

let laid: ImageRoot;
/** Set once laid out, so afterAll removes only what exists. */
let root: string | undefined;
const started: ImageRun[] = [];

function start(env: Record<string, string>): ImageRun {
  const run = runImage(laid, image, env);
  started.push(run);
  return run;
}

beforeAll(async () => {
  laid = await layOutImage(image);
  root = laid.root;
}, 60_000);

afterAll(() => {
  for (const run of started) run.kill();
  if (root !== undefined) removeImageRoot(root);
});

/** Whether the image's user may create a file in `dir` (or write `dir` when it is a file). */
function writableBy(target: string): boolean {
  const probe = `const fs = require('node:fs'); const t = process.argv[1];
    try { fs.statSync(t).isDirectory() ? fs.writeFileSync(t + '/.probe', '') : fs.appendFileSync(t, '');
      process.exit(0) } catch { process.exit(1) }`;
  const run = spawnSync(process.execPath, ['-e', probe, target], RUNNING_AS_ROOT ? NODE_USER : {});
  if (run.status === 0) rmSync(path.join(target, '.probe'), { force: true });
  return run.status === 0;
}

describe('the image laid out in a folder, run as the Dockerfile runs it', () => {
  it('lays the config out with only the root put in front of its image paths', () => {
    expect(laid.config.laidOut).not.toBe(laid.config.original);
    expect(laid.config.laidOut.replaceAll(laid.root, '')).toBe(laid.config.original);
    expect(readFileSync(laid.at(configOf(image)), 'utf8')).toBe(laid.config.laidOut);
  });

  it('starts read-only as the node user, is ready, and decides with the bundle it was built with', async () => {
    const run = start(REQUIRED_ENV);
    const port = await run.port;
    if (RUNNING_AS_ROOT)
      expect(readFileSync(`/proc/${run.pid}/status`, 'utf8')).toMatch(/^Uid:\t1000\t/m);
    // The image's files are not writable by the process's user; its volume is.
    expect(writableBy(laid.at(image.workdir))).toBe(false);
    expect(writableBy(laid.at(configOf(image)))).toBe(false);
    for (const volume of image.volumes) expect(writableBy(laid.at(volume))).toBe(true);
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);

    const token = await mintHs256(TEST_SECRET, { sub: 'alice' });
    const body = JSON.stringify({
      token,
      action: 'resource.read',
      resource: { type: 'node', id: 'n1' },
    });
    const headers = {
      'content-type': 'application/json',
      'x-orgwarden-caller-token': CALLER_TOKEN,
    };
    const res = await fetch(`${base}/v1/authorize`, { method: 'POST', headers, body });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      allow: true,
      reason: 'allowed',
      effective_org: 'default',
      policy_revision: laid.revision,
    });
    // Listening on every interface, so the caller token is required.
    const anonymous = await fetch(`${base}/v1/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(anonymous.status).toBe(401);
  });

  it('refuses to start without its secrets, naming each variable', async () => {
    const { code, stderr } = await start({}).exited;
    expect(code).toBe(2);
    expect(stderr).toContain(
      'server.caller_token_env: environment variable ORGWARDEN_CALLER_TOKEN is not set',
    );
    expect(stderr).toContain(
      'auth.hs256_secret_env: environment variable ORGWARDEN_JWT_SECRET is not set',
    );
    // docs/container.md shows these lines as the image prints them (without the test's root).
    const doc = readFileSync(path.resolve('docs', 'container.md'), 'utf8');
    const lines = stderr.replaceAll(laid.root, '').trim().split('\n');
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(doc).toContain(`${line}\n`);
  });
});
