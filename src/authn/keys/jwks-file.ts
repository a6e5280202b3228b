/**
 * Key source: a JSON Web Key Set read once, at creation, from `auth.jwks_file`.
 * Rotating keys means replacing the file and restarting (or reloading) the sidecar.
 */
import { createLocalJWKSet, type JSONWebKeySet } from 'jose';
import { ASYMMETRIC_ALGORITHMS, assertAlgorithms } from './algorithms.js';
import type { KeySource, KeySourceDeps } from './key-source.js';

/** JWK members that only private or symmetric keys have. */
const SECRET_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'] as const;

export async function jwksFileKeySource(
  path: string,
  algorithms: readonly string[],
  readFile: KeySourceDeps['readFile'],
): Promise<KeySource> {
  assertAlgorithms(algorithms, ASYMMETRIC_ALGORITHMS, 'jwks_file');
  let text: string;
  try {
    text = await readFile(path);
  } catch {
    throw new Error(`auth.jwks_file: cannot read ${path}`);
  }
  const jwks = parseJwks(text, `auth.jwks_file: ${path}`);
  return { getKey: createLocalJWKSet(jwks) };
}

/**
 * Parses and sanity-checks a key set: a JSON object with a non-empty `keys` array of public keys.
 * `where` (config key and file) starts every error message.
 */
export function parseJwks(text: string, where: string): JSONWebKeySet {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${where} is not valid JSON`);
  }
  const keys =
    typeof value === 'object' && value !== null ? (value as { keys?: unknown }).keys : undefined;
  if (!Array.isArray(keys) || keys.length === 0 || !keys.every(isObject)) {
    throw new Error(`${where} is not a JWKS with a non-empty "keys" array`);
  }
  if (keys.some((jwk) => SECRET_MEMBERS.some((member) => Object.hasOwn(jwk, member)))) {
    throw new Error(`${where} holds private or symmetric key material; publish public keys only`);
  }
  try {
    createLocalJWKSet(value as JSONWebKeySet);
  } catch {
    throw new Error(`${where} is not a valid JWKS`);
  }
  return value as JSONWebKeySet;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
