/**
 * docs/gateways.md shows the gateway snippets the tests run: each embedded snippet is the file
 * under deploy/gateways/ byte for byte (the gRPC flavour's Envoy config is on docs/envoy-grpc.md),
 * and the manifest example and error line on the page are what orgwarden accepts and prints.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseRouteManifest } from '../../src/surfaces/forward-auth/manifest.js';
import { catalogueFromPolicyData } from '../../src/contract/policy-catalogue.js';

const DOC = readFileSync(path.resolve('docs', 'gateways.md'), 'utf8');
const GRPC_DOC = readFileSync(path.resolve('docs', 'envoy-grpc.md'), 'utf8');
const catalogue = catalogueFromPolicyData({
  orgwarden: {
    catalogue: JSON.parse(
      readFileSync(path.resolve('policies/orgwarden/catalogue/data.json'), 'utf8'),
    ) as unknown,
  },
})!;

/** `<!-- snippet: deploy/gateways/… -->` followed by a fenced block: PATH → the block's text. */
function embeddedSnippets(): Map<string, string> {
  const out = new Map<string, string>();
  for (const doc of [DOC, GRPC_DOC])
    for (const m of doc.matchAll(
      /<!-- snippet: (deploy\/gateways\/\S+) -->\n```[a-z]*\n([\s\S]*?)```\n/g,
    ))
      out.set(m[1] as string, m[2] as string);
  return out;
}

describe('docs/gateways.md', () => {
  it('embeds every file of deploy/gateways/, each exactly as it is', () => {
    const snippets = embeddedSnippets();
    const files = readdirSync(path.resolve('deploy', 'gateways'))
      .map((f) => `deploy/gateways/${f}`)
      .sort();
    expect([...snippets.keys()].sort()).toEqual(files);
    for (const [file, text] of snippets)
      expect(text, file).toBe(readFileSync(path.resolve(file), 'utf8'));
  });

  it('shows YAML snippets that parse', () => {
    for (const [file, text] of embeddedSnippets())
      if (/\.ya?ml$/.test(file))
        expect(() => parse(text, { uniqueKeys: true }) as unknown, file).not.toThrow();
  });

  it('shows a manifest example that orgwarden accepts', () => {
    const example = /```yaml\n(routes:\n[\s\S]*?)```/.exec(DOC)?.[1];
    expect(example).toBeDefined();
    expect(parseRouteManifest(example!, 'example', catalogue).routes).toHaveLength(3);
  });

  it('shows the error line orgwarden prints for an action missing from the catalogue', () => {
    const shown = /^orgwarden: config error: (\S+): (.*)$/m.exec(DOC);
    expect(shown).not.toBeNull();
    const [, file, line] = shown!;
    const entries = [
      '  - { method: GET, path: /api/orgs, action: orgs.list, org: [] }',
      '  - { method: POST, path: /api/orgs, action: orgs.create, org: [] }',
      '  - { method: PUT, path: "/api/orgs/{org}", action: org.update, org: [path] }',
      '  - { method: GET, path: "/api/orgs/{org}", action: org.raed, org: [path] }',
    ];
    expect(() => parseRouteManifest(`routes:\n${entries.join('\n')}\n`, file!, catalogue)).toThrow(
      `${file!}: ${line!}`,
    );
  });
});
