/**
 * The Dockerfile checklist (docs/container.md), run without a container engine: the Dockerfile is
 * parsed (dockerfile.ts) and held to what the image promises — pinned bases, the pinned OPA with
 * the policy build's own arguments, a supported Node LTS, OCI labels, a non-root user, no remote
 * ADD, a health check, and a default config whose every path is a file the image copies.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { OPA_VERSION, opaBuildArgs } from '../../scripts/lib/opa-pin.mjs';
import { parseConfig } from '../../src/config/load.js';
import { all, keyValues, parseDockerfile } from './dockerfile.js';
import { runtimeImage } from './image.js';

const image = runtimeImage();
const { stages, runtime } = image;
const DEFAULT_CONFIG = '/etc/orgwarden/orgwarden.yaml';
/** The Node release line the image is built on: the active LTS (docs/container.md). */
const NODE_LTS_MAJOR = 24;

describe('the Dockerfile reader', () => {
  it('joins continuations, reads exec and shell forms and flags, and refuses what it cannot read', () => {
    const [stage] = parseDockerfile(
      'FROM a:1.2.3 AS x\n# note\nCOPY --from=y --chown=node:node a \\\n  # inside\n  b /c/\nCMD ["x", "y"]\n',
    );
    expect(stage!.name).toBe('x');
    expect(stage!.instructions.map((i) => [i.keyword, i.flags, i.args, i.exec])).toEqual([
      ['COPY', { from: 'y', chown: 'node:node' }, ['a', 'b', '/c/'], false],
      ['CMD', {}, ['x', 'y'], true],
    ]);
    expect(() => parseDockerfile('FROM a:1\nCOPYY a b\n')).toThrow('unknown instruction COPYY');
    expect(() => parseDockerfile('RUN x\n')).toThrow('before the first FROM');
    expect(() => parseDockerfile('FROM a:1\nCMD ["x", 1]\n')).toThrow('JSON array of strings');
    expect(() => parseDockerfile('FROM a:1\nRUN x \\')).toThrow('continuation at end of file');
  });
});

