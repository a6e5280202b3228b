package orgwarden.authz_test

import data.orgwarden.authz

# Inputs the core should never send. Each one must deny with a defined, well-formed decision.
malformed_cases := [
	{
		"name": "principal missing",
		"input": {},
		"remove": ["principal"],
		"want": {"allow": false, "reason": "unauthenticated", "detail": "principal_invalid"},
	},
	{
		"name": "principal is a string",
		"input": {"principal": "alice"},
		"want": {"allow": false, "reason": "unauthenticated"},
	},
	{
		"name": "principal kind missing",
		"input": {},
		"remove": ["principal/kind"],
		"want": {"allow": false, "reason": "unauthenticated"},
	},
	{
		"name": "authn missing",
		"input": {},
		"remove": ["authn"],
		"want": {"allow": false, "reason": "unauthenticated", "detail": null},
	},
	{
		"name": "action missing",
		"input": {},
		"remove": ["action"],
		"want": {"allow": false, "reason": "unknown_action"},
	},
	{
		"name": "action is null",
		"input": {"action": null},
		"want": {"allow": false, "reason": "unknown_action"},
	},
	{
		"name": "action is a list",
		"input": {"action": ["resource.read"]},
		"want": {"allow": false, "reason": "unknown_action"},
	},
	{
		"name": "requested org missing",
		"input": {},
		"remove": ["requested_org"],
		"want": {"allow": false, "reason": "invalid_org", "detail": "malformed_org_id"},
	},
	{
		"name": "requested org id is a list",
		"input": {"requested_org": {"id": ["acme"]}},
		"want": {"allow": false, "reason": "invalid_org", "detail": "malformed_org_id"},
	},
	{
		"name": "directory missing",
		"input": {},
		"remove": ["directory"],
		"want": {"allow": false, "reason": "directory_unavailable"},
	},
	{
		"name": "directory is a list",
		"input": {"directory": ["acme"]},
		"want": {"allow": false, "reason": "directory_unavailable"},
	},
	{
		"name": "directory availability given as a string",
		"input": {"directory": {"available": "yes"}},
		"want": {"allow": false, "reason": "directory_unavailable"},
	},
	{
		"name": "directory org is a string",
		"input": {"directory": {"org": "acme"}},
		"want": {"allow": false, "reason": "invalid_org", "detail": "unknown_org"},
	},
	{
		"name": "context is a string on a role change of the owner",
		"input": {
			"action": "org.members.update_role",
			"context": "owner",
			"directory": {"member_role": "owner", "target_role": "owner"},
		},
		"want": {"allow": false, "reason": "invalid_role", "detail": "target_role_missing"},
	},
	{
		"name": "context is a string on a removal of the owner",
		"input": {
			"action": "org.members.remove",
			"context": "alice",
			"directory": {"member_role": "owner", "target_role": "owner"},
		},
		"want": {"allow": false, "reason": "target_not_member", "detail": "target_user_missing"},
	},
	{
		"name": "auth_time is a string on a transfer",
		"input": {
			"action": "org.ownership.transfer",
			"principal": {"auth_time": "1700000000"},
			"directory": {"member_role": "owner", "target_role": "editor"},
		},
		"want": {"allow": false, "reason": "fresh_session_required"},
	},
]

test_malformed_input[c.name] if {
	some c in malformed_cases
	check(c)
}

# Whole documents that are not an input at all.
not_inputs := {
	"null": null,
	"a string": "request",
	"a number": 42,
	"a list": [base_input],
	"an empty object": {},
	"only the authn part": {"authn": {"ok": true}},
	"authn and principal only": {"authn": {"ok": true}, "principal": base_input.principal},
	"everything but the directory": object.remove(base_input, ["directory"]),
}

test_not_an_input[name] if {
	some name, doc in not_inputs
	got := authz.decision with input as doc
	got.allow == false
	well_formed(got)
}

test_no_input_at_all if {
	authz.decision.allow == false
	authz.decision.reason == "unauthenticated"
}
