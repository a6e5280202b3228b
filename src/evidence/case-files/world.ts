/**
 * What a case runs in: the decision core the server runs (`createDocumentAuthorizer`, the same
 * document parsing as `POST /v1/authorize`), with the case's policy engine, directory fixture,
 * tenancy mode and credential. Directory fixtures are loaded once per file and shared by the
 * cases naming them; `close` releases them. The store is the server's file store, over a scratch
 * copy of the fixture: a file store tidies the folder of its file, and a test reads only.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import type { Decision } from '../../contract/decision.js';
import type { Parsed } from '../../contract/parse-document.js';
import { silentLogger } from '../../contract/logger.js';
import { createFileStore } from '../../directory/index.js';
import {
  DirectoryUnavailableError,
  type DirectoryReader,
  type DirectoryStore,
} from '../../directory/types.js';
import { createActivePolicy } from '../../engine/active-policy.js';
import type { PolicyEngine } from '../../engine/wasm-engine.js';
import {
  createDocumentAuthorizer,
  type DocumentAuthorizer,
} from '../../http/inbound/document-authorizer.js';
import { parseAuthorizeBody } from '../../http/inbound/authorize-body.js';
import { createLocalTenancySwitch } from '../../tenancy/local-tenancy-switch.js';
import type { DirectorySource, LoadedCase } from './load.js';
import { createCaseTokens } from './tokens.js';

export interface TenancyNames {
  default_org: string;
  org_header: string;
  org_cookie: string;
}

const DEFAULT_TENANCY: TenancyNames = {
  default_org: 'default',
  org_header: 'X-Org-ID',
  org_cookie: 'org_id',
};

export interface CaseWorldOptions {
  /** The engine a case evaluates: the run's policy, or the one the case names. */
  engineFor: (c: LoadedCase) => PolicyEngine;
  tenancy?: TenancyNames;
  /** The run's directory file (`--config`'s), for cases whose file names none. */
  directoryFile?: string;
}

export interface CaseWorld {
  authorizerFor(c: LoadedCase): Promise<DocumentAuthorizer>;
  /** The case's token (undefined: `token: none`). */
  tokenFor(c: LoadedCase): Promise<string | undefined>;
  /** The case's `POST /v1/authorize` document (the org in the field, a header or a cookie). */
  bodyFor(c: LoadedCase): Promise<Record<string, unknown>>;
  /** The case's decision, or the 400 message its document would get. */
  decide(c: LoadedCase): Promise<Parsed<Decision>>;
  close(): Promise<void>;
}

const unavailable: DirectoryReader = {
  getOrg: () => Promise.reject(new DirectoryUnavailableError('store cannot answer')),
  listOrgsForUser: () => Promise.reject(new DirectoryUnavailableError('store cannot answer')),
};

export async function createCaseWorld(options: CaseWorldOptions): Promise<CaseWorld> {
  const tenancy = options.tenancy ?? DEFAULT_TENANCY;
  const NOW = Date.now();
  const tokens = await createCaseTokens(NOW);
  const stores = new Map<string | object, Promise<DirectoryStore>>();
  const scratch: string[] = [];

  /** A file store over a scratch copy of `write`'s output. */
  function storeOf(write: (copy: string) => void): Promise<DirectoryStore> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'orgwarden-cases-'));
    scratch.push(dir);
    const file = path.join(dir, 'directory.yaml');
    write(file);
    // No wait for a revision a fixture never reaches (a case file is read once): denied at once.
    return createFileStore(
      { file, defaultOrg: tenancy.default_org, revision_wait_ms: 0 },
      { log: silentLogger },
    );
  }

  function directoryFor(source: DirectorySource): Promise<DirectoryReader> {
    if (source.kind === 'unavailable') return Promise.resolve(unavailable);
    const key = source.kind === 'inline' ? source.doc : source.kind === 'file' ? source.path : '';
    let store = stores.get(key);
    if (!store) {
      const { directoryFile } = options;
      if (source.kind === 'inline')
        store = storeOf((copy) => writeFileSync(copy, stringify(source.doc)));
      else if (source.kind === 'file') store = storeOf((copy) => copyFileSync(source.path, copy));
      else if (directoryFile !== undefined)
        store = storeOf((copy) => copyFileSync(directoryFile, copy));
      else
        store = Promise.reject(
          new Error(
            'no directory: the case file names none ("directory:") and no --config gives one',
          ),
        );
      stores.set(key, store);
    }
    return store;
  }

  async function authorizerFor(c: LoadedCase): Promise<DocumentAuthorizer> {
    const keysDown = c.case.keys === 'unavailable';
    return createDocumentAuthorizer({
      tenancy,
      authenticator: keysDown ? tokens.keysDown : tokens.authenticator,
      directory: await directoryFor(c.directory),
      policy: createActivePolicy(options.engineFor(c)),
      tenancySwitch: createLocalTenancySwitch(c.mode !== 'single', tenancy.default_org),
      now: () => NOW,
    });
  }

  function tokenFor(c: LoadedCase): Promise<string | undefined> {
    return tokens.mint(c.claims, c.case.token, c.case.keys);
  }

  async function bodyFor(c: LoadedCase): Promise<Record<string, unknown>> {
    const token = await tokenFor(c);
    const { headers: given, org, ...rest } = c.case.request;
    const orgIn = c.case.org_in ?? 'field';
    const headers = { ...given };
    if (org !== undefined && orgIn === 'header') headers[tenancy.org_header] = org;
    if (org !== undefined && orgIn === 'cookie') {
      const cookie = `${tenancy.org_cookie}=${encodeURIComponent(org)}`;
      headers.cookie = headers.cookie ? `${headers.cookie}; ${cookie}` : cookie;
    }
    const body: Record<string, unknown> = { ...rest };
    if (org !== undefined && orgIn === 'field') body.org = org;
    const asHeaders =
      c.case.via === 'headers' || given !== undefined || orgIn === 'header' || orgIn === 'cookie';
    if (!asHeaders) return { ...body, token: token ?? '' };
    return {
      ...body,
      headers: { ...headers, ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}) },
    };
  }

  async function decide(c: LoadedCase): Promise<Parsed<Decision>> {
    const authorizer = await authorizerFor(c);
    const body = await bodyFor(c);
    const org = c.case.request.org;
    if (c.case.org_in !== 'path' || org === undefined) return authorizer.authorize(body);
    // A path segment is named by a route (forward-auth), not by the authorize document: the
    // document is parsed as usual and the org placed where a route's path parameter goes.
    const parsed = parseAuthorizeBody(body, tenancy);
    if (!parsed.ok) return parsed;
    const named_org = { id: org, source: 'path' as const };
    return { ok: true, value: await authorizer.decide({ ...parsed.value, named_org }) };
  }

  async function close(): Promise<void> {
    const settled = await Promise.allSettled(stores.values());
    for (const s of settled) if (s.status === 'fulfilled') await s.value.close();
    await tokens.authenticator.close();
    await tokens.keysDown.close();
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  }

  return { authorizerFor, tokenFor, bodyFor, decide, close };
}
