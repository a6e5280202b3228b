/**
 * `ANY /v1/forward-auth[/*]`: the decision surface for gateways (contract section 6). The check
 * itself is the forward-auth surface's (`surfaces/forward-auth/check.ts`); this route drains the
 * check request, asks it, counts refusals and writes the answer.
 */
import type { ServerResponse } from 'node:http';
import type { DecisionRoute } from '../route-table.js';
import type { Answer } from '../../surfaces/forward-auth/answer.js';
import type { RequestRefusal } from '../../contract/metric-labels.js';
import {
  createForwardAuthCheck,
  FORWARD_AUTH_PATH,
  type ForwardAuthCheckDeps,
} from '../../surfaces/forward-auth/check.js';

export interface ForwardAuthDeps extends ForwardAuthCheckDeps {
  /** Told of every check refused before a decision (metrics count them). */
  onRefusal?: (refusal: RequestRefusal) => void;
}

export function forwardAuthRoute(deps: ForwardAuthDeps): DecisionRoute {
  const check = createForwardAuthCheck(deps);
  return {
    surface: 'decision',
    method: 'ANY',
    path: `${FORWARD_AUTH_PATH}/*`,
    operation: 'forward_auth',
    auth: 'caller',
    async handle(req, res) {
      // The check request's body (if a gateway sends one) is never read.
      req.resume();
      const answer = await check(req);
      if (answer.refusal) deps.onRefusal?.(answer.refusal);
      send(res, answer);
    },
  };
}

function send(res: ServerResponse, answer: Answer): void {
  const payload = answer.body ? JSON.stringify(answer.body) : '';
  res.writeHead(answer.status, {
    ...answer.headers,
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(payload),
    ...(answer.body ? { 'content-type': 'application/json; charset=utf-8' } : {}),
  });
  res.end(payload);
}
