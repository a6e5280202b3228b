package orgwarden

import "encoding/json"

// AuthorizeRequest is the body of POST /v1/authorize (and one item of a batch). Set exactly one
// of Token and Headers: orgwarden answers 400 invalid_request otherwise.
type AuthorizeRequest struct {
	// Token is the caller's credential (a JWT), without the "Bearer " prefix.
	Token string `json:"token,omitempty"`
	// Headers are the credential and org headers as a gateway saw them: "authorization", the
	// org header (tenancy.org_header) and "cookie". Names match case-insensitively. nil sends no
	// headers field; a non-nil empty map sends {} (a request that carried none of them).
	Headers map[string]string `json:"headers,omitempty"`
	// Org is the org the client asked for (a path parameter, a header it read itself). It is
	// advisory: the decision's EffectiveOrg is the org proven, and Spoof says when they differ.
	Org string `json:"org,omitempty"`
	// Action is an action of the policy's catalogue, such as "resource.read"; an action the
	// catalogue lacks is denied with the reason unknown_action.
	Action string `json:"action"`
	// Resource is the resource acted on, when there is one.
	Resource *Resource `json:"resource,omitempty"`
	// Context holds the action's specifics, such as "target_user" and "target_role".
	Context map[string]string `json:"context,omitempty"`
}

// MarshalJSON writes the request as orgwarden reads it: like the struct tags say, except that a
// non-nil empty Headers is sent as {} rather than left out, so "no credential headers" stays a
// request in the headers form (answered unauthenticated) instead of one in neither form.
func (r AuthorizeRequest) MarshalJSON() ([]byte, error) {
	type fields AuthorizeRequest // the same fields without this method
	doc := struct {
		fields
		Headers *map[string]string `json:"headers,omitempty"`
	}{fields: fields(r)}
	if r.Headers != nil {
		doc.Headers = &r.Headers
	}
	return json.Marshal(doc)
}

// Resource is a resource acted on. Org is the org that owns it; shares always come from the
// directory, never from the request.
type Resource struct {
	// Type is the resource's kind, such as "node".
	Type string `json:"type,omitempty"`
	// ID is the resource's id.
	ID string `json:"id,omitempty"`
	// Org is the org that owns the resource.
	Org string `json:"org,omitempty"`
}

// Decision is orgwarden's answer to one authorize request. A denial is a Decision too (orgwarden
// answers it with HTTP 200); Status is the HTTP status the caller should answer its own client
// with. Fields the contract allows to be null are "" (or nil) here.
type Decision struct {
	// DecisionID identifies the decision in orgwarden's decision log.
	DecisionID string `json:"decision_id"`
	// Allow is true only for an allow; every other answer denies.
	Allow bool `json:"allow"`
	// Reason is "allowed" or the reason code of the denial (CONTRACT section 4).
	Reason string `json:"reason"`
	// Detail refines some reasons (for access_denied: "not_member" or "token_org_mismatch").
	Detail string `json:"detail"`
	// Status is the HTTP status to answer with: 200 for an allow, the reason's status otherwise.
	Status int `json:"status"`
	// EffectiveOrg is the org the principal acts in, set only once membership (or the token's
	// binding) is proven; "" when there is none.
	EffectiveOrg string `json:"effective_org"`
	// Principal is who the credential names; nil when it could not be authenticated.
	Principal *Principal `json:"principal"`
	// Role is the principal's role in EffectiveOrg; "" for API tokens, which act by scope.
	Role string `json:"role"`
	// Spoof is true when the request named an org the principal may not act in.
	Spoof bool `json:"spoof"`
	// PolicyRevision is the content hash of the policy that decided.
	PolicyRevision string `json:"policy_revision"`
	// MultiTenant tells whether orgs were served when the decision was made.
	MultiTenant bool `json:"multi_tenant"`
}

// Principal is the authenticated identity a decision is about.
type Principal struct {
	// ID is the user id (sessions) or the token id (API tokens): the token's "sub".
	ID string `json:"id"`
	// Kind is "session" or "api_token".
	Kind string `json:"kind"`
}

// BatchResult is one item of a batch answer: exactly one of Decision and Err is set.
type BatchResult struct {
	// Decision is the item's decision, when it could be made.
	Decision *Decision
	// Err says why the item was refused (invalid_request, naming the field), when it was.
	Err *Error
}
