# Steps 4 and 5: the requested org exists and is active. The default org always exists and is
# always active, whatever the directory says about it.
package orgwarden.authz

# Multi-tenant mode checks the id before asking the directory about it. In single-tenant mode the
# tenancy gate has already limited the org to the default one.
org_id_acceptable if not multi_tenant

else if valid_org_id(requested_org)

directory_available if directory.available == true

org_exists if directory_org.exists == true

else if requested_org == default_org

org_active if directory_org.status == "active"

else if requested_org == default_org

# The status that stops the org (suspended, pending_deletion); anything but "active" stops it.
default org_status_detail := "unknown_status"

org_status_detail := directory_org.status if is_string(directory_org.status)
