/**
 * No spelling of a guarded route gets past the caller token. Over every registered route (the
 * decision dispatcher's list and the express stack, `app.routes`), generated case variants,
 * percent-encodings of any characters (slashes included) and target shapes (absolute-form with
 * any case, trailing slash, `//`, backslash, dot segments, `;`), sent on a raw socket with any
 * method and with the admin or user credential and a body the handler would act on, but without
 * the caller token: the answer is the guard's 401 or a 400 for the target, never 2xx, and nothing
 * a handler would change has changed.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caseVariant, percentEncodeSome, targetShape } from '../support/arbitraries.js';
import { fuzzParams } from '../support/fuzz.js';
import { sendRaw } from '../support/raw-http.js';
import {
  concreteMethod,
  concretePath,
  guardedRoutes,
  observableState,
  refusedBeforeAnyRoute,
  requestFor,
  startWalkApp,
  type WalkApp,
} from '../support/route-walk.js';

let walk: WalkApp;
let initial: Record<string, unknown>;
beforeAll(async () => {
  walk = await startWalkApp();
  initial = await observableState(walk);
});
afterAll(() => walk.app.stop());

describe('routing spellings', () => {
  it('never reach a guarded route without the caller token', async () => {
    const routes = guardedRoutes(walk.app);
    expect(routes.length).toBeGreaterThan(0);
    const origin = `http://127.0.0.1:${walk.port}`;
    const spelled = fc.constantFrom(...routes).chain((route) => {
      const path = concretePath(route);
      return fc.record({
        path: fc.constant(path),
        method: fc.oneof(
          { arbitrary: fc.constant(concreteMethod(route)), weight: 3 },
          fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'),
        ),
        target: fc
          .tuple(
            caseVariant(path).chain((p) =>
              fc.oneof({ arbitrary: fc.constant(p), weight: 2 }, percentEncodeSome(p)),
            ),
            targetShape,
          )
          .map(([p, shape]) => shape(p, origin)),
      });
    });
    await fc.assert(
      fc.asyncProperty(spelled, async ({ path, method, target }) => {
        const answer = await sendRaw(walk.port, {
          method,
          target,
          ...requestFor(walk, method, path),
        });
        expect(
          answer.status >= 200 && answer.status < 300,
          `${method} ${target} → ${answer.status}`,
        ).toBe(false);
        expect(
          refusedBeforeAnyRoute(answer),
          `${method} ${target} → ${answer.status} ${answer.body}`,
        ).toBe(true);
        expect(await observableState(walk), `${method} ${target}`).toEqual(initial);
      }),
      fuzzParams(300),
    );
  });
});
