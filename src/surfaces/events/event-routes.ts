/** `POST /v1/events/filter` on the raw node:http decision path (contract section 5). */
import type { Authorizer } from '../../authz/authorizer.js';
import type { DecisionRoute } from '../../http/decision-routes.js';
import { sendJson } from '../../http/errors.js';
import { readJsonBody } from '../../http/json-body.js';
import { parseEventFilterBody } from '../../http/inbound/event-filter-body.js';
import { createEventFilter } from './event-filter.js';

export interface EventRouteDeps {
  authorizer: Pick<Authorizer, 'decide'>;
  /** Body cap: a fan-out of MAX_RECIPIENTS needs more than a single decision's 64 KiB. */
  maxBodyBytes: number;
  /** Decisions per turn of the event loop (`server.fanout_yield_every`). */
  yieldEvery: number;
}

export function eventRoutes(deps: EventRouteDeps): DecisionRoute[] {
  const filterEvent = createEventFilter(deps.authorizer, deps.yieldEvery);
  return [
    {
      method: 'POST',
      path: '/v1/events/filter',
      async handle(req, res) {
        const request = parseEventFilterBody(await readJsonBody(req, deps.maxBodyBytes));
        sendJson(res, 200, await filterEvent(request));
      },
    },
  ];
}
