# Step 7: API token scope. A token acts only through actions the catalogue opens to tokens, and
# only with the action's scope (or "*").
package orgwarden.authz

default token_scopes := []

token_scopes := principal.scopes if is_array(principal.scopes)

action_allows_tokens if action_entry.tokens == true

token_has_scope if {
	some scope in token_scopes
	scope in {action_entry.scope, "*"}
}
