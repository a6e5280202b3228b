# Step 9: the resource's org. A resource owned by the requested org (or naming no org) passes. A
# resource of another org passes only through an accepted share of exactly that resource to the
# requested org, granting at least the role the action needs, from an org that exists and is
# active. Shares come from the directory slice, never from the request.
package orgwarden.authz

resource_accessible if resource_org == requested_org

else if {
	resource_org == null
	not org_less_event_refused # events.rego
}

else if {
	resource_org != requested_org
	shares_apply
	resource_org_active
	some share in resource_shares
	share_grants(share)
}

# Shares let a request act on another org's resource. A job acts only in its own org and an event
# is delivered only in its own org: shares never apply to them.
shares_apply if {
	not input.kind == "job"
	not receiving_event
}

resource_org_active if {
	is_string(resource_org)
	resource_org == default_org
}

resource_org_active if {
	is_string(resource_org)
	directory.resource_org.exists == true
	directory.resource_org.status == "active"
}

share_grants(share) if {
	share.state == "accepted"
	share.target_org == requested_org
	role_rank(granted_role(share)) >= role_rank(share_needed_role)
}

# What a share needs to grant: the action's minimum role, viewer for "any authenticated".
share_needed_role := "viewer" if required_role == null

else := required_role

# A session gets the lesser of its own role and the share's; a token gets the share's role.
granted_role(share) := role if {
	is_session
	access := normalize_role(share.access_role)
	role := lesser_role(member_role, access)
}

granted_role(share) := normalize_role(share.access_role) if is_token

lesser_role(a, b) := a if role_rank(a) <= role_rank(b)

else := b if role_rank(b)
