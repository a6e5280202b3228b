/**
 * The rollout commands as an operator runs them: a real `orgwarden` process from dist/.
 * `policy build|sign|verify` refuse what the sidecar would refuse, with exit code 1 and the step;
 * `orgwarden serve` reloads on SIGHUP, keeping the active policy when the new one fails.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { findOpa } from '../../src/bundle/opa-cli.js';
import { testConfigDoc } from '../support/app.js';
import { createCommandRunner } from '../support/command.js';
import { TEST_BUNDLE } from '../support/paths.js';
import { TEST_SECRET, TEST_SECRET_ENV } from '../support/tokens.js';
import { waitUntil } from '../directory/helpers.js';
import {
  PACK_SMOKE_CASES,
  PENDING_SHARES_GRANT,
  STRICTER_ROLES,
  candidatePolicies,
  compile,
  keyPair,
  policyStatus,
  scratch,
  type KeyPair,
  type Scratch,
} from './helpers.js';

// The command under test is the built one, as an operator runs it. It is built into a folder of
// its own, so it never races another test file rebuilding dist/ while a child loads it; that
// folder is not the package root, so the child is told where the pinned OPA is, and the package's
// data folders are copied next to it.
const OUT = path.resolve('.build', 'policy-cli-test');
const MAIN = path.join(OUT, 'cli', 'main.js');
let opaEnv: Record<string, string>;
let tmp: Scratch;
let keys: KeyPair;
let other: KeyPair;
let pendingDir: string;
let runner: ReturnType<typeof createCommandRunner>;

beforeAll(async () => {
  rmSync(OUT, { recursive: true, force: true });
  execFileSync(
    process.execPath,
    [
      path.resolve('node_modules', 'typescript', 'bin', 'tsc'),
      '-p',
      'tsconfig.build.json',
      '--outDir',
      OUT,
    ],
    { stdio: 'pipe' },
  );
  // The package's data folders the command reads from its package root (the folder above OUT):
  // the API document, the explorer page, the Envoy protos.
  for (const folder of ['openapi', 'ui', 'proto'])
    cpSync(folder, path.join(path.dirname(OUT), folder), { recursive: true });
  opaEnv = { ORGWARDEN_OPA: await findOpa() };
  runner = createCommandRunner({ main: MAIN, env: { ...opaEnv, [TEST_SECRET_ENV]: TEST_SECRET } });
  tmp = scratch();
  keys = keyPair(tmp, 'release');
  other = keyPair(tmp, 'other');
  pendingDir = candidatePolicies(tmp, 'pending', PENDING_SHARES_GRANT);
}, 120_000);
afterEach(() => {
  runner.killAll();
});
afterAll(() => tmp.remove());

const orgwarden = (args: string[]) => runner.run(args);

describe('orgwarden policy', () => {
  it('build compiles, checks the smoke cases and signs; verify accepts it with the right key only', async () => {
    const out = tmp.path('built.tar.gz');
    const built = await orgwarden([
      'policy',
      'build',
      '--dir',
      'policies',
      '--out',
      out,
      '--key',
      keys.privateFile,
    ]);
    expect(built.stderr).toBe('');
    expect(built.code).toBe(0);
    expect(built.stdout).toMatch(
      new RegExp(
        `^built .*built\\.tar\\.gz \\(revision sha256:[0-9a-f]{64}, ${PACK_SMOKE_CASES} smoke cases passed, signed ES256\\)\\n$`,
      ),
    );

    const ok = await orgwarden([
      'policy',
      'verify',
      '--bundle',
      out,
      '--public-key',
      keys.publicFile,
    ]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(
      new RegExp(
        `^ok: revision sha256:[0-9a-f]{64} \\(signature valid, ${PACK_SMOKE_CASES} smoke cases and 2 built-in cases passed\\)\\n$`,
      ),
    );

    const wrongKey = await orgwarden([
      'policy',
      'verify',
      '--bundle',
      out,
      '--public-key',
      other.publicFile,
    ]);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toMatch(
      /^orgwarden: policy verify failed at step signature: the bundle signature does not verify/,
    );
  });

  it('sign adds a signature in place (or to --out); an unsigned bundle does not verify against a key', async () => {
    const file = tmp.write('to-sign.tar.gz', readFileSync(TEST_BUNDLE));
    const unsigned = await orgwarden([
      'policy',
      'verify',
      '--bundle',
      file,
      '--public-key',
      keys.publicFile,
    ]);
    expect(unsigned.code).toBe(1);
    expect(unsigned.stderr).toContain('at step signature: bundle has no .signatures.json');

    const copy = tmp.path('signed-copy.tar.gz');
    const toOut = await orgwarden([
      'policy',
      'sign',
      '--bundle',
      file,
      '--key',
      keys.privateFile,
      '--out',
      copy,
      '--key-id',
      'release-2025',
    ]);
    expect(toOut.code).toBe(0);
    expect(toOut.stdout).toMatch(
      /^signed .*signed-copy\.tar\.gz \(\d+ files, ES256, key id release-2025; revision sha256:/,
    );
    expect(
      (await orgwarden(['policy', 'verify', '--bundle', copy, '--public-key', keys.publicFile]))
        .code,
    ).toBe(0);
    expect(
      (await orgwarden(['policy', 'verify', '--bundle', file, '--public-key', keys.publicFile]))
        .code,
    ).toBe(1); // input untouched

    expect(
      (await orgwarden(['policy', 'sign', '--bundle', file, '--key', keys.privateFile])).code,
    ).toBe(0);
    expect(
      (await orgwarden(['policy', 'verify', '--bundle', file, '--public-key', keys.publicFile]))
        .code,
    ).toBe(0);
    // re-signing with another key replaces the signature
    expect(
      (await orgwarden(['policy', 'sign', '--bundle', file, '--key', other.privateFile])).code,
    ).toBe(0);
    expect(
      (await orgwarden(['policy', 'verify', '--bundle', file, '--public-key', keys.publicFile]))
        .code,
    ).toBe(1);
  });

  it('a policy failing its smoke cases is refused by build (nothing written) and verify', async () => {
    const out = tmp.path('never.tar.gz');
    const built = await orgwarden(['policy', 'build', '--dir', pendingDir, '--out', out]);
    expect(built.code).toBe(1);
    expect(built.stderr).toContain(
      'orgwarden: policy build failed: 1 smoke case(s) failed: "a pending share grants nothing"',
    );
    expect(existsSync(out)).toBe(false);
    const verified = await orgwarden(['policy', 'verify', '--dir', pendingDir]);
    expect(verified.code).toBe(1);
    expect(verified.stderr).toContain('policy verify failed at step smoke');
  });

  it('usage errors exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['policy'], /Usage: orgwarden policy/],
      [['policy', 'frobnicate'], /unknown policy command "frobnicate"/],
      [['policy', 'sign', '--bundle', TEST_BUNDLE], /policy sign needs --key/],
      [['policy', 'verify'], /exactly one of --bundle FILE, --dir DIR/],
      [
        [
          'policy',
          'sign',
          '--bundle',
          TEST_BUNDLE,
          '--key',
          keys.privateFile,
          '--alg',
          'RS256',
          '--out',
          '/dev/null',
        ],
        /--alg RS256 cannot be used with this key \(ES256\)/,
      ],
    ];
    for (const [args, message] of cases) {
      const { code, stdout, stderr } = await orgwarden(args);
      expect(code, args.join(' ')).toBe(2);
      expect(`${stdout}${stderr}`, args.join(' ')).toMatch(message);
    }
    expect(
      (
        await orgwarden([
          'policy',
          'sign',
          '--bundle',
          tmp.write('junk.tar.gz', 'junk'),
          '--key',
          keys.privateFile,
        ])
      ).code,
    ).toBe(1);
  });
});

describe('orgwarden serve: SIGHUP', () => {
  it('reloads the policy; a failing one is refused and the active one keeps serving; SIGTERM still exits 0', async () => {
    const bundle = tmp.publish('served.tar.gz', readFileSync(TEST_BUNDLE));
    const config = tmp.write(
      'orgwarden.yaml',
      stringify({ ...testConfigDoc(), policy: { bundle, watch: false } }),
    );
    const { child, url, exited, logs } = await runner.serve(config, {
      ORGWARDEN_ADMIN_TOKEN: 'test-admin-token-0123456789',
    });
    const first = (await policyStatus(url)).revision as string;

    tmp.publish('served.tar.gz', await compile(candidatePolicies(tmp, 'stricter', STRICTER_ROLES)));
    child.kill('SIGHUP');
    await waitUntil(async () => (await policyStatus(url)).revision !== first, 10_000, 20);
    const second = await policyStatus(url);
    expect(second.last_reload).toMatchObject({ ok: true, trigger: 'sighup', changed: true });

    tmp.publish('served.tar.gz', Buffer.from('broken'));
    child.kill('SIGHUP');
    await waitUntil(async () => (await policyStatus(url)).last_reload?.ok === false, 10_000, 20);
    expect(await policyStatus(url)).toMatchObject({
      revision: second.revision,
      last_reload: { ok: false, trigger: 'sighup', step: 'read' },
    });
    expect(logs()).toContain('"msg":"policy reload failed; the active policy keeps serving"');

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
