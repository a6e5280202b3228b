package orgwarden_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	orgwarden "github.com/orgwarden/orgwarden/clients/go"
)

// docs:start (docs/go-client.md quotes each part between these markers; TestDocsQuoteTheExamples)

func ExampleClient_Authorize() {
	client, err := orgwarden.NewClient(orgwarden.Config{
		BaseURL:     os.Getenv("ORGWARDEN_URL"),          // such as http://127.0.0.1:8282
		CallerToken: os.Getenv("ORGWARDEN_CALLER_TOKEN"), // orgwarden's server.caller_token_env
		Timeout:     time.Second,                         // per call (default 2 s)
	})
	if err != nil {
		log.Fatal(err)
	}
	d, err := client.Authorize(context.Background(), orgwarden.AuthorizeRequest{
		Token:    session("vera"), // the user's JWT (session: the test's token)
		Org:      "acme",          // advisory: the org the user asked for
		Action:   "resource.write",
		Resource: &orgwarden.Resource{Type: "node", ID: "n1", Org: "acme"},
	})
	if err != nil {
		log.Fatal(err) // no decision (orgwarden down, a timeout, a refused request): deny
	}
	fmt.Println(d.Allow, d.Reason, d.Status, d.EffectiveOrg, d.Role)
	// Output: false insufficient_role 403 acme viewer
}

// docs:end

// docs:start

// newNodesAPI is a service's HTTP API with every route behind orgwarden.
func newNodesAPI(client *orgwarden.Client) http.Handler {
	authorize := orgwarden.Middleware(client, orgwarden.MiddlewareOptions{
		// The action each request performs, from the service's own routes.
		Route: func(r *http.Request) orgwarden.Route {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				return orgwarden.Route{Action: "resource.read"}
			}
			return orgwarden.Route{Action: "resource.write"}
		},
		// OrgHeader and OrgCookie default to X-Org-ID and org_id: orgwarden's tenancy names.
	})
	mux := http.NewServeMux()
	mux.Handle("/nodes", authorize(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The org orgwarden proved, never the one the client named: scope every query to it.
		org, _ := orgwarden.EffectiveOrg(r.Context())
		user, _ := orgwarden.PrincipalFromContext(r.Context())
		fmt.Fprintf(w, "nodes of %s for %s\n", org, user.ID)
	})))
	return mux
}

func Example() {
	client, err := orgwarden.NewClient(orgwarden.Config{
		BaseURL:     os.Getenv("ORGWARDEN_URL"),          // such as http://127.0.0.1:8282
		CallerToken: os.Getenv("ORGWARDEN_CALLER_TOKEN"), // orgwarden's server.caller_token_env
		Timeout:     time.Second,
	})
	if err != nil {
		log.Fatal(err)
	}
	api := newNodesAPI(client) // a service would now run http.ListenAndServe(":8080", api)

	// Two requests of carol's browser: she is an editor of acme and no member of globex.
	for _, org := range []string{"acme", "globex"} {
		req := httptest.NewRequest(http.MethodGet, "/nodes", nil)
		req.Header.Set("Authorization", "Bearer "+session("carol")) // session: the test's token
		req.Header.Set("X-Org-ID", org)
		res := httptest.NewRecorder()
		api.ServeHTTP(res, req)
		fmt.Println(res.Code, strings.TrimSpace(res.Body.String()))
	}
	// Output:
	// 200 nodes of acme for carol
	// 403 {"error":"access_denied","message":"you may not act in this org"}
}

// docs:end
