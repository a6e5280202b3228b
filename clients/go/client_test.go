package orgwarden_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	orgwarden "github.com/orgwarden/orgwarden/clients/go"
)

func TestAuthorizeAllowsAMemberWithTheRole(t *testing.T) {
	d := authorize(t, orgwarden.AuthorizeRequest{Token: session("carol"), Org: "acme", Action: "resource.write"})
	if !d.Allow || d.Reason != "allowed" || d.Status != 200 {
		t.Fatalf("want an allow, got %+v", d)
	}
	if d.EffectiveOrg != "acme" || d.Role != "editor" || d.Spoof {
		t.Errorf("want effective org acme, role editor, no spoof; got %+v", d)
	}
	if d.Principal == nil || d.Principal.ID != "carol" || d.Principal.Kind != "session" {
		t.Errorf("want principal carol (session), got %+v", d.Principal)
	}
	if d.DecisionID == "" || !strings.HasPrefix(d.PolicyRevision, "sha256:") || !d.MultiTenant {
		t.Errorf("want a decision id, a sha256 policy revision and multi-tenant on; got %+v", d)
	}
}

func TestAuthorizeDeniesWithTheContractsReasonAndStatus(t *testing.T) {
	expired := mintToken(map[string]any{"sub": "carol", "exp": 1000, "iat": 900})
	cases := []struct {
		name   string
		req    orgwarden.AuthorizeRequest
		reason string
		status int
	}{
		{"no credential", orgwarden.AuthorizeRequest{Headers: map[string]string{}, Org: "acme", Action: "resource.read"}, "unauthenticated", 401},
		{"expired token", orgwarden.AuthorizeRequest{Token: expired, Org: "acme", Action: "resource.read"}, "unauthenticated", 401},
		{"role too low", orgwarden.AuthorizeRequest{Token: session("vera"), Org: "acme", Action: "resource.write"}, "insufficient_role", 403},
		{"suspended org", orgwarden.AuthorizeRequest{Token: session("gina"), Org: "frozen", Action: "resource.read"}, "org_suspended", 403},
		{"unknown org", orgwarden.AuthorizeRequest{Token: session("carol"), Org: "nope", Action: "resource.read"}, "invalid_org", 400},
		{"unknown action", orgwarden.AuthorizeRequest{Token: session("carol"), Org: "acme", Action: "nodes.teleport"}, "unknown_action", 403},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := authorize(t, tc.req)
			if d.Allow || d.Reason != tc.reason || d.Status != tc.status {
				t.Fatalf("want a denial %s (%d), got %+v", tc.reason, tc.status, d)
			}
		})
	}
}

func TestAuthorizeFlagsASpoofedOrg(t *testing.T) {
	// erin is the owner of globex and no member of acme.
	d := authorize(t, orgwarden.AuthorizeRequest{Token: session("erin"), Org: "acme", Action: "resource.read"})
	if d.Allow || d.Reason != "access_denied" || d.Detail != "not_member" || !d.Spoof || d.Status != 403 {
		t.Fatalf("want access_denied/not_member with spoof, got %+v", d)
	}
	if d.EffectiveOrg != "" {
		t.Errorf("an org the principal may not act in is never the effective org, got %q", d.EffectiveOrg)
	}
}

func TestAuthorizeReadsTheGatewayHeadersForm(t *testing.T) {
	d := authorize(t, orgwarden.AuthorizeRequest{
		Headers: map[string]string{"Authorization": "Bearer " + session("alice"), "X-Org-ID": "globex"},
		Action:  "resource.read",
	})
	if !d.Allow || d.EffectiveOrg != "globex" || d.Role != "viewer" {
		t.Fatalf("want alice allowed in globex as viewer, got %+v", d)
	}
}

