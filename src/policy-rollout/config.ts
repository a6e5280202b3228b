/**
 * The `policy` section: the policy source, the forward-auth route manifest, the key bundles must
 * be signed by, reloads on change, and an optional shadow candidate.
 */
import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { configPath, integer, keyFile, type ConfigContext } from '../contract/config-fields.js';
import { hasOneSource, policySourceShape } from '../bundle/policy-source.js';
import { algorithmsFor } from '../bundle/signing-keys.js';

export function policyConfigSchema(ctx: ConfigContext) {
  return z
    .strictObject({
      ...policySourceShape(ctx),
      /** Forward-auth route manifest; default `<dir>/routes.yaml` when that file exists (docs/gateways.md). */
      routes: configPath(ctx).optional(),
      /** PEM public key; when set, only bundles carrying a valid signature by it load (OPA's format). */
      public_key_file: keyFile(ctx, verificationKeyProblem).optional(),
      /** Reload when the policy files change. */
      watch: z.boolean().default(true),
      /** Quiet period before a watched change reloads. */
      watch_debounce_ms: integer(10, 60000).default(250),
      /** Policy answers the decision memo holds (authz/decision-memo.ts); 0 turns it off. */
      memo_entries: integer(0, 10_000_000).default(10_000),
      /** Bytes the decision memo holds at most; 0 turns it off. */
      memo_bytes: integer(0, 2 ** 31).default(16 * 1024 * 1024),
      /** A candidate evaluated beside the active policy on live traffic, never enforced. */
      shadow: z.strictObject(policySourceShape(ctx)).optional(),
    })
    .superRefine((policy, issues) => {
      const add = (path: string[], message: string) =>
        issues.addIssue({ code: 'custom', path, message });
      if (!hasOneSource(policy)) add([], 'set exactly one of dir, bundle');
      if (policy.public_key_file !== undefined && policy.dir !== undefined)
        add(
          ['public_key_file'],
          'needs policy.bundle: only a bundle carries a signature (build and sign one with orgwarden policy build --key)',
        );
      if (policy.shadow && !hasOneSource(policy.shadow))
        add(['shadow'], 'set exactly one of dir, bundle');
      if (policy.shadow?.dir !== undefined && policy.public_key_file !== undefined)
        add(
          ['shadow', 'dir'],
          'policy.public_key_file is set, so the shadow must be a signed bundle too',
        );
    })
    .prefault({});
}

export type PolicyConfig = z.output<ReturnType<typeof policyConfigSchema>>;

/** What `loadVerificationKey` would refuse in this PEM, found synchronously; null when it is usable. */
function verificationKeyProblem(pem: string, file: string): string | null {
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem))
    return `${file} holds a private key; give the public key`;
  let key: KeyObject;
  try {
    key = pem.includes('-----BEGIN CERTIFICATE-----')
      ? new X509Certificate(pem).publicKey
      : createPublicKey(pem);
  } catch {
    return `${file} is not a PEM public key or certificate`;
  }
  try {
    algorithmsFor(key, file);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}
