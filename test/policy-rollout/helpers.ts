/**
 * Helpers for the rollout tests: candidate policies (the default pack with one rule changed),
 * key pairs, signed and tampered bundles, admin calls. Everything is written under a temp folder.
 */
import { generateKeyPairSync } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compilePolicyDir } from '../../src/bundle/opa-cli.js';
import { readTarGz } from '../../src/bundle/tar-read.js';
import { SIGNATURES_FILE, signBundleFiles } from '../../src/bundle/signature.js';
import { loadSigningKey } from '../../src/bundle/signing-keys.js';
import { writeTarGz } from '../../src/bundle/tar-write.js';

export const POLICIES = path.resolve('policies');
/** How many smoke cases the default pack carries (read from its data, so adding one changes no test). */
export const PACK_SMOKE_CASES: number = (
  JSON.parse(readFileSync(path.join(POLICIES, 'orgwarden', 'smoke', 'data.json'), 'utf8')) as {
    cases: unknown[];
  }
).cases.length;
export const ADMIN = { authorization: 'Bearer test-admin-token-0123456789' };

export interface Scratch {
  dir: string;
  path(name: string): string;
  write(name: string, bytes: Buffer | string): string;
  /** Writes beside, then renames over: how a bundle should be published. */
  publish(name: string, bytes: Buffer): string;
  remove(): void;
}

export function scratch(): Scratch {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'orgwarden-rollout-'));
  return {
    dir,
    path: (name) => path.join(dir, name),
    write(name, bytes) {
      const file = path.join(dir, name);
      writeFileSync(file, bytes);
      return file;
    },
    publish(name, bytes) {
      const file = path.join(dir, name);
      writeFileSync(`${file}.tmp`, bytes);
      renameSync(`${file}.tmp`, file);
      return file;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A copy of the default pack with `edits` applied (file relative to policies/ → [from, to]). */
export function candidatePolicies(
  into: Scratch,
  name: string,
  edits: Record<string, [string, string]>,
): string {
  const dir = path.join(into.dir, name);
  cpSync(POLICIES, dir, { recursive: true });
  for (const [file, [from, to]] of Object.entries(edits)) {
    const target = path.join(dir, file);
    const text = readFileSync(target, 'utf8');
    if (!text.includes(from)) throw new Error(`${file} has no ${JSON.stringify(from)}`);
    writeFileSync(target, text.replace(from, to));
  }
  return dir;
}

/** One rule changed: a role must exceed the action's minimum, not reach it. Passes the smoke cases. */
export const STRICTER_ROLES: Record<string, [string, string]> = {
  'orgwarden/authz/roles.rego': [
    'role_sufficient if role_rank(member_role) >= role_rank(required_role)',
    'role_sufficient if role_rank(member_role) > role_rank(required_role)',
  ],
};

/** One rule changed: pending shares grant access too. A tenant-isolation bug the smoke cases catch. */
export const PENDING_SHARES_GRANT: Record<string, [string, string]> = {
  'orgwarden/authz/shares.rego': [
    '\tshare.state == "accepted"',
    '\tshare.state in {"accepted", "pending"}',
  ],
};

export const compile = (dir: string) => compilePolicyDir(dir);

export interface KeyPair {
  privatePem: string;
  publicPem: string;
  privateFile: string;
  publicFile: string;
}

export function keyPair(
  into: Scratch,
  name: string,
  type: 'ec' | 'rsa' | 'ed25519' = 'ec',
): KeyPair {
  const generated =
    type === 'ec'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : type === 'rsa'
        ? generateKeyPairSync('rsa', { modulusLength: 2048 })
        : generateKeyPairSync('ed25519');
  const privateKey = generated.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const publicKey = generated.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return {
    privatePem: privateKey,
    publicPem: publicKey,
    privateFile: into.write(`${name}.key.pem`, privateKey),
    publicFile: into.write(`${name}.pub.pem`, publicKey),
  };
}

export async function signArchive(
  archive: Buffer,
  keyFile: string,
  options: { alg?: string; keyId?: string } = {},
): Promise<Buffer> {
  const { key, algorithms } = await loadSigningKey(keyFile);
  const files = await readTarGz(archive);
  files.delete(SIGNATURES_FILE);
  const signatures = await signBundleFiles(files, {
    key,
    alg: options.alg ?? algorithms[0]!,
    keyId: options.keyId ?? 'default',
  });
  return await writeTarGz([...files, [SIGNATURES_FILE, signatures]]);
}

/** Rewrites an archive: `change` gets the files and may edit, add or delete entries. */
export async function rewrite(
  archive: Buffer,
  change: (files: Map<string, Buffer>) => void,
): Promise<Buffer> {
  const files = await readTarGz(archive);
  change(files);
  return await writeTarGz(files);
}

/** The payload of the (single) JWS in a signed archive, decoded. */
export async function signedPayload(
  archive: Buffer,
): Promise<{ files: { name: string; hash: string; algorithm: string }[] }> {
  const jws = (
    JSON.parse((await readTarGz(archive)).get(SIGNATURES_FILE)!.toString()) as {
      signatures: string[];
    }
  ).signatures[0]!;
  return JSON.parse(Buffer.from(jws.split('.')[1]!, 'base64url').toString()) as {
    files: { name: string; hash: string; algorithm: string }[];
  };
}

/**
 * A reload's outcome as the API reports it: the body of a successful reload, and `last_reload` in a
 * refusal and in GET /v1/policy. Typed as the wire carries it (every field optional), so a test
 * names the field it expects and a missing one fails that assertion.
 */
interface ReloadReport {
  ok?: boolean;
  trigger?: string;
  at?: string;
  step?: string | null;
  error?: string | null;
  revision?: string | null;
  active_revision?: string | null;
  changed?: boolean;
  smoke?: { cases: number; builtin: number } | null;
}

/** The refusal of a load (422: the step that failed) or of the caller (401, 403). */
interface RolloutError {
  code?: string;
  message?: string;
  step?: string | null;
}

/** POST /v1/admin/policy/reload: the outcome (200), or a refusal with the failed outcome beside it. */
interface ReloadAnswer extends Omit<ReloadReport, 'error'> {
  // null in a successful outcome
  error?: RolloutError | null;
  last_reload?: ReloadReport;
}

/** GET /v1/policy: the serving revision, the last reload and the shadow candidate's counts. */
interface PolicyStatus {
  revision?: string;
  entrypoints?: string[];
  loaded_at?: string;
  last_reload?: ReloadReport | null;
  shadow?: Record<string, unknown> | null;
}

export async function reload(url: string, headers: Record<string, string> = ADMIN) {
  const res = await fetch(`${url}/v1/admin/policy/reload`, { method: 'POST', headers });
  return { status: res.status, json: (await res.json()) as ReloadAnswer };
}

export async function policyStatus(url: string): Promise<PolicyStatus> {
  return (await fetch(`${url}/v1/policy`).then((r) => r.json())) as PolicyStatus;
}

export async function metric(url: string, name: string): Promise<number> {
  const text = await fetch(`${url}/metrics`).then((r) => r.text());
  const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return match ? Number(match[1]) : NaN;
}
