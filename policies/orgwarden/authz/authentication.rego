# Step 1: authentication. The core verifies the credential; the policy only refuses to go on
# without a verified, well-formed principal.
package orgwarden.authz

authenticated if {
	input.authn.ok == true
	principal != null
}

# The authentication error code from the core, when there is one.
default authn_detail := null

authn_detail := input.authn.code if {
	not input.authn.ok == true
	is_string(input.authn.code)
}

authn_detail := "principal_invalid" if {
	input.authn.ok == true
	principal == null
}

# The core could not obtain the signing keys (JWKS endpoint down, slow, oversized or garbled, and
# no usable cached key for the token): the token was neither accepted nor refused.
authn_keys_unavailable if {
	not input.authn.ok == true
	input.authn.code == "keys_unavailable"
}
