/**
 * One decision as the explorer's ring holds it: the record's values copied into a slot that is
 * allocated once and reused, instead of the record itself.
 *
 * Why: the ring keeps each decision for `ui.recent_decisions` decisions. Held as its record (a
 * dozen small objects: the decision, its principal, the org, the resource, the request, a Date),
 * a busy sidecar's decisions outlive two young-generation collections and are copied into V8's
 * old generation; every collection then pays for copying them, which is what its pauses were
 * made of (docs/benchmarks.md). A slot holds the record's strings and numbers, and the objects a
 * decision shares with others (the principal of a cached token, the explanation), so only the
 * strings a request brought are kept, not a new object graph per decision. Of those, the decision
 * id (new for every decision) is held as three numbers when it is spelled as the decision core
 * spells ids, and the texts a deployment repeats (actions, org ids, resource types) as the one copy
 * a `TextTable` holds: a slot of the ring then keeps no string of its own for a typical decision.
 *
 * Invariant: `decisionLogEntry(recordOf(slot))` equals `decisionLogEntry(record)` after
 * `fill(slot, record)` — the ring shows exactly what it was told (a seeded property holds it).
 */
import type { DecisionKind } from '../contract/decision-kinds.js';
import type { DecisionRecord, RecordedRequest } from '../contract/decision.js';
import type { Explanation } from '../contract/explain.js';
import type { NamedOrgSource, OrgSource, SpoofSource } from '../contract/org-sources.js';
import type { AuthErrorCode, Principal, PrincipalKind } from '../contract/principal.js';
import type { Reason } from '../contract/reasons.js';
import { readBase32, spellBase32 } from '../contract/base32.js';

/**
 * A decision id: the 26 characters the decision core makes (10 of time, twice 8 of randomness) as
 * three numbers, spelled again only when the explorer lists it; any other id as its text.
 */
class IdCopy {
  text: string | null = null;
  time = 0;
  high = 0;
  low = 0;

  copy(id: string): void {
    if (id.length === 26) {
      const time = readBase32(id, 0, 10);
      const high = readBase32(id, 10, 18);
      const low = readBase32(id, 18, 26);
      if (time >= 0 && high >= 0 && low >= 0) {
        this.text = null;
        this.time = time;
        this.high = high;
        this.low = low;
        return;
      }
    }
    this.text = id;
  }

  rebuilt(): string {
    return (
      this.text ?? spellBase32(this.time, 10) + spellBase32(this.high, 8) + spellBase32(this.low, 8)
    );
  }
}

/** Texts held once per ring: at most this many, each at most `TEXT_TABLE_CHARS` long. */
const TEXT_TABLE_ENTRIES = 256;
const TEXT_TABLE_CHARS = 64;

/**
 * One copy of each short text the ring sees again and again (an action, an org id, a resource
 * type): a slot keeps the table's copy instead of the string its request brought, which would
 * otherwise live as long as the slot. Bounded: once full, texts are kept as they came (first come,
 * first held: a flood of made-up actions only stops later ones from being shared).
 */
export class TextTable {
  private readonly held = new Map<string, string>();

  shared<T extends string | null>(text: T): T {
    if (text === null || text.length > TEXT_TABLE_CHARS) return text;
    const copy = this.held.get(text);
    if (copy !== undefined) return copy as T;
    if (this.held.size < TEXT_TABLE_ENTRIES) this.held.set(text, text);
    return text;
  }
}

/** Without a ring's table (a slot filled on its own): every text is kept as it came. */
const NO_TABLE = { shared: <T extends string | null>(text: T): T => text };

/** The context of a request that named none: shared, so an empty context keeps no object alive. */
const NO_CONTEXT: Record<string, string> = Object.freeze({});

type Resource = DecisionRecord['resource'];

/** A resource's fields (or its absence), copied into an object the slot allocates once. */
class ResourceCopy {
  present = false;
  type: string | null = null;
  id: string | null = null;
  org: string | null = null;

  copy(resource: Resource, texts: Pick<TextTable, 'shared'>): void {
    this.present = resource !== null;
    this.type = resource ? texts.shared(resource.type) : null;
    this.id = resource ? resource.id : null;
    this.org = resource ? resource.org : null;
  }

  rebuilt(): Resource {
    return this.present ? { type: this.type, id: this.id, org: this.org } : null;
  }
}

