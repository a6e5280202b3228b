package orgwarden_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	orgwarden "github.com/orgwarden/orgwarden/clients/go"
)

// seen is what the protected handler found in its request context.
type seen struct {
	called     bool
	org        string
	orgOK      bool
	principal  orgwarden.Principal
	role       string
	roleOK     bool
	decisionID string
}

// protect wraps a handler that records its context values in the middleware, with route as the
// answer of MiddlewareOptions.Route, and errors collected from OnError.
func protect(c *orgwarden.Client, route orgwarden.Route) (http.Handler, *seen, *[]error) {
	s := &seen{}
	errs := &[]error{}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		s.called = true
		s.org, s.orgOK = orgwarden.EffectiveOrg(ctx)
		s.principal, _ = orgwarden.PrincipalFromContext(ctx)
		s.role, s.roleOK = orgwarden.Role(ctx)
		s.decisionID, _ = orgwarden.DecisionID(ctx)
		w.WriteHeader(http.StatusNoContent)
	})
	mw := orgwarden.Middleware(c, orgwarden.MiddlewareOptions{
		Route:   func(*http.Request) orgwarden.Route { return route },
		OnError: func(_ *http.Request, err error) { *errs = append(*errs, err) },
	})
	return mw(handler), s, errs
}

// send serves one GET through h with the given headers (each value its own header line).
func send(h http.Handler, headers map[string][]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, "/nodes/n1", nil)
	for name, values := range headers {
		for _, v := range values {
			req.Header.Add(name, v)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func bearer(token string) []string { return []string{"Bearer " + token} }

// errorBody reads the middleware's denial body {"error", "message"}.
func errorBody(t *testing.T, rec *httptest.ResponseRecorder) (code, message string) {
	t.Helper()
	var body struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("want a JSON denial, got Content-Type %q", ct)
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error == "" || body.Message == "" {
		t.Fatalf("want {error, message}, got %q (%v)", rec.Body.String(), err)
	}
	return body.Error, body.Message
}

func TestMiddlewareAllowsAndPutsTheDecisionInTheContext(t *testing.T) {
	h, s, _ := protect(newClient(t, multiTenant), orgwarden.Route{Action: "resource.write"})
	rec := send(h, map[string][]string{"Authorization": bearer(session("carol")), "X-Org-ID": {"acme"}})
	if rec.Code != http.StatusNoContent || !s.called {
		t.Fatalf("want the handler to run, got %d %s", rec.Code, rec.Body)
	}
	if s.org != "acme" || !s.orgOK || s.role != "editor" || !s.roleOK {
		t.Errorf("want org acme and role editor in the context, got %+v", s)
	}
	if s.principal != (orgwarden.Principal{ID: "carol", Kind: "session"}) || s.decisionID == "" {
		t.Errorf("want principal carol (session) and a decision id, got %+v", s)
	}
}

func TestMiddlewareContextHoldsTheProvenOrgNotTheNamedOne(t *testing.T) {
	apiToken := mintToken(map[string]any{"sub": "tok-1", "kind": "api_token", "scope": "monitoring:read", "org_id": "acme"})
	cases := []struct {
		name    string
		headers map[string][]string
		org     string
		role    string
	}{
		{"org from the cookie, others left out", map[string][]string{"Authorization": bearer(session("alice")), "Cookie": {"session=abc; org_id=globex"}}, "globex", "viewer"},
		{"the header before the cookie", map[string][]string{"Authorization": bearer(session("alice")), "X-Org-ID": {"acme"}, "Cookie": {"org_id=globex"}}, "acme", "owner"},
		{"no org named: the default org", map[string][]string{"Authorization": bearer(session("alice"))}, "default", "viewer"},
		{"an API token: its bound org, no role", map[string][]string{"Authorization": bearer(apiToken)}, "acme", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h, s, _ := protect(newClient(t, multiTenant), orgwarden.Route{Action: "resource.read"})
			rec := send(h, tc.headers)
			if rec.Code != http.StatusNoContent || s.org != tc.org || s.role != tc.role || s.roleOK != (tc.role != "") {
				t.Fatalf("want org %q role %q, got %d %+v %s", tc.org, tc.role, rec.Code, s, rec.Body)
			}
		})
	}
}

func TestMiddlewareDeniesWithTheDecisionsStatusAndAJSONBody(t *testing.T) {
	cases := []struct {
		name    string
		route   orgwarden.Route
		headers map[string][]string
		status  int
		code    string
	}{
		{"no credential", orgwarden.Route{Action: "resource.read"}, map[string][]string{"X-Org-ID": {"acme"}}, 401, "unauthenticated"},
		{"role too low", orgwarden.Route{Action: "resource.write"}, map[string][]string{"Authorization": bearer(session("vera")), "X-Org-ID": {"acme"}}, 403, "insufficient_role"},
		{"spoofed org header", orgwarden.Route{Action: "resource.read"}, map[string][]string{"Authorization": bearer(session("erin")), "X-Org-ID": {"acme"}}, 403, "access_denied"},
		{"spoofed org cookie", orgwarden.Route{Action: "resource.read"}, map[string][]string{"Authorization": bearer(session("erin")), "Cookie": {"org_id=acme"}}, 403, "access_denied"},
		{"unknown org in the path", orgwarden.Route{Action: "org.read", Org: "nope"}, map[string][]string{"Authorization": bearer(session("alice"))}, 404, "not_found"},
		{"unknown org in a header", orgwarden.Route{Action: "resource.read"}, map[string][]string{"Authorization": bearer(session("alice")), "X-Org-ID": {"nope"}}, 400, "invalid_org"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h, s, errs := protect(newClient(t, multiTenant), tc.route)
			rec := send(h, tc.headers)
			if s.called {
				t.Fatal("the handler ran for a denial")
			}
			code, _ := errorBody(t, rec)
			if rec.Code != tc.status || code != tc.code {
				t.Fatalf("want %d %s, got %d %s", tc.status, tc.code, rec.Code, code)
			}
			if rec.Header().Get("X-Orgwarden-Decision-Id") == "" {
				t.Error("a denial carries its decision id")
			}
			if len(*errs) != 0 {
				t.Errorf("a denial is a decision, not an error: %v", *errs)
			}
			if tc.status == 401 && rec.Header().Get("WWW-Authenticate") != "Bearer" {
				t.Errorf("want WWW-Authenticate: Bearer, got %q", rec.Header().Get("WWW-Authenticate"))
			}
		})
	}
}

