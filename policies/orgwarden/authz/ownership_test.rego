package orgwarden.authz_test

# alice, owner of acme, signed in a minute ago, acting on bob.
owner_acting_on(target_role) := {
	"directory": {"member_role": "owner", "target_role": target_role},
	"context": {"target_user": "bob"},
}

transfer_to(target_role) := merge(owner_acting_on(target_role), {"action": "org.ownership.transfer"})

promote_to_owner(target_role) := merge(owner_acting_on(target_role), {
	"action": "org.members.update_role",
	"context": {"target_role": "owner"},
})

ownership_cases := [
	# default org immutability
	{
		"name": "default org: update",
		"input": merge(on_default, {"action": "org.update", "directory": {"member_role": "admin"}}),
		"want": {"reason": "default_org_immutable", "detail": null, "status": 400, "effective_org": "default", "role": "admin", "spoof": false},
	},
	{
		"name": "default org: delete",
		"input": merge(on_default, {"action": "org.delete", "directory": {"member_role": "owner"}}),
		"want": {"reason": "default_org_immutable"},
	},
	{
		"name": "default org: invite",
		"input": merge(on_default, {"action": "org.members.invite", "directory": {"member_role": "admin"}}),
		"want": {"reason": "default_org_immutable"},
	},
	{
		"name": "default org: revoke an invitation",
		"input": merge(on_default, {"action": "org.invitations.revoke", "directory": {"member_role": "admin"}}),
		"want": {"reason": "default_org_immutable"},
	},
	{
		"name": "default org: removing the owner is default_org_immutable first",
		"input": merge(merge(owner_acting_on("owner"), on_default), {"action": "org.members.remove", "directory": {"member_role": "owner"}}),
		"want": {"reason": "default_org_immutable"},
	},
	{
		"name": "default org: a stale transfer is default_org_immutable first",
		"input": merge(merge(transfer_to(null), on_default), {"directory": {"member_role": "owner"}, "principal": {"auth_time": null}}),
		"want": {"reason": "default_org_immutable"},
	},
	{
		"name": "default org: promoting to owner is default_org_immutable",
		"input": merge(merge(promote_to_owner("editor"), on_default), {"directory": {"member_role": "owner"}}),
		"want": {"reason": "default_org_immutable"},
	},
	{
		"name": "default org: a non-owner's transfer is owner_required (role step first)",
		"input": merge(on_default, {"action": "org.ownership.transfer", "directory": {"member_role": "admin"}}),
		"want": {"reason": "owner_required"},
	},
	{
		"name": "default org: listing members is not a change",
		"input": merge(on_default, {"action": "org.members.list"}),
		"want": {"reason": "allowed"},
	},
	# ownership transfer
	{
		"name": "transfer by an admin",
		"input": merge(transfer_to("editor"), {"directory": {"member_role": "admin"}}),
		"want": {"reason": "owner_required", "detail": "owner", "status": 403, "effective_org": "acme", "role": "admin", "spoof": false},
	},
	{
		"name": "promotion to owner by an admin",
		"input": merge(promote_to_owner("editor"), {"directory": {"member_role": "admin"}}),
		"want": {"reason": "owner_required", "detail": "owner"},
	},
	{
		"name": "promotion to owner by a viewer is owner_required, not insufficient_role",
		"input": merge(promote_to_owner("editor"), {"directory": {"member_role": "viewer"}}),
		"want": {"reason": "owner_required", "role": "viewer"},
	},
	{
		"name": "transfer by a token",
		"input": merge(transfer_to("editor"), token),
		"want": {"reason": "session_required"},
	},
	{
		"name": "transfer without auth_time",
		"input": merge(transfer_to("editor"), {"principal": {"auth_time": null}}),
		"want": {"reason": "fresh_session_required", "detail": null, "status": 401, "effective_org": "acme", "role": "owner", "spoof": false},
	},
	{
		"name": "transfer 301 s after sign-in",
		"input": merge(transfer_to("editor"), {"principal": {"auth_time": now - 301}}),
		"want": {"reason": "fresh_session_required"},
	},
	{
		"name": "transfer exactly 300 s after sign-in",
		"input": merge(transfer_to("editor"), {"principal": {"auth_time": now - 300}}),
		"want": {"reason": "allowed", "role": "owner"},
	},
	{
		"name": "transfer with a sign-in 1 s in the future",
		"input": merge(transfer_to("editor"), {"principal": {"auth_time": now + 1}}),
		"want": {"reason": "fresh_session_required", "status": 401},
	},
	{
		"name": "transfer with a sign-in a year in the future",
		"input": merge(transfer_to("editor"), {"principal": {"auth_time": now + 31536000}}),
		"want": {"reason": "fresh_session_required"},
	},
	{
		"name": "promotion to owner with a sign-in in the future",
		"input": merge(promote_to_owner("editor"), {"principal": {"auth_time": now + 30}}),
		"want": {"reason": "fresh_session_required"},
	},
	{
		"name": "transfer signed in this very second",
		"input": merge(promote_to_owner("editor"), {"principal": {"auth_time": now}}),
		"want": {"reason": "allowed"},
	},
	{
		"name": "transfer without a clock",
		"input": transfer_to("editor"),
		"remove": ["now"],
		"want": {"reason": "fresh_session_required"},
	},
	{
		"name": "promotion to owner with a stale session",
		"input": merge(promote_to_owner("editor"), {"principal": {"auth_time": now - 3600}}),
		"want": {"reason": "fresh_session_required"},
	},
	{
		"name": "freshness comes before target membership",
		"input": merge(transfer_to(null), {"principal": {"auth_time": null}}),
		"want": {"reason": "fresh_session_required"},
	},
	{
		"name": "transfer to a non-member",
		"input": transfer_to(null),
		"want": {"reason": "owner_transfer_requires_member", "detail": null, "status": 400, "effective_org": "acme", "role": "owner"},
	},
	{
		"name": "promotion to owner of a non-member",
		"input": promote_to_owner(null),
		"want": {"reason": "owner_transfer_requires_member"},
	},
	{
		"name": "transfer to a target with an unknown stored role",
		"input": transfer_to("superuser"),
		"want": {"reason": "owner_transfer_requires_member"},
	},
	{
		"name": "transfer to a legacy member",
		"input": transfer_to("member"),
		"want": {"reason": "allowed"},
	},
	{
		"name": "promotion to owner of an admin",
		"input": promote_to_owner("admin"),
		"want": {"reason": "allowed", "role": "owner"},
	},
	# owner role immutability
	{
		"name": "removing the owner",
		"input": merge(owner_acting_on("owner"), {"action": "org.members.remove"}),
		"want": {"reason": "owner_role_immutable", "detail": null, "status": 400, "effective_org": "acme", "role": "owner"},
	},
	{
		"name": "demoting the owner",
		"input": merge(owner_acting_on("owner"), {"action": "org.members.update_role", "context": {"target_role": "admin"}}),
		"want": {"reason": "owner_role_immutable"},
	},
	{
		"name": "a role change of the owner without a target role",
		"input": merge(owner_acting_on("owner"), {"action": "org.members.update_role"}),
		"want": {"reason": "invalid_role", "detail": "target_role_missing"},
	},
	{
		"name": "an admin removing the owner",
		"input": merge(owner_acting_on("owner"), {"action": "org.members.remove", "directory": {"member_role": "admin"}}),
		"want": {"reason": "owner_role_immutable", "role": "admin"},
	},
	{
		"name": "removing an editor",
		"input": merge(owner_acting_on("editor"), {"action": "org.members.remove", "directory": {"member_role": "admin"}}),
		"want": {"reason": "allowed", "role": "admin"},
	},
	{
		"name": "an admin changes an editor's role",
		"input": merge(owner_acting_on("editor"), {
			"action": "org.members.update_role",
			"directory": {"member_role": "admin"},
			"context": {"target_role": "admin"},
		}),
		"want": {"reason": "allowed"},
	},
]

test_ownership[c.name] if {
	some c in ownership_cases
	check(c)
}
