# Step 10: action specifics, in this order: default-org immutability, then the ownership-transfer
# rules (freshness, target membership), then owner-role immutability.
package orgwarden.authz

# The actions whose targets are members; names from the catalogue.
transfer_action := "org.ownership.transfer"

role_change_action := "org.members.update_role"

member_removal_action := "org.members.remove"

# The default org cannot be updated, deleted or have members managed (catalogue flag).
default_org_mutable if requested_org != default_org

default_org_mutable if action_entry.default_immutable == false

# An ownership transfer: the transfer action, or a role change that makes the target the owner.
ownership_transfer if action == transfer_action

ownership_transfer if {
	action == role_change_action
	context.target_role == "owner"
}

# Freshness of the sign-in, for ownership transfer (data: ownership_transfer.max_auth_age_s).
session_fresh if {
	is_number(input.now)
	is_number(principal.auth_time)
	max_age := catalogue.ownership_transfer.max_auth_age_s
	is_number(max_age)
	input.now - principal.auth_time <= max_age
}

# The transfer target's normalised role in the org; undefined = not a member.
target_role := normalize_role(directory.target_role)

# The current owner can be neither removed nor demoted; only a transfer moves ownership.
owner_role_touched if {
	action == member_removal_action
	target_role == "owner"
}

owner_role_touched if {
	action == role_change_action
	not ownership_transfer
	target_role == "owner"
}
