package orgwarden.authz_test

import data.orgwarden.authz
import data.orgwarden.catalogue

# alice, admin of acme, manages members; `target` is what context.target_user names and `stored`
# the role the core found for exactly that id (null: not a member).
managing(action, target, stored) := {
	"action": action,
	"context": {"target_user": target},
	"directory": {"member_role": "admin", "target_role": stored},
}

removing(target, stored) := managing("org.members.remove", target, stored)

changing_role(target, stored, role) := merge(managing("org.members.update_role", target, stored), {"context": {"target_role": role}})

inviting_as(role) := {"action": "org.members.invite", "context": {"target_role": role}, "directory": {"member_role": "admin"}}

# The owner, signed in a minute ago.
as_owner := {"directory": {"member_role": "owner"}}

members_cases := [
	# the member acted on (finding: owner protections failed open on an unproven target)
	{
		"name": "removal without a target",
		"input": {"action": "org.members.remove", "directory": {"target_role": null}},
		"want": {"reason": "target_not_member", "detail": "target_user_missing", "status": 400, "effective_org": "acme", "role": "admin", "spoof": false},
	},
	{
		"name": "removal without a target, whatever the directory says about one",
		"input": {"action": "org.members.remove", "directory": {"target_role": "owner"}},
		"want": {"reason": "target_not_member", "detail": "target_user_missing"},
	},
	{
		"name": "removal of an empty target",
		"input": removing("", null),
		"want": {"reason": "target_not_member", "detail": "target_user_missing"},
	},
	{
		"name": "removal of a target that is not a string",
		"input": merge(removing("x", "owner"), {"context": {"target_user": 7}}),
		"want": {"reason": "target_not_member", "detail": "target_user_missing"},
	},
	{
		"name": "removal of a case variant of the owner",
		"input": removing("Alice", null),
		"want": {"reason": "target_not_member", "detail": "not_member", "status": 400},
	},
	{
		"name": "removal of the owner with a leading space",
		"input": removing(" alice", null),
		"want": {"reason": "target_not_member", "detail": "not_member"},
	},
	{
		"name": "removal of the owner with a zero-width space",
		"input": removing("ali\u200bce", null),
		"want": {"reason": "target_not_member", "detail": "not_member"},
	},
	{
		"name": "removal of a target with a stored role the catalogue does not know",
		"input": removing("bob", "superuser"),
		"want": {"reason": "target_not_member", "detail": "not_member"},
	},
	{
		"name": "removal of a legacy member",
		"input": removing("dave", "member"),
		"want": {"reason": "allowed", "role": "admin"},
	},
	{
		"name": "role change without a target",
		"input": {"action": "org.members.update_role", "context": {"target_role": "viewer"}},
		"want": {"reason": "target_not_member", "detail": "target_user_missing"},
	},
	{
		"name": "role change of an upper-case variant of the owner",
		"input": changing_role("ALICE", null, "viewer"),
		"want": {"reason": "target_not_member", "detail": "not_member"},
	},
	{
		"name": "role change of a non-member",
		"input": changing_role("mallory", null, "editor"),
		"want": {"reason": "target_not_member", "detail": "not_member"},
	},
	{
		"name": "target_not_member comes after the role step",
		"input": merge(removing("Alice", null), {"directory": {"member_role": "editor"}}),
		"want": {"reason": "insufficient_role", "detail": "admin"},
	},
	{
		"name": "target_not_member comes after default_org_immutable",
		"input": merge(on_default, {"action": "org.members.remove", "directory": {"member_role": "admin"}}),
		"want": {"reason": "default_org_immutable"},
	},
	{
		"name": "target_not_member comes after invalid_role",
		"input": changing_role("Alice", null, "Owner"),
		"want": {"reason": "invalid_role", "detail": "unknown_role"},
	},
	{
		"name": "a transfer without a target is owner_transfer_requires_member",
		"input": {"action": "org.ownership.transfer", "directory": {"member_role": "owner", "target_role": "editor"}},
		"want": {"reason": "owner_transfer_requires_member", "detail": null},
	},
	{
		"name": "listing members names no target",
		"input": {"action": "org.members.list"},
		"want": {"reason": "allowed"},
	},
	# the role granted (finding: owner granted outside the transfer rules)
	{
		"name": "role change to Owner",
		"input": changing_role("carol", "editor", "Owner"),
		"want": {"reason": "invalid_role", "detail": "unknown_role", "status": 400, "effective_org": "acme", "role": "admin", "spoof": false},
	},
	{
		"name": "role change to OWNER",
		"input": changing_role("carol", "editor", "OWNER"),
		"want": {"reason": "invalid_role", "detail": "unknown_role"},
	},
	{
		"name": "role change to owner with a leading space",
		"input": changing_role("carol", "editor", " owner"),
		"want": {"reason": "invalid_role", "detail": "unknown_role"},
	},
	{
		"name": "role change to owner with a zero-width joiner",
		"input": changing_role("carol", "editor", "owner\u200d"),
		"want": {"reason": "invalid_role", "detail": "unknown_role"},
	},
	{
		"name": "role change to superuser",
		"input": changing_role("carol", "editor", "superuser"),
		"want": {"reason": "invalid_role", "detail": "unknown_role"},
	},
	{
		"name": "role change to an empty role",
		"input": changing_role("carol", "editor", ""),
		"want": {"reason": "invalid_role", "detail": "unknown_role"},
	},
	{
		"name": "role change to a role that is not a string",
		"input": changing_role("carol", "editor", 4),
		"want": {"reason": "invalid_role", "detail": "unknown_role"},
	},
	{
		"name": "role change without a role",
		"input": managing("org.members.update_role", "carol", "editor"),
		"want": {"reason": "invalid_role", "detail": "target_role_missing"},
	},
	{
		"name": "role change to the legacy alias member",
		"input": changing_role("carol", "editor", "member"),
		"want": {"reason": "allowed"},
	},
	{
		"name": "role change to Owner by the owner is invalid_role too",
		"input": merge(changing_role("carol", "editor", "Owner"), as_owner),
		"want": {"reason": "invalid_role", "role": "owner"},
	},
	{
		"name": "invitation as owner by an admin",
		"input": inviting_as("owner"),
		"want": {"reason": "owner_required", "detail": "owner", "role": "admin"},
	},
	{
		"name": "invitation as owner by the owner",
		"input": merge(inviting_as("owner"), as_owner),
		"want": {"reason": "owner_transfer_requires_member", "detail": "invitation", "status": 400, "role": "owner"},
	},
	{
		"name": "invitation as owner of someone who is already a member",
		"input": merge(merge(inviting_as("owner"), as_owner), {"context": {"target_user": "bob"}, "directory": {"target_role": "editor"}}),
		"want": {"reason": "owner_transfer_requires_member", "detail": "invitation"},
	},
	{
		"name": "invitation as owner with a stale session",
		"input": merge(merge(inviting_as("owner"), as_owner), {"principal": {"auth_time": now - 3600}}),
		"want": {"reason": "fresh_session_required"},
	},
	{
		"name": "invitation as Owner",
		"input": inviting_as("Owner"),
		"want": {"reason": "invalid_role", "detail": "unknown_role"},
	},
	{
		"name": "invitation as admin",
		"input": inviting_as("admin"),
		"want": {"reason": "allowed", "role": "admin"},
	},
	{
		"name": "invitation without a role",
		"input": {"action": "org.members.invite"},
		"want": {"reason": "allowed"},
	},
	{
		"name": "invitation by an editor",
		"input": merge(inviting_as("viewer"), {"directory": {"member_role": "editor"}}),
		"want": {"reason": "insufficient_role", "detail": "admin"},
	},
	{
		"name": "a target role on an action that grants none is not read",
		"input": {"action": "org.read", "context": {"target_role": "Owner"}},
		"want": {"reason": "allowed"},
	},
]

test_members[c.name] if {
	some c in members_cases
	check(c)
}

# A catalogue alias that names the owner grants the owner: still an ownership transfer.
test_an_alias_of_owner_is_a_transfer if {
	aliases := merge(object.remove(catalogue, ["role_aliases"]), {"role_aliases": {"proprietor": "owner"}})
	got := authz.decision with input as case_input({"input": changing_role("carol", "editor", "proprietor")})
		with data.orgwarden.catalogue as aliases
	got.reason == "owner_required"
}

# Without the alias in the catalogue, the legacy spelling is no role.
test_member_is_a_role_only_while_the_catalogue_lists_it if {
	no_aliases := merge(object.remove(catalogue, ["role_aliases"]), {"role_aliases": {}})
	got := authz.decision with input as case_input({"input": changing_role("carol", "editor", "member")})
		with data.orgwarden.catalogue as no_aliases
	got.reason == "invalid_role"
}
