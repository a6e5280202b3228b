/**
 * Fault 5: bad policies pushed over and over under load, the way an operator pushes one: the
 * bundle file replaced with a rename, then `POST /v1/admin/policy/reload` on every replica (the
 * file watcher sees each replacement too). The replicas load only bundles signed by the release
 * key. Three kinds, in turn:
 * - broken: signed by the release key, but the policy lets pending shares grant access, which its
 *   smoke cases catch;
 * - unsigned: a different policy that passes its smoke cases, with no signature;
 * - tampered: the signed release bundle with one byte changed (alternately in `policy.wasm` and in
 *   `data.json`), its signature kept.
 * Promises checked: every push is refused at the step that guards it, the active revision
 * (`GET /v1/policy`) never changes on any replica, and every decision made meanwhile carries the
 * active revision (none comes from a half-loaded policy).
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  PENDING_SHARES_GRANT,
  STRICTER_ROLES,
  candidatePolicies,
  compile,
  keyPair,
  policyStatus,
  reload,
  rewrite,
  scratch,
  signArchive,
} from '../../policy-rollout/helpers.js';
import type { Fault, FaultContext, FaultRow } from '../lib/fault.js';
import type { Replica } from '../lib/replica.js';
import { row, standardProbes, startReplicas, underLoad, withCleanup } from '../lib/scenario.js';
import { ADMIN_TOKEN, createWorld } from '../lib/world.js';

interface Push {
  kind: 'broken' | 'unsigned' | 'tampered';
  bundle: Buffer;
  /** The load step that must refuse it. */
  step: 'smoke' | 'signature';
}

/** One byte of `name` changed (a letter inside the file moved to the next one). */
function oneByteChanged(name: string, at: (bytes: Buffer) => number) {
  return (files: Map<string, Buffer>) => {
    const original = files.get(name);
    if (!original) throw new Error(`the release bundle has no ${name}`);
    const bytes = Buffer.from(original);
    const i = at(bytes);
    bytes[i] = (bytes[i] ?? 0) ^ 1;
    files.set(name, bytes);
  };
}

/** The bundles: the release one (signed) and the refused kinds, in the order they are pushed. */
async function prepare(dir: string): Promise<{ release: Buffer; pushes: Push[] }> {
  const tmp = scratch();
  try {
    const keys = keyPair(tmp, 'release');
    await writeFile(join(dir, 'release.pub.pem'), keys.publicPem);
    const prebuilt = await readFile(resolve('prebuilt', 'default-policy.tar.gz'));
    const release = await signArchive(prebuilt, keys.privateFile);
    const broken = await signArchive(
      await compile(candidatePolicies(tmp, 'broken', PENDING_SHARES_GRANT)),
      keys.privateFile,
    );
    const unsigned = await compile(candidatePolicies(tmp, 'unsigned', STRICTER_ROLES));
    const wasm = await rewrite(
      release,
      oneByteChanged('policy.wasm', (b) => Math.floor(b.length / 2)),
    );
    // A letter inside a JSON string: the data stays valid JSON, only its content differs.
    const data = await rewrite(
      release,
      oneByteChanged('data.json', (b) => b.indexOf('"orgwarden"') + 2),
    );
    return {
      release,
      pushes: [
        { kind: 'broken', bundle: broken, step: 'smoke' },
        { kind: 'unsigned', bundle: unsigned, step: 'signature' },
        { kind: 'tampered', bundle: wasm, step: 'signature' },
        { kind: 'broken', bundle: broken, step: 'smoke' },
        { kind: 'unsigned', bundle: unsigned, step: 'signature' },
        { kind: 'tampered', bundle: data, step: 'signature' },
      ],
    };
  } finally {
    tmp.remove();
  }
}

async function publish(file: string, bundle: Buffer): Promise<void> {
  await writeFile(`${file}.tmp`, bundle);
  await rename(`${file}.tmp`, file);
}

