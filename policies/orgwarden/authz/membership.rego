# Step 6: token binding and membership. After this step the requested org is proven: the
# principal may act in it, and it becomes the effective org.
package orgwarden.authz

# The orgs an API token is bound to. A token that names no org is bound to the default org (the
# core already says so; an empty or null binding is read the same way). A binding of the wrong
# type binds nothing.
token_bound_orgs := [default_org] if {
	is_object(principal)
	object.get(principal, "bound_orgs", null) in {null, []}
} else := principal.bound_orgs if {
	is_array(principal.bound_orgs)
} else := []

token_bound if {
	is_token
	requested_org in token_bound_orgs
}

# The session's normalised role in the requested org; undefined = not a member. Every
# authenticated user is a member of the default org, as viewer unless the directory says more.
# A stored role we do not know is not a membership (fail closed), even in the default org.
member_role := role if {
	is_session
	role := normalize_role(directory.member_role)
} else := "viewer" if {
	is_session
	requested_org == default_org
	object.get(directory, "member_role", null) == null
}

# The role reported in the decision: the session's role once known; tokens carry none.
default output_role := null

output_role := member_role
