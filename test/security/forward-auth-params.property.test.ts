/**
 * Forward-auth path parameters reach the policy as the upstream reads them: percent-decoded once,
 * as UTF-8. For every generated user id (e-mail ids, spaces, non-ASCII, reserved URL characters)
 * and every valid percent-encoding of it, a forward-auth check decides exactly what
 * `POST /v1/authorize` decides for the decoded id; and a value that decodes to `/`, `\`, `%`, a
 * control character or bytes that are not UTF-8 is refused before any decision, never allowed.
 * Real app: compiled policy, default route manifest, a directory whose members have such ids.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { App } from '../../src/app.js';
import { userIdProblem } from '../../src/contract/ids.js';
import { REQUEST_REFUSALS } from '../../src/contract/metric-labels.js';
import { bearer, check, DEFAULT_ROUTES, STYLES } from '../forward-auth/helpers.js';
import { postJson, session, startTestApp, TEST_BUNDLE } from '../support/app.js';
import {
  canonicalUserId,
  encodableUserId,
  idDisguise,
  percentEncodedSegment,
  percentEncodeSome,
  unsafeEscape,
} from '../support/arbitraries.js';
import { fuzzParams } from '../support/fuzz.js';

const DIRECTORY = path.resolve('test', 'support', 'fixtures', 'encoded-ids-directory.yaml');
const CALLERS = ['bob', 'olivia@example.com', 'carol', 'ü@例え.jp'] as const;

/** The members of acme in the fixture: ids the properties must also hit, not only generate. */
const ACME_MEMBERS: string[] = (
  parse(readFileSync(DIRECTORY, 'utf8')) as { orgs: { id: string; members?: { user: string }[] }[] }
).orgs
  .find((o) => o.id === 'acme')!
  .members!.map((m) => m.user);

let app: App;
let url: string;
let port: number;
const tokens = new Map<string, string>();

beforeAll(async () => {
  ({ app, url } = await startTestApp({
    multiTenant: true,
    directoryFile: DIRECTORY,
    extra: { policy: { bundle: TEST_BUNDLE, routes: DEFAULT_ROUTES } },
  }));
  port = (app.http.server.address() as { port: number }).port;
  for (const user of CALLERS) tokens.set(user, await session(user));
});
afterAll(() => app.stop());

/** Characters the forward-auth path never carries in a parameter, encoded or not. */
const UNROUTABLE = /[/\\%]/;

function expectRefusedBeforeDecision(res: Awaited<ReturnType<typeof check>>, what: string): void {
  expect(res.status, what).toBe(403);
  expect(REQUEST_REFUSALS as readonly string[], what).toContain(res.json?.error);
  expect(res.headers['x-orgwarden-decision-id'], what).toBeUndefined();
}

describe('forward-auth path parameters', () => {
  it('decide what /v1/authorize decides for the decoded id, for any valid encoding of it', async () => {
    const target = fc
      .oneof(fc.constantFrom(...ACME_MEMBERS), encodableUserId)
      .chain((id) => percentEncodedSegment(id).map((segment) => ({ id, segment })));
    await fc.assert(
      fc.asyncProperty(
        target,
        percentEncodedSegment('acme'),
        fc.constantFrom(...STYLES),
        fc.constantFrom(...CALLERS),
        async ({ id, segment }, org, style, caller) => {
          const token = tokens.get(caller)!;
          const uri = `/api/orgs/${org}/members/${segment}`;
          const forwarded = await check(port, style, 'DELETE', uri, bearer(token));
          if (UNROUTABLE.test(id)) {
            expectRefusedBeforeDecision(forwarded, uri);
            return;
          }

          const direct = await postJson(`${url}/v1/authorize`, {
            token,
            org: 'acme',
            action: 'org.members.remove',
            context: { target_user: id },
          });
          expect(direct.status).toBe(200);
          expect(
            forwarded.status === 200,
            `${style} DELETE ${uri} as ${caller}: ${forwarded.body}`,
          ).toBe(direct.json?.allow);
          if (!direct.json?.allow) expect(forwarded.json?.error, uri).toBe(direct.json?.reason);
        },
      ),
      fuzzParams(100),
    );
  });

  it('refuse every value that decodes to a separator, a percent sign, a control, invalid UTF-8 or a dot segment', async () => {
    const routes: {
      method: string;
      uri: (v: string) => string;
      headers?: Record<string, string>;
    }[] = [
      { method: 'DELETE', uri: (v) => `/api/orgs/acme/members/${v}` },
      { method: 'DELETE', uri: (v) => `/api/orgs/acme/invitations/${v}` },
      { method: 'GET', uri: (v) => `/api/orgs/${v}/members` },
      { method: 'DELETE', uri: (v) => `/api/orgs/acme/shares/${v}` },
      { method: 'GET', uri: (v) => `/api/resources/node/${v}`, headers: { 'x-org-id': 'acme' } },
      { method: 'PUT', uri: (v) => `/api/resources/${v}/n1`, headers: { 'x-org-id': 'acme' } },
    ];
    const safe = fc.stringMatching(/^[a-z0-9]{0,6}$/);
    // A whole value that is a dot segment once its unreserved escapes are decoded: the path's shape
    // would change, so the normaliser refuses it before matching.
    const dotSegment = fc.constantFrom('.', '..').chain((dots) => percentEncodeSome(dots, 2));
    const value = fc.oneof(
      fc.tuple(safe, unsafeEscape, safe).map(([before, bad, after]) => before + bad + after),
      dotSegment,
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        value,
        fc.constantFrom(...STYLES),
        async (route, v, style) => {
          const uri = route.uri(v);
          // The owner of acme: with the value taken at face value, each of these would be allowed.
          const res = await check(port, style, route.method, uri, {
            ...bearer(tokens.get('olivia@example.com')!),
            ...route.headers,
          });
          expectRefusedBeforeDecision(res, `${style} ${route.method} ${uri}`);
        },
      ),
      fuzzParams(200),
    );
  });

  it('refuse a user id that is not canonical once decoded, however it is encoded', async () => {
    const disguised = fc
      .tuple(canonicalUserId, idDisguise)
      .map(([id, disguise]) => disguise(id))
      .filter((id) => id.isWellFormed() && userIdProblem(id) !== null);
    await fc.assert(
      fc.asyncProperty(
        disguised.chain((id) => percentEncodedSegment(id)),
        fc.constantFrom(...STYLES),
        async (segment, style) => {
          const uri = `/api/orgs/acme/members/${segment}`;
          expectRefusedBeforeDecision(
            await check(port, style, 'DELETE', uri, bearer(tokens.get('bob')!)),
            uri,
          );
        },
      ),
      fuzzParams(100),
    );
  });
});