func TestMiddlewareHidesOrgRoutesWhileOrgsAreOff(t *testing.T) {
	single, err := startServer("testdata/single-tenant.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer single.stop()
	c := newClient(t, single)
	alice := bearer(session("alice"))

	h, s, _ := protect(c, orgwarden.Route{Action: "org.update", OrgRoute: true})
	rec := send(h, map[string][]string{"Authorization": alice})
	if code, _ := errorBody(t, rec); rec.Code != 404 || code != "not_found" || s.called {
		t.Errorf("an org-management route while orgs are off: want 404 not_found, got %d %s", rec.Code, code)
	}

	// Not an org route: the decision's own status (feature_disabled is 501).
	h, s, _ = protect(c, orgwarden.Route{Action: "resource.read"})
	rec = send(h, map[string][]string{"Authorization": alice, "X-Org-ID": {"acme"}})
	if code, _ := errorBody(t, rec); rec.Code != 501 || code != "feature_disabled" || s.called {
		t.Errorf("naming an org while orgs are off: want 501 feature_disabled, got %d %s", rec.Code, code)
	}

	h, s, _ = protect(c, orgwarden.Route{Action: "resource.read"})
	rec = send(h, map[string][]string{"Authorization": alice})
	if rec.Code != http.StatusNoContent || s.org != "default" {
		t.Errorf("single-tenant: want the default org, got %d %+v", rec.Code, s)
	}
}

func TestMiddlewareRefusesACredentialOrOrgGivenTwice(t *testing.T) {
	cases := []struct {
		name    string
		headers map[string][]string
	}{
		{"two Authorization headers", map[string][]string{"Authorization": {"Bearer " + session("carol"), "Bearer " + session("erin")}}},
		{"two org headers", map[string][]string{"Authorization": bearer(session("alice")), "X-Org-ID": {"acme", "globex"}}},
		{"two org cookies", map[string][]string{"Authorization": bearer(session("alice")), "Cookie": {"org_id=acme", "org_id=globex"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h, s, _ := protect(newClient(t, multiTenant), orgwarden.Route{Action: "resource.read"})
			rec := send(h, tc.headers)
			if code, _ := errorBody(t, rec); rec.Code != 400 || code != "invalid_request" || s.called {
				t.Fatalf("want 400 invalid_request, got %d %s", rec.Code, code)
			}
		})
	}
}

func TestMiddlewareDeniesARequestWithNoActionWithoutAsking(t *testing.T) {
	// A client of an address where nothing listens: asking would be 503, not 403.
	c, err := orgwarden.NewClient(orgwarden.Config{BaseURL: closedAddress(t)})
	if err != nil {
		t.Fatal(err)
	}
	h, s, errs := protect(c, orgwarden.Route{})
	rec := send(h, map[string][]string{"Authorization": bearer(session("carol"))})
	if code, _ := errorBody(t, rec); rec.Code != 403 || code != "unknown_action" || s.called || len(*errs) != 0 {
		t.Fatalf("want 403 unknown_action without a call, got %d %s (errors %v)", rec.Code, code, *errs)
	}
}

func TestContextAccessorsOutsideTheMiddlewareSayNo(t *testing.T) {
	ctx := context.Background()
	if _, ok := orgwarden.EffectiveOrg(ctx); ok {
		t.Error("EffectiveOrg without the middleware")
	}
	if _, ok := orgwarden.PrincipalFromContext(ctx); ok {
		t.Error("PrincipalFromContext without the middleware")
	}
	if _, ok := orgwarden.Role(ctx); ok {
		t.Error("Role without the middleware")
	}
	if _, ok := orgwarden.DecisionID(ctx); ok {
		t.Error("DecisionID without the middleware")
	}
	if _, ok := orgwarden.DecisionFromContext(ctx); ok {
		t.Error("DecisionFromContext without the middleware")
	}
}
