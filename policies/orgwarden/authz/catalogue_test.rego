package orgwarden.authz_test

import data.orgwarden.authz
import data.orgwarden.catalogue

# Every action, for four callers: a viewer and the owner of acme (multi-tenant), an API token bound
# to acme with every scope, and a viewer of the default org with multi-tenant off. The owner's
# role changes and removals target an editor, so they are plain member management.
catalogue_matrix := [
	{"action": "orgs.list", "viewer": "allowed", "owner": "allowed", "token": "allowed", "single": "feature_disabled"},
	{"action": "orgs.create", "viewer": "allowed", "owner": "allowed", "token": "session_required", "single": "feature_disabled"},
	{"action": "org.read", "viewer": "allowed", "owner": "allowed", "token": "allowed", "single": "feature_disabled"},
	{"action": "org.members.list", "viewer": "allowed", "owner": "allowed", "token": "allowed", "single": "feature_disabled"},
	{"action": "org.shares.list", "viewer": "allowed", "owner": "allowed", "token": "allowed", "single": "feature_disabled"},
	{"action": "org.shares.incoming.list", "viewer": "allowed", "owner": "allowed", "token": "allowed", "single": "feature_disabled"},
	{"action": "org.update", "viewer": "insufficient_role", "owner": "allowed", "token": "session_required", "single": "feature_disabled"},
	{"action": "org.members.invite", "viewer": "insufficient_role", "owner": "allowed", "token": "session_required", "single": "feature_disabled"},
	{"action": "org.members.update_role", "viewer": "insufficient_role", "owner": "allowed", "token": "session_required", "single": "feature_disabled"},
	{"action": "org.members.remove", "viewer": "insufficient_role", "owner": "allowed", "token": "session_required", "single": "feature_disabled"},
	{"action": "org.invitations.revoke", "viewer": "insufficient_role", "owner": "allowed", "token": "session_required", "single": "feature_disabled"},
	{"action": "org.invitations.list", "viewer": "insufficient_role", "owner": "allowed", "token": "session_required", "single": "feature_disabled"},
	{"action": "org.shares.create", "viewer": "insufficient_role", "owner": "allowed", "token": "session_required", "single": "feature_disabled"},
	{"action": "org.shares.delete", "viewer": "insufficient_role", "owner": "allowed", "token": "session_required", "single": "feature_disabled"},
	{"action": "org.shares.incoming.accept", "viewer": "insufficient_role", "owner": "allowed", "token": "session_required", "single": "feature_disabled"},
	{"action": "org.shares.incoming.decline", "viewer": "insufficient_role", "owner": "allowed", "token": "session_required", "single": "feature_disabled"},
	{"action": "org.delete", "viewer": "insufficient_role", "owner": "allowed", "token": "session_required", "single": "feature_disabled"},
	{"action": "org.ownership.transfer", "viewer": "owner_required", "owner": "allowed", "token": "session_required", "single": "feature_disabled"},
	{"action": "org.billing.read", "viewer": "insufficient_role", "owner": "allowed", "token": "session_required", "single": "feature_disabled"},
	{"action": "resource.read", "viewer": "allowed", "owner": "allowed", "token": "allowed", "single": "allowed"},
	{"action": "resource.write", "viewer": "insufficient_role", "owner": "allowed", "token": "allowed", "single": "insufficient_role"},
	{"action": "ai.chat", "viewer": "allowed", "owner": "allowed", "token": "allowed", "single": "allowed"},
	{"action": "ai.execute", "viewer": "insufficient_role", "owner": "allowed", "token": "allowed", "single": "insufficient_role"},
	{"action": "events.receive", "viewer": "allowed", "owner": "allowed", "token": "session_required", "single": "allowed"},
]

matrix_callers := {
	"viewer": {"directory": {"member_role": "viewer"}},
	"owner": {
		"directory": {"member_role": "owner", "target_role": "editor"},
		"context": {"target_user": "bob", "target_role": "admin"},
	},
	"token": token,
	"single": merge(single_tenant, {"directory": {"member_role": "viewer"}}),
}

matrix_cases := [c |
	some row in catalogue_matrix
	some caller, patch in matrix_callers
	c := {
		"name": sprintf("%s as %s", [row.action, caller]),
		"input": merge(patch, {"action": row.action}),
		"want": {"reason": row[caller]},
	}
]

test_catalogue_matrix[c.name] if {
	some c in matrix_cases
	check(c)
}

