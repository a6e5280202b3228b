package orgwarden.authz_test

orgs_cases := [
	{
		"name": "malformed org id",
		"input": {"requested_org": {"id": "acme corp"}},
		"want": {"reason": "invalid_org", "detail": "malformed_org_id", "status": 400, "effective_org": null, "role": null, "spoof": false},
	},
	{
		"name": "org id of 65 characters",
		"input": {"requested_org": {"id": concat("", [repeat_32, repeat_32, "a"])}},
		"want": {"reason": "invalid_org", "detail": "malformed_org_id"},
	},
	{
		"name": "org id of 64 characters with dots, dashes and underscores",
		"input": {"requested_org": {"id": concat("", [repeat_32, "a.b-c_d", substring(repeat_32, 0, 25)])}},
		"want": {"reason": "allowed"},
	},
	{
		"name": "empty org id",
		"input": {"requested_org": {"id": ""}},
		"want": {"reason": "invalid_org", "detail": "malformed_org_id"},
	},
	{
		"name": "org id that is not a string",
		"input": {"requested_org": {"id": 7}},
		"want": {"reason": "invalid_org", "detail": "malformed_org_id"},
	},
	{
		"name": "malformed id is refused before asking the directory",
		"input": {"requested_org": {"id": "../etc"}, "directory": {"available": false}},
		"want": {"reason": "invalid_org", "detail": "malformed_org_id"},
	},
	{
		"name": "a case variant of the default org: Default",
		"input": {"requested_org": {"id": "Default"}},
		"want": {"reason": "invalid_org", "detail": "malformed_org_id", "status": 400, "effective_org": null, "spoof": false},
	},
	{
		"name": "a case variant of the default org: DEFAULT",
		"input": {"requested_org": {"id": "DEFAULT"}},
		"want": {"reason": "invalid_org", "detail": "malformed_org_id"},
	},
	{
		"name": "a case variant of the default org: dEfAuLt",
		"input": {"requested_org": {"id": "dEfAuLt"}},
		"want": {"reason": "invalid_org", "detail": "malformed_org_id"},
	},
	{
		"name": "a case variant of a configured default org",
		"input": {"tenancy": {"default_org": "main"}, "requested_org": {"id": "MAIN"}},
		"want": {"reason": "invalid_org", "detail": "malformed_org_id"},
	},
	{
		"name": "Default is an ordinary org id when the default org is another",
		"input": {"tenancy": {"default_org": "main"}, "requested_org": {"id": "Default"}},
		"want": {"reason": "allowed", "effective_org": "Default"},
	},
	{
		"name": "a look-alike is refused before asking the directory",
		"input": {"requested_org": {"id": "Default"}, "directory": {"available": false}},
		"want": {"reason": "invalid_org", "detail": "malformed_org_id"},
	},
	{
		"name": "the org id .",
		"input": {"requested_org": {"id": "."}},
		"want": {"reason": "invalid_org", "detail": "malformed_org_id"},
	},
	{
		"name": "the org id ..",
		"input": {"requested_org": {"id": ".."}},
		"want": {"reason": "invalid_org", "detail": "malformed_org_id"},
	},
	{
		"name": "an org id of dots only",
		"input": {"requested_org": {"id": "......"}},
		"want": {"reason": "invalid_org", "detail": "malformed_org_id"},
	},
	{
		"name": "an org id starting with a dot",
		"input": {"requested_org": {"id": ".acme"}},
		"want": {"reason": "allowed", "effective_org": ".acme"},
	},
	{
		"name": "the org id __proto__",
		"input": {"requested_org": {"id": "__proto__"}},
		"want": {"reason": "invalid_org", "detail": "malformed_org_id"},
	},
	{
		"name": "the org id constructor",
		"input": {"requested_org": {"id": "constructor"}},
		"want": {"reason": "invalid_org", "detail": "malformed_org_id"},
	},
	{
		"name": "the org id prototype",
		"input": {"requested_org": {"id": "prototype"}},
		"want": {"reason": "invalid_org", "detail": "malformed_org_id"},
	},
	{
		"name": "a reserved name as the configured default org falls back to default",
		"input": merge(on_default, {"tenancy": {"default_org": "__proto__"}}),
		"want": {"reason": "allowed", "effective_org": "default", "role": "viewer"},
	},
	{
		"name": "single-tenant: a case variant of the default org is not the default org",
		"input": merge(single_tenant, {"requested_org": {"id": "Default"}}),
		"want": {"reason": "feature_disabled", "detail": "org_not_default"},
	},
	{
		"name": "directory unavailable",
		"input": {"directory": {"available": false}},
		"want": {"reason": "directory_unavailable", "detail": null, "status": 503, "effective_org": null, "role": null, "spoof": false},
	},
	{
		"name": "directory unavailable for the default org too",
		"input": merge(on_default, {"directory": {"available": false}}),
		"want": {"reason": "directory_unavailable"},
	},
	{
		"name": "single-tenant: directory unavailable for the default org",
		"input": merge(single_tenant, {"directory": {"available": false}}),
		"want": {"reason": "directory_unavailable"},
	},
	{
		"name": "directory unavailable comes before unknown org",
		"input": {"directory": {"available": false, "org": {"exists": false}}},
		"want": {"reason": "directory_unavailable"},
	},
	{
		"name": "unknown org",
		"input": {"requested_org": {"id": "ghost"}, "directory": {"org": {"exists": false, "status": null}, "member_role": null}},
		"want": {"reason": "invalid_org", "detail": "unknown_org", "status": 400},
	},
	{
		"name": "unknown org comes before token binding",
		"input": merge(token, {"requested_org": {"id": "ghost"}, "directory": {"org": {"exists": false}}}),
		"want": {"reason": "invalid_org", "detail": "unknown_org"},
	},
	{
		"name": "directory without an org record",
		"input": {},
		"remove": ["directory/org"],
		"want": {"reason": "invalid_org", "detail": "unknown_org"},
	},
	{
		"name": "the default org exists whatever the directory says",
		"input": merge(on_default, {"directory": {"org": {"exists": false, "status": null}}}),
		"want": {"reason": "allowed", "effective_org": "default", "role": "viewer"},
	},
	{
		"name": "suspended org",
		"input": {"directory": {"org": {"status": "suspended"}}},
		"want": {"reason": "org_suspended", "detail": "suspended", "status": 403, "effective_org": null, "role": null, "spoof": false},
	},
	{
		"name": "org pending deletion",
		"input": {"directory": {"org": {"status": "pending_deletion"}}},
		"want": {"reason": "org_suspended", "detail": "pending_deletion"},
	},
	{
		"name": "org without a status",
		"input": {"directory": {"org": {"status": null}}},
		"want": {"reason": "org_suspended", "detail": "unknown_status"},
	},
	{
		"name": "org status comes before membership",
		"input": {"directory": {"org": {"status": "suspended"}, "member_role": null}},
		"want": {"reason": "org_suspended", "detail": "suspended"},
	},
	{
		"name": "the default org is active whatever the directory says",
		"input": merge(on_default, {"directory": {"org": {"status": "suspended"}}}),
		"want": {"reason": "allowed"},
	},
]

repeat_32 := "abcdefghijklmnopqrstuvwxyz012345"

test_orgs[c.name] if {
	some c in orgs_cases
	check(c)
}
