/**
 * openapi/orgwarden.yaml against the code it describes, so the two cannot drift:
 * - every route of the route table is an operation with the same method, path, auth level and
 *   role, and the document has no operation the table lacks;
 * - the enums of error codes, reason codes, forward-auth refusals and org statuses are the
 *   catalogues' own lists;
 * - every schema compiles, and GET /v1/openapi.json serves the document.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { App } from '../../src/app.js';
import { ERROR_CATALOGUE, ERROR_CODES } from '../../src/contract/errors.js';
import { REQUEST_REFUSALS } from '../../src/contract/metric-labels.js';
import { REASONS } from '../../src/contract/reasons.js';
import { ORG_STATUSES } from '../../src/directory/types.js';
import { loadOpenApiDocument } from '../../src/http/openapi-document.js';
import { startTestApp } from '../support/app.js';

interface Operation {
  operationId?: string;
  'x-orgwarden-operation'?: string;
  'x-orgwarden-auth'?: string;
  'x-orgwarden-role'?: string;
}
interface Schema {
  enum?: string[];
  properties?: Record<string, Schema>;
}
interface Document {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, Schema> };
}

const doc = parse(readFileSync('openapi/orgwarden.yaml', 'utf8')) as Document;
const schemas = doc.components.schemas;
const enumOf = (name: string): string[] => [...(schemas[name]?.enum ?? [])].sort();

/**
 * Operations documented before their route is in this branch's table (AuthZEN, issue 13 §1): they
 * may be missing from the table, never differ from it. Empty once the AuthZEN routes are merged.
 */
const ALL_METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'TRACE'];

/** Each documented operation as a route-table row: `METHOD path operation auth role`. */
function documentedRoutes(): string[] {
  const rows = new Set<string>();
  for (const [template, item] of Object.entries(doc.paths)) {
    const prefix = item['x-orgwarden-prefix'] === true;
    const path = prefix
      ? template.replace(/\/\{[^}]+\}$/, '/*')
      : template.replace(/\{([^}]+)\}/g, ':$1');
    const methods = Object.keys(item).filter((k) => ALL_METHODS.includes(k.toUpperCase()));
    if (item['x-orgwarden-method'] === 'ANY')
      expect(methods.map((m) => m.toUpperCase()).sort()).toEqual([...ALL_METHODS].sort());
    for (const method of methods) {
      const op = item[method] as Operation;
      const operation = op.operationId ?? op['x-orgwarden-operation'] ?? '(none)';
      const shown = item['x-orgwarden-method'] === 'ANY' ? 'ANY' : method.toUpperCase();
      const role = op['x-orgwarden-role'] ? ` ${op['x-orgwarden-role']}` : '';
      rows.add(`${shown} ${path} ${operation} ${op['x-orgwarden-auth'] ?? '(none)'}${role}`);
    }
  }
  return [...rows].sort();
}

let app: App;
let url: string;
beforeAll(async () => {
  ({ app, url } = await startTestApp({
    extra: { server: { host: '127.0.0.1', port: 0, caller_token_env: 'CALLER' } },
    env: { CALLER: 'caller-token-0123456789' },
  }));
});
afterAll(() => app.stop());

describe('the document and the route table', () => {
  it('documents every route with its method, path, auth level and role, and nothing else', () => {
    const table = app.routes
      .map((r) => `${r.method} ${r.path} ${r.operation} ${r.auth}${r.role ? ` ${r.role}` : ''}`)
      .sort();
    const documented = documentedRoutes();
    const operationOf = (row: string) => row.split(' ')[2] ?? '';
    const inTable = new Set(table.map(operationOf));
    expect(documented.filter((row) => inTable.has(operationOf(row)))).toEqual(table);
    const extra = documented.filter((row) => !inTable.has(operationOf(row)));
    expect(extra).toEqual([]);
  });

  it('gives every operation an auth level, and a role exactly to admin operations', () => {
    for (const row of documentedRoutes()) {
      const [, , , auth, role] = row.split(' ');
      expect(['public', 'caller', 'admin'], row).toContain(auth);
      expect(role !== undefined, row).toBe(auth === 'admin');
    }
  });
});

describe('the enums are the catalogues', () => {
  it('error codes: the public ones as `code`, the refined ones as `reason`', () => {
    const refined = ERROR_CODES.filter((c) => ERROR_CATALOGUE[c].as !== undefined);
    const publicCodes = ERROR_CODES.filter((c) => ERROR_CATALOGUE[c].as === undefined);
    expect(enumOf('ErrorCode')).toEqual([...publicCodes].sort());
    expect(enumOf('ErrorReason')).toEqual([...refined].sort());
  });

  it('reason codes, forward-auth refusals and org statuses', () => {
    expect(enumOf('Reason')).toEqual([...REASONS].sort());
    expect(enumOf('RequestRefusal')).toEqual([...REQUEST_REFUSALS].sort());
    expect(schemas.OrgRecord?.properties?.status?.enum).toEqual([...ORG_STATUSES]);
  });
});

describe('the document itself', () => {
  it('is OpenAPI 3.1 and every schema compiles', () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
    const ajv = new Ajv2020({ strict: false });
    ajv.addSchema({ ...doc, $id: 'https://orgwarden.invalid/openapi' });
    for (const name of Object.keys(schemas))
      expect(() =>
        ajv.compile({ $ref: `https://orgwarden.invalid/openapi#/components/schemas/${name}` }),
      ).not.toThrow();
  });

  it('is served at GET /v1/openapi.json, behind the caller token', async () => {
    const served = await fetch(`${url}/v1/openapi.json`, {
      headers: { 'x-orgwarden-caller-token': 'caller-token-0123456789' },
    });
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await served.json()).toEqual(await loadOpenApiDocument());
    expect((await fetch(`${url}/v1/openapi.json`)).status).toBe(401);
  });

  it('a document that cannot be read is an error naming the file (the app does not start)', async () => {
    await expect(loadOpenApiDocument('/nonexistent/orgwarden.yaml')).rejects.toThrow(
      /cannot read the OpenAPI document \/nonexistent\/orgwarden.yaml/,
    );
  });
});
