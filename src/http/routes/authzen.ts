/**
 * The OpenID AuthZEN 1.0 Authorization API (docs/authzen.md): `POST /access/v1/evaluation` and
 * `POST /access/v1/evaluations` on the raw node:http decision path, caller-token protected like
 * events and jobs (the caller may vouch for a user), and the public metadata document
 * `GET /.well-known/authzen-configuration` on the management app.
 *
 * Request identification (section 11.1.3): an `X-Request-ID` the PEP sends is answered in the
 * response's `X-Request-ID`, on errors too (it is set before the body is read, and the one error
 * renderer keeps headers already set). A value that is not 1-256 printable ASCII characters is a
 * 400, since it could not be echoed as sent.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthzenEvaluator } from '../../surfaces/authzen/evaluate.js';
import {
  EVALUATION_PATH,
  EVALUATIONS_PATH,
  METADATA_PATH,
  type AuthzenMetadata,
} from '../../surfaces/authzen/metadata.js';
import { ApiError, sendJson } from '../errors.js';
import { readJsonBody } from '../json-body.js';
import type { DecisionRoute, ManagementRoute } from '../route-table.js';

const REQUEST_ID = /^[\x20-\x7e]{1,256}$/;

export interface AuthzenRouteDeps {
  evaluator: AuthzenEvaluator;
  maxBodyBytes: number;
  /** The cap of `/access/v1/evaluations` (as for `/v1/authorize/batch`). */
  maxBatchBodyBytes: number;
  /** The metadata document; null when `authzen.base_url` is not configured (404). */
  metadata: AuthzenMetadata | null;
}

export function authzenRoutes(deps: AuthzenRouteDeps): (DecisionRoute | ManagementRoute)[] {
  const { evaluator, metadata } = deps;
  return [
    {
      surface: 'decision',
      method: 'POST',
      path: EVALUATION_PATH,
      operation: 'authzen_evaluation',
      auth: 'caller',
      async handle(req, res) {
        echoRequestId(req, res);
        const body = await readJsonBody(req, deps.maxBodyBytes);
        sendJson(res, 200, await evaluator.evaluation(body));
      },
    },
    {
      surface: 'decision',
      method: 'POST',
      path: EVALUATIONS_PATH,
      operation: 'authzen_evaluations',
      auth: 'caller',
      async handle(req, res) {
        echoRequestId(req, res);
        const body = await readJsonBody(req, deps.maxBatchBodyBytes);
        sendJson(res, 200, await evaluator.evaluations(body));
      },
    },
    {
      surface: 'management',
      method: 'GET',
      path: METADATA_PATH,
      operation: 'authzen_configuration',
      auth: 'public',
      handle(_req, res) {
        if (metadata === null)
          throw new ApiError(
            'not_found',
            'no AuthZEN metadata: authzen.base_url is not configured',
          );
        sendJson(res, 200, metadata);
      },
    },
  ];
}

function echoRequestId(req: IncomingMessage, res: ServerResponse): void {
  const id = req.headers['x-request-id'];
  if (id === undefined) return;
  if (typeof id !== 'string' || !REQUEST_ID.test(id)) {
    req.resume();
    throw new ApiError(
      'invalid_request',
      'X-Request-ID: must be given once, as 1-256 printable ASCII characters',
    );
  }
  res.setHeader('x-request-id', id);
}
