/**
 * The tenant-isolation oracle of the hostile-document properties: who may act in which org, read
 * from the same fixture directory the app under test serves, plus the credentials a property
 * mints (legitimate ones, and forged ones that must never authenticate anyone).
 *
 * The oracle is deliberately weaker than the policy: it knows nothing of roles, scopes or status.
 * It states the one thing no input may break: an allow names a principal that is a member of (or,
 * for an API token, bound to) the effective org, and came from a credential orgwarden issued.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { FIXTURE_DIRECTORY } from './paths.js';
import { TEST_SECRET, mintHs256 } from './tokens.js';

export interface Credential {
  token: string;
  /** False for every credential that must not authenticate (wrong key, alg none, tampered, expired...). */
  legit: boolean;
  sub: string;
  kind: 'session' | 'api_token';
}

export interface Oracle {
  credentials: Credential[];
  /** Whether principal `id` of `kind` may act in `org` at all. */
  mayActIn(principal: { id: string; kind: string } | null, org: string | null): boolean;
}

const DEFAULT_ORG = 'default';
const USERS = [
  'alice',
  'bob',
  'carol',
  'dave',
  'vera',
  'erin',
  'frank',
  'gina',
  'hank',
  'root-admin',
  'mallory',
  'zoe',
];
const API_TOKENS: { sub: string; claims: Record<string, unknown>; bound: string[] }[] = [
  { sub: 'tok-acme', claims: { org_id: 'acme', scope: '*' }, bound: ['acme'] },
  {
    sub: 'tok-globex-read',
    claims: { org_id: 'globex', scope: 'settings:read monitoring:read' },
    bound: ['globex'],
  },
  {
    sub: 'tok-both',
    claims: { org_ids: ['acme', 'globex'], scope: '*' },
    bound: ['acme', 'globex'],
  },
  { sub: 'tok-unbound', claims: { scope: '*' }, bound: [DEFAULT_ORG] },
];

/** Members of each org in the fixture directory. */
function fixtureMembers(): Map<string, Set<string>> {
  const doc = parse(readFileSync(FIXTURE_DIRECTORY, 'utf8')) as {
    orgs: { id: string; members?: { user: string }[] }[];
  };
  return new Map(doc.orgs.map((org) => [org.id, new Set((org.members ?? []).map((m) => m.user))]));
}

export async function createOracle(): Promise<Oracle> {
  const members = fixtureMembers();
  const bound = new Map(API_TOKENS.map((t) => [t.sub, t.bound]));
  const nowS = Math.floor(Date.now() / 1000);
  const credentials: Credential[] = [];
  for (const sub of USERS)
    credentials.push({
      token: await mintHs256(TEST_SECRET, { sub }),
      legit: true,
      sub,
      kind: 'session',
    });
  credentials.push({
    token: await mintHs256(TEST_SECRET, { sub: 'alice', auth_time: nowS }),
    legit: true,
    sub: 'alice',
    kind: 'session',
  });
  for (const t of API_TOKENS)
    credentials.push({
      token: await mintHs256(TEST_SECRET, { sub: t.sub, kind: 'api_token', ...t.claims }),
      legit: true,
      sub: t.sub,
      kind: 'api_token',
    });

  const forged = (sub: string, token: string) => {
    credentials.push({ token, legit: false, sub, kind: 'session' });
  };
  const alice = await mintHs256(TEST_SECRET, { sub: 'alice' });
  const [head, , sig] = alice.split('.') as [string, string, string]; // a compact JWS: header.payload.signature
  const payloadOf = (claims: Record<string, unknown>) =>
    Buffer.from(JSON.stringify(claims)).toString('base64url');
  forged('alice', await mintHs256('a-different-secret-of-enough-length-0123', { sub: 'alice' }));
  forged(
    'alice',
    `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payloadOf({ sub: 'alice', iss: 'https://auth.example.test', aud: 'orgwarden', exp: nowS + 3600 })}.`,
  );
  forged(
    'root-admin',
    `${head}.${payloadOf({ sub: 'root-admin', iss: 'https://auth.example.test', aud: 'orgwarden', exp: nowS + 3600 })}.${sig}`,
  );
  forged(
    'alice',
    await mintHs256(TEST_SECRET, { sub: 'alice', exp: nowS - 3600, iat: nowS - 7200 }),
  );
  forged('alice', await mintHs256(TEST_SECRET, { sub: 'alice', aud: 'another-service' }));
  forged('alice', await mintHs256(TEST_SECRET, { sub: 'alice', iss: 'https://evil.example' }));
  forged(
    'tok-acme',
    await mintHs256('a-different-secret-of-enough-length-0123', {
      sub: 'tok-acme',
      kind: 'api_token',
      org_ids: ['acme', 'globex'],
      scope: '*',
    }),
  );
  for (const garbage of ['', 'x', 'a.b.c', 'Bearer', `${head}.${head}.${head}`, 'e'.repeat(9000)])
    forged('nobody', garbage);

  return {
    credentials,
    mayActIn(principal, org) {
      if (principal === null || org === null) return false;
      if (principal.kind === 'api_token') return bound.get(principal.id)?.includes(org) ?? false;
      if (principal.kind !== 'session') return false;
      return org === DEFAULT_ORG || (members.get(org)?.has(principal.id) ?? false);
    },
  };
}
