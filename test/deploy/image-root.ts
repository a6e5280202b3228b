/**
 * Lays the runtime stage of the Dockerfile out in a temporary folder, as the image lays it out,
 * without a container engine: each COPY of the runtime stage is replayed, with the image paths
 * under the folder (/opt/orgwarden → ROOT/opt/orgwarden). The build stages' outputs are stood in
 * for by what the repository builds the same way: dist/ from `tsc -p tsconfig.build.json` (the
 * integration tier's global setup), the repository's node_modules (linked: a superset of the
 * image's production dependencies), and the committed prebuilt bundle for the OPA stage's output
 * (checked fresh: compiled by the pinned OPA from today's policies/, as the OPA stage compiles it).
 *
 * The tree is then made read-only except the image's volumes, as a read-only root filesystem with
 * a volume mounted there would be; when the test runs as root (where permissions bind nobody), the
 * process runs as the node image's `node` user (uid and gid 1000) so that they bind.
 */
import {
  chmodSync,
  chownSync,
  cpSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  symlinkSync,
} from 'node:fs';
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { PREBUILT_BUNDLE } from '../../scripts/lib/prebuilt-policy.mjs';
import { checkedPrebuiltBundle } from '../support/prebuilt-policy.js';
import type { Copy, RuntimeImage } from './image.js';

/** The `node` user of the official Node images. */
export const NODE_USER = { uid: 1000, gid: 1000 } as const;
export const RUNNING_AS_ROOT = process.getuid?.() === 0;

/** What a build stage's output path stands for here (see the header). */
const STAGE_OUTPUTS: Record<string, Record<string, { path: string; link?: true }>> = {
  build: {
    '/app/node_modules': { path: path.resolve('node_modules'), link: true },
    '/app/dist': { path: path.resolve('dist') },
    '/app/package.json': { path: path.resolve('package.json') },
  },
  policy: { '/src/bundle.tar.gz': { path: PREBUILT_BUNDLE } },
};

export interface ImageRoot {
  root: string;
  /** The config the image's CMD names, as the image holds it and as laid out here. */
  config: { original: string; laidOut: string };
  /** An image path as it is under the root: only the root is put in front of it. */
  at: (imagePath: string) => string;
  /** The revision of the bundle standing in for the OPA stage's output. */
  revision: string;
}

export interface LayOutOptions {
  /** Files bind-mounted over the image (a compose file's `volumes`), placed after the copies. */
  mounts?: { source: string; target: string }[];
  /** A change to the laid-out config beyond the root prefix (a compose network's names). */
  editConfig?: (text: string) => string;
}

export async function layOutImage(
  image: RuntimeImage,
  options: LayOutOptions = {},
): Promise<ImageRoot> {
  const { bundle } = await checkedPrebuiltBundle();
  const root = mkdtempSync(path.join(os.tmpdir(), 'orgwarden-image-'));
  chmodSync(root, 0o755);
  const at = (imagePath: string) => path.join(root, imagePath);
  for (const copy of image.copies) replay(copy, at);
  for (const mount of options.mounts ?? []) cpSync(mount.source, at(mount.target));
  for (const volume of image.volumes) mkdirSync(at(volume), { recursive: true });
  const config = prefixConfigPaths(at(configOf(image)), root);
  if (options.editConfig) writeFileSync(at(configOf(image)), options.editConfig(config.laidOut));
  readOnlyExcept(
    root,
    image.volumes.map((v) => at(v)),
  );
  return { root, at, config, revision: bundle.revision };
}

/** The file after `--config` in the image's CMD. */
export function configOf(image: RuntimeImage): string {
  const i = image.cmd.indexOf('--config');
  if (i < 0 || image.cmd[i + 1] === undefined) throw new Error('the CMD names no --config');
  return image.cmd[i + 1]!;
}

