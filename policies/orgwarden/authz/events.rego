# Events: who receives a realtime or push event (action events.receive; kind "event" from the
# event filter). The recipient is the principal, the org their connection is on is the requested
# org, and the event is the resource {type: "event", id: <event type>, org: <the event's org>}.
#
# - An event of another org is never delivered: shares do not apply to events (shares.rego), so
#   the resource check answers cross_org.
# - An event that names no org reaches nobody (cross_org, detail event_org_missing) unless its
#   type is listed in the catalogue's global_event_types. A global event then reaches the members
#   of the org each recipient's connection is on: membership, status and role still apply.
# - events.receive without a resource asks whether the session may receive its org's events at
#   all (a connection-time check): membership and role alone.
package orgwarden.authz

event_action := "events.receive"

receiving_event if action == event_action

receiving_event if input.kind == "event"

# The event names no org and its type is not global. Only consulted when the resource org is
# null, i.e. a resource was given without an org.
org_less_event_refused if {
	receiving_event
	resource_given
	not global_event
}

global_event if {
	input.resource.type == "event"
	is_string(input.resource.id)
	input.resource.id in global_event_types
}

default global_event_types := []

global_event_types := catalogue.global_event_types if is_array(catalogue.global_event_types)

# Why the resource check failed, when that says nothing about another org.
default cross_org_detail := null

cross_org_detail := "event_org_missing" if {
	resource_org == null
	org_less_event_refused
}
