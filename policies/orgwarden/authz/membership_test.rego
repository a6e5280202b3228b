package orgwarden.authz_test

membership_cases := [
	{
		"name": "session that is not a member",
		"input": {"directory": {"member_role": null}},
		"want": {"reason": "access_denied", "detail": "not_member", "status": 403, "effective_org": null, "role": null, "spoof": true},
	},
	{
		"name": "session without a member_role field",
		"input": {},
		"remove": ["directory/member_role"],
		"want": {"reason": "access_denied", "detail": "not_member", "spoof": true},
	},
	{
		"name": "unknown stored role is not a membership",
		"input": {"directory": {"member_role": "superuser"}},
		"want": {"reason": "access_denied", "detail": "not_member"},
	},
	{
		"name": "unknown stored role in the default org is not a membership either",
		"input": merge(on_default, {"directory": {"member_role": "superuser"}}),
		"want": {"reason": "access_denied", "detail": "not_member", "spoof": false},
	},
	{
		"name": "not a member comes before the action's role",
		"input": {"action": "org.delete", "directory": {"member_role": null}},
		"want": {"reason": "access_denied", "detail": "not_member"},
	},
	{
		"name": "legacy member is a viewer",
		"input": {"directory": {"member_role": "member"}},
		"want": {"reason": "allowed", "role": "viewer"},
	},
	{
		"name": "legacy member cannot write",
		"input": {"action": "resource.write", "directory": {"member_role": "member"}},
		"want": {"reason": "insufficient_role", "detail": "editor", "role": "viewer"},
	},
	{
		"name": "everyone is a viewer of the default org",
		"input": on_default,
		"want": {"reason": "allowed", "role": "viewer", "effective_org": "default"},
	},
	{
		"name": "stored role in the default org",
		"input": merge(on_default, {"action": "resource.write", "directory": {"member_role": "editor"}}),
		"want": {"reason": "allowed", "role": "editor"},
	},
	{
		"name": "member: effective org and role",
		"input": {"action": "org.members.list"},
		"want": {"reason": "allowed", "effective_org": "acme", "role": "admin", "spoof": false, "detail": null},
	},
	{
		"name": "token used for another org",
		"input": merge(token, {"requested_org": {"id": "beta"}}),
		"want": {"reason": "access_denied", "detail": "token_org_mismatch", "status": 403, "effective_org": null, "role": null, "spoof": true},
	},
	{
		"name": "token mismatch comes before its scope",
		"input": merge(token, {"requested_org": {"id": "beta"}, "principal": {"scopes": []}}),
		"want": {"reason": "access_denied", "detail": "token_org_mismatch"},
	},
	{
		"name": "token without org claims is bound to the default org only",
		"input": merge(token, {"principal": {"bound_orgs": null}}),
		"want": {"reason": "access_denied", "detail": "token_org_mismatch"},
	},
	{
		"name": "token without org claims acts in the default org",
		"input": merge(merge(token, on_default), {"principal": {"bound_orgs": null}}),
		"want": {"reason": "allowed", "effective_org": "default", "role": null},
	},
	{
		"name": "token with an empty binding acts in the default org",
		"input": merge(merge(token, on_default), {"principal": {"bound_orgs": []}}),
		"want": {"reason": "allowed", "effective_org": "default"},
	},
	{
		"name": "token with a binding that is not a list binds nothing",
		"input": merge(token, {"principal": {"bound_orgs": "acme"}}),
		"want": {"reason": "access_denied", "detail": "token_org_mismatch"},
	},
	{
		"name": "token bound to several orgs",
		"input": merge(token, {"principal": {"bound_orgs": ["beta", "acme"]}}),
		"want": {"reason": "allowed", "effective_org": "acme", "role": null},
	},
	{
		"name": "token does not need a membership",
		"input": merge(token, {"directory": {"member_role": null}}),
		"want": {"reason": "allowed", "role": null},
	},
]

test_membership[c.name] if {
	some c in membership_cases
	check(c)
}
