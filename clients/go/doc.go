// Package orgwarden is the Go client of orgwarden, the authorization sidecar that keeps the
// tenants of a multi-tenant product apart, and a net/http middleware built on it.
//
// A [Client] asks POST /v1/authorize (and /v1/authorize/batch) for a [Decision]. The
// [Middleware] asks it for every request a handler serves: it answers a denial itself (the
// decision's status and a JSON error body) and, on an allow, hands the handler the effective
// org, principal, role and decision id through the request context ([EffectiveOrg],
// [PrincipalFromContext], [Role], [DecisionID]).
//
// The org a request names (the org header or cookie) is a request, never proof: only the
// decision's effective org, which orgwarden sets after proving membership, reaches the context.
//
// Everything fails closed: a network error, a timeout, or an answer that is not the documented
// JSON is an [*Error], never a decision, and the middleware denies on any error.
//
// The package uses the standard library only.
package orgwarden
