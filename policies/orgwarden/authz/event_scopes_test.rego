package orgwarden.authz_test

import data.orgwarden.authz
import data.orgwarden.catalogue

# Event scopes as the default catalogue lists them: maintenance.announced is global, ai.response
# is addressed to one recipient, alert is the org's. alice (admin of acme) is on acme.
typed_event(type, org) := merge(event_of(org), {"resource": {"id": type}})

global_event := typed_event("maintenance.announced", null)

addressed_to(user) := merge(typed_event("ai.response", "acme"), {"context": {"event_user": user}})

global_cases := [
	{
		"name": "global: an org-less global event reaches a member of the connection's org",
		"input": global_event,
		"want": {"reason": "allowed", "effective_org": "acme", "role": "admin"},
	},
	{
		"name": "global: it reaches every authenticated user on the default org",
		"input": merge(global_event, on_default),
		"want": {"reason": "allowed", "effective_org": "default", "role": "viewer"},
	},
	{
		"name": "global: not to a connection on an org the recipient is not a member of",
		"input": merge(global_event, {"directory": {"member_role": null}}),
		"want": {"reason": "access_denied", "detail": "not_member"},
	},
	{
		"name": "global: not to a connection on a suspended org",
		"input": merge(global_event, {"directory": {"org": {"exists": true, "status": "pending_deletion"}}}),
		"want": {"reason": "org_suspended"},
	},
	{
		"name": "global: single-tenant, to the default org",
		"input": merge(single_tenant, global_event),
		"want": {"reason": "allowed", "effective_org": "default"},
	},
	{
		"name": "global: an org-scoped type stays org-less",
		"input": typed_event("settings.updated", null),
		"want": {"reason": "cross_org", "detail": "event_org_missing"},
	},
	{
		"name": "global: an uncatalogued type is org-scoped",
		"input": typed_event("maintenance", null),
		"want": {"reason": "cross_org", "detail": "event_org_missing"},
	},
	{
		"name": "global: the type must be an event's",
		"input": merge(global_event, {"resource": {"type": "node"}}),
		"want": {"reason": "cross_org", "detail": "event_org_missing"},
	},
	{
		"name": "global: a global type that names an org is that org's event",
		"input": merge(beta_event, {"resource": {"id": "maintenance.announced"}}),
		"want": {"reason": "cross_org", "detail": null},
	},
]

test_global_events[c.name] if {
	some c in global_cases
	check(c)
}

recipient_cases := [
	{
		"name": "recipient: the addressee on the event's org receives it",
		"input": addressed_to("alice"),
		"want": {"reason": "allowed", "effective_org": "acme", "role": "admin"},
	},
	{
		"name": "recipient: another member of the org does not",
		"input": addressed_to("bob"),
		"want": {"reason": "access_denied", "detail": "not_addressee", "effective_org": "acme", "role": "admin", "spoof": false},
	},
	{
		"name": "recipient: nor a case variant of the addressee",
		"input": addressed_to("Alice"),
		"want": {"reason": "access_denied", "detail": "not_addressee"},
	},
	{
		"name": "recipient: no addressee reaches nobody",
		"input": typed_event("ai.response", "acme"),
		"want": {"reason": "access_denied", "detail": "not_addressee"},
	},
	{
		"name": "recipient: an addressee that is not a string reaches nobody",
		"input": merge(typed_event("ai.response", "acme"), {"context": {"event_user": ["alice"]}}),
		"want": {"reason": "access_denied", "detail": "not_addressee"},
	},
	{
		"name": "recipient: the addressee on another org's connection gets cross_org",
		"input": merge(addressed_to("alice"), {"resource": {"org": "beta"}, "directory": {"resource_org": {"exists": true, "status": "active"}}}),
		"want": {"reason": "cross_org", "detail": null},
	},
	{
		"name": "recipient: an addressed event without an org reaches nobody",
		"input": merge(addressed_to("alice"), {"resource": {"org": null}}),
		"want": {"reason": "cross_org", "detail": "event_org_missing"},
	},
	{
		"name": "recipient: the addressee must still be a member",
		"input": merge(addressed_to("alice"), {"directory": {"member_role": null}}),
		"want": {"reason": "access_denied", "detail": "not_member", "spoof": true},
	},
	{
		"name": "recipient: the addressee's org must be active",
		"input": merge(addressed_to("alice"), {"directory": {"org": {"exists": true, "status": "suspended"}}}),
		"want": {"reason": "org_suspended"},
	},
	{
		"name": "recipient: an API token named as the addressee still receives nothing",
		"input": merge(merge(addressed_to("tok_1"), token), {"kind": "event"}),
		"want": {"reason": "session_required"},
	},
	{
		"name": "recipient: single-tenant, the addressee on the default org",
		"input": merge(merge(single_tenant, addressed_to("alice")), {"resource": {"org": "default"}}),
		"want": {"reason": "allowed", "effective_org": "default"},
	},
	{
		"name": "recipient: asked through a request, the addressee rule holds too",
		"input": merge(addressed_to("bob"), {"kind": "request"}),
		"want": {"reason": "access_denied", "detail": "not_addressee"},
	},
	{
		"name": "recipient: an addressee on an org-scoped type changes nothing",
		"input": merge(typed_event("alert", "acme"), {"context": {"event_user": "bob"}}),
		"want": {"reason": "allowed"},
	},
	{
		"name": "recipient: the same resource under another action is no event",
		"input": merge(addressed_to("bob"), {"kind": "request", "action": "resource.read"}),
		"want": {"reason": "allowed"},
	},
]