/** Puts `root` in front of every absolute path value in the YAML file, and changes nothing else. */
function prefixConfigPaths(file: string, root: string) {
  const original = readFileSync(file, 'utf8');
  const laidOut = original.replace(/(?<=:[ \t]+)\/(?=[a-z])/g, `${root}/`);
  writeFileSync(file, laidOut);
  return { original, laidOut };
}

function replay(copy: Copy, at: (p: string) => string): void {
  const dest = at(copy.dest);
  let source: string;
  if (copy.from === null) {
    source = path.resolve(copy.source);
  } else {
    const output = STAGE_OUTPUTS[copy.from]?.[copy.source];
    if (!output) throw new Error(`no stand-in for COPY --from=${copy.from} ${copy.source}`);
    if (output.link) {
      mkdirSync(path.dirname(dest), { recursive: true });
      symlinkSync(output.path, dest);
      return;
    }
    source = output.path;
  }
  mkdirSync(copy.dest.endsWith('/') ? dest : path.dirname(dest), { recursive: true });
  cpSync(source, dest, { recursive: true });
  if (copy.chown !== null && RUNNING_AS_ROOT) {
    // COPY --chown owns what it creates, the folders it makes included.
    for (const p of [path.dirname(dest), dest]) chownSync(p, NODE_USER.uid, NODE_USER.gid);
  }
}

/** Every file and folder under `dir` loses its write bits, except the folders in `writable`. */
function readOnlyExcept(dir: string, writable: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (writable.includes(p) || entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) readOnlyExcept(p, writable);
    chmodSync(p, lstatSync(p).mode & 0o555);
  }
  if (!writable.includes(dir)) chmodSync(dir, lstatSync(dir).mode & 0o555);
}

/** Gives the write bits back and removes the tree. */
export function removeImageRoot(root: string): void {
  const writable = (p: string) => {
    const stat = lstatSync(p);
    if (stat.isSymbolicLink()) return;
    chmodSync(p, stat.mode | 0o200);
    if (stat.isDirectory()) for (const name of readdirSync(p)) writable(path.join(p, name));
  };
  writable(root);
  rmSync(root, { recursive: true, force: true });
}

export interface ImageRun {
  pid: number;
  /** The port it listens on, once it logs so; rejects when it exits first. */
  port: Promise<number>;
  exited: Promise<{ code: number | null; stderr: string }>;
  kill: () => void;
}

/**
 * Runs `ENTRYPOINT + CMD` in WORKDIR with the image's ENV and user (the node user when the test
 * runs as root), the config path under the root, and `env` added. ORGWARDEN_PORT=0 (the image's
 * own port override) picks a free port instead of 8282.
 */
export function runImage(
  laid: ImageRoot,
  image: RuntimeImage,
  env: Record<string, string>,
): ImageRun {
  const [node, ...entry] = image.entrypoint;
  if (node !== 'node') throw new Error(`the ENTRYPOINT starts with ${String(node)}, not node`);
  const cmd = image.cmd.map((arg) => (arg === configOf(image) ? laid.at(arg) : arg));
  const child = spawn(process.execPath, [...entry, ...cmd], {
    cwd: laid.at(image.workdir),
    env: { ...image.env, PATH: process.env.PATH ?? '', ORGWARDEN_PORT: '0', ...env },
    ...(RUNNING_AS_ROOT ? NODE_USER : {}),
  });
  child.stdout.resume();
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.once('exit', (code) => resolve({ code, stderr })),
  );
  const port = new Promise<number>((resolve, reject) => {
    child.stderr.on('data', () => {
      const m = /"msg":"listening".*"port":(\d+)/.exec(stderr);
      if (m) resolve(Number(m[1]));
    });
    void exited.then(({ code }) => reject(new Error(`exited with ${String(code)}: ${stderr}`)));
  });
  port.catch(() => undefined); // a run that is expected to exit never listens
  return { pid: child.pid!, port, exited, kill: () => child.kill('SIGKILL') };
}
