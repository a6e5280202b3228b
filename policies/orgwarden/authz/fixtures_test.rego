# Shared fixtures for the policy tests: a base input that is allowed, patches that turn it into
# the situation under test, and a runner that reports what differs when a case fails.
#
# A case is {"name", "input": <patch merged into base_input>, "remove": [<json paths>]?,
# "want": <the decision fields that must match>}.
package orgwarden.authz_test

import data.orgwarden.authz

now := 1700000000

# alice, admin of acme, reads a resource of acme in multi-tenant mode: allowed.
base_input := {
	"kind": "request",
	"now": now,
	"tenancy": {"multi_tenant": true, "default_org": "default"},
	"authn": {"ok": true},
	"principal": {
		"id": "alice",
		"kind": "session",
		"scopes": [],
		"bound_orgs": null,
		"auth_time": now - 60,
	},
	"action": "resource.read",
	"requested_org": {"id": "acme", "source": "header"},
	"resource": null,
	"context": {},
	"directory": {
		"available": true,
		"org": {"exists": true, "status": "active"},
		"member_role": "admin",
		"target_role": null,
		"resource_org": null,
		"resource_shares": [],
	},
}

# An API token bound to acme with every scope.
token := {"principal": {
	"id": "tok_1",
	"kind": "api_token",
	"scopes": ["*"],
	"bound_orgs": ["acme"],
	"auth_time": null,
}}

# Multi-tenant off; the request names nothing, so the core resolved the default org.
single_tenant := {
	"tenancy": {"multi_tenant": false, "default_org": "default"},
	"requested_org": {"id": "default", "source": "default"},
	"directory": {"member_role": null},
}

# Multi-tenant on, the default org requested, no stored membership.
on_default := {
	"requested_org": {"id": "default", "source": "default"},
	"directory": {"member_role": null},
}

merge(a, b) := object.union(a, b)

case_input(c) := json.remove(object.union(base_input, c.input), object.get(c, "remove", []))

decide(c) := decision if {
	decision := authz.decision with input as case_input(c)
}

# Passes when every field of c.want matches the decision; prints the differences otherwise.
check(c) if {
	got := decide(c)
	diff := {key: {"want": want, "got": object.get(got, key, "<missing>")} |
		some key, want in c.want
		object.get(got, key, "<missing>") != want
	}
	report(c.name, diff)
	count(diff) == 0
}

report(_, diff) if count(diff) == 0

report(name, diff) if {
	count(diff) > 0
	print(name, "differs:", diff)
}
