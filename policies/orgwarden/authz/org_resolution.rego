# Step 3, before the tenancy gate: the org is resolved. The client names an org (field, header,
# cookie, path), or the core chooses one: the token's binding, else the default org. A token bound
# to several orgs that names none has not said where it acts, so it is refused with a request
# error, never as a spoof (it named no org it may not act in). Only the actions about the
# principal rather than one org go on.
package orgwarden.authz

# Actions that are about the principal, not one org (listing its orgs, creating one). For a token
# bound to several orgs the core reports them in the first org of the binding; the listing itself
# is the binding (see GET /v1/features).
org_free_actions := {"orgs.list", "orgs.create"}

org_resolved if org_named

else if is_session

else if count({org | some org in token_bound_orgs}) <= 1

else if action in org_free_actions
