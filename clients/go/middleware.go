package orgwarden

import (
	"encoding/json"
	"log"
	"net/http"
	"strings"
)

// Route says what orgwarden is asked about one request: the action it performs and, when there
// are, the resource, the action's specifics and an org named by the path.
type Route struct {
	// Action is an action of the policy's catalogue, such as "resource.read". An empty Action
	// is denied without asking orgwarden (403 unknown_action): a request no route covers is
	// never let through.
	Action string
	// Resource is the resource the request acts on, when there is one.
	Resource *Resource
	// Context holds the action's specifics, such as "target_user" and "target_role".
	Context map[string]string
	// Org is the org the request's path names (/orgs/{org}/...), when it names one. It takes
	// precedence over the org header and cookie; it is still only a request, which orgwarden
	// proves or denies.
	Org string
	// OrgRoute marks a route that exists only when orgs are served (org management): while
	// multi-tenant is off it answers 404, as if the path did not exist. A route with Org set is
	// an org route too.
	OrgRoute bool
}

// MiddlewareOptions configures [Middleware].
type MiddlewareOptions struct {
	// Route maps a request to what orgwarden is asked (required). It is called once per request.
	Route func(*http.Request) Route
	// OrgHeader is the header a client names its org in: orgwarden's tenancy.org_header.
	// Default "X-Org-ID".
	OrgHeader string
	// OrgCookie is the cookie a client names its org in: orgwarden's tenancy.org_cookie.
	// Default "org_id".
	OrgCookie string
	// OnError is told of every request denied because no decision could be had (orgwarden down,
	// a timeout, a refused request); nil logs it with the log package.
	OnError func(*http.Request, error)
}

// Middleware returns a net/http middleware that asks orgwarden about every request before the
// handler runs. On an allow the handler runs with the decision in its request context
// ([EffectiveOrg], [PrincipalFromContext], [Role], [DecisionID]). On a denial the handler does
// not run and the client gets the decision's status with a JSON body
// {"error": <reason>, "message": <text>} and the X-Orgwarden-Decision-Id header; org routes are
// invisible (404 not_found) where orgwarden says orgs are off or the path's org does not exist.
// When no decision can be had, the client gets 400 invalid_request for a request orgwarden
// refused to read, and 503 unavailable for anything else: never the handler.
//
// The request's Authorization header, org header and org cookie are sent as orgwarden's
// headers form, so orgwarden reads the bearer token and picks the org by its own rules.
//
// Middleware panics if client or opts.Route is nil: a programming error found at start.
func Middleware(client *Client, opts MiddlewareOptions) func(http.Handler) http.Handler {
	if client == nil || opts.Route == nil {
		panic("orgwarden.Middleware: client and MiddlewareOptions.Route are required")
	}
	m := &middleware{client: client, route: opts.Route, orgHeader: opts.OrgHeader, orgCookie: opts.OrgCookie, onError: opts.OnError}
	if m.orgHeader == "" {
		m.orgHeader = "X-Org-ID"
	}
	if m.orgCookie == "" {
		m.orgCookie = "org_id"
	}
	if m.onError == nil {
		m.onError = func(r *http.Request, err error) {
			log.Printf("orgwarden: denied %s %s without a decision: %v", r.Method, r.URL.Path, err)
		}
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { m.serve(w, r, next) })
	}
}

type middleware struct {
	client    *Client
	route     func(*http.Request) Route
	orgHeader string
	orgCookie string
	onError   func(*http.Request, error)
}

func (m *middleware) serve(w http.ResponseWriter, r *http.Request, next http.Handler) {
	route := m.route(r)
	if route.Action == "" {
		writeError(w, http.StatusForbidden, "unknown_action", "no action is declared for this request")
		return
	}
	headers, problem := m.credentialHeaders(r)
	if problem != "" {
		writeError(w, http.StatusBadRequest, "invalid_request", problem)
		return
	}
	d, err := m.client.Authorize(r.Context(), AuthorizeRequest{
		Headers:  headers,
		Org:      route.Org,
		Action:   route.Action,
		Resource: route.Resource,
		Context:  route.Context,
	})
	if err != nil {
		m.onError(r, err)
		if e, ok := asError(err); ok && e.Code == "invalid_request" {
			writeError(w, http.StatusBadRequest, e.Code, e.Message)
			return
		}
		writeError(w, http.StatusServiceUnavailable, "unavailable", "authorization is temporarily unavailable")
		return
	}
	if !d.Allow {
		deny(w, d, route)
		return
	}
	next.ServeHTTP(w, r.WithContext(withDecision(r.Context(), d)))
}

