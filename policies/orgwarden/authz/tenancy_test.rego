package orgwarden.authz_test

# Multi-tenant off: only the default org, no org management, no resources of other orgs.
tenancy_cases := [
	{
		"name": "single-tenant: the default org works",
		"input": single_tenant,
		"want": {"reason": "allowed", "status": 200, "effective_org": "default", "role": "viewer", "spoof": false},
	},
	{
		"name": "single-tenant: stored role in the default org is used",
		"input": merge(single_tenant, {"action": "resource.write", "directory": {"member_role": "editor"}}),
		"want": {"reason": "allowed", "role": "editor"},
	},
	{
		"name": "single-tenant: an existing non-default org is feature_disabled",
		"input": merge(single_tenant, {"requested_org": {"id": "acme", "source": "header"}}),
		"want": {"reason": "feature_disabled", "detail": "org_not_default", "status": 501, "effective_org": null, "role": null, "spoof": false},
	},
	{
		"name": "single-tenant: a non-existent org answers the same",
		"input": merge(single_tenant, {
			"requested_org": {"id": "ghost", "source": "cookie"},
			"directory": {"org": {"exists": false, "status": null}},
		}),
		"want": {"reason": "feature_disabled", "detail": "org_not_default"},
	},
	{
		"name": "single-tenant: the gate comes before the directory",
		"input": merge(single_tenant, {"requested_org": {"id": "acme"}, "directory": {"available": false}}),
		"want": {"reason": "feature_disabled", "detail": "org_not_default"},
	},
	{
		"name": "single-tenant: a malformed org id is feature_disabled, not invalid_org",
		"input": merge(single_tenant, {"requested_org": {"id": "no such org!"}}),
		"want": {"reason": "feature_disabled", "detail": "org_not_default"},
	},
	{
		"name": "single-tenant: no requested org id at all",
		"input": merge(single_tenant, {"requested_org": null}),
		"want": {"reason": "feature_disabled", "detail": "org_not_default"},
	},
	{
		"name": "single-tenant: org management on the default org",
		"input": merge(single_tenant, {"action": "org.read"}),
		"want": {"reason": "feature_disabled", "detail": "org_management"},
	},
	{
		"name": "single-tenant: listing orgs is org management",
		"input": merge(single_tenant, {"action": "orgs.list"}),
		"want": {"reason": "feature_disabled", "detail": "org_management"},
	},
	{
		"name": "single-tenant: a resource of another org",
		"input": merge(single_tenant, {"resource": {"type": "node", "id": "n1", "org": "acme"}}),
		"want": {"reason": "feature_disabled", "detail": "resource_org_not_default"},
	},
	{
		"name": "single-tenant: a resource that is not an object",
		"input": merge(single_tenant, {"resource": "n1"}),
		"want": {"reason": "feature_disabled", "detail": "resource_org_not_default"},
	},
	{
		"name": "single-tenant: a resource of the default org",
		"input": merge(single_tenant, {"resource": {"type": "node", "id": "n1", "org": "default"}}),
		"want": {"reason": "allowed"},
	},
	{
		"name": "single-tenant: a resource that names no org",
		"input": merge(single_tenant, {"resource": {"type": "node", "id": "n1", "org": null}}),
		"want": {"reason": "allowed"},
	},
	{
		"name": "single-tenant: a token bound to the default org",
		"input": merge(merge(single_tenant, token), {"principal": {"bound_orgs": null}}),
		"want": {"reason": "allowed", "role": null, "effective_org": "default"},
	},
	{
		"name": "single-tenant: a token bound elsewhere never acts in the default org",
		"input": merge(merge(single_tenant, token), {"requested_org": {"source": "header"}}),
		"want": {"reason": "access_denied", "detail": "token_org_mismatch", "spoof": true},
	},
	{
		"name": "single-tenant: a token bound elsewhere, no org named, is no spoof attempt",
		"input": merge(single_tenant, token),
		"want": {"reason": "access_denied", "detail": "token_org_mismatch", "spoof": false},
	},
	{
		"name": "tenancy missing: single-tenant, the narrower mode",
		"input": {},
		"remove": ["tenancy"],
		"want": {"reason": "feature_disabled", "detail": "org_not_default"},
	},
	{
		"name": "multi_tenant given as a string: single-tenant",
		"input": {"tenancy": {"multi_tenant": "true"}},
		"want": {"reason": "feature_disabled", "detail": "org_not_default"},
	},
	{
		"name": "a configured default org name",
		"input": merge(single_tenant, {"tenancy": {"default_org": "main"}, "requested_org": {"id": "main"}}),
		"want": {"reason": "allowed", "effective_org": "main"},
	},
	{
		"name": "with a configured default org, \"default\" is just another org",
		"input": merge(single_tenant, {"tenancy": {"default_org": "main"}}),
		"want": {"reason": "feature_disabled", "detail": "org_not_default"},
	},
	{
		"name": "a malformed default org name falls back to \"default\"",
		"input": merge(single_tenant, {"tenancy": {"default_org": "not valid!"}}),
		"want": {"reason": "allowed", "effective_org": "default"},
	},
	{
		"name": "multi-tenant: org management is open",
		"input": {"action": "org.read"},
		"want": {"reason": "allowed", "effective_org": "acme", "role": "admin"},
	},
]

test_tenancy[c.name] if {
	some c in tenancy_cases
	check(c)
}
