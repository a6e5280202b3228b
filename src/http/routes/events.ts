/** `POST /v1/events/filter` on the raw node:http decision path (contract section 5). */
import type { Authorizer } from '../../authz/authorizer.js';
import { parseEventFilterBody } from '../inbound/event-filter-body.js';
import { createEventFilter } from '../../surfaces/events/event-filter.js';
import { sendJson } from '../errors.js';
import { readJsonBody } from '../json-body.js';
import type { DecisionRoute } from '../route-table.js';

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
      surface: 'decision',
      method: 'POST',
      path: '/v1/events/filter',
      operation: 'events_filter',
      auth: 'caller',
      async handle(req, res) {
        const request = parseEventFilterBody(await readJsonBody(req, deps.maxBodyBytes));
        sendJson(res, 200, await filterEvent(request));
      },
    },
  ];
}
