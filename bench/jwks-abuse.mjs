#!/usr/bin/env node
// Benchmark: what a hostile or broken JWKS endpoint costs one replica (authenticator from dist/,
// the real global fetch, a real key server on 127.0.0.1).
//
// 1. flood: the endpoint answers 500; one client sends tokens with a fresh random `kid` each, back
//    to back, for --duration seconds. Prints tokens/s answered, the fetches the key server saw
//    (and per second), and the answers by code. Before the fix: one fetch per token (258/s).
// 2. oversized: a good key set is held; at its refresh the endpoint streams an endless body.
//    Meanwhile a known-kid token is verified back to back. Prints how long until the body was
//    refused, how many bytes the server got out, the growth of RSS, and the p50 / p99 / max
//    latency of the concurrent verifications. Before the fix: a 400 MB body was read whole
//    (1.85 GB held) and other requests stalled 2.7 s.
//
//   npm run build && node bench/jwks-abuse.mjs [--duration 5]
import { createServer } from 'node:http';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: { duration: { type: 'string', default: '5' }, help: { type: 'boolean' } },
});
if (values.help) {
  console.log('Usage: node bench/jwks-abuse.mjs [--duration SECONDS]');
  process.exit(0);
}
const entry = path.join(root, 'dist', 'authn', 'index.js');
if (!existsSync(entry)) {
  console.error('bench: run "npm run build" first');
  process.exit(1);
}
const { createAuthenticator } = await import(entry);
const durationMs = Number(values.duration) * 1000;

const ISSUER = 'https://bench.example.test';
const AUDIENCE = 'orgwarden';
const { privateKey, publicKey } = await generateKeyPair('ES256');
const jwk = { ...(await exportJWK(publicKey)), kid: 'bench', alg: 'ES256', use: 'sig' };
const mint = (kid) =>
  new SignJWT({ sub: 'alice' })
    .setProtectedHeader({ alg: 'ES256', kid })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(privateKey);

let mode = 'fail';
let fetches = 0;
let streamedBytes = 0;
const server = createServer((req, res) => {
  fetches += 1;
  if (mode === 'fail') {
    res.statusCode = 500;
    res.end('down');
  } else if (mode === 'good') {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [jwk] }));
  } else {
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    res.write('{"keys":[');
    const pump = () => {
      while (!res.destroyed) {
        streamedBytes += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
    };
    res.on('close', () => undefined);
    pump();
  }
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${server.address().port}/jwks`;

const config = (extra = {}) => ({
  issuer: ISSUER,
  audience: AUDIENCE,
  algorithms: ['ES256'],
  jwks_url: url,
  clock_tolerance_s: 30,
  max_token_bytes: 8192,
  max_token_age_s: 0,
  jwks_timeout_ms: 2000,
  jwks_cooldown_s: 30,
  jwks_cache_max_age_s: 60,
  jwks_stale_if_error_s: 900,
  jwks_failure_backoff_s: 2,
  jwks_failure_backoff_max_s: 60,
  jwks_max_bytes: 262144,
  jwks_max_keys: 100,
  token_cache_entries: 0,
  token_cache_ttl_s: 60,
  ...extra,
});

// 1. flood of unknown kids against a failing endpoint
{
  mode = 'fail';
  fetches = 0;
  const auth = await createAuthenticator(config(), { env: {} });
  /** @type {Record<string, number>} */
  const codes = {};
  let answered = 0;
  const started = performance.now();
  while (performance.now() - started < durationMs) {
    const header = Buffer.from(JSON.stringify({ alg: 'ES256', kid: `k${Math.random()}` })).toString(
      'base64url',
    );
    const payload = Buffer.from(
      JSON.stringify({
        iss: ISSUER,
        aud: AUDIENCE,
        sub: 'x',
        exp: Math.floor(Date.now() / 1000) + 3600,
      }),
    ).toString('base64url');
    const result = await auth.authenticate(`${header}.${payload}.c2lnbmF0dXJl`);
    codes[result.ok ? 'ok' : result.code] = (codes[result.ok ? 'ok' : result.code] ?? 0) + 1;
    answered += 1;
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `flood: ${answered} tokens in ${seconds.toFixed(1)} s (${(answered / seconds).toFixed(0)}/s); key server saw ${fetches} fetches (${(fetches / seconds).toFixed(2)}/s); answers ${JSON.stringify(codes)}`,
  );
}

// 2. an endless JWKS body at refresh time, while known-kid tokens keep verifying
{
  mode = 'good';
  fetches = 0;
  let clock = Date.now();
  const auth = await createAuthenticator(config(), { env: {}, now: () => clock });
  const token = await mint('bench');
  if (!(await auth.authenticate(token)).ok)
    throw new Error('bench: the known token does not verify');
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  mode = 'endless';
  streamedBytes = 0;
  clock += 61_000; // the held set is due for a refresh
  const started = performance.now();
  // a holder, not a `let`: the refresh callback sets it while the loop below reads it
  const refused = { ms: /** @type {number | null} */ (null) };
  const refresh = auth.authenticate(token).then((r) => {
    refused.ms = performance.now() - started;
    return r;
  });
  const latencies = [];
  while (refused.ms === null || performance.now() - started < refused.ms + 200) {
    const fresh = await mint('bench'); // a new token each time: no cache, a real verification
    const t = performance.now();
    await auth.authenticate(fresh);
    latencies.push(performance.now() - t);
  }
  const first = await refresh;
  const rssAfter = process.memoryUsage().rss;
  latencies.sort((a, b) => a - b);
  const q = (p) =>
    latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))].toFixed(2);
  console.log(
    `oversized: refused after ${refused.ms.toFixed(0)} ms (the refreshing token: ${first.ok ? 'ok on the held set' : first.code}); ` +
      `server sent ~${(streamedBytes / 1024).toFixed(0)} KiB; RSS ${((rssAfter - rssBefore) / 1048576).toFixed(1)} MiB more; ` +
      `${latencies.length} concurrent verifications p50 ${q(0.5)} ms / p99 ${q(0.99)} ms / max ${latencies.at(-1).toFixed(2)} ms`,
  );
}

server.closeAllConnections();
server.close();
