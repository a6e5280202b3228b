/**
 * What the Dockerfile's runtime stage makes of the image, read from the file itself (dockerfile.ts):
 * its copies, environment, working folder, user, entrypoint and command, and its writable paths.
 * The checklist test and the image-layout test both read the image from here, so neither can drift
 * from the Dockerfile.
 */
import path from 'node:path';
import { all, keyValues, readDockerfile, type Stage } from './dockerfile.js';

const DOCKERFILE = path.resolve('Dockerfile');

export interface Copy {
  /** The stage copied from (`--from`), or null for the build context (the repository). */
  from: string | null;
  source: string;
  /** Absolute path in the image (relative destinations resolved against WORKDIR). */
  dest: string;
  chown: string | null;
}

export interface RuntimeImage {
  stages: Stage[];
  runtime: Stage;
  env: Record<string, string>;
  workdir: string;
  user: string;
  entrypoint: string[];
  cmd: string[];
  copies: Copy[];
  volumes: string[];
}

export function runtimeImage(stages: Stage[] = readDockerfile(DOCKERFILE)): RuntimeImage {
  const runtime = stages.at(-1);
  if (!runtime) throw new Error('the Dockerfile has no stage');
  let workdir = '/';
  const copies: Copy[] = [];
  for (const i of runtime.instructions) {
    if (i.keyword === 'WORKDIR') workdir = path.posix.resolve(workdir, i.args[0]!);
    if (i.keyword !== 'COPY') continue;
    const dest = i.args.at(-1)!;
    for (const source of i.args.slice(0, -1))
      copies.push({
        from: i.flags.from ?? null,
        source,
        dest: path.posix.resolve(workdir, dest) + (dest.endsWith('/') ? '/' : ''),
        chown: i.flags.chown ?? null,
      });
  }
  const last = (keyword: string) => all(runtime, keyword).at(-1);
  const exec = (keyword: string) => {
    const i = last(keyword);
    if (!i?.exec) throw new Error(`the runtime stage needs ${keyword} in exec (JSON) form`);
    return i.args;
  };
  return {
    stages,
    runtime,
    env: Object.assign({}, ...all(runtime, 'ENV').map(keyValues)) as Record<string, string>,
    workdir,
    user: last('USER')?.args[0] ?? 'root',
    entrypoint: exec('ENTRYPOINT'),
    cmd: exec('CMD'),
    copies,
    volumes: all(runtime, 'VOLUME').flatMap((v) => v.args),
  };
}
