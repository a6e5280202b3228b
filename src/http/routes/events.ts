/**
 * `POST /v1/events/filter` on the raw node:http decision path (contract section 5). An event the
 * active policy's event catalogue does not let through is a 400 from the filter (OrgwardenError,
 * answered by the one renderer).
 */
import type { Authorizer } from '../../authz/authorizer.js';
import { parseEventFilterBody } from '../inbound/event-filter-body.js';
import { createEventFilter } from '../../surfaces/events/event-filter.js';
import type { PolicyData } from '../../surfaces/events/event-scope.js';
import { sendJson } from '../errors.js';
import { readJsonBody } from '../json-body.js';
import type { DecisionRoute } from '../route-table.js';

export interface EventRouteDeps {
  authorizer: Pick<Authorizer, 'decide'>;
  /** Body cap: a fan-out of MAX_RECIPIENTS needs more than a single decision's 64 KiB. */
  maxBodyBytes: number;
  /** Decisions per turn of the event loop (`server.fanout_yield_every`). */
  yieldEvery: number;
  /** The active policy's data, read at every call (its event catalogue); null while none is active. */
  policyData: () => PolicyData | null;
  /** `events.allow_uncatalogued`. */
  allowUncatalogued: boolean;
}

export function eventRoutes(deps: EventRouteDeps): DecisionRoute[] {
  const filterEvent = createEventFilter(deps);
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
