package orgwarden.authz_test

# An API token bound to acme and globex with every scope; the request names no org, so the core
# reports the first org of the binding.
two_org_token := {
	"principal": {"id": "tok_2", "kind": "api_token", "scopes": ["*"], "bound_orgs": ["acme", "globex"], "auth_time": null},
	"requested_org": {"id": "acme", "source": "token"},
}

naming(org) := {"requested_org": {"id": org, "source": "header"}}

resolution_cases := [
	{
		"name": "a token bound to two orgs lists its orgs without naming one",
		"input": merge(two_org_token, {"action": "orgs.list"}),
		"want": {"reason": "allowed", "effective_org": "acme", "role": null, "spoof": false},
	},
	{
		"name": "a token bound to two orgs naming none cannot read",
		"input": two_org_token,
		"want": {"reason": "invalid_org", "detail": "org_required", "status": 400, "effective_org": null, "role": null, "spoof": false},
	},
	{
		"name": "a token bound to two orgs naming none cannot read an org",
		"input": merge(two_org_token, {"action": "org.read"}),
		"want": {"reason": "invalid_org", "detail": "org_required", "spoof": false},
	},
	{
		"name": "a token bound to two orgs creating an org is session_required",
		"input": merge(two_org_token, {"action": "orgs.create"}),
		"want": {"reason": "session_required", "spoof": false},
	},
	{
		"name": "a token bound to two orgs naming one of them",
		"input": merge(two_org_token, naming("globex")),
		"want": {"reason": "allowed", "effective_org": "globex"},
	},
	{
		"name": "a token bound to two orgs naming a third is a spoof attempt",
		"input": merge(two_org_token, naming("beta")),
		"want": {"reason": "access_denied", "detail": "token_org_mismatch", "spoof": true},
	},
	{
		"name": "a token bound to two orgs, the default org reported, lists nothing and spoofs nothing",
		"input": merge(two_org_token, {"action": "orgs.list", "requested_org": {"id": "default", "source": "default"}}),
		"want": {"reason": "access_denied", "detail": "token_org_mismatch", "spoof": false},
	},
	{
		"name": "a token bound to the default org and another must name one too",
		"input": merge(two_org_token, {"principal": {"bound_orgs": ["default", "acme"]}, "requested_org": {"id": "default"}}),
		"want": {"reason": "invalid_org", "detail": "org_required"},
	},
	{
		"name": "a binding that repeats one org is one org",
		"input": merge(two_org_token, {"principal": {"bound_orgs": ["acme", "acme"]}}),
		"want": {"reason": "allowed", "effective_org": "acme"},
	},
	{
		"name": "single-tenant: org_required comes before the tenancy gate",
		"input": merge(two_org_token, {"tenancy": {"multi_tenant": false}}),
		"want": {"reason": "invalid_org", "detail": "org_required"},
	},
	{
		"name": "single-tenant: listing orgs is feature_disabled",
		"input": merge(two_org_token, {"tenancy": {"multi_tenant": false}, "action": "orgs.list"}),
		"want": {"reason": "feature_disabled", "detail": "org_not_default"},
	},
	{
		"name": "an unknown action comes before org_required",
		"input": merge(two_org_token, {"action": "org.nuke"}),
		"want": {"reason": "unknown_action"},
	},
	{
		"name": "a session naming no org acts in the default org",
		"input": merge(on_default, {"action": "orgs.list"}),
		"want": {"reason": "allowed", "effective_org": "default", "spoof": false},
	},
]

test_org_resolution[c.name] if {
	some c in resolution_cases
	check(c)
}
