# Events: who receives a realtime or push event (action events.receive; kind "event" from the
# event filter). The recipient is the principal, the org their connection is on is the requested
# org, and the event is the resource {type: "event", id: <event type>, org: <the event's org>}.
#
# The event catalogue (data.orgwarden.catalogue.events) gives each event type a scope:
# - org: delivered to members of the event's org on a connection of that org. An event of another
#   org is never delivered: shares do not apply to events (shares.rego), so the resource check
#   answers cross_org. An event that names no org reaches nobody (cross_org, event_org_missing).
# - global: may name no org; then it reaches the members of the org each recipient's connection is
#   on (membership, status and role still apply). A global type that names an org is that org's.
# - recipient: addressed to one user (context.event_user, set by the event filter); everything of
#   the org scope applies, and then only that user receives it (access_denied, not_addressee).
# A type the catalogue does not list is org-scoped (the event filter refuses such types before the
# policy unless the config lets them through); one it lists with a malformed entry reaches nobody.
#
# events.receive without a resource asks whether the session may receive its org's events at all
# (a connection-time check): membership and role alone.
package orgwarden.authz

event_action := "events.receive"

receiving_event if action == event_action

receiving_event if input.kind == "event"

event_scopes := {"org", "global", "recipient"}

event_channels := {"websocket", "sse", "push"}

default event_catalogue := {}

event_catalogue := catalogue.events if is_object(catalogue.events)

# The catalogue entry of the event this decision is about; undefined for a resource that is not an
# event, a type the catalogue does not list, or a malformed entry.
event_entry := entry if {
	input.resource.type == "event"
	is_string(input.resource.id)
	entry := event_catalogue[input.resource.id]
	valid_event_entry(entry)
}

# The same shape src/contract/event-catalogue.ts reads: a known scope, a non-empty list of known
# channels (and a description, which only people read).
valid_event_entry(entry) if {
	is_object(entry)
	entry.scope in event_scopes
	is_array(entry.channels)
	count(entry.channels) > 0
	every channel in entry.channels {
		channel in event_channels
	}
}

# A listed type whose entry is malformed: refused like a malformed action entry (decision.rego,
# unknown_action / invalid_catalogue_entry), so nobody receives it rather than a scope guessed.
malformed_event_entry if {
	input.resource.type == "event"
	receiving_event
	is_string(input.resource.id)
	entry := event_catalogue[input.resource.id]
	not valid_event_entry(entry)
}

default event_scope := "org"

event_scope := event_entry.scope

# The event names no org and its type is not global. Only consulted when the resource org is
# null, i.e. a resource was given without an org.
org_less_event_refused if {
	receiving_event
	resource_given
	event_scope != "global"
}

# Why the resource check failed, when that says nothing about another org.
default cross_org_detail := null

cross_org_detail := "event_org_missing" if {
	resource_org == null
	org_less_event_refused
}

# A recipient-scoped event reaches only the user it is addressed to, compared exactly (ids are
# case-sensitive; a missing or non-string addressee matches nobody).
event_addressee_matches if not recipient_event

else if {
	is_string(context.event_user)
	context.event_user == principal.id
}

recipient_event if {
	event_scope == "recipient"
	receiving_event
}
