/**
 * Key source: one PEM public key from `auth.public_key_file`, either an SPKI public key
 * (`BEGIN PUBLIC KEY`) or an X.509 certificate (`BEGIN CERTIFICATE`, whose key is used; the
 * certificate's validity and chain are not checked). The key is imported once per configured
 * algorithm, so an algorithm the key cannot serve is refused at start.
 */
import { importSPKI, importX509, type CryptoKey } from 'jose';
import { ASYMMETRIC_ALGORITHMS, assertAlgorithms } from './algorithms.js';
import type { KeySource, KeySourceDeps } from './key-source.js';

type PemKind = 'spki' | 'x509';

export async function publicKeyFileKeySource(
  path: string,
  algorithms: readonly string[],
  readFile: KeySourceDeps['readFile'],
): Promise<KeySource> {
  assertAlgorithms(algorithms, ASYMMETRIC_ALGORITHMS, 'public_key_file');
  let pem: string;
  try {
    pem = await readFile(path);
  } catch {
    throw new Error(`auth.public_key_file: cannot read ${path}`);
  }
  const kind = pemKind(pem, path);

  const keys = new Map<string, CryptoKey>();
  for (const alg of algorithms) {
    try {
      keys.set(alg, kind === 'x509' ? await importX509(pem, alg) : await importSPKI(pem, alg));
    } catch {
      throw new Error(
        `auth.public_key_file: the key in ${path} cannot verify '${alg}' (auth.algorithms)`,
      );
    }
  }

  return {
    // The precheck admits only configured algorithms, and each has its key.
    getKey: (header) => {
      const key = keys.get(header.alg);
      return key === undefined
        ? Promise.reject(new TypeError('no key imported for this algorithm'))
        : Promise.resolve(key);
    },
  };
}

function pemKind(pem: string, path: string): PemKind {
  // Refused even next to a certificate: a private key has no business in the verifier's config.
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
    throw new Error(
      `auth.public_key_file: ${path} holds a private key; give the public key or certificate`,
    );
  }
  if (pem.includes('-----BEGIN CERTIFICATE-----')) return 'x509';
  if (pem.includes('-----BEGIN PUBLIC KEY-----')) return 'spki';
  throw new Error(
    `auth.public_key_file: ${path} is not a PEM public key (SPKI) or X.509 certificate`,
  );
}
