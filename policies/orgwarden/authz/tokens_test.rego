package orgwarden.authz_test

tokens_cases := [
	{
		"name": "token without the action's scope",
		"input": merge(token, {"principal": {"scopes": []}}),
		"want": {"reason": "missing_scope", "detail": "monitoring:read", "status": 403, "effective_org": "acme", "role": null, "spoof": false},
	},
	{
		"name": "token with another scope only",
		"input": merge(token, {"action": "ai.execute", "principal": {"scopes": ["ai:chat", "monitoring:write"]}}),
		"want": {"reason": "missing_scope", "detail": "ai:execute"},
	},
	{
		"name": "token with scopes that are not a list",
		"input": merge(token, {"principal": {"scopes": "*"}}),
		"want": {"reason": "missing_scope", "detail": "monitoring:read"},
	},
	{
		"name": "token with the exact scope",
		"input": merge(token, {"action": "resource.write", "principal": {"scopes": ["monitoring:write"]}}),
		"want": {"reason": "allowed", "role": null, "effective_org": "acme"},
	},
	{
		"name": "token with every scope",
		"input": merge(token, {"action": "org.members.list"}),
		"want": {"reason": "allowed"},
	},
	{
		"name": "token on a session-only action",
		"input": merge(token, {"action": "org.update"}),
		"want": {"reason": "session_required", "detail": null, "status": 403, "effective_org": "acme", "role": null, "spoof": false},
	},
	{
		"name": "token on an invitation action",
		"input": merge(token, {"action": "org.invitations.list"}),
		"want": {"reason": "session_required"},
	},
	{
		"name": "session_required comes before missing_scope",
		"input": merge(token, {"action": "orgs.create", "principal": {"scopes": []}}),
		"want": {"reason": "session_required"},
	},
	{
		"name": "sessions carry no scopes and need none",
		"input": {"action": "ai.execute", "principal": {"scopes": []}},
		"want": {"reason": "allowed", "role": "admin"},
	},
]

test_tokens[c.name] if {
	some c in tokens_cases
	check(c)
}
