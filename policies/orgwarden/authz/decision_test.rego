package orgwarden.authz_test

import data.orgwarden.authz
import data.orgwarden.catalogue

# Every table of cases in the pack.
all_cases := array.concat(
	array.concat(
		array.concat(authentication_cases, unknown_action_cases),
		array.concat(tenancy_cases, orgs_cases),
	),
	array.concat(
		array.concat(membership_cases, tokens_cases),
		array.concat(
			array.concat(roles_cases, shares_cases),
			array.concat(
				array.concat(ownership_cases, members_cases),
				array.concat(resolution_cases, array.concat(malformed_cases, array.concat(events_cases, matrix_cases))),
			),
		),
	),
)

decision_keys := {key | some key in catalogue.decision_keys}

# The decision document the core accepts: exactly these keys and types, the status from the
# reasons table, allow only with "allowed", spoof only with access_denied.
well_formed(d) if {
	is_object(d)
	object.keys(d) == decision_keys
	is_boolean(d.allow)
	d.status == catalogue.reasons[d.reason]
	allowed := d.reason == "allowed"
	d.allow == allowed
	spoof_only_when_denied_access(d)
	nullable_string(d.detail)
	nullable_string(d.effective_org)
	valid_output_role(d.role)
}

spoof_only_when_denied_access(d) if d.spoof == false

spoof_only_when_denied_access(d) if {
	d.spoof == true
	d.reason == "access_denied"
}

nullable_string(x) if x == null

nullable_string(x) if is_string(x)

valid_output_role(role) if role == null

valid_output_role(role) if catalogue.roles[role]

test_decision_is_well_formed[c.name] if {
	some c in all_cases
	well_formed(decide(c))
}

# Every detail is a code the catalogue lists for its reason, or one of the values some reasons
# pass through: the auth error code, the org's status, the scope or role the action needs.
test_detail_is_catalogued[c.name] if {
	some c in all_cases
	detail_catalogued(decide(c), case_input(c))
}

detail_catalogued(d, _) if d.detail == null

detail_catalogued(d, _) if d.detail in object.get(catalogue.details, d.reason, [])

detail_catalogued(d, doc) if {
	d.reason == "unauthenticated"
	d.detail == doc.authn.code
}

detail_catalogued(d, doc) if {
	d.reason == "org_suspended"
	d.detail == doc.directory.org.status
}

detail_catalogued(d, doc) if {
	d.reason == "missing_scope"
	d.detail == catalogue.actions[doc.action].scope
}

detail_catalogued(d, doc) if {
	d.reason == "insufficient_role"
	d.detail == catalogue.actions[doc.action].min_role
}

# The effective org is the requested one once the org is proven, and null before.
test_effective_org_is_the_requested_org_or_null[c.name] if {
	some c in all_cases
	got := decide(c)
	requested := object.get(case_input(c), ["requested_org", "id"], null)
	got.effective_org in {null, requested}
}

# A spoof attempt is a denial of an org the client named: never one the core chose for it.
test_spoof_only_for_a_named_org[c.name] if {
	some c in all_cases
	got := decide(c)
	named := object.get(case_input(c), ["requested_org", "source"], null) in {"field", "header", "cookie", "path"}
	got.spoof == spoof_expected(got.reason, named)
}

spoof_expected(reason, named) := named if reason == "access_denied"

else := false

test_case_names_are_unique if {
	names := [c.name | some c in all_cases]
	count({name | some name in names}) == count(names)
}

# Every reason the policy produces is exercised at least twice (policy_error only comes from the
# engine, or from the fallback tested below).
test_every_reason_is_covered_twice[reason] if {
	# decided by the core, never by this policy: a failed evaluation, a read-your-writes minimum not reached
	some reason in (object.keys(catalogue.reasons) - {"policy_error", "directory_revision_not_reached"})
	hits := [c | some c in all_cases; c.want.reason == reason]
	print(reason, "is expected by", count(hits), "cases")
	count(hits) >= 2
}

test_every_action_is_exercised[action] if {
	some action, _ in catalogue.actions
	some c in all_cases
	case_input(c).action == action
}

test_both_tenancy_modes_are_exercised if {
	modes := {object.get(case_input(c).tenancy, "multi_tenant", null) | some c in all_cases}
	true in modes
	false in modes
}

# If the chain produced nothing at all, the default decision denies as policy_error.
never(_, _) := "unused" if false

never_status(_) := 0 if false

test_no_outcome_is_policy_error if {
	got := authz.decision with input as base_input
		with authz.deny as never
		with authz.deny_spoof as never_status
		with authz.deny_in_org as never
		with authz.status_of as never_status
	got.allow == false
	got.reason == "policy_error"
	got.status == 500
	well_formed(got)
}