func TestAuthorizeReturnsOrgwardensRefusalAsATypedError(t *testing.T) {
	c := newClient(t, multiTenant)
	// Both a token and headers: orgwarden refuses the document.
	_, err := c.Authorize(context.Background(), orgwarden.AuthorizeRequest{
		Token: session("carol"), Headers: map[string]string{}, Action: "resource.read",
	})
	var e *orgwarden.Error
	if !errors.As(err, &e) || e.Status != 400 || e.Code != "invalid_request" || !strings.Contains(e.Message, "exactly one of token and headers") {
		t.Fatalf("want 400 invalid_request naming the two forms, got %v", err)
	}

	wrong, err := orgwarden.NewClient(orgwarden.Config{BaseURL: multiTenant.URL, CallerToken: "not-the-caller-token-0123456789"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = wrong.Authorize(context.Background(), orgwarden.AuthorizeRequest{Token: session("carol"), Action: "resource.read"})
	if !errors.As(err, &e) || e.Status != 401 || e.Code != "unauthorized" {
		t.Fatalf("want 401 unauthorized for a wrong caller token, got %v", err)
	}
}

func TestAuthorizeRefusesInvalidUTF8WithoutSendingIt(t *testing.T) {
	_, err := newClient(t, multiTenant).Authorize(context.Background(), orgwarden.AuthorizeRequest{
		Token: session("carol"), Org: "acme\xff", Action: "resource.read",
	})
	var e *orgwarden.Error
	if !errors.As(err, &e) || e.Code != "invalid_request" || e.Status != 0 || !strings.Contains(e.Message, "org") {
		t.Fatalf("want invalid_request naming org, never sent (status 0); got %v", err)
	}
}

func TestAuthorizeBatchAnswersEachItemInOrder(t *testing.T) {
	results, err := newClient(t, multiTenant).AuthorizeBatch(context.Background(), []orgwarden.AuthorizeRequest{
		{Token: session("carol"), Org: "acme", Action: "resource.write"},
		{Token: session("erin"), Org: "acme", Action: "resource.read"},
		{Action: "resource.read"}, // neither token nor headers: this item only is refused
		{Token: session("frank"), Org: "globex", Action: "resource.write"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 4 {
		t.Fatalf("want 4 results, got %d", len(results))
	}
	if d := results[0].Decision; d == nil || !d.Allow || d.EffectiveOrg != "acme" || results[0].Err != nil {
		t.Errorf("item 0: want carol allowed in acme, got %+v", results[0])
	}
	if d := results[1].Decision; d == nil || d.Allow || d.Reason != "access_denied" || !d.Spoof {
		t.Errorf("item 1: want erin's spoof denied, got %+v", results[1])
	}
	if e := results[2].Err; e == nil || results[2].Decision != nil || e.Code != "invalid_request" || e.Status != 400 || !strings.HasPrefix(e.Message, "items[2]") {
		t.Errorf("item 2: want invalid_request naming items[2], got %+v", results[2])
	}
	if d := results[3].Decision; d == nil || !d.Allow || d.EffectiveOrg != "globex" || d.Role != "editor" {
		t.Errorf("item 3: want frank allowed in globex as editor, got %+v", results[3])
	}
}

func TestAuthorizeBatchOfNothingIsNoResults(t *testing.T) {
	results, err := newClient(t, multiTenant).AuthorizeBatch(context.Background(), nil)
	if err != nil || len(results) != 0 {
		t.Fatalf("want no results and no error, got %v, %v", results, err)
	}
}

func TestNewClientRefusesABaseURLItCannotUse(t *testing.T) {
	for _, base := range []string{"", "127.0.0.1:8282", "ftp://host", "http://host/?x=1", "http://user:pw@host", "http://host/#f"} {
		if _, err := orgwarden.NewClient(orgwarden.Config{BaseURL: base}); err == nil {
			t.Errorf("NewClient accepted BaseURL %q", base)
		}
	}
	if _, err := orgwarden.NewClient(orgwarden.Config{BaseURL: "http://127.0.0.1:8282/", Timeout: -1}); err == nil {
		t.Error("NewClient accepted a negative timeout")
	}
}