describe('the Dockerfile', () => {
  it('pins every base image by exact version (or digest), never a floating tag', () => {
    const names = new Set<string>();
    for (const stage of stages) {
      if (!names.has(stage.base))
        expect(stage.base).toMatch(
          /^[a-z0-9./-]+:\d+\.\d+\.\d+(-[a-z0-9.-]+)?(@sha256:[0-9a-f]{64})?$|^[a-z0-9./-]+@sha256:[0-9a-f]{64}$/,
        );
      if (stage.name) names.add(stage.name);
    }
  });

  it('builds the policy with the pinned OPA and exactly the arguments npm run policy:build uses', () => {
    const policy = stages.find((s) => s.name === 'policy')!;
    expect(policy.base).toBe(`openpolicyagent/opa:${OPA_VERSION}-static`);
    const runs = all(policy, 'RUN');
    expect(runs.every((r) => r.exec)).toBe(true);
    expect(runs.map((r) => r.args)).toEqual([
      ['/opa', 'test', '--bundle', '.'],
      ['/opa', ...opaBuildArgs('/src/bundle.tar.gz')],
    ]);
  });

  it('builds and runs on one exact release of the active Node LTS, which package.json engines accepts', () => {
    const nodeBases = stages.filter((s) => s.base.startsWith('node:')).map((s) => s.base);
    expect(nodeBases).toHaveLength(2);
    expect(new Set(nodeBases).size).toBe(1);
    expect(nodeBases[0]).toMatch(new RegExp(`^node:${NODE_LTS_MAJOR}\\.\\d+\\.\\d+-bookworm-slim`));
    const engines = (
      JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } }
    ).engines.node;
    const floor = /^>=(\d+)$/.exec(engines);
    expect(floor, `engines.node ${engines}`).not.toBeNull();
    expect(Number(floor![1])).toBeLessThanOrEqual(NODE_LTS_MAJOR);
  });

  it('labels the image with the OCI annotations, version, revision and created from build args', () => {
    const labels = Object.assign({}, ...all(runtime, 'LABEL').map(keyValues)) as Record<
      string,
      string
    >;
    const args = all(runtime, 'ARG').map((a) => a.args[0]!.split('=')[0]);
    expect(labels).toMatchObject({
      'org.opencontainers.image.title': 'orgwarden',
      'org.opencontainers.image.source': 'https://github.com/orgwarden/orgwarden',
      'org.opencontainers.image.licenses': (
        JSON.parse(readFileSync('package.json', 'utf8')) as { license: string }
      ).license,
      'org.opencontainers.image.version': '${VERSION}',
      'org.opencontainers.image.revision': '${REVISION}',
      'org.opencontainers.image.created': '${CREATED}',
    });
    expect(labels['org.opencontainers.image.description']).toMatch(/^Authorization sidecar/);
    expect(args).toEqual(expect.arrayContaining(['VERSION', 'REVISION', 'CREATED']));
  });

  it('runs as the unprivileged node user, with a health check on /healthz', () => {
    expect(image.user).toBe('node');
    const health = all(runtime, 'HEALTHCHECK');
    expect(health).toHaveLength(1);
    expect(health[0]!.raw).toMatch(/CMD \["node", "-e", ".*\/healthz/);
  });

  it('fetches nothing at build time with ADD and copies no examples into the image', () => {
    expect(stages.flatMap((s) => all(s, 'ADD'))).toEqual([]);
    expect(image.copies.filter((c) => c.source.startsWith('examples'))).toEqual([]);
  });

  it('copies only files that exist in the repository (the pending package-root folders aside)', () => {
    const sources = stages.flatMap((s) =>
      all(s, 'COPY')
        .filter((c) => c.flags.from === undefined)
        .flatMap((c) => c.args.slice(0, -1)),
    );
    for (const source of sources) expect(existsSync(source), source).toBe(true);
    // the package-root folders read at run time: the Envoy protos, the API document, the explorer
    expect(sources).toEqual(expect.arrayContaining(['proto/', 'openapi/', 'ui/']));
  });

  it('starts orgwarden serve with the default config, which names only files the image holds', () => {
    expect(image.workdir).toBe('/opt/orgwarden');
    expect(image.env.NODE_ENV).toBe('production');
    expect(image.entrypoint).toEqual(['node', 'dist/cli/main.js']);
    expect(image.cmd).toEqual(['serve', '--config', DEFAULT_CONFIG]);
    const copied = image.copies.find((c) => c.dest === DEFAULT_CONFIG);
    expect(copied?.source).toBe('deploy/container/orgwarden.yaml');
    const config = defaultConfig(copied!.source);
    const dests = image.copies.map((c) => c.dest);
    for (const file of [config.policy.bundle, config.policy.routes, config.directory.file])
      expect(dests, String(file)).toContain(file);
    expect(config.policy.dir).toBeUndefined();
    expect(config.server.host).toBe('0.0.0.0');
    expect(config.server.caller_token_env).toBe('ORGWARDEN_CALLER_TOKEN');
    expect(config.decision_log.sink).toBe('stdout');
    expect(all(runtime, 'EXPOSE').map((e) => e.args[0])).toEqual([String(config.server.port)]);
  });

  it('makes the file directory folder the one writable path: a volume the node user owns', () => {
    const folder = path.posix.dirname(defaultConfig().directory.file);
    expect(image.volumes).toEqual([folder]);
    const seeded = image.copies.filter((c) => c.dest.startsWith(folder + '/'));
    expect(seeded.map((c) => c.chown)).toEqual(['node:node']);
  });
});

/** The image's default config as orgwarden reads it at its place in the image (no env check). */
function defaultConfig(source = 'deploy/container/orgwarden.yaml') {
  return parseConfig(parse(readFileSync(source, 'utf8')), { file: DEFAULT_CONFIG });
}
