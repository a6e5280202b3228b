package orgwarden.authz_test

# alice (admin of acme, connected to acme) is the recipient of an event; the event is the resource.
event_of(org) := {
	"kind": "event",
	"action": "events.receive",
	"resource": {"type": "event", "id": "alert", "org": org},
}

# An event of beta, delivered to a connection on acme.
beta_event := merge(event_of("beta"), {"directory": {"resource_org": {"exists": true, "status": "active"}}})

# An accepted viewer share of beta's node n1 to acme.
shared_node := {
	"resource": {"type": "node", "id": "n1", "org": "beta"},
	"directory": {
		"resource_org": {"exists": true, "status": "active"},
		"resource_shares": [{"id": "s1", "target_org": "acme", "access_role": "owner", "state": "accepted"}],
	},
}

events_cases := [
	{
		"name": "event: an event of the recipient's org is delivered",
		"input": event_of("acme"),
		"want": {"reason": "allowed", "effective_org": "acme", "role": "admin", "spoof": false},
	},
	{
		"name": "event: a viewer receives",
		"input": merge(event_of("acme"), {"directory": {"member_role": "member"}}),
		"want": {"reason": "allowed", "role": "viewer"},
	},
	{
		"name": "event: an event of another org is cross_org",
		"input": beta_event,
		"want": {"reason": "cross_org", "detail": null, "effective_org": "acme", "spoof": false},
	},
	{
		"name": "event: an accepted share does not carry events",
		"input": merge(shared_node, {"kind": "event", "action": "events.receive"}),
		"want": {"reason": "cross_org", "detail": null},
	},
	{
		"name": "event: receiving through a request ignores shares too",
		"input": merge(shared_node, {"action": "events.receive"}),
		"want": {"reason": "cross_org"},
	},
	{
		"name": "event: the same share still serves a read request",
		"input": shared_node,
		"want": {"reason": "allowed"},
	},
	{
		"name": "event: an event with a null org reaches nobody",
		"input": event_of(null),
		"want": {"reason": "cross_org", "detail": "event_org_missing", "effective_org": "acme"},
	},
	{
		"name": "event: a push payload with no org key at all reaches nobody",
		"input": merge(event_of(null), {"resource": {"id": "discovery.progress"}}),
		"remove": ["resource/org"],
		"want": {"reason": "cross_org", "detail": "event_org_missing"},
	},
	{
		"name": "event: an org-less event under another action is refused all the same",
		"input": merge(event_of(null), {"action": "resource.read"}),
		"want": {"reason": "cross_org", "detail": "event_org_missing"},
	},
	{
		"name": "event: a connection on an org the recipient is not a member of",
		"input": merge(event_of("acme"), {"directory": {"member_role": null}}),
		"want": {"reason": "access_denied", "detail": "not_member", "spoof": true, "effective_org": null},
	},
	{
		"name": "event: a connection on a suspended org",
		"input": merge(event_of("acme"), {"directory": {"org": {"exists": true, "status": "suspended"}}}),
		"want": {"reason": "org_suspended", "detail": "suspended"},
	},
	{
		"name": "event: an API token does not receive events",
		"input": merge(event_of("acme"), token),
		"want": {"reason": "session_required", "role": null},
	},
	{
		"name": "event: connection-time check without an event",
		"input": {"action": "events.receive", "directory": {"member_role": "viewer"}},
		"want": {"reason": "allowed", "role": "viewer"},
	},
	{
		"name": "event: a request resource without an org is still the requested org's",
		"input": {"resource": {"type": "node", "id": "n1"}},
		"want": {"reason": "allowed"},
	},
	{
		"name": "event: single-tenant, a default-org event is delivered",
		"input": merge(single_tenant, event_of("default")),
		"want": {"reason": "allowed", "effective_org": "default", "role": "viewer"},
	},
	{
		"name": "event: single-tenant, an event of another org is feature_disabled",
		"input": merge(single_tenant, event_of("acme")),
		"want": {"reason": "feature_disabled", "detail": "resource_org_not_default", "effective_org": null},
	},
	{
		"name": "event: single-tenant, a connection on another org is feature_disabled",
		"input": merge(merge(single_tenant, event_of("acme")), {"requested_org": {"id": "acme", "source": "field"}}),
		"want": {"reason": "feature_disabled", "detail": "org_not_default"},
	},
	{
		"name": "event: single-tenant, an org-less event reaches nobody",
		"input": merge(single_tenant, event_of(null)),
		"want": {"reason": "cross_org", "detail": "event_org_missing"},
	},
]

test_events[c.name] if {
	some c in events_cases
	check(c)
}
