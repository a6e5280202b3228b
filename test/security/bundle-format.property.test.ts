/**
 * Every bundle orgwarden writes and signs is an OPA bundle: for generated file trees (nested and
 * long paths that need PAX records, generated data with any Unicode and number literals), the
 * archive written by tar-write.ts and signed by bundle-signature.ts opens in the pinned OPA, which
 * finds every file where the manifest and the signature say it is and verifies the signature
 * (`opa build --verification-key`). This is the class of "manifest references wasm module
 * '/policy.wasm' but the module file does not exist".
 */
import { execFile } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOpa } from '../../src/bundle/opa-cli.js';
import { parseBundle } from '../../src/bundle/policy-bundle.js';
import { SIGNATURES_FILE, signBundleFiles } from '../../src/bundle/signature.js';
import { writeTarGz } from '../../src/bundle/tar-write.js';
import { longRegoFileName } from '../support/arbitraries.js';
import { fuzzParams, fuzzRuns } from '../support/fuzz.js';
import { TEST_BUNDLE } from '../support/paths.js';

const exec = promisify(execFile);
let opa: string;
let work: string;
let wasm: Buffer;
const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const privatePem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

beforeAll(async () => {
  opa = await findOpa();
  work = mkdtempSync(path.join(os.tmpdir(), 'orgwarden-bundle-format-'));
  writeFileSync(
    path.join(work, 'pub.pem'),
    pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  );
  wasm = (await parseBundle(readFileSync(TEST_BUNDLE), 'test bundle')).wasm;
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Generated data under one key, so it never collides with the generated packages. */
const generatedData = fc
  .jsonValue({ maxDepth: 3, stringUnit: 'grapheme' })
  .map((value) => JSON.stringify({ generated: value }));

// Each case runs OPA twice; the long run is capped.
const RUNS = Math.min(fuzzRuns(5), 500);

describe('bundles orgwarden writes and signs, in OPA', () => {
  it('open in opa inspect with every Rego file where the archive names it, and verify with opa build --verification-key', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(longRegoFileName, { minLength: 1, maxLength: 6 }),
        generatedData,
        fc.boolean(),
        async (regoNames, data, withWasm) => {
          const files = new Map<string, Buffer>([['data.json', Buffer.from(data)]]);
          regoNames.forEach((name, i) =>
            files.set(name, Buffer.from(`package gen.f${i}\n\nx := ${i}\n`)),
          );
          const manifest: Record<string, unknown> = { revision: '', roots: [''] };
          if (withWasm) {
            files.set('policy.wasm', wasm);
            manifest.wasm = [{ entrypoint: 'orgwarden/authz/decision', module: '/policy.wasm' }];
          }
          files.set('.manifest', Buffer.from(JSON.stringify(manifest)));
          const signature = await signBundleFiles(files, {
            key: createPrivateKey(privatePem),
            alg: 'ES256',
            keyId: 'default',
          });
          const bundle = path.join(work, 'b.tar.gz');
          writeFileSync(bundle, await writeTarGz([...files, [SIGNATURES_FILE, signature]]));

          const inspected = JSON.parse(
            (
              await exec(opa, ['inspect', '--format', 'json', bundle], {
                maxBuffer: 16 * 1024 * 1024,
              })
            ).stdout,
          ) as { namespaces: Record<string, string[]>; wasm_modules?: { path: string }[] };
          const regoFiles = Object.values(inspected.namespaces)
            .flat()
            .filter((file) => file.endsWith('.rego'));
          expect(regoFiles.sort()).toEqual(regoNames.map((name) => `/${name}`).sort());
          expect((inspected.wasm_modules ?? []).map((module) => module.path)).toEqual(
            withWasm ? ['/policy.wasm'] : [],
          );

          const verified = await exec(opa, [
            'build',
            '--verification-key',
            path.join(work, 'pub.pem'),
            '--signing-alg',
            'ES256',
            '--bundle',
            bundle,
            '-o',
            path.join(work, 'out.tar.gz'),
          ]).then(
            () => 'verified',
            (err: unknown) => {
              const { stdout, stderr } = err as { stdout?: string; stderr?: string };
              return `${stdout ?? ''}${stderr ?? ''}`;
            },
          );
          expect(verified).toBe('verified');
        },
      ),
      { ...fuzzParams(5), numRuns: RUNS },
    );
  });
});
