# The second entrypoint: data.orgwarden.authz.explain (opa build -e orgwarden/authz/explain).
#
# Why the decision came out as it did: the contract's twelve checks, in order, each with whether
# it passed and the facts it read. It is built from the decision itself and the same named
# predicates the `outcome` chain in decision.rego uses; nothing here decides anything.
#
# Invariants (a property test in test/security/ holds them over generated inputs):
# - always the twelve checks of `explain_checks`, in that order;
# - on a deny exactly one step is false: the check the decision's reason belongs to
#   (`deciding_check`), carrying the decision's reason and detail; every step after it is skipped;
# - on an allow no step is false;
# - a step before the deciding one is true when its predicates hold, else "skipped" (not
#   applicable, e.g. scope for a session, or not reached: the chain resolves the org before the
#   tenancy gate, so an org_required denial leaves the gate unasked).
# The core evaluates this only for a deny (for the decision log) or when a caller asks.
#
# It reads `outcome`, which `decision` is (decision.rego), not the `decision` rule itself: opa build
# -t wasm refuses a function that depends on another entrypoint's rule.
package orgwarden.authz

explain_checks := [
	"authenticate",
	"action_known",
	"tenancy_gate",
	"org_valid",
	"directory",
	"org_exists",
	"org_status",
	"binding_membership",
	"scope",
	"role",
	"resource_shares",
	"action_specifics",
]

explain := [step |
	some i, check in explain_checks
	step := explain_step(i, check)
]

# The check a denial's reason belongs to. Two reasons are shared by two checks; the detail the
# chain gave tells them apart.
reason_checks := {
	"keys_unavailable": "authenticate",
	"unauthenticated": "authenticate",
	"unknown_action": "action_known",
	"feature_disabled": "tenancy_gate",
	"invalid_org": "org_valid",
	"directory_unavailable": "directory",
	"org_suspended": "org_status",
	"access_denied": "binding_membership",
	"session_required": "scope",
	"missing_scope": "scope",
	"owner_required": "role",
	"insufficient_role": "role",
	"cross_org": "resource_shares",
	"default_org_immutable": "action_specifics",
	"invalid_role": "action_specifics",
	"fresh_session_required": "action_specifics",
	"owner_transfer_requires_member": "action_specifics",
	"target_not_member": "action_specifics",
	"owner_role_immutable": "action_specifics",
}

deciding_check := "org_exists" if {
	outcome.reason == "invalid_org"
	outcome.detail == "unknown_org"
} else := "resource_shares" if {
	outcome.reason == "access_denied"
	outcome.detail == "not_addressee"
} else := reason_checks[outcome.reason] if {
	not outcome.allow
}

# The position of the deciding check; past the last one on an allow, and on the policy's own
# no_outcome default, which names no check (no step is false then: none decided).
default deciding_index := 99

deciding_index := i if {
	some i, check in explain_checks
	check == deciding_check
}

deciding_index := count(explain_checks) if outcome.allow == true

explain_step(i, check) := {
	"check": check,
	"passed": false,
	"reason": outcome.reason,
	"detail": outcome.detail,
	"facts": check_facts(check),
} if {
	i == deciding_index
} else := {
	"check": check,
	"passed": true,
	"facts": check_facts(check),
} if {
	i < deciding_index
	check_applies(check)
	check_passes(check)
} else := {
	"check": check,
	"passed": "skipped",
	"facts": check_facts(check),
} if {
	i < deciding_index
} else := {"check": check, "passed": "skipped", "facts": {}}

# Scope is asked of API tokens only, role of sessions only.
check_applies(check) if not check in {"scope", "role"}

check_applies("scope") if is_token

check_applies("role") if is_session

# What passes, per check: the predicates the chain negates, nothing new.
check_passes("authenticate") if {
	not authn_keys_unavailable
	authenticated
}

check_passes("action_known") if {
	action_entry
	not malformed_event_entry
}

check_passes("tenancy_gate") if tenancy_allows

check_passes("org_valid") if {
	org_resolved
	org_id_acceptable
}

check_passes("directory") if directory_available

check_passes("org_exists") if org_exists

check_passes("org_status") if org_active

check_passes("binding_membership") if token_bound

check_passes("binding_membership") if member_role

check_passes("scope") if {
	action_allows_tokens
	token_has_scope
}

check_passes("role") if role_sufficient

check_passes("resource_shares") if {
	resource_accessible
	event_addressee_matches
}

check_passes("action_specifics") if {
	default_org_mutable
	new_role_valid
	transfer_ready
	target_valid
	not owner_role_touched
}

# The chain's step 10 for an ownership transfer (a fresh session, a member as the new owner);
# nothing to weigh for any other action.
transfer_ready if not ownership_transfer

transfer_ready if {
	session_fresh
	ownership_target_member
}