test_recipient_events[c.name] if {
	some c in recipient_cases
	check(c)
}

# Every catalogued type, delivered in its scope: to the addressee (when it has one) on the event's
# org; never on another org; without an org only when global.
test_every_catalogued_type_in_scope[type] if {
	some type, _ in catalogue.events
	check({"name": type, "input": merge(addressed_to("alice"), {"resource": {"id": type}}), "want": {"reason": "allowed"}})
	check({"name": type, "input": merge(beta_event, {"resource": {"id": type}}), "want": {"reason": "cross_org"}})
	org_less := decide({"input": typed_event(type, null)})
	is_global := catalogue.events[type].scope == "global"
	org_less.allow == is_global
}

test_catalogue_event_entries_are_well_formed[type] if {
	some type, entry in catalogue.events
	authz.valid_event_entry(entry)
	is_string(entry.description)
	count(entry.description) > 0
}

test_catalogue_lists_each_scope if {
	{entry.scope | some entry in catalogue.events} == authz.event_scopes
}

# The catalogue with its events replaced (a `with` on data.orgwarden.catalogue.events would merge
# an entry into the one it replaces, so the whole catalogue is replaced).
with_events(events) := object.union(object.remove(catalogue, ["events"]), {"events": events})

# A listed type with a malformed entry reaches nobody, before anything about orgs.
malformed_event_entries := {
	"unknown scope": {"scope": "everyone", "channels": ["push"]},
	"no scope": {"channels": ["push"]},
	"channels empty": {"scope": "global", "channels": []},
	"channels not a list": {"scope": "global", "channels": "push"},
	"unknown channel": {"scope": "global", "channels": ["push", "email"]},
	"entry not an object": "global",
}

test_malformed_event_entry[name] if {
	some name, entry in malformed_event_entries
	events := {"maintenance.announced": entry}
	some org in [null, "acme"]
	got := decide({"input": typed_event("maintenance.announced", org)}) with data.orgwarden.catalogue as with_events(events)
	got.reason == "unknown_action"
	got.detail == "invalid_catalogue_entry"
	got.effective_org == null
}

test_malformed_event_entry_of_a_request_resource_is_no_event if {
	events := {"maintenance.announced": "global"}
	got := decide({"input": merge(typed_event("maintenance.announced", "acme"), {"kind": "request", "action": "resource.read"})}) with data.orgwarden.catalogue as with_events(events)
	got.reason == "allowed"
}

# Without an event catalogue every type is org-scoped: a global type no longer reaches anyone
# without an org, and an addressed type reaches the whole org.
test_no_event_catalogue_means_org_scope if {
	got := decide({"input": global_event}) with data.orgwarden.catalogue as with_events("none")
	got.reason == "cross_org"
	got.detail == "event_org_missing"
	addressed := decide({"input": addressed_to("bob")}) with data.orgwarden.catalogue as with_events("none")
	addressed.reason == "allowed"
}
