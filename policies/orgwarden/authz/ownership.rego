# Step 10: action specifics, in this order: default-org immutability, the granted role
# (members.rego), the ownership-transfer rules (freshness, target membership), the member acted on
# (members.rego), then owner-role immutability.
package orgwarden.authz

# The actions whose targets are members; names from the catalogue.
transfer_action := "org.ownership.transfer"

role_change_action := "org.members.update_role"

member_removal_action := "org.members.remove"

invitation_action := "org.members.invite"

# The default org cannot be updated, deleted or have members managed (catalogue flag).
default_org_mutable if action_entry.default_immutable == false

else if requested_org != default_org

# An ownership transfer: the transfer action, or any action that grants the owner role (a role
# change or an invitation). The granted role is read exactly, so `Owner` or ` owner` is no role at
# all and is refused as invalid_role before it could be taken for anything else.
ownership_transfer if action == transfer_action

ownership_transfer if {
	new_role == "owner"
	action in role_granting_actions
}

# Freshness of the sign-in, for ownership transfer (data: ownership_transfer.max_auth_age_s). A
# sign-in time after `now` proves nothing about when the user signed in: not fresh.
session_fresh if {
	is_number(input.now)
	is_number(principal.auth_time)
	max_age := catalogue.ownership_transfer.max_auth_age_s
	is_number(max_age)
	principal.auth_time <= input.now
	input.now - principal.auth_time <= max_age
}

# Ownership goes only to a member. An invitee is not a member yet, so an invitation never grants
# owner, whoever sends it.
ownership_target_member if {
	action != invitation_action
	target_member_role
}

default ownership_target_problem := null

ownership_target_problem := "invitation" if action == invitation_action

# The current owner can be neither removed nor demoted; only a transfer moves ownership.
owner_role_touched if {
	target_member_role == "owner"
	action == member_removal_action
}

owner_role_touched if {
	target_member_role == "owner"
	action == role_change_action
	not ownership_transfer
}