export class DecisionSlot {
  kind: DecisionKind = 'request';
  readonly decisionId = new IdCopy();
  allow = false;
  reason: Reason = 'allowed';
  detail: string | null = null;
  status = 0;
  effectiveOrg: string | null = null;
  /** The decision's principal id; null: no principal. */
  principalId: string | null = null;
  principalKind: PrincipalKind = 'session';
  role: string | null = null;
  spoof = false;
  policyRevision: string | null = null;
  multiTenant = false;
  orgId = '';
  orgSource: OrgSource = 'default';
  action = '';
  readonly resource = new ResourceCopy();
  spoofSource: SpoofSource | null = null;
  /** `record.time` in milliseconds since the epoch. */
  timeMs = 0;
  latencyS = 0;
  hasDirectoryRevision = false;
  directoryRevision: number | null = null;
  hasRequest = false;
  requestKind: DecisionKind = 'request';
  /** The resolved principal: shared with the verified-token cache for a cached token. */
  requestPrincipal: Principal | null = null;
  authnFailure: AuthErrorCode | null = null;
  /** The named org's id; null: the request named none. */
  namedOrgId: string | null = null;
  namedOrgSource: NamedOrgSource = 'field';
  requestAction = '';
  readonly requestResource = new ResourceCopy();
  context: Record<string, string> = NO_CONTEXT;
  explain: Explanation | undefined = undefined;
  error: string | undefined = undefined;
}

/**
 * Copies `record` into `slot`, overwriting whatever it held; repeated texts are kept as `texts`
 * holds them (the ring's table).
 */
export function fill(
  slot: DecisionSlot,
  record: DecisionRecord,
  texts: Pick<TextTable, 'shared'> = NO_TABLE,
): void {
  const { decision, request } = record;
  slot.kind = record.kind;
  slot.decisionId.copy(decision.decision_id);
  slot.allow = decision.allow;
  slot.reason = decision.reason;
  slot.detail = decision.detail;
  slot.status = decision.status;
  slot.effectiveOrg = decision.effective_org;
  slot.principalId = decision.principal ? decision.principal.id : null;
  slot.principalKind = decision.principal ? decision.principal.kind : 'session';
  slot.role = decision.role;
  slot.spoof = decision.spoof;
  slot.policyRevision = decision.policy_revision;
  slot.multiTenant = decision.multi_tenant;
  slot.orgId = texts.shared(record.requested_org.id);
  slot.orgSource = record.requested_org.source;
  slot.action = texts.shared(record.action);
  slot.resource.copy(record.resource, texts);
  slot.spoofSource = record.spoof_source;
  slot.timeMs = record.time.getTime();
  slot.latencyS = record.latency_s;
  slot.hasDirectoryRevision = record.directory_revision !== undefined;
  slot.directoryRevision = record.directory_revision ?? null;
  fillRequest(slot, request, texts);
  slot.explain = record.explain;
  slot.error = record.error;
}

function fillRequest(
  slot: DecisionSlot,
  request: RecordedRequest | undefined,
  texts: Pick<TextTable, 'shared'>,
): void {
  slot.hasRequest = request !== undefined;
  if (request === undefined) {
    slot.requestPrincipal = null;
    slot.context = NO_CONTEXT;
    return;
  }
  const { named_org: named } = request;
  slot.requestKind = request.kind;
  slot.requestPrincipal = request.principal;
  slot.authnFailure = request.authn_failure;
  slot.namedOrgId = named ? texts.shared(named.id) : null;
  slot.namedOrgSource = named ? named.source : 'field';
  slot.requestAction = texts.shared(request.action);
  slot.requestResource.copy(request.resource, texts);
  slot.context = hasKeys(request.context) ? request.context : NO_CONTEXT;
}

/** The record `slot` was filled from, rebuilt (only when the explorer lists it). */
export function recordOf(slot: DecisionSlot): DecisionRecord {
  const record: DecisionRecord = {
    kind: slot.kind,
    decision: {
      decision_id: slot.decisionId.rebuilt(),
      allow: slot.allow,
      reason: slot.reason,
      detail: slot.detail,
      status: slot.status,
      effective_org: slot.effectiveOrg,
      principal:
        slot.principalId === null ? null : { id: slot.principalId, kind: slot.principalKind },
      role: slot.role,
      spoof: slot.spoof,
      policy_revision: slot.policyRevision,
      multi_tenant: slot.multiTenant,
    },
    requested_org: { id: slot.orgId, source: slot.orgSource },
    action: slot.action,
    resource: slot.resource.rebuilt(),
    spoof_source: slot.spoofSource,
    time: new Date(slot.timeMs),
    latency_s: slot.latencyS,
  };
  if (slot.hasDirectoryRevision) record.directory_revision = slot.directoryRevision;
  if (slot.hasRequest)
    record.request = {
      kind: slot.requestKind,
      principal: slot.requestPrincipal,
      authn_failure: slot.authnFailure,
      named_org:
        slot.namedOrgId === null ? null : { id: slot.namedOrgId, source: slot.namedOrgSource },
      action: slot.requestAction,
      resource: slot.requestResource.rebuilt(),
      context: slot.context,
    };
  if (slot.explain !== undefined) record.explain = slot.explain;
  if (slot.error !== undefined) record.error = slot.error;
  return record;
}

function hasKeys(value: object): boolean {
  for (const key in value) if (Object.hasOwn(value, key)) return true;
  return false;
}
