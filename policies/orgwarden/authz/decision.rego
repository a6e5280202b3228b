# The entrypoint: data.orgwarden.authz.decision (opa build -e orgwarden/authz/decision).
#
# The checks run in the contract's order and the first that fails decides. The chain in `outcome`
# is that order, top to bottom: a branch is reached only when every branch above it did not
# apply. Each branch negates a rule that states what passes, so a check that cannot be proven
# (missing input, malformed data) denies with its own reason instead of being skipped. Every value
# in the chain is always defined: an undefined value would make OPA fall through to the next
# branch.
package orgwarden.authz

# Only if the chain itself produced nothing (it cannot): deny, and say so.
default decision := {
	"allow": false,
	"reason": "policy_error",
	"detail": "no_outcome",
	"status": 500,
	"effective_org": null,
	"role": null,
	"spoof": false,
}

decision := outcome

# 1. authenticate; signing keys that cannot be fetched say nothing about the token: retry, not 401
outcome := deny("keys_unavailable", null) if authn_keys_unavailable

else := deny("unauthenticated", authn_detail) if not authenticated

# 2. the action is in the catalogue (before anything about orgs, so an unknown action learns
#    nothing about them)
else := deny("unknown_action", unknown_action_detail) if not action_entry

# ... and an event type the event catalogue lists is listed well formed (events.rego)
else := deny("unknown_action", "invalid_catalogue_entry") if malformed_event_entry

# 3. the org is resolved (a token bound to several orgs names one; before the gate, so the answer
#    does not depend on the order of the binding), then the tenancy gate (single-tenant mode only)
else := deny("invalid_org", "org_required") if not org_resolved

else := deny("feature_disabled", tenancy_detail) if not tenancy_allows

# 4. the org exists: a well-formed id, a directory that answers, a known org
else := deny("invalid_org", "malformed_org_id") if not org_id_acceptable

else := deny("directory_unavailable", null) if not directory_available

else := deny("invalid_org", "unknown_org") if not org_exists

# 5. org status
else := deny("org_suspended", org_status_detail) if not org_active

# 6. token binding and membership: the principal may not act in this org at all
else := deny_spoof("token_org_mismatch") if {
	is_token
	not token_bound
}

else := deny_spoof("not_member") if {
	is_session
	not member_role
}

# From here on the org is proven: denials report it as the effective org.
# 7. scope (API tokens)
else := deny_in_org("session_required", null) if {
	is_token
	not action_allows_tokens
}

else := deny_in_org("missing_scope", action_entry.scope) if {
	is_token
	not token_has_scope
}

# 8. role (sessions); an ownership transfer asks for the owner by name
else := deny_in_org("owner_required", "owner") if {
	is_session
	ownership_transfer
	not role_sufficient
}

else := deny_in_org("insufficient_role", object.get(action_entry, "min_role", null)) if {
	is_session
	not role_sufficient
}

# 9. resource org and shares; an event's scope (events.rego)
else := deny_in_org("cross_org", cross_org_detail) if not resource_accessible

# ... and a recipient-scoped event only to the user it is addressed to (events.rego)
else := deny_in_org("access_denied", "not_addressee") if not event_addressee_matches

# 10. action specifics
else := deny_in_org("default_org_immutable", null) if not default_org_mutable

else := deny_in_org("invalid_role", new_role_problem) if not new_role_valid

else := deny_in_org("fresh_session_required", null) if {
	ownership_transfer
	not session_fresh
}

else := deny_in_org("owner_transfer_requires_member", ownership_target_problem) if {
	ownership_transfer
	not ownership_target_member
}

else := deny_in_org("target_not_member", target_problem) if not target_valid

else := deny_in_org("owner_role_immutable", null) if owner_role_touched

# 11. every check passed
else := {
	"allow": true,
	"reason": "allowed",
	"detail": null,
	"status": status_of("allowed"),
	"effective_org": requested_org,
	"role": output_role,
	"spoof": false,
}

# A denial before the org is proven.
deny(reason, detail) := {
	"allow": false,
	"reason": reason,
	"detail": detail,
	"status": status_of(reason),
	"effective_org": null,
	"role": null,
	"spoof": false,
}

# The principal may not act in the requested org. A spoof attempt only when the client named that
# org: an org the core chose (the token's binding, the default org) is no attempt by anyone.
deny_spoof(detail) := {
	"allow": false,
	"reason": "access_denied",
	"detail": detail,
	"status": status_of("access_denied"),
	"effective_org": null,
	"role": null,
	"spoof": org_named,
}

# A denial once membership or binding is proven.
deny_in_org(reason, detail) := {
	"allow": false,
	"reason": reason,
	"detail": detail,
	"status": status_of(reason),
	"effective_org": requested_org,
	"role": output_role,
	"spoof": false,
}

# HTTP status from the reasons table (data.orgwarden.catalogue.reasons); a reason missing from
# the table answers 500, never an undefined decision.
status_of(reason) := status if {
	status := catalogue.reasons[reason]
	is_number(status)
} else := 500
