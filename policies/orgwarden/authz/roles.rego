# Roles: ranks and aliases come from the catalogue data (data.orgwarden.catalogue.roles and
# .role_aliases). An unknown role string has no rank and no normalised form, so every comparison
# that involves it is undefined and the check that needs it denies.
package orgwarden.authz

# The rank of a canonical role (viewer < editor < admin < owner by default).
role_rank(role) := rank if {
	is_string(role)
	rank := catalogue.roles[role]
	is_number(rank)
}

# The canonical spelling of a stored role: an alias (legacy "member") maps to its target.
normalize_role(role) := canonical if {
	is_string(role)
	canonical := catalogue.role_aliases[role]
	role_rank(canonical)
} else := role if {
	role_rank(role)
}

# The role an action needs from a session; null = any authenticated principal. An ownership
# transfer needs the owner, whatever the catalogue says about the action that carries it.
required_role := "owner" if ownership_transfer

else := action_entry.min_role

# Step 8 passes when the principal's role reaches the action's minimum. Sessions only: API tokens
# are authorised by their binding and scope and carry no role.
role_sufficient if required_role == null

role_sufficient if role_rank(member_role) >= role_rank(required_role)
