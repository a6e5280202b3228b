/**
 * The policy revision is a content hash: it never depends on where or how a policy was built
 * (folder, file creation order, data.json layout and key order, archive entry order, manifest,
 * signature), and it changes whenever the policy does (one byte of the WASM or of a Rego module,
 * one value of the data). First over the hashing with generated bundles, then with the real OPA
 * compiling generated copies of the default pack. A Rego comment is not part of the policy:
 * `opa build` writes the modules without comments, so editing one changes nothing.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/bundle/canonical-json.js';
import { compilePolicyDir } from '../../src/bundle/opa-cli.js';
import { parseBundle, type PolicyBundle } from '../../src/bundle/policy-bundle.js';
import { writeTarGz } from '../../src/bundle/tar-write.js';
import {
  bundleFileSet,
  byteEdit,
  dataDocument,
  folderPath,
  jsonLayout,
  type BundleFileSet,
} from '../support/arbitraries.js';
import { fuzzParams, fuzzRuns } from '../support/fuzz.js';

/** The archive of a generated bundle, its files in the given order, data.json written by `writeData`. */
function archiveOf(
  set: BundleFileSet,
  order: string[],
  writeData: (data: unknown) => string = JSON.stringify,
  extra: [string, Buffer][] = [],
): Promise<Buffer> {
  const files = new Map<string, Buffer>([
    ['policy.wasm', Buffer.from(set.wasm)],
    ['data.json', Buffer.from(writeData(set.data))],
    ...set.sources.map(([name, bytes]): [string, Buffer] => [name, Buffer.from(bytes)]),
  ]);
  return writeTarGz([...order.map((name): [string, Buffer] => [name, files.get(name)!]), ...extra]);
}

const namesOf = (set: BundleFileSet) => [
  'policy.wasm',
  'data.json',
  ...set.sources.map(([name]) => name),
];
const revisionOf = async (archive: Promise<Buffer>) =>
  (await parseBundle(await archive, 'generated')).revision;

/** A generated bundle with a generated order of its files. */
const bundleInSomeOrder = bundleFileSet.chain((set) =>
  fc.tuple(
    fc.constant(set),
    fc.shuffledSubarray(namesOf(set), {
      minLength: namesOf(set).length,
      maxLength: namesOf(set).length,
    }),
  ),
);

describe('the revision of generated bundles', () => {
  it('ignores file order, data.json layout and key order, the manifest and the signature', async () => {
    await fc.assert(
      fc.asyncProperty(
        bundleInSomeOrder,
        jsonLayout,
        fc.string(),
        fc.string(),
        async ([set, order], layout, manifest, signature) => {
          const plain = await revisionOf(archiveOf(set, namesOf(set)));
          const repacked = archiveOf(set, order, layout, [
            ['.manifest', Buffer.from(JSON.stringify({ revision: manifest, roots: [''] }))],
            ['.signatures.json', Buffer.from(JSON.stringify({ signatures: [signature] }))],
          ]);
          expect(await revisionOf(repacked)).toBe(plain);
        },
      ),
      fuzzParams(200),
    );
  });

  it('changes with one changed byte of the WASM or of any Rego source', async () => {
    await fc.assert(
      fc.asyncProperty(bundleFileSet, fc.nat(), byteEdit, async (set, which, { at, flip }) => {
        const before = await revisionOf(archiveOf(set, namesOf(set)));
        const target = which % (set.sources.length + 1);
        const bytes = target === 0 ? set.wasm : set.sources[target - 1]![1];
        const edited = Uint8Array.from(bytes);
        edited[at % edited.length] = edited[at % edited.length]! ^ flip;
        const changed =
          target === 0
            ? { ...set, wasm: edited }
            : {
                ...set,
                sources: set.sources.map(([n, b], i): [string, Uint8Array] => [
                  n,
                  i === target - 1 ? edited : b,
                ]),
              };
        expect(await revisionOf(archiveOf(changed, namesOf(changed)))).not.toBe(before);
      }),
      fuzzParams(200),
    );
  });

  it('changes with one changed value of the data, and with a Rego file added or removed', async () => {
    await fc.assert(
      fc.asyncProperty(
        bundleFileSet,
        fc.nat(),
        fc.jsonValue({ maxDepth: 2 }),
        async (set, which, value) => {
          const before = await revisionOf(archiveOf(set, namesOf(set)));
          const key = Object.keys(set.data)[which % Object.keys(set.data).length]!;
          fc.pre(
            canonicalJson(JSON.stringify(value)) !== canonicalJson(JSON.stringify(set.data[key])),
          );
          const data = Object.defineProperty({ ...set.data }, key, {
            value,
            enumerable: true,
            writable: true,
            configurable: true,
          });
          expect(await revisionOf(archiveOf({ ...set, data }, namesOf(set)))).not.toBe(before);

          const added = {
            ...set,
            sources: [
              ...set.sources,
              ['zz/backdoor.rego', new Uint8Array([0x70])] as [string, Uint8Array],
            ],
          };
          expect(await revisionOf(archiveOf(added, namesOf(added)))).not.toBe(before);
          if (set.sources.length > 1) {
            const removed = { ...set, sources: set.sources.slice(1) };
            expect(await revisionOf(archiveOf(removed, namesOf(removed)))).not.toBe(before);
          }
        },
      ),
      fuzzParams(200),
    );
  });

  it('is the same for every generated data document whatever its layout', async () => {
    await fc.assert(
      fc.asyncProperty(dataDocument, jsonLayout, async (data, layout) => {
        const set = {
          wasm: new Uint8Array([0, 0x61, 0x73, 0x6d]),
          data,
          sources: [['p.rego', new Uint8Array([0x70])] as [string, Uint8Array]],
        };
        expect(await revisionOf(archiveOf(set, namesOf(set), layout))).toBe(
          await revisionOf(archiveOf(set, namesOf(set))),
        );
      }),
      fuzzParams(200),
    );
  });
});

