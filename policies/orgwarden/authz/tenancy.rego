# Step 3: the tenancy gate. With multi-tenant off there is exactly one org, the default one: a
# request that names another org (existing or not), an org-management action, or a resource of
# another org is answered feature_disabled. A rollback to single-tenant never merges orgs.
package orgwarden.authz

tenancy_allows if multi_tenant

else if {
	not multi_tenant
	requested_org == default_org
	action_entry.org_management == false
	resource_in_default_org
}

resource_in_default_org if resource_org == null

else if resource_org == default_org

# Why the gate closed; none of these says anything about whether an org exists.
tenancy_detail := "org_not_default" if requested_org != default_org

else := "org_management" if action_entry.org_management != false

else := "resource_org_not_default"
