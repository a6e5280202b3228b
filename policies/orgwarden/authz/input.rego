# Guarded views of `input` and of the catalogue data.
#
# The core builds `input` (see docs/policies.md), but the policy does not trust its shape: any
# field may be missing or of the wrong type. Every rule here is either always defined (a default)
# or defined only when the value is well formed, so that the checks in decision.rego, which are
# written as "this passes", fail closed on anything they cannot prove.
package orgwarden.authz

# Org ids as the contract fixes them: ^[A-Za-z0-9._-]{1,64}$. Checked with `trim` (strip every
# allowed character; nothing may remain) instead of `regex.match`: the WASM target compiles the
# regular expression on every evaluation, which cost about 70 µs per check, while trim is cheap.
# trim looks each character up in this list from its start: lower case first, as ids mostly are.
org_id_chars := "abcdefghijklmnopqrstuvwxyz0123456789-._ABCDEFGHIJKLMNOPQRSTUVWXYZ"

catalogue := data.orgwarden.catalogue

# Multi-tenant mode only when the core says so explicitly. Single-tenant mode is the narrower of
# the two (default org only, no org management), so a malformed tenancy falls back to it.
default multi_tenant := false

multi_tenant if input.tenancy.multi_tenant == true

# The default org as configured when it is in the grammar, else "default". Grammar only: the
# look-alike check in `valid_org_id` compares with it, so it cannot depend on `valid_org_id`.
default configured_default_org := "default"

configured_default_org := input.tenancy.default_org if org_id_grammar(input.tenancy.default_org)

default default_org := "default"

# configured_default_org is in the grammar already (or the literal "default"): only the rest of
# valid_org_id is left to check, and it is no look-alike of itself.
default_org := configured_default_org if org_id_allowed(configured_default_org)

# The requested org id, or null when it is not a string (no check accepts null).
default requested_org := null

requested_org := input.requested_org.id if is_string(input.requested_org.id)

# Whether the client named the org (request field, header, cookie or path). Otherwise the core
# chose it (the token's binding, or the default org): a denial then is never a spoof attempt.
default org_named := false

org_named if input.requested_org.source in {"field", "header", "cookie", "path"}

# An acceptable org id: the contract's grammar, minus the ids src/contract/ids.ts `orgIdProblem`
# also refuses — dot-only ids, JavaScript prototype names, and case variants of the default org
# (`Default` beside `default`). The two must agree; a test compares them over generated ids.
valid_org_id(id) if {
	org_id_grammar(id)
	org_id_allowed(id)
}

# Beyond the grammar: not dot-only, not a prototype name, not a case variant of the default org.
org_id_allowed(id) if {
	trim(id, ".") != ""
	not id in reserved_ids
	not default_org_look_alike(id)
}

org_id_grammar(id) if {
	is_string(id)
	count(id) >= 1
	count(id) <= 64
	trim(id, org_id_chars) == ""
}

reserved_ids := {"__proto__", "constructor", "prototype"}

default_org_look_alike(id) if {
	id != configured_default_org
	lower(id) == folded_default_org
}

# Folded once per evaluation, not once per id checked.
folded_default_org := lower(configured_default_org)

default context := {}

context := input.context if is_object(input.context)

default directory := {}

directory := input.directory if is_object(input.directory)

default directory_org := {}

directory_org := directory.org if is_object(directory.org)

default resource_shares := []

resource_shares := directory.resource_shares if is_array(directory.resource_shares)

# The org that owns the resource: null when there is no resource or it names no org (owned by the
# requested org). A resource that is present but not an object owns nothing we can prove: false
# matches no org, so the resource checks deny it.
default resource_org := false

resource_org := null if not resource_given

resource_org := object.get(input.resource, "org", null) if is_object(input.resource)

resource_given if input.resource != null

# The authenticated principal, or null when there is none or it is malformed.
default principal := null

principal := input.principal if {
	is_object(input.principal)
	is_string(input.principal.id)
	count(input.principal.id) > 0
	input.principal.kind in {"session", "api_token"}
}

is_session if principal.kind == "session"

is_token if principal.kind == "api_token"

# The action's catalogue entry, defined only when the action is listed and its entry is well
# formed; a malformed entry is an unknown action, never a permissive one.
action_entry := entry if {
	is_string(input.action)
	entry := catalogue.actions[input.action]
	valid_entry(entry)
}

action := input.action if action_entry

# An action listed with a malformed entry is refused like an unlisted one; the detail tells the
# operator which it was.
default unknown_action_detail := null

unknown_action_detail := "invalid_catalogue_entry" if {
	is_string(input.action)
	_ = catalogue.actions[input.action]
}

valid_entry(entry) if {
	is_object(entry)
	valid_min_role(entry.min_role)
	is_string(entry.scope)
	is_boolean(entry.tokens)
	is_boolean(entry.org_management)
	is_boolean(entry.default_immutable)
}

valid_min_role(role) if role == null

valid_min_role(role) if role_rank(role)