// Each case runs the real OPA twice, so the short run is small and the long one is capped.
const COMPILE_RUNS = Math.min(fuzzRuns(4), 200);

describe('the revision of the default pack compiled by the real OPA', () => {
  const POLICIES = path.resolve('policies');
  let work: string;
  let pack: [string, Buffer][];
  let reference: PolicyBundle;

  beforeAll(async () => {
    work = mkdtempSync(path.join(os.tmpdir(), 'orgwarden-revision-'));
    pack = listFiles(POLICIES).map((name): [string, Buffer] => [
      name,
      readFileSync(path.join(POLICIES, name)),
    ]);
    reference = await parseBundle(await compilePolicyDir(POLICIES), 'reference');
    // The pack's data files survive JSON.parse/JSON.stringify unchanged in value (no number literal
    // such as 1.0 that JSON.stringify would spell differently), so a re-laid-out copy is the same data.
    for (const [name, bytes] of pack.filter(([n]) => n.endsWith('data.json'))) {
      expect(canonicalJson(JSON.stringify(JSON.parse(bytes.toString('utf8')))), name).toBe(
        canonicalJson(bytes.toString('utf8')),
      );
    }
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  /** A copy of the pack at `where`, its files created in `order`, each data.json written by `layout`. */
  function copyPack(where: string[], order: number[], layout: (value: unknown) => string): string {
    const dir = path.join(work, ...where);
    rmSync(dir, { recursive: true, force: true });
    for (const index of order) {
      const [name, bytes] = pack[index]!;
      mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      writeFileSync(
        path.join(dir, name),
        name.endsWith('data.json') ? layout(JSON.parse(bytes.toString('utf8'))) : bytes,
      );
    }
    return dir;
  }

  it('is the same, with the same WASM bytes, for every generated folder, creation order and data layout', async () => {
    const orders = fc.shuffledSubarray([...pack.keys()], {
      minLength: pack.length,
      maxLength: pack.length,
    });
    await fc.assert(
      fc.asyncProperty(folderPath, orders, jsonLayout, async (where, order, layout) => {
        const dir = copyPack(where, order, layout);
        const bundle = await parseBundle(await compilePolicyDir(dir), dir);
        expect(bundle.revision).toBe(reference.revision);
        expect(bundle.wasm.equals(reference.wasm)).toBe(true);
        // no trace of the folder in the archive or the WASM
        expect(bundle.wasm.includes(Buffer.from(work))).toBe(false);
        expect(
          [...bundle.files.keys()].filter((name) => name.includes(path.basename(work))),
        ).toEqual([]);
      }),
      { ...fuzzParams(4), numRuns: COMPILE_RUNS },
    );
  });

  it('changes with a generated one-letter edit of a rule or of the data; a comment, which opa build drops, changes nothing', async () => {
    const sites = editSites(pack);
    expect(sites.filter((site) => site.kind === 'comment').length).toBeGreaterThan(0);
    expect(sites.filter((site) => site.kind === 'policy').length).toBeGreaterThan(0);
    await fc.assert(
      fc.asyncProperty(
        folderPath,
        fc.constantFrom(...sites),
        fc.constantFrom(...Array.from('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ')),
        async (where, site, letter) => {
          const [name, bytes] = pack[site.file]!;
          fc.pre(bytes[site.at] !== letter.charCodeAt(0));
          const dir = copyPack(where, [...pack.keys()], (value) => JSON.stringify(value));
          const edited = Buffer.from(bytes);
          edited[site.at] = letter.charCodeAt(0);
          writeFileSync(path.join(dir, name), edited);
          const bundle = await parseBundle(await compilePolicyDir(dir), dir);
          const what = `${site.kind}: ${name} byte ${site.at} → ${letter}`;
          if (site.kind === 'policy') expect(bundle.revision, what).not.toBe(reference.revision);
          else
            expect(
              { revision: bundle.revision, sameWasm: bundle.wasm.equals(reference.wasm) },
              what,
            ).toEqual({ revision: reference.revision, sameWasm: true });
        },
      ),
      { ...fuzzParams(6), numRuns: COMPILE_RUNS },
    );
  });
});

/** Every file under `dir`, as paths relative to it with "/" separators. */
function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(path.join(dir, prefix), { withFileTypes: true }).flatMap((entry) => {
    const name = prefix ? `${prefix}/${entry.name}` : entry.name;
    return entry.isDirectory() ? listFiles(dir, name) : [name];
  });
}

/**
 * Byte offsets where a letter can become another letter and the pack still compiles: letters in
 * string literals of the compiled (non-test) Rego files and in data.json strings change the policy
 * ("policy"); letters in Rego comments do not ("comment": opa build writes the modules without them).
 */
function editSites(
  pack: [string, Buffer][],
): { file: number; at: number; kind: 'policy' | 'comment' }[] {
  const sites: { file: number; at: number; kind: 'policy' | 'comment' }[] = [];
  pack.forEach(([name, bytes], file) => {
    const rego = name.endsWith('.rego') && !name.endsWith('_test.rego');
    if (!rego && !name.endsWith('data.json')) return;
    const text = bytes.toString('latin1');
    for (const match of text.matchAll(rego ? /#[^\n]*|"[^"\\\n]*"/g : /"[^"\\\n]*"/g)) {
      const kind = match[0].startsWith('#') ? 'comment' : 'policy';
      for (let i = 1; i < match[0].length; i += 1) {
        if (/[A-Za-z]/.test(match[0][i]!)) sites.push({ file, at: match.index + i, kind });
      }
    }
  });
  return sites;
}
