/**
 * Finds the pinned OPA CLI and compiles a policy folder to a WASM bundle. Installing OPA is the
 * job of `scripts/opa.mjs` (`npm run opa:ensure`); at run time we only look for it, in the same
 * places in the same order, and fail with one actionable message.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { OrgwardenError } from '../contract/errors.js';
import { POLICY_ENTRYPOINTS, REQUIRED_ENTRYPOINTS } from './entrypoints.js';

const run = promisify(execFile);
export const OPA_VERSION = '1.22.3';

export class PolicyCompileError extends OrgwardenError {
  constructor(message: string) {
    super('policy_compile_failed', message);
  }
}

const packageRoot = () => path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export async function findOpa(
  env: Record<string, string | undefined> = process.env,
): Promise<string> {
  const candidates = [
    env.ORGWARDEN_OPA,
    path.join(packageRoot(), '.tools', 'bin', 'opa'),
    'opa',
  ].filter((c): c is string => !!c);
  for (const candidate of candidates) {
    if (candidate !== 'opa' && !existsSync(candidate)) continue;
    try {
      const { stdout } = await run(candidate, ['version'], { timeout: 10_000 });
      if (stdout.includes(`Version: ${OPA_VERSION}`)) return candidate;
    } catch {
      // not runnable: try the next place
    }
  }
  throw new PolicyCompileError(
    `OPA CLI v${OPA_VERSION} not found (looked at $ORGWARDEN_OPA, .tools/bin/opa and PATH); ` +
      `run "npm run opa:ensure" (uses go install) or set ORGWARDEN_OPA to an opa v${OPA_VERSION} binary`,
  );
}

/**
 * Compiles `dir` with `opa build -t wasm` and returns the bundle archive bytes. The same files give
 * the same bytes wherever `dir` is (see `opaBuildArgs`).
 */
export async function compilePolicyDir(
  dir: string,
  env: Record<string, string | undefined> = process.env,
): Promise<Buffer> {
  if (!existsSync(dir)) throw new PolicyCompileError(`policy.dir ${dir} does not exist`);
  if (!statSync(dir).isDirectory())
    throw new PolicyCompileError(`policy.dir ${dir} is not a directory`);
  const opa = await findOpa(env);
  const work = mkdtempSync(path.join(os.tmpdir(), 'orgwarden-build-'));
  const out = path.join(work, 'bundle.tar.gz');
  try {
    // opa names every file by the path it was given, in the archive and inside the WASM: run from
    // the policy folder and give it ".", so no absolute path ever reaches the bundle.
    const options = { cwd: dir, timeout: 120_000, maxBuffer: 8 * 1024 * 1024 };
    try {
      await run(opa, opaBuildArgs(out, POLICY_ENTRYPOINTS), options);
    } catch (err) {
      // A policy folder written before the explain entrypoint still compiles: it decides as
      // before, and its decisions carry no explanation (the engine reports none).
      if (!lacksOptionalEntrypoint(err)) throw err;
      await run(opa, opaBuildArgs(out, REQUIRED_ENTRYPOINTS), options);
    }
    return readFileSync(out);
  } catch (err) {
    // OPA 1.x prints compile errors on stdout, other failures on stderr: report both.
    const { stdout, stderr } = err as { stdout?: string; stderr?: string };
    const output =
      [stdout, stderr]
        .filter((s) => s?.trim())
        .join('\n')
        .trim() || (err as Error).message;
    throw new PolicyCompileError(
      `opa build of ${dir} failed: ${output.split('\n').slice(0, 20).join('\n')}`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The `opa build` arguments for the policy folder in the working directory. Bundle mode (-b): only
 * files named data.json/data.yaml are data, so routes.yaml and other YAML beside the policy are
 * never merged into the policy's data. `scripts/opa.mjs build` runs the same build.
 */
function opaBuildArgs(out: string, entrypoints: readonly string[]): string[] {
  const args = ['build', '-b', '-t', 'wasm', '--ignore', '*_test.rego', '-o', out];
  for (const entrypoint of entrypoints) args.push('-e', entrypoint);
  args.push('.');
  return args;
}

/** OPA's refusal of an entrypoint the folder does not define, for an entrypoint that is optional. */
function lacksOptionalEntrypoint(err: unknown): boolean {
  const { stdout = '', stderr = '' } = err as { stdout?: string; stderr?: string };
  return POLICY_ENTRYPOINTS.filter((e) => !REQUIRED_ENTRYPOINTS.includes(e)).some((e) =>
    `${stdout}${stderr}`.includes(`entrypoint "${e}" does not refer to a rule`),
  );
}
