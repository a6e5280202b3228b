#!/usr/bin/env node
// orgwarden as a library: the decision core inside a Node service, no HTTP hop (docs/library.md).
// It loads the committed prebuilt policy and a scratch copy of examples/directory.yaml (the example
// removes a member from it), asks a few questions and prints one line per decision.
//
//   npm run build && node examples/library.mjs
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import { createApp, parseConfig } from 'orgwarden';

const here = path.dirname(fileURLToPath(import.meta.url));
const work = mkdtempSync(path.join(os.tmpdir(), 'orgwarden-library-'));
const directoryFile = path.join(work, 'directory.yaml');
copyFileSync(path.join(here, 'directory.yaml'), directoryFile);

// Your identity provider signs the sessions; this example plays it with a development secret.
const env = { ORGWARDEN_JWT_SECRET: 'example-only-secret-0123456789abcdef' };
const config = parseConfig(
  {
    tenancy: { multi_tenant: true },
    auth: {
      issuer: 'https://auth.example.test',
      audience: 'orgwarden',
      algorithms: ['HS256'],
      hs256_secret_env: 'ORGWARDEN_JWT_SECRET',
    },
    directory: { file: directoryFile },
    policy: { bundle: path.join(here, '..', 'prebuilt', 'default-policy.tar.gz'), watch: false },
    decision_log: { sink: 'none' },
    // policy.memo_entries / policy.memo_bytes: the decision memo, on by default.
  },
  { env },
);
// Everything the sidecar runs except the HTTP listener, which is only started by `start()`.
const orgwarden = await createApp(config, { env });
const { authorizer } = orgwarden;

const key = new TextEncoder().encode(env.ORGWARDEN_JWT_SECRET);
const session = (sub) =>
  new SignJWT({ sub })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer('https://auth.example.test')
    .setAudience('orgwarden')
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(key);

function show(question, decision) {
  const why = decision.detail ? `${decision.reason}, ${decision.detail}` : decision.reason;
  console.log(`${question}: ${decision.allow ? 'allow' : 'deny'} (${why}) ${decision.status}`);
}

/** The POST /v1/authorize document, parsed exactly as the HTTP route parses it. */
async function ask(question, body) {
  const answer = await authorizer.authorize(body);
  if (answer.ok) show(question, answer.value);
  else console.log(`${question}: refused (400) ${answer.message}`);
}

const carol = await session('carol');
const frank = await session('frank');
const write = { action: 'resource.write', resource: { type: 'node', id: 'n7' } };

await ask('carol writes a node in acme', { token: carol, org: 'acme', ...write });
await ask('carol writes it again', { token: carol, org: 'acme', ...write });
await ask('frank writes a node in acme', { token: frank, org: 'acme', ...write });
await ask('a caller without a token writes in acme', { headers: {}, org: 'acme', ...write });
await ask('carol names no action', { token: carol, org: 'acme' });

// The normalised request (contract/decision-request.ts), for a service that has already taken
// the question apart: no document to parse.
show(
  'carol reads node n1 in acme (decide)',
  await authorizer.decide({
    kind: 'request',
    token: carol,
    named_org: { id: 'acme', source: 'field' },
    action: 'resource.read',
    resource: { type: 'node', id: 'n1', org: 'acme' },
    context: {},
  }),
);

// A revocation takes effect on the next decision: the directory facts are part of the memo's key.
await orgwarden.directory.removeMember('acme', 'carol');
await ask('carol writes after her removal', { token: carol, org: 'acme', ...write });

await orgwarden.stop();
rmSync(work, { recursive: true, force: true });
