package orgwarden.authz_test

import data.orgwarden.authz

explain(c) := steps if {
	steps := authz.explain with input as case_input(c)
}

step(steps, check) := s if {
	some s in steps
	s.check == check
}

false_steps(steps) := [s | some s in steps; s.passed == false]

# Over every case of the pack: the twelve checks in order, and the shape on allow and deny.
test_explain_lists_the_twelve_checks_in_order[c.name] if {
	some c in all_cases
	[s.check | some s in explain(c)] == authz.explain_checks
}

test_explain_agrees_with_the_decision[c.name] if {
	some c in all_cases
	agrees(decide(c), explain(c))
}

agrees(d, steps) if {
	d.allow == true
	false_steps(steps) == []
}

# Exactly one false step, with the decision's reason and detail; every step after it is skipped
# and reports no facts.
agrees(d, steps) if {
	d.allow == false
	[deciding] := false_steps(steps)
	deciding.reason == d.reason
	deciding.detail == d.detail
	some i, s in steps
	s.passed == false
	every later in array.slice(steps, i + 1, count(steps)) {
		later.passed == "skipped"
		later.facts == {}
	}
}

# Examples a reviewer reads: the facts each check used.
test_explain_an_allow_reports_the_role_found if {
	steps := explain({"name": "allow", "input": {}})
	step(steps, "binding_membership").passed == true
	step(steps, "binding_membership").facts.member_role == "admin"
	step(steps, "role").facts == {"member_role": "admin", "required_role": "viewer"}
	step(steps, "scope").passed == "skipped"
	step(steps, "authenticate").facts.auth_age_s == 60
}

test_explain_a_spoof_names_the_binding_and_the_bound_orgs if {
	steps := explain({"name": "spoof", "input": object.union(token, {"requested_org": {"id": "globex", "source": "header"}})})
	s := step(steps, "binding_membership")
	s.passed == false
	s.reason == "access_denied"
	s.detail == "token_org_mismatch"
	s.facts.bound_orgs == ["acme"]
	step(steps, "scope").passed == "skipped"
	step(steps, "role").passed == "skipped"
}

test_explain_a_share_names_the_share_and_its_role if {
	steps := explain({"name": "share", "input": {
		"resource": {"type": "doc", "id": "d1", "org": "globex"},
		"directory": {
			"resource_org": {"exists": true, "status": "active"},
			"resource_shares": [{"id": "sh_1", "target_org": "acme", "access_role": "editor", "state": "accepted"}],
		},
	}})
	s := step(steps, "resource_shares")
	s.passed == true
	s.facts == {"resource_org": "globex", "share_id": "sh_1", "share_role": "editor", "event_scope": null}
}

test_explain_an_unknown_org_is_the_org_exists_check if {
	steps := explain({"name": "unknown", "input": {"directory": {"org": {"exists": false}}}})
	step(steps, "org_exists").passed == false
	step(steps, "org_exists").detail == "unknown_org"
	step(steps, "org_valid").passed == true
}

test_explain_org_required_leaves_the_gate_unasked if {
	steps := explain({"name": "multi-bound", "input": object.union(token, {
		"principal": {"bound_orgs": ["acme", "globex"]},
		"tenancy": {"multi_tenant": false},
		"requested_org": {"id": "acme", "source": "token"},
	})})
	step(steps, "tenancy_gate").passed == "skipped"
	step(steps, "org_valid").passed == false
	step(steps, "org_valid").detail == "org_required"
}

test_explain_a_non_addressee_is_the_resource_check if {
	steps := explain({"name": "addressee", "input": {
		"action": "events.receive",
		"kind": "event",
		"resource": {"type": "event", "id": "ai.response", "org": "acme"},
		"context": {"event_user": "bob"},
	}})
	step(steps, "resource_shares").passed == false
	step(steps, "resource_shares").detail == "not_addressee"
}

test_explain_the_no_outcome_default_marks_no_check if {
	steps := authz.explain with input as base_input
		with authz.deny as never
		with authz.deny_spoof as never_status
		with authz.deny_in_org as never
		with authz.status_of as never_status
	false_steps(steps) == []
	count(steps) == 12
}

test_explain_a_malformed_input_still_explains if {
	steps := authz.explain with input as {"action": 7}
	count(steps) == 12
	[s] := false_steps(steps)
	s.check == "authenticate"
}

# An ownership transfer: the action specifics weigh the session's age and the target's membership.
test_explain_an_ownership_transfer_passes_the_action_specifics if {
	steps := explain({"name": "transfer", "input": transfer_to("editor")})
	false_steps(steps) == []
	step(steps, "action_specifics").passed == true
}

test_explain_a_stale_ownership_transfer_is_the_action_specifics_check if {
	stale := merge(transfer_to("editor"), {"principal": {"auth_time": now - 3600}})
	s := step(explain({"name": "stale transfer", "input": stale}), "action_specifics")
	s.passed == false
	s.reason == "fresh_session_required"
}

test_explain_a_transfer_to_a_non_member_is_the_action_specifics_check if {
	s := step(explain({"name": "transfer to a stranger", "input": transfer_to(null)}), "action_specifics")
	s.passed == false
	s.reason == "owner_transfer_requires_member"
}
