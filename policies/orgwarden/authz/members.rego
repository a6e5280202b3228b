# Step 10, member management: the role an action grants (context.target_role) and the member it
# acts on (context.target_user). Both are compared exactly, the way the contract compares ids: a
# spelling the catalogue or the directory does not hold is refused, never mapped to a near match.
package orgwarden.authz

# Actions that give someone a role.
role_granting_actions := {role_change_action, invitation_action}

# Actions on an existing member other than the ownership transfer (which has its own rule).
member_target_actions := {role_change_action, member_removal_action}

# The granted role: a canonical catalogue role, or an alias the catalogue lists (legacy `member`),
# normalised. Undefined for anything else: `Owner`, `OWNER`, ` owner`, `superuser`.
new_role := normalize_role(context.target_role)

# A role change names the new role; an invitation may name none (the main API's default role for
# invitees applies), but a role it names must be one the catalogue knows.
new_role_valid if not action in role_granting_actions

else if new_role

else if {
	action == invitation_action
	not target_role_given
}

target_role_given if object.get(context, "target_role", null) != null

default new_role_problem := "target_role_missing"

new_role_problem := "unknown_role" if target_role_given

# Removing a member or changing its role needs a target that is a member of the org. The core
# looked context.target_user up exactly (case-sensitive), so a case, whitespace or invisible
# variant of a member's id finds no one, and a missing target is never read as "not the owner".
target_valid if not action in member_target_actions

else if target_member_role

# The target's normalised role in the org; undefined = no target named, not a member, or a stored
# role the catalogue does not know.
target_member_role := normalize_role(directory.target_role) if target_user_named

target_user_named if {
	is_string(context.target_user)
	count(context.target_user) > 0
}

default target_problem := "target_user_missing"

target_problem := "not_member" if target_user_named
