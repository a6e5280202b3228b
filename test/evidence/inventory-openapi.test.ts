/**
 * The OpenAPI side of the inventory: reading the product's document, and deciding which operations
 * have a guard strategy (a manifest route). A wrong "guarded" would hide an unguarded surface from
 * the reviewer, so the matcher is also checked against an independent oracle over generated
 * manifests and documents.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  guardOf,
  OpenApiError,
  parseOpenApi,
  type GuardRoute,
} from '../../src/evidence/inventory/openapi.js';
import { fuzzParams } from '../support/fuzz.js';

const UNGUARDED = path.resolve('test/evidence/inventory-fixtures/openapi-unguarded.json');

function route(methods: string[], pattern: string): GuardRoute {
  const segments = pattern
    .split('/')
    .slice(1)
    .filter((s) => s !== '')
    .map((s) =>
      s.startsWith('{') ? { kind: 'param' as const } : { kind: 'literal' as const, value: s },
    );
  return { methods, pattern, segments };
}

function refusal(text: string): string {
  try {
    parseOpenApi(text, 'api.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(OpenApiError);
    return (err as Error).message;
  }
  throw new Error('expected the document to be refused');
}

describe('parseOpenApi', () => {
  it('lists every operation of a JSON document, method upper-cased, in document order', () => {
    const ops = parseOpenApi(readFileSync(UNGUARDED, 'utf8'), UNGUARDED);
    expect(ops.map((o) => `${o.method} ${o.path}`)).toEqual([
      'GET /api/orgs/{orgId}',
      'PATCH /api/orgs/{orgId}',
      'GET /api/orgs/{orgId}/shares/incoming',
      'DELETE /api/orgs/{orgId}/shares/export',
      'HEAD /api/resources/{type}/{id}',
      'GET /api/resources/{type}/{id}.json',
      'POST /api/AI/chat',
    ]);
    expect(ops[0]?.operationId).toBe('getOrg');
    expect(ops[2]?.operationId).toBeNull();
  });

  it('reads the YAML example of the product, ignoring non-operation keys of a path item', () => {
    const text = 'openapi: 3.1.0\npaths:\n  /a:\n    parameters: []\n    summary: x\n    get: {}\n';
    expect(parseOpenApi(text, 'a.yaml')).toEqual([
      { method: 'GET', path: '/a', operationId: null },
    ]);
    const example = parseOpenApi(readFileSync('examples/openapi.yaml', 'utf8'), 'x');
    expect(example.length).toBe(23);
  });

  it('refuses what is not an OpenAPI 3.x document, naming the file and the key', () => {
    expect(refusal('{')).toMatch(/^api\.yaml: /);
    expect(refusal('- a')).toBe('api.yaml: must be an OpenAPI 3.x document');
    expect(refusal('swagger: "2.0"\npaths: {}')).toBe(
      'api.yaml: openapi: must be an OpenAPI version 3.x string, e.g. "3.1.0"',
    );
    expect(refusal('openapi: 3.0.0')).toBe('api.yaml: paths: must be a mapping');
    expect(refusal('openapi: 3.0.0\npaths:\n  a: {}\n  /b: 7\n  /c:\n    get: 1')).toBe(
      [
        'api.yaml: paths.a: must start with /',
        'api.yaml: paths./b: must be a path item mapping',
        'api.yaml: paths./c.get: must be an operation mapping',
      ].join('\n'),
    );
  });
});

describe('guardOf', () => {
  const manifest = [
    route(['GET', 'PUT'], '/api/orgs/{org}'),
    route(['DELETE'], '/api/orgs/{org}/shares/{share}'),
    route(['GET'], '/api/orgs/{org}/shares/incoming'),
  ];
  const op = (method: string, p: string) => ({ method, path: p, operationId: null });

  it('matches a template parameter to a manifest parameter whatever their names', () => {
    expect(guardOf(op('PUT', '/api/orgs/{orgId}'), manifest)).toBe(manifest[0]);
    expect(guardOf(op('GET', '/api/orgs/{o}/shares/incoming'), manifest)).toBe(manifest[2]);
  });

  it('never counts a literal as guarded by a manifest parameter, a method not listed, or another case', () => {
    expect(guardOf(op('DELETE', '/api/orgs/{o}/shares/export'), manifest)).toBeNull();
    expect(guardOf(op('HEAD', '/api/orgs/{o}'), manifest)).toBeNull();
    expect(guardOf(op('GET', '/api/Orgs/{o}'), manifest)).toBeNull();
    expect(guardOf(op('GET', '/api/orgs/{o}.json'), manifest)).toBeNull();
    expect(guardOf(op('GET', '/api/orgs/{o}/x'), manifest)).toBeNull();
    // A parameter in the document is not guarded by a literal of the manifest either.
    expect(guardOf(op('GET', '/api/orgs/{o}/shares/{s}'), manifest)).toBeNull();
  });

  it('agrees with a shape oracle on generated manifests and documents (a wrong "guarded" hides a surface)', () => {
    const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'];
    // Few distinct segments, so documents and manifests often share shapes.
    const segment = fc.oneof(
      fc.constantFrom('api', 'orgs', 'Orgs', 'x', 'incoming').map((s) => ({ text: s })),
      fc.constantFrom('{org}', '{id}', '{a_b}').map((s) => ({ text: s })),
    );
    const pathArb = fc
      .array(segment, { maxLength: 4 })
      .map((s) => `/${s.map((x) => x.text).join('/')}`);
    const docPath = fc.oneof(
      pathArb,
      pathArb.map((p) => p.replaceAll('{org}', '{orgId}')),
      pathArb.map((p) => `${p}/{id}.json`),
    );
    const shape = (p: string) =>
      p
        .split('/')
        .map((s) => (/^\{[^{}]+\}$/.test(s) ? '{}' : /[{}]/.test(s) ? '\u0000mixed' : s))
        .join('/');
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.subarray(METHODS, { minLength: 1 }), pathArb), { maxLength: 6 }),
        fc.constantFrom(...METHODS),
        docPath,
        (routes, method, p) => {
          const manifestRoutes = routes.map(([m, pattern]) =>
            route(m, pattern === '/' ? '/' : pattern),
          );
          const found = guardOf({ method, path: p, operationId: null }, manifestRoutes);
          const expected = manifestRoutes.some(
            (r) => r.methods.includes(method) && shape(r.pattern) === shape(p),
          );
          expect(found !== null).toBe(expected);
          if (found) expect(shape(found.pattern)).toBe(shape(p));
        },
      ),
      fuzzParams(2000),
    );
  });
});
