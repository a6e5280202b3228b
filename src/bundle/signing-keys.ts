/**
 * Keys for bundle signatures. The verifier takes a PEM public key (SPKI, PKCS#1 RSA, or an X.509
 * certificate, whose validity and chain are not checked); a private key is refused there, so a
 * signing key never ends up on a serving host by mistake. The JWS algorithms a key may verify
 * follow from its type, so an HMAC algorithm can never be paired with a public key.
 */
import { OrgwardenError } from '../contract/errors.js';
import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';

export interface VerificationKey {
  key: KeyObject;
  algorithms: string[];
  source: string;
}

class SigningKeyError extends OrgwardenError {
  constructor(message: string) {
    super('signing_key_invalid', message);
  }
}

export async function loadVerificationKey(
  file: string,
  what = 'policy.public_key_file',
): Promise<VerificationKey> {
  const pem = await readPem(file, what);
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem))
    throw new SigningKeyError(`${what}: ${file} holds a private key; give the public key`);
  let key: KeyObject;
  try {
    key = pem.includes('-----BEGIN CERTIFICATE-----')
      ? new X509Certificate(pem).publicKey
      : createPublicKey(pem);
  } catch {
    throw new SigningKeyError(`${what}: ${file} is not a PEM public key or certificate`);
  }
  return { key, algorithms: algorithmsFor(key, `${what}: ${file}`), source: file };
}

export async function loadSigningKey(
  file: string,
  what = '--key',
): Promise<{ key: KeyObject; algorithms: string[] }> {
  const pem = await readPem(file, what);
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new SigningKeyError(
      `${what}: ${file} is not a PEM private key (PKCS#8, PKCS#1 or SEC1; unencrypted)`,
    );
  }
  return { key, algorithms: algorithmsFor(key, `${what}: ${file}`) };
}

/** The JWS algorithms a key can serve; the first is the default for signing. */
export function algorithmsFor(key: KeyObject, what: string): string[] {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
    case 'rsa-pss':
      return ['PS256', 'PS384', 'PS512'];
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      const alg =
        curve === 'prime256v1'
          ? 'ES256'
          : curve === 'secp384r1'
            ? 'ES384'
            : curve === 'secp521r1'
              ? 'ES512'
              : null;
      if (alg) return [alg];
      throw new SigningKeyError(
        `${what}: EC curve ${curve ?? 'unknown'} is not supported (P-256, P-384, P-521)`,
      );
    }
    case 'ed25519':
      return ['EdDSA', 'Ed25519'];
    default:
      throw new SigningKeyError(
        `${what}: key type ${key.asymmetricKeyType ?? 'unknown'} is not supported (RSA, EC, Ed25519)`,
      );
  }
}

async function readPem(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new SigningKeyError(
      `${what}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}
