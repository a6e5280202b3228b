# The facts each check of the explanation (explain.rego) read: small and flat (strings, numbers,
# booleans, null, lists of strings), so an explanation fits in a decision log line. Every value is
# always defined: a fact the input does not hold is null, never a missing step.
package orgwarden.authz

# Each is defined for any input (every value below has a default), so no step falls out of the
# list. Were one ever undefined, its step would come out skipped and the engine's check of the
# explanation (a deny has exactly one false step) would drop it; the decision is never touched.

check_facts("authenticate") := {
	"principal_kind": explained_principal_kind,
	"authn_code": authn_detail,
	"auth_age_s": auth_age_s,
}

check_facts("action_known") := {
	"action": explained_action,
	"min_role": object.get(explained_entry, "min_role", null),
	"scope": object.get(explained_entry, "scope", null),
	"tokens": object.get(explained_entry, "tokens", null),
}

check_facts("tenancy_gate") := {
	"multi_tenant": multi_tenant,
	"default_org": default_org,
	"requested_org": requested_org,
	"resource_org": explained_resource_org,
}

check_facts("org_valid") := {
	"requested_org": requested_org,
	"org_source": explained_org_source,
	"org_named": org_named,
}

check_facts("directory") := {"directory_available": directory_available_fact}

check_facts("org_exists") := {"org_exists": object.get(directory_org, "exists", null)}

check_facts("org_status") := {"org_status": explained_org_status}

check_facts("binding_membership") := {
	"principal_kind": explained_principal_kind,
	"member_role": explained_member_role,
	"bound_orgs": explained_bound_orgs,
}

check_facts("scope") := {
	"tokens": object.get(explained_entry, "tokens", null),
	"required_scope": object.get(explained_entry, "scope", null),
	"scopes": [s | some s in token_scopes; is_string(s)],
}

check_facts("role") := {
	"member_role": explained_member_role,
	"required_role": explained_required_role,
}

check_facts("resource_shares") := {
	"resource_org": explained_resource_org,
	"share_id": object.get(granting_share, "id", null),
	"share_role": explained_share_role,
	"event_scope": explained_event_scope,
}

check_facts("action_specifics") := {
	"ownership_transfer": explained_ownership_transfer,
	"target_role": explained_new_role,
	"target_member_role": explained_target_member_role,
	"auth_age_s": auth_age_s,
}

default explained_principal_kind := null

explained_principal_kind := principal.kind

# Seconds since the session signed in, when both times are numbers.
default auth_age_s := null

auth_age_s := input.now - principal.auth_time if {
	is_number(input.now)
	is_number(principal.auth_time)
}

default explained_action := null

explained_action := input.action if is_string(input.action)

default explained_entry := {}

explained_entry := action_entry

default explained_resource_org := null

explained_resource_org := resource_org if is_string(resource_org)

default explained_org_source := null

explained_org_source := input.requested_org.source if is_string(input.requested_org.source)

default directory_available_fact := false

directory_available_fact if directory_available

default explained_org_status := null

explained_org_status := directory_org.status if is_string(directory_org.status)

default explained_member_role := null

explained_member_role := member_role

# Tokens only: a session is bound to no orgs.
default explained_bound_orgs := null

explained_bound_orgs := [o | some o in token_bound_orgs; is_string(o)] if is_token

default explained_required_role := null

explained_required_role := required_role if is_string(required_role)

# The first share (in the directory's order) that grants the action; none when the resource is the
# requested org's own.
default granting_share := {}

granting_share := [share | some share in resource_shares; share_grants(share)][0] if {
	resource_org != requested_org
	shares_apply
	resource_org_active
}

default explained_share_role := null

explained_share_role := granted_role(granting_share)

default explained_event_scope := null

explained_event_scope := event_scope if receiving_event

default explained_ownership_transfer := false

explained_ownership_transfer if ownership_transfer

default explained_new_role := null

explained_new_role := new_role

default explained_target_member_role := null

explained_target_member_role := target_member_role
