/**
 * Seeded property of the admin guard: for random sets of named credentials (each with a role and
 * its own token) and a route needing a random role, a request is admitted iff its token is one of
 * the credentials' and that credential's role covers the route's role — by the table of
 * docs/security.md, written out here independently of `roleCovers`. An admitted request carries
 * the credential's name as its actor; a refused one is 401 (no token) or 403 and never reaches the
 * handler. A browser route (`basic`) admits the same token sent as an HTTP Basic password, by the
 * same rule; other routes never read Basic.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { adminActor, createAdminGuard } from '../../src/http/admin-auth.js';
import { ADMIN_ROLES, type AdminRole } from '../../src/http/admin-roles.js';
import { fuzzParams } from '../support/fuzz.js';

/** Which routes each role may use: the documented matrix. */
const MAY_USE: Record<AdminRole, readonly AdminRole[]> = {
  auditor: ['auditor'],
  operator: ['auditor', 'operator'],
  'directory-writer': ['auditor', 'directory-writer'],
  admin: ['auditor', 'operator', 'directory-writer', 'admin'],
};

interface Answer {
  status: number | null;
  body: string;
}

function request(authorization: string | undefined) {
  const req = {
    headers: authorization === undefined ? {} : { authorization },
    resume() {
      return req;
    },
  } as unknown as IncomingMessage;
  const answer: Answer = { status: null, body: '' };
  const res = {
    writeHead(status: number) {
      answer.status = status;
      return res;
    },
    end(body: string) {
      answer.body = body;
    },
  } as unknown as ServerResponse;
  return { req, res, answer };
}

const role = fc.constantFrom(...ADMIN_ROLES);
/** Bearer tokens are token68 characters (no spaces). */
const token = fc.stringMatching(/^[A-Za-z0-9._~+/-]{16,40}$/);
const credentials = fc.uniqueArray(
  fc.record({ name: fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/), role, token }),
  { minLength: 0, maxLength: 6, selector: (c) => c.token },
);

describe('admin guard: admitted iff the token is a credential whose role covers the route', () => {
  it('holds for random credentials, routes and presented tokens', () => {
    fc.assert(
      fc.property(
        credentials,
        role,
        // the presented token: one of the credentials' (by index), a stranger, or none
        fc.oneof(
          fc.nat().map((i) => ({ pick: i })),
          token.map((t) => ({ other: t })),
          fc.constant({ none: true }),
        ),
        (creds, needed, presented) => {
          const guard = createAdminGuard(creds)(needed);
          const chosen =
            'pick' in presented && creds.length > 0
              ? creds[presented.pick % creds.length]
              : undefined;
          const given =
            chosen?.token ??
            ('other' in presented
              ? presented.other
              : 'pick' in presented
                ? 'x'.repeat(20)
                : undefined);
          const holder = creds.find((c) => c.token === given);
          const { req, res, answer } = request(given === undefined ? undefined : `Bearer ${given}`);
          const refused = guard(req, res);
          const expected = holder !== undefined && MAY_USE[holder.role].includes(needed);
          expect(!refused).toBe(expected);
          if (expected) {
            expect(adminActor(req)).toEqual({ name: holder.name, role: holder.role });
            expect(answer.status).toBeNull();
          } else {
            expect(() => adminActor(req)).toThrow(TypeError);
            const status = creds.length > 0 && given === undefined ? 401 : 403;
            expect(answer.status).toBe(status);
            if (holder !== undefined)
              expect(answer.body).toContain(`this route needs the role ${needed}`);
          }
        },
      ),
      fuzzParams(300),
    );
  });

  it('a browser route (basic) admits the same token as a Basic password, with the same roles', () => {
    fc.assert(
      fc.property(
        credentials.filter((c) => c.length > 0),
        role,
        fc.nat(),
        fc
          .string({ maxLength: 12 })
          // eslint-disable-next-line no-control-regex -- RFC 7617 forbids them in a user id
          .filter((u) => !u.includes(':') && !/[\u0000-\u001f\u007f]/.test(u)),
        (creds, needed, pick, user) => {
          const holder = creds[pick % creds.length]!;
          const basic = `Basic ${Buffer.from(`${user}:${holder.token}`).toString('base64')}`;
          const onBrowserRoute = request(basic);
          const admitted = !createAdminGuard(creds)(needed, { basic: true })(
            onBrowserRoute.req,
            onBrowserRoute.res,
          );
          expect(admitted).toBe(MAY_USE[holder.role].includes(needed));
          if (admitted) expect(adminActor(onBrowserRoute.req).name).toBe(holder.name);
          else expect(onBrowserRoute.answer.status).toBe(403);
          // Any other admin route takes Bearer only: Basic is no credential there (401).
          const elsewhere = request(basic);
          expect(createAdminGuard(creds)(needed)(elsewhere.req, elsewhere.res)).toBe(true);
          expect(elsewhere.answer.status).toBe(401);
        },
      ),
      fuzzParams(300),
    );
  });

  it('with no credential configured every request is 403: the admin endpoints are off', () => {
    const { req, res, answer } = request('Bearer test-admin-token-0123456789');
    expect(createAdminGuard([])('auditor')(req, res)).toBe(true);
    expect(answer.status).toBe(403);
    expect(answer.body).toContain('admin endpoints are disabled');
  });
});
