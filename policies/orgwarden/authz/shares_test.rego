package orgwarden.authz_test

# A resource of beta, acted on from acme.
beta_resource := {
	"resource": {"type": "node", "id": "n1", "org": "beta"},
	"directory": {"resource_org": {"exists": true, "status": "active"}},
}

share(access_role, state, target_org) := {
	"id": "s1",
	"target_org": target_org,
	"access_role": access_role,
	"state": state,
}

shared(shares) := merge(beta_resource, {"directory": {"resource_shares": shares}})

shares_cases := [
	{
		"name": "resource of another org without a share",
		"input": beta_resource,
		"want": {"reason": "cross_org", "detail": null, "status": 403, "effective_org": "acme", "role": "admin", "spoof": false},
	},
	{
		"name": "accepted viewer share, read",
		"input": shared([share("viewer", "accepted", "acme")]),
		"want": {"reason": "allowed", "effective_org": "acme", "role": "admin"},
	},
	{
		"name": "pending share grants nothing",
		"input": shared([share("viewer", "pending", "acme")]),
		"want": {"reason": "cross_org"},
	},
	{
		"name": "share to another org grants nothing here",
		"input": shared([share("owner", "accepted", "gamma")]),
		"want": {"reason": "cross_org"},
	},
	{
		"name": "viewer share does not grant a write",
		"input": merge(shared([share("viewer", "accepted", "acme")]), {"action": "resource.write"}),
		"want": {"reason": "cross_org"},
	},
	{
		"name": "editor share grants an editor's write",
		"input": merge(shared([share("editor", "accepted", "acme")]), {"action": "resource.write", "directory": {"member_role": "editor"}}),
		"want": {"reason": "allowed", "role": "editor"},
	},
	{
		"name": "one of several shares grants",
		"input": merge(shared([share("viewer", "accepted", "acme"), share("admin", "accepted", "acme")]), {"action": "resource.write"}),
		"want": {"reason": "allowed"},
	},
	{
		"name": "role step before the share: a viewer with an editor share writes",
		"input": merge(shared([share("editor", "accepted", "acme")]), {"action": "resource.write", "directory": {"member_role": "viewer"}}),
		"want": {"reason": "insufficient_role", "detail": "editor"},
	},
	{
		"name": "legacy member access role is a viewer share",
		"input": shared([share("member", "accepted", "acme")]),
		"want": {"reason": "allowed"},
	},
	{
		"name": "unknown access role grants nothing",
		"input": shared([share("superuser", "accepted", "acme")]),
		"want": {"reason": "cross_org"},
	},
	{
		"name": "any-member action through a share needs a viewer share",
		"input": merge(shared([share("viewer", "accepted", "acme")]), {"action": "orgs.list"}),
		"want": {"reason": "allowed"},
	},
	{
		"name": "resource org that no longer exists",
		"input": merge(shared([share("viewer", "accepted", "acme")]), {"directory": {"resource_org": {"exists": false, "status": null}}}),
		"want": {"reason": "cross_org"},
	},
	{
		"name": "suspended resource org",
		"input": merge(shared([share("viewer", "accepted", "acme")]), {"directory": {"resource_org": {"status": "suspended"}}}),
		"want": {"reason": "cross_org"},
	},
	{
		"name": "resource org unknown to the directory slice",
		"input": merge(shared([share("viewer", "accepted", "acme")]), {"directory": {"resource_org": null}}),
		"want": {"reason": "cross_org"},
	},
	{
		"name": "resource of the default org shared to acme",
		"input": merge(shared([share("viewer", "accepted", "acme")]), {"resource": {"org": "default"}, "directory": {"resource_org": null}}),
		"want": {"reason": "allowed"},
	},
	{
		"name": "token through a viewer share reads",
		"input": merge(token, shared([share("viewer", "accepted", "acme")])),
		"want": {"reason": "allowed", "role": null},
	},
	{
		"name": "token through a viewer share does not write",
		"input": merge(merge(token, shared([share("viewer", "accepted", "acme")])), {"action": "resource.write"}),
		"want": {"reason": "cross_org", "role": null, "effective_org": "acme"},
	},
	{
		"name": "a job's resource must be in the job's org, shares aside",
		"input": merge(shared([share("admin", "accepted", "acme")]), {"kind": "job"}),
		"want": {"reason": "cross_org"},
	},
	{
		"name": "resource of the requested org",
		"input": {"resource": {"type": "node", "id": "n1", "org": "acme"}},
		"want": {"reason": "allowed"},
	},
	{
		"name": "resource that names no org belongs to the requested org",
		"input": {"resource": {"type": "node", "id": "n1", "org": null}},
		"want": {"reason": "allowed"},
	},
	{
		"name": "resource that is not an object",
		"input": {"resource": ["n1"]},
		"want": {"reason": "cross_org"},
	},
	{
		"name": "resource whose org is not a string",
		"input": merge(shared([share("viewer", "accepted", "acme")]), {"resource": {"org": 5}}),
		"want": {"reason": "cross_org"},
	},
	{
		"name": "shares that are not a list",
		"input": merge(beta_resource, {"directory": {"resource_shares": {"s1": share("viewer", "accepted", "acme")}}}),
		"want": {"reason": "cross_org"},
	},
	{
		"name": "malformed share entries are ignored",
		"input": shared(["s1", 1, {"state": "accepted"}, {"state": "accepted", "target_org": "acme"}]),
		"want": {"reason": "cross_org"},
	},
]

test_shares[c.name] if {
	some c in shares_cases
	check(c)
}
