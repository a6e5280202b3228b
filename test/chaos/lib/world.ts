/**
 * The chaos suite's world: a directory with known members, non-members and a positive-control
 * group, the issuer's HS256 secret, the admin token, and the config every replica is started with.
 * Everything a run needs is written to one temporary folder; nothing is read from the deployment.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { mintHs256, TEST_AUDIENCE, TEST_ISSUER, TEST_SECRET } from '../../support/tokens.js';

export const ADMIN_TOKEN = 'chaos-admin-token-0123456789';
export const SECRET_ENV = 'ORGWARDEN_JWT_SECRET';
const ADMIN_TOKEN_ENV = 'ORGWARDEN_ADMIN_TOKEN';

/** The org every probe names, and the org whose members must never get into it. */
export const HOME_ORG = 'acme';
const OTHER_ORG = 'globex';

/** Members of acme who stay members for the whole run (the "must allow" group). */
export const STEADY_MEMBERS = ['alice', 'amir', 'ana', 'arun'];
/** Members of globex only: asking for acme is a spoof and must be denied. */
export const SPOOFERS = ['gus', 'greta'];
/** Members of nothing but the default org. */
export const NON_MEMBERS = ['nadia', 'noor'];
/** Members of `control` whose allow never depends on anything a fault touches but the directory read. */
export const CONTROL_ORG = 'control';
export const CONTROL_MEMBERS = ['carla', 'chen'];

/** `rev-0` … `rev-(n-1)`: acme viewers a fault may revoke. */
export const revocable = (n: number): string[] => Array.from({ length: n }, (_, i) => `rev-${i}`);

export interface WorldOptions {
  /** How many revocable acme members the directory holds (default 0). */
  revocable?: number;
  /** Extra distinct orgs, each with `membersPerOrg` members (the memory soak). */
  extraOrgs?: number;
  membersPerOrg?: number;
}

export interface World {
  dir: string;
  directoryFile: string;
  /** The env every replica needs (secret, admin token). */
  env: Record<string, string>;
  /** Writes a replica config to the world's folder and returns its path. */
  writeConfig(name: string, doc: Record<string, unknown>): Promise<string>;
  remove(): Promise<void>;
}

/** The repository's prebuilt default policy: replicas start without compiling. */
const PREBUILT_BUNDLE = resolve('prebuilt', 'default-policy.tar.gz');
const ROUTES = resolve('policies', 'routes.yaml');

function directoryDoc(options: WorldOptions = {}) {
  const member = (user: string, role = 'viewer') => ({ user, role });
  const extra = Array.from({ length: options.extraOrgs ?? 0 }, (_, i) => ({
    id: `org-${i}`,
    status: 'active',
    members: Array.from({ length: options.membersPerOrg ?? 1 }, (_, j) => member(`u-${i}-${j}`)),
  }));
  return {
    orgs: [
      { id: 'default', status: 'active', members: [] },
      {
        id: HOME_ORG,
        status: 'active',
        members: [
          ...STEADY_MEMBERS.map((u) => member(u, 'editor')),
          ...revocable(options.revocable ?? 0).map((u) => member(u)),
        ],
      },
      { id: OTHER_ORG, status: 'active', members: SPOOFERS.map((u) => member(u)) },
      { id: CONTROL_ORG, status: 'active', members: CONTROL_MEMBERS.map((u) => member(u)) },
      ...extra,
    ],
  };
}

export async function createWorld(options: WorldOptions = {}): Promise<World> {
  const dir = await mkdtemp(join(tmpdir(), 'orgwarden-chaos-'));
  const directoryFile = join(dir, 'directory.yaml');
  await writeFile(directoryFile, stringify(directoryDoc(options)));
  return {
    dir,
    directoryFile,
    env: { [SECRET_ENV]: TEST_SECRET, [ADMIN_TOKEN_ENV]: ADMIN_TOKEN },
    async writeConfig(name, doc) {
      const file = join(dir, `${name}.yaml`);
      await writeFile(file, stringify(doc));
      return file;
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/**
 * A replica's config: multi-tenant on, the world's directory, the prebuilt policy, the admin API
 * on, decision log off (the suite reads answers, not logs). `overrides` replaces whole sections.
 */
export function replicaConfig(
  world: World,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    server: { host: '127.0.0.1', port: 0, shutdown_timeout_s: 10 },
    tenancy: { multi_tenant: true, default_org: 'default' },
    auth: {
      issuer: TEST_ISSUER,
      audience: TEST_AUDIENCE,
      algorithms: ['HS256'],
      hs256_secret_env: SECRET_ENV,
    },
    directory: { file: world.directoryFile },
    policy: { bundle: PREBUILT_BUNDLE, routes: ROUTES },
    admin: { token_env: ADMIN_TOKEN_ENV },
    decision_log: { sink: 'none' },
    ...overrides,
  };
}

/** A session token for `user`, valid for an hour from `nowMs` (the issuer's clock). */
export const sessionToken = (user: string, nowMs = Date.now()) =>
  mintHs256(TEST_SECRET, { sub: user }, { now: nowMs });
