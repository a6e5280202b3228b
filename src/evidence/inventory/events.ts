/**
 * The event matrix: every type of the policy's event catalogue with who may receive it, where the
 * decision is made and the hand-written tests that name the type. A policy without an event
 * catalogue gives an empty matrix marked `catalogue: false`, which the inventory reports as a gap.
 */
import { eventCatalogueFromPolicyData, type EventScope } from '../../contract/event-catalogue.js';
import type { RegoTestCase } from './rego-tests.js';
import type { TableCase } from './decision-tables.js';
import type { EventMatrix } from './types.js';

/** Where every event is decided: the fan-out filter, one `events.receive` decision per recipient. */
const EVENT_FILTER_POINT = { endpoint: 'POST /v1/events/filter', action: 'events.receive' };

/** The field that scopes an event and the rule the filter applies, per scope (docs/surfaces.md). */
const SCOPE_RULES: Record<EventScope, { scope_key: string; rule: string }> = {
  org: {
    scope_key: 'event.org',
    rule: 'members of event.org on a connection of that org; an event without an org reaches nobody',
  },
  global: {
    scope_key: "none (the recipient connection's org)",
    rule: "names no org; members of the org each recipient's connection is on, that org active",
  },
  recipient: {
    scope_key: 'event.user in event.org',
    rule: 'only event.user, a member of event.org, on a connection of that org',
  },
};

export function eventMatrix(
  data: Readonly<Record<string, unknown>>,
  tests: { rego: readonly RegoTestCase[]; tables: readonly TableCase[] },
): EventMatrix {
  const catalogue = eventCatalogueFromPolicyData(data);
  if (!catalogue)
    return { catalogue: false, filter_point: EVENT_FILTER_POINT, types: [], problems: [] };
  const types = catalogue.entries.map((entry) => {
    const rego = tests.rego.filter((c) => c.strings.has(entry.type)).map((c) => c.name);
    const decisionTables = tests.tables.filter((c) => c.strings.has(entry.type)).map((c) => c.name);
    return {
      type: entry.type,
      scope: entry.scope,
      ...SCOPE_RULES[entry.scope],
      channels: entry.channels,
      description: entry.description,
      tests: { rego, decision_tables: decisionTables },
      covered: rego.length + decisionTables.length > 0,
    };
  });
  return {
    catalogue: true,
    filter_point: EVENT_FILTER_POINT,
    types,
    problems: catalogue.problems,
  };
}
