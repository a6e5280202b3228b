package orgwarden

import "context"

// decisionKey is the context key of the allow the middleware admitted a request with. An
// unexported type, so no other package can set or replace the value.
type decisionKey struct{}

// withDecision returns ctx carrying d. Only the middleware calls it, and only for an allow.
func withDecision(ctx context.Context, d Decision) context.Context {
	return context.WithValue(ctx, decisionKey{}, d)
}

// DecisionFromContext returns the allow the [Middleware] admitted the request with; false when
// the request did not pass through the middleware.
func DecisionFromContext(ctx context.Context) (Decision, bool) {
	d, ok := ctx.Value(decisionKey{}).(Decision)
	return d, ok
}

// EffectiveOrg returns the org the principal acts in, as orgwarden proved it; false when the
// request did not pass through the [Middleware] or the decision names no org. Never the org the
// client named: scope every query to this value.
func EffectiveOrg(ctx context.Context) (string, bool) {
	d, ok := DecisionFromContext(ctx)
	if !ok || d.EffectiveOrg == "" {
		return "", false
	}
	return d.EffectiveOrg, true
}

// PrincipalFromContext returns who the request's credential names; false when the request did
// not pass through the [Middleware].
func PrincipalFromContext(ctx context.Context) (Principal, bool) {
	d, ok := DecisionFromContext(ctx)
	if !ok || d.Principal == nil {
		return Principal{}, false
	}
	return *d.Principal, true
}

// Role returns the principal's role in the effective org ("viewer", "editor", "admin",
// "owner"); false when the request did not pass through the [Middleware] or the principal is an
// API token (which acts by scope, not role).
func Role(ctx context.Context) (string, bool) {
	d, ok := DecisionFromContext(ctx)
	if !ok || d.Role == "" {
		return "", false
	}
	return d.Role, true
}

// DecisionID returns the id of the decision that admitted the request, to quote in logs; false
// when the request did not pass through the [Middleware].
func DecisionID(ctx context.Context) (string, bool) {
	d, ok := DecisionFromContext(ctx)
	if !ok {
		return "", false
	}
	return d.DecisionID, true
}
