package orgwarden_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	orgwarden "github.com/orgwarden/orgwarden/clients/go"
)

// closedAddress is the URL of a loopback port nothing listens on.
func closedAddress(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

// wantUnavailable checks the middleware denied with 503 without running the handler, and that
// the client's error has the code want.
func wantUnavailable(t *testing.T, c *orgwarden.Client, want string) {
	t.Helper()
	h, s, errs := protect(c, orgwarden.Route{Action: "resource.read"})
	rec := send(h, map[string][]string{"Authorization": bearer(session("carol")), "X-Org-ID": {"acme"}})
	if code, _ := errorBody(t, rec); rec.Code != 503 || code != "unavailable" || s.called {
		t.Fatalf("want 503 unavailable and no handler, got %d %s (handler ran: %v)", rec.Code, code, s.called)
	}
	var e *orgwarden.Error
	if len(*errs) != 1 || !errors.As((*errs)[0], &e) || e.Code != want {
		t.Fatalf("want one %s error given to OnError, got %v", want, *errs)
	}
}

func TestFailsClosedWhenOrgwardenIsDown(t *testing.T) {
	s, err := startServer("testdata/orgwarden.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, s)
	if d, err := c.Authorize(context.Background(), orgwarden.AuthorizeRequest{Token: session("carol"), Org: "acme", Action: "resource.read"}); err != nil || !d.Allow {
		t.Fatalf("while it runs: want an allow, got %+v, %v", d, err)
	}
	s.stop()

	_, err = c.Authorize(context.Background(), orgwarden.AuthorizeRequest{Token: session("carol"), Org: "acme", Action: "resource.read"})
	var e *orgwarden.Error
	if !errors.As(err, &e) || e.Code != orgwarden.CodeUnreachable || e.Status != 0 {
		t.Fatalf("once stopped: want an unreachable error, got %v", err)
	}
	wantUnavailable(t, c, orgwarden.CodeUnreachable)
	if _, err := c.AuthorizeBatch(context.Background(), []orgwarden.AuthorizeRequest{{Token: session("carol"), Action: "resource.read"}}); !errors.As(err, &e) || e.Code != orgwarden.CodeUnreachable {
		t.Fatalf("batch once stopped: want an unreachable error, got %v", err)
	}
}

func TestFailsClosedOnATimeout(t *testing.T) {
	release := make(chan struct{})
	stuck := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release // never answers while the client waits
	}))
	defer stuck.Close()
	defer close(release) // before Close, which waits for the handlers
	c, err := orgwarden.NewClient(orgwarden.Config{BaseURL: stuck.URL, Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = c.Authorize(context.Background(), orgwarden.AuthorizeRequest{Token: session("carol"), Action: "resource.read"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want context.DeadlineExceeded, got %v", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("the 100 ms timeout took %v", took)
	}
	wantUnavailable(t, c, orgwarden.CodeUnreachable)
}

func TestFailsClosedWithAWrongCallerToken(t *testing.T) {
	c, err := orgwarden.NewClient(orgwarden.Config{BaseURL: multiTenant.URL, CallerToken: "not-the-caller-token-0123456789"})
	if err != nil {
		t.Fatal(err)
	}
	// orgwarden's 401 is about this service's configuration, so the user gets 503, not 401.
	wantUnavailable(t, c, "unauthorized")
}

func TestFailsClosedOnAnAnswerThatIsNotADecision(t *testing.T) {
	cases := []struct {
		name        string
		status      int
		contentType string
		body        string
	}{
		{"HTML 200", 200, "text/html", "<html>ok</html>"},
		{"JSON that is not JSON", 200, "application/json", `{"allow": true`},
		{"an allow that says 403", 200, "application/json", `{"decision_id":"d1","allow":true,"reason":"allowed","status":403}`},
		{"an allow with a deny reason", 200, "application/json", `{"decision_id":"d1","allow":true,"reason":"access_denied","status":200}`},
		{"an allow without a decision id", 200, "application/json", `{"allow":true,"reason":"allowed","status":200}`},
		{"a decision without allow", 200, "application/json", `{"decision_id":"d1","reason":"allowed","status":200}`},
		{"a proxy's 502 page", 502, "text/html", "<html>Bad Gateway</html>"},
		{"a 500 without an error body", 500, "application/json", `{"oops":true}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tc.contentType)
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}))
			defer fake.Close()
			c, err := orgwarden.NewClient(orgwarden.Config{BaseURL: fake.URL})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Authorize(context.Background(), orgwarden.AuthorizeRequest{Token: "t", Action: "resource.read"})
			var e *orgwarden.Error
			if !errors.As(err, &e) || e.Code != orgwarden.CodeBadAnswer || e.Status != tc.status {
				t.Fatalf("want a bad_answer error with status %d, got %v", tc.status, err)
			}
			wantUnavailable(t, c, orgwarden.CodeBadAnswer)
		})
	}
}

func TestFailsClosedOnABatchAnswerOfTheWrongLength(t *testing.T) {
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"results":[]}`))
	}))
	defer fake.Close()
	c, err := orgwarden.NewClient(orgwarden.Config{BaseURL: fake.URL})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.AuthorizeBatch(context.Background(), []orgwarden.AuthorizeRequest{{Token: "t", Action: "resource.read"}})
	var e *orgwarden.Error
	if !errors.As(err, &e) || e.Code != orgwarden.CodeBadAnswer {
		t.Fatalf("want a bad_answer error, got %v", err)
	}
}
