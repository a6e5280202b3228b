package orgwarden.authz_test

roles_cases := [
	{
		"name": "viewer writes",
		"input": {"action": "resource.write", "directory": {"member_role": "viewer"}},
		"want": {"reason": "insufficient_role", "detail": "editor", "status": 403, "effective_org": "acme", "role": "viewer", "spoof": false},
	},
	{
		"name": "editor updates the org",
		"input": {"action": "org.update", "directory": {"member_role": "editor"}},
		"want": {"reason": "insufficient_role", "detail": "admin", "role": "editor"},
	},
	{
		"name": "admin deletes the org",
		"input": {"action": "org.delete"},
		"want": {"reason": "insufficient_role", "detail": "owner", "role": "admin"},
	},
	{
		"name": "admin reads billing",
		"input": {"action": "org.billing.read"},
		"want": {"reason": "insufficient_role", "detail": "owner"},
	},
	{
		"name": "editor writes",
		"input": {"action": "resource.write", "directory": {"member_role": "editor"}},
		"want": {"reason": "allowed", "role": "editor"},
	},
	{
		"name": "any member may list orgs",
		"input": {"action": "orgs.list", "directory": {"member_role": "viewer"}},
		"want": {"reason": "allowed", "role": "viewer"},
	},
	{
		"name": "tokens have no role to check",
		"input": merge(token, {"action": "ai.execute", "directory": {"member_role": "viewer"}}),
		"want": {"reason": "allowed", "role": null},
	},
]

test_roles[c.name] if {
	some c in roles_cases
	check(c)
}