async function scenario(ctx: FaultContext): Promise<FaultRow> {
  const perKind = ctx.quick ? 10 : 100;
  return withCleanup(async (defer) => {
    const world = await createWorld();
    defer(() => world.remove());
    const { release, pushes } = await prepare(world.dir);
    const bundleFile = join(world.dir, 'policy.tar.gz');
    await publish(bundleFile, release);
    const replicas = await startReplicas(world, 2, {
      policy: {
        bundle: bundleFile,
        routes: resolve('policies', 'routes.yaml'),
        public_key_file: join(world.dir, 'release.pub.pem'),
      },
    });
    for (const r of replicas) defer(() => r.stop());
    const active = await revisionOf(replicas);
    const headers = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const refused = { broken: 0, unsigned: 0, tampered: 0 };
    const failures: string[] = [];
    const run = await underLoad(
      {
        targets: replicas.map((r) => r.url),
        probes: await standardProbes(),
        warmupMs: 1000,
        cooldownMs: ctx.quick ? 2000 : 5000,
      },
      async () => {
        ctx.progress(`pushing ${perKind} broken, ${perKind} unsigned, ${perKind} tampered bundles`);
        for (let i = 0; i < perKind * 3; i++) {
          const push = pushes[i % pushes.length];
          if (!push) throw new Error('no push prepared');
          await publish(bundleFile, push.bundle);
          const answers = await Promise.all(replicas.map((r) => reload(r.url, headers)));
          const held = answers.every(
            (a) =>
              a.status === 422 &&
              a.json.error?.step === push.step &&
              a.json.last_reload?.active_revision === active,
          );
          if (held) refused[push.kind] += 1;
          else if (failures.length < 5)
            failures.push(`${push.kind} push ${i}: ${JSON.stringify(answers.map((a) => a.json))}`);
          const now = await revisionOf(replicas).catch((e: unknown) => String(e));
          if (now !== active) failures.push(`push ${i} (${push.kind}): active revision ${now}`);
        }
        await publish(bundleFile, release);
      },
    );
    const decided = run.samples.filter((s) => s.outcome !== 'failed');
    const other = decided.filter((s) => s.revision !== undefined && s.revision !== active);
    const without = decided.filter((s) => s.revision === undefined);
    if (other.length > 0)
      failures.push(
        `${other.length} decisions carried another revision: ${[...new Set(other.map((s) => s.revision))].join(', ')}`,
      );
    if (without.length > 0) failures.push(`${without.length} decisions carried no policy revision`);
    const total = refused.broken + refused.unsigned + refused.tampered;
    for (const kind of ['broken', 'unsigned', 'tampered'] as const)
      if (refused[kind] !== perKind)
        failures.push(`${refused[kind]}/${perKind} ${kind} pushes refused on every replica`);
    const notes = [
      `${total}/${perKind * 3} pushes refused on both replicas (broken at smoke, unsigned and tampered at signature)`,
      `active revision ${active.slice(0, 19)}… unchanged; ${decided.length - other.length - without.length}/${decided.length} decisions carried it`,
    ];
    return row(
      `Policy push: ${perKind} broken, ${perKind} unsigned, ${perKind} tampered bundles under load`,
      run,
      { notes, failures },
    );
  });
}

/** The revision every replica serves (`GET /v1/policy`); throws when they disagree. */
async function revisionOf(replicas: readonly Replica[]): Promise<string> {
  const revisions = await Promise.all(replicas.map((r) => policyStatus(r.url)));
  const [first, ...rest] = revisions.map((s) => s.revision ?? 'none');
  if (first === undefined || rest.some((r) => r !== first))
    throw new Error(
      `replicas serve different revisions: ${revisions.map((s) => s.revision).join(', ')}`,
    );
  return first;
}

export const policyPush: Fault = {
  id: 'policy-push',
  title: 'Broken, unsigned and tampered policies pushed under load',
  run: async (ctx) => [await scenario(ctx)],
};