test_matrix_lists_every_catalogue_action if {
	listed := {row.action | some row in catalogue_matrix}
	actions := object.keys(catalogue.actions)
	print("not in the matrix:", actions - listed, "not in the catalogue:", listed - actions)
	listed == actions
	count(listed) == count(catalogue_matrix)
}

unknown_action_cases := [
	{
		"name": "action not in the catalogue",
		"input": {"action": "org.nuke"},
		"want": {"reason": "unknown_action", "detail": null, "status": 403, "effective_org": null, "role": null, "spoof": false},
	},
	{
		"name": "action that is not a string",
		"input": {"action": 42},
		"want": {"reason": "unknown_action", "detail": null},
	},
	{
		"name": "unknown action says nothing about an org that does not exist",
		"input": {"action": "org.nuke", "directory": {"org": {"exists": false, "status": null}}},
		"want": {"reason": "unknown_action"},
	},
	{
		"name": "unknown action comes before the tenancy gate",
		"input": merge(single_tenant, {"action": "ORG.READ", "requested_org": {"id": "acme"}}),
		"want": {"reason": "unknown_action"},
	},
	{
		"name": "unknown action comes before the directory",
		"input": {"action": "resource.delete", "directory": {"available": false}},
		"want": {"reason": "unknown_action"},
	},
]

test_unknown_action[c.name] if {
	some c in unknown_action_cases
	check(c)
}

# A malformed catalogue entry is refused like an unknown action, never read permissively.
malformed_entries := {
	"missing min_role": {"scope": "monitoring:read", "tokens": true, "org_management": false, "default_immutable": false},
	"unknown min_role": {"min_role": "superuser", "scope": "monitoring:read", "tokens": true, "org_management": false, "default_immutable": false},
	"scope not a string": {"min_role": "viewer", "scope": null, "tokens": true, "org_management": false, "default_immutable": false},
	"tokens flag not a boolean": {"min_role": "viewer", "scope": "monitoring:read", "tokens": "yes", "org_management": false, "default_immutable": false},
	"org_management missing": {"min_role": "viewer", "scope": "monitoring:read", "tokens": true, "default_immutable": false},
	"default_immutable missing": {"min_role": "viewer", "scope": "monitoring:read", "tokens": true, "org_management": false},
	"entry not an object": "viewer",
}

test_malformed_catalogue_entry[name] if {
	some name, entry in malformed_entries
	got := authz.decision with input as base_input with data.orgwarden.catalogue as with_entry("resource.read", entry)
	got.reason == "unknown_action"
	got.detail == "invalid_catalogue_entry"
}

# The catalogue with one action's entry replaced. (A `with` on a path inside the catalogue would
# merge the new entry into the old one, so the whole catalogue is replaced.)
with_entry(action, entry) := merge(
	object.remove(catalogue, ["actions"]),
	{"actions": merge(object.remove(catalogue.actions, [action]), {action: entry})},
)

test_catalogue_entries_are_well_formed[name] if {
	some name, entry in catalogue.actions
	authz.valid_entry(entry)
}

# The reasons table is the catalogue's (TypeScript and the docs are checked against it by
# test/contract/vocabulary.test.ts); here: every status is an HTTP status, and the allow and the
# engine's failure keep theirs.
test_reasons_have_http_statuses[reason] if {
	some reason, status in catalogue.reasons
	is_number(status)
	status >= 200
	status < 600
}

test_allowed_is_200_and_policy_error_is_500 if {
	catalogue.reasons.allowed == 200
	catalogue.reasons.policy_error == 500
}

# Detail codes are listed only for reasons of the table.
test_details_belong_to_reasons[reason] if {
	some reason, _ in catalogue.details
	catalogue.reasons[reason]
}

test_role_ranks_are_ordered if {
	ranks := [catalogue.roles[role] | some role in ["viewer", "editor", "admin", "owner"]]
	ranks == sort(ranks)
	count({rank | some rank in ranks}) == 4
	count(catalogue.roles) == 4
}

test_legacy_member_is_viewer if authz.normalize_role("member") == "viewer"

test_unknown_role_has_no_normal_form if not authz.normalize_role("superuser")

test_ownership_freshness_limit if catalogue.ownership_transfer.max_auth_age_s == 300

test_only_maintenance_is_global_by_default if {type | some type, entry in catalogue.events; entry.scope == "global"} == {"maintenance.announced"}

# Without the catalogue data nothing is allowed; the status falls back to 500.
test_missing_catalogue_denies if {
	got := authz.decision with input as base_input with data.orgwarden.catalogue as {}
	got.allow == false
	got.reason == "unknown_action"
	got.status == 500
}
