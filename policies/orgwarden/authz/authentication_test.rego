package orgwarden.authz_test

authentication_cases := [
	{
		"name": "expired token: unauthenticated with the core's code",
		"input": {"authn": {"ok": false, "code": "token_expired"}, "principal": null},
		"want": {"reason": "unauthenticated", "detail": "token_expired", "status": 401, "effective_org": null, "role": null, "spoof": false},
	},
	{
		"name": "missing token",
		"input": {"authn": {"ok": false, "code": "token_missing"}, "principal": null},
		"want": {"reason": "unauthenticated", "detail": "token_missing"},
	},
	{
		"name": "signing keys unavailable: a retryable 503, not unauthenticated",
		"input": {"authn": {"ok": false, "code": "keys_unavailable"}, "principal": null},
		"want": {"reason": "keys_unavailable", "detail": null, "status": 503, "effective_org": null, "role": null, "spoof": false},
	},
	{
		"name": "signing keys unavailable comes before the action and the org",
		"input": {
			"authn": {"ok": false, "code": "keys_unavailable"},
			"action": "no.such.action",
			"requested_org": {"id": "not an org!"},
		},
		"want": {"reason": "keys_unavailable", "detail": null},
	},
	{
		"name": "single-tenant: signing keys unavailable before the tenancy gate",
		"input": merge(single_tenant, {
			"authn": {"ok": false, "code": "keys_unavailable"},
			"requested_org": {"id": "acme"},
		}),
		"want": {"reason": "keys_unavailable", "status": 503},
	},
	{
		"name": "the keys_unavailable code with authn ok is not an outage",
		"input": {"authn": {"ok": true, "code": "keys_unavailable"}},
		"want": {"reason": "allowed"},
	},
	{
		"name": "authn not ok wins over a principal the core also sent",
		"input": {"authn": {"ok": false, "code": "signature_invalid"}},
		"want": {"reason": "unauthenticated", "detail": "signature_invalid"},
	},
	{
		"name": "authn ok without a principal",
		"input": {"principal": null},
		"want": {"reason": "unauthenticated", "detail": "principal_invalid"},
	},
	{
		"name": "principal of an unknown kind",
		"input": {"principal": {"kind": "robot"}},
		"want": {"reason": "unauthenticated", "detail": "principal_invalid"},
	},
	{
		"name": "principal with an empty id",
		"input": {"principal": {"id": ""}},
		"want": {"reason": "unauthenticated", "detail": "principal_invalid"},
	},
	{
		"name": "authn ok given as a string",
		"input": {"authn": {"ok": "true"}},
		"want": {"reason": "unauthenticated", "detail": null},
	},
	{
		"name": "authentication comes before the action and the org",
		"input": {
			"authn": {"ok": false, "code": "token_malformed"},
			"action": "no.such.action",
			"requested_org": {"id": "not an org!"},
		},
		"want": {"reason": "unauthenticated", "detail": "token_malformed"},
	},
	{
		"name": "single-tenant: unauthenticated before the tenancy gate",
		"input": merge(single_tenant, {
			"authn": {"ok": false, "code": "key_not_found"},
			"requested_org": {"id": "acme"},
		}),
		"want": {"reason": "unauthenticated", "detail": "key_not_found"},
	},
]

test_authentication[c.name] if {
	some c in authentication_cases
	check(c)
}