// credentialHeaders picks out what orgwarden reads from a request: Authorization, the org
// header and the org cookie. A credential or an org header given twice is refused, never
// resolved by picking one (the handler could read the other copy); repeated org cookies are
// passed on for orgwarden to refuse. Other cookies are not sent: they are none of orgwarden's
// business, and a long session cookie would exceed its field limit.
func (m *middleware) credentialHeaders(r *http.Request) (map[string]string, string) {
	headers := map[string]string{}
	for _, name := range []string{"Authorization", m.orgHeader} {
		values := r.Header.Values(name)
		if len(values) > 1 {
			return nil, strings.ToLower(name) + " is given more than once"
		}
		if len(values) == 1 {
			headers[strings.ToLower(name)] = values[0]
		}
	}
	var cookies []string
	for _, line := range r.Header.Values("Cookie") {
		for _, part := range strings.Split(line, ";") {
			name, _, found := strings.Cut(part, "=")
			if found && strings.TrimSpace(name) == m.orgCookie {
				cookies = append(cookies, strings.TrimSpace(part))
			}
		}
	}
	if len(cookies) > 0 {
		headers["cookie"] = strings.Join(cookies, "; ")
	}
	return headers, ""
}

// deny answers a denial: the decision's status, except that an org route is invisible (404)
// while orgs are off, and a path's org that does not exist is a path that does not exist.
func deny(w http.ResponseWriter, d Decision, route Route) {
	w.Header().Set("X-Orgwarden-Decision-Id", d.DecisionID)
	orgRoute := route.OrgRoute || route.Org != ""
	if (d.Reason == "feature_disabled" && orgRoute) || (d.Reason == "invalid_org" && route.Org != "") {
		writeError(w, http.StatusNotFound, "not_found", "not found")
		return
	}
	switch d.Status {
	case http.StatusUnauthorized:
		if d.Reason == "fresh_session_required" {
			w.Header().Set("WWW-Authenticate", `Bearer error="insufficient_user_authentication"`)
		} else {
			w.Header().Set("WWW-Authenticate", "Bearer")
		}
	case http.StatusServiceUnavailable:
		w.Header().Set("Retry-After", "1")
	}
	writeError(w, d.Status, d.Reason, denialMessage(d.Reason))
}

// denialMessages are the texts forward-auth answers with (src/surfaces/forward-auth/answer.ts),
// so a client sees the same words whichever way it reached orgwarden.
var denialMessages = map[string]string{
	"unauthenticated":                "a valid bearer token is required",
	"fresh_session_required":         "sign in again to do this",
	"invalid_org":                    "no such org",
	"feature_disabled":               "organizations are not enabled",
	"org_suspended":                  "this org is suspended",
	"access_denied":                  "you may not act in this org",
	"session_required":               "API tokens cannot do this; sign in",
	"missing_scope":                  "the token lacks the scope this action needs",
	"insufficient_role":              "your role in this org does not allow this",
	"owner_required":                 "only the owner of the org can do this",
	"default_org_immutable":          "the default org cannot be changed",
	"owner_role_immutable":           "the owner cannot be removed or demoted",
	"owner_transfer_requires_member": "ownership can only go to a member of the org",
	"target_not_member":              "the user acted on is not a member of this org",
	"invalid_role":                   "the role given is not a role of this org",
	"cross_org":                      "the resource belongs to another org",
	"unknown_action":                 "this action is not in the policy catalogue",
	"directory_unavailable":          "authorization is temporarily unavailable",
	"directory_revision_not_reached": "the directory has not caught up with that change yet; retry",
	"keys_unavailable":               "authentication is temporarily unavailable",
	"policy_error":                   "authorization failed",
}

func denialMessage(reason string) string {
	if message, ok := denialMessages[reason]; ok {
		return message
	}
	return "denied"
}

func writeError(w http.ResponseWriter, status int, code, message string) {
	body, _ := json.Marshal(struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	}{code, message})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
