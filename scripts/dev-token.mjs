#!/usr/bin/env node
// Mints a development JWT for the example config (HS256, the secret in ORGWARDEN_JWT_SECRET or
// the dev default that `npm start` uses). For trying the sidecar out only; production tokens
// come from your identity provider.
import { SignJWT } from 'jose';
import { parseArgs } from 'node:util';

const DEV_SECRET = 'orgwarden-dev-secret-not-for-production-0123456789';
const HELP = `Usage: node scripts/dev-token.mjs --sub USER [options]

  --sub ID            user id (session) or token id (api token)      (required)
  --kind KIND         session (default) or api_token
  --scope "S1 S2"     api tokens: space-separated scopes, e.g. "monitoring:read"
  --org ORG           api tokens: bind to one org (repeat for several)
  --auth-age SECONDS  sessions: sign-in was this many seconds ago (sets auth_time)
  --ttl SECONDS       lifetime (default 3600)
  --iss / --aud       issuer and audience (default: the example config's)`;

const { values } = parseArgs({
  options: {
    sub: { type: 'string' },
    kind: { type: 'string' },
    scope: { type: 'string' },
    org: { type: 'string', multiple: true },
    'auth-age': { type: 'string' },
    ttl: { type: 'string' },
    iss: { type: 'string' },
    aud: { type: 'string' },
    help: { type: 'boolean' },
  },
});
if (values.help || !values.sub) {
  console.log(HELP);
  process.exit(values.help ? 0 : 2);
}
const now = Math.floor(Date.now() / 1000);
const claims = { sub: values.sub, iat: now, exp: now + Number(values.ttl ?? 3600) };
if (values.kind) claims.kind = values.kind;
if (values.scope) claims.scope = values.scope;
if (values.org?.length === 1) claims.org_id = values.org[0];
if (values.org && values.org.length > 1) claims.org_ids = values.org;
if (values['auth-age'] !== undefined) claims.auth_time = now - Number(values['auth-age']);
const secret = new TextEncoder().encode(process.env.ORGWARDEN_JWT_SECRET ?? DEV_SECRET);
const token = await new SignJWT(claims)
  .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
  .setIssuer(values.iss ?? 'https://auth.example.test')
  .setAudience(values.aud ?? 'orgwarden')
  .sign(secret);
console.log(token);
