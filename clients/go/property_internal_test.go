package orgwarden

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
)

// Seeded properties, after the repository's convention (test/support/fuzz.ts): a fixed seed so
// `go test` is reproducible, ORGWARDEN_FUZZ_SEED to replay a failure, ORGWARDEN_FUZZ_RUNS to
// run long.
func fuzzRand(t *testing.T) (*rand.Rand, int) {
	seed := uint64(20261130)
	if s, err := strconv.ParseUint(os.Getenv("ORGWARDEN_FUZZ_SEED"), 10, 64); err == nil {
		seed = s
	}
	runs := 2000
	if n, err := strconv.Atoi(os.Getenv("ORGWARDEN_FUZZ_RUNS")); err == nil && n > 0 {
		runs = n
	}
	t.Logf("seed %d, %d runs (ORGWARDEN_FUZZ_SEED / ORGWARDEN_FUZZ_RUNS)", seed, runs)
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), runs
}

func pick[T any](r *rand.Rand, values ...T) T { return values[r.IntN(len(values))] }

// Values a field of a decision answer may hold, right and wrong ("<absent>" leaves it out).
var decisionFieldValues = map[string][]any{
	"decision_id":   {"<absent>", nil, "", "d1", 7},
	"allow":         {"<absent>", nil, true, false, "true", 1},
	"reason":        {"<absent>", nil, "", "allowed", "access_denied", "ALLOWED", 0},
	"status":        {"<absent>", nil, 200, 403, 401, 503, 0, 302, 999, "200", 200.5},
	"effective_org": {"<absent>", nil, "acme", ""},
	"role":          {"<absent>", nil, "owner"},
	"spoof":         {"<absent>", nil, true, false},
	"principal":     {"<absent>", nil, map[string]any{"id": "alice", "kind": "session"}, "alice"},
}

// An answer is read as an allow only when it says so three ways: allow true, reason "allowed",
// status 200, and carries a decision id. Whatever else it holds, anything less is a denial with
// an error status or no decision at all.
func TestPropertyOnlyAWholeAllowIsAnAllow(t *testing.T) {
	r, runs := fuzzRand(t)
	for i := 0; i < runs; i++ {
		doc := map[string]any{}
		for field, values := range decisionFieldValues {
			if v := pick(r, values...); v != "<absent>" {
				doc[field] = v
			}
		}
		data, _ := json.Marshal(doc)
		if r.IntN(4) == 0 && len(data) > 0 { // and now and then a corrupted byte
			data[r.IntN(len(data))] = byte(r.IntN(256))
		}
		var raw rawDecision
		if json.Unmarshal(data, &raw) != nil {
			continue // the client answers bad_answer
		}
		d, problem := raw.decision()
		if problem != "" {
			continue
		}
		if d.Allow {
			var said map[string]any
			if json.Unmarshal(data, &said) != nil || said["allow"] != true || said["reason"] != "allowed" || said["status"] != float64(200) || d.DecisionID == "" {
				t.Fatalf("read %s as an allow", data)
			}
		} else if d.Status < 400 || d.Status > 599 || d.Reason == "allowed" {
			t.Fatalf("read %s as a denial with status %d, reason %q", data, d.Status, d.Reason)
		}
	}
}

// The middleware passes on what orgwarden reads and nothing else: Authorization and the org
// header exactly as given, refused when repeated; every org cookie (exact name) and no other
// cookie, so orgwarden sees a repeated org cookie and refuses it.
func TestPropertyCredentialHeadersPassOnExactlyWhatOrgwardenReads(t *testing.T) {
	r, runs := fuzzRand(t)
	m := &middleware{orgHeader: "X-Org-ID", orgCookie: "org_id"}
	cookieParts := []string{"org_id=acme", " org_id=globex ", "org_id=\"q\"", "ORG_ID=x", "org_id2=y", "xorg_id=z", "session=abc", "org_id", "=org_id", "a=b=org_id", "org_id=a%2Fb", ""}
	for i := 0; i < runs; i++ {
		req := httptest.NewRequest("GET", "/", nil)
		auth := r.IntN(3)
		for j := 0; j < auth; j++ {
			req.Header.Add("Authorization", fmt.Sprintf("Bearer t%d", j))
		}
		orgs := r.IntN(3)
		for j := 0; j < orgs; j++ {
			req.Header.Add(pick(r, "X-Org-ID", "x-org-id", "X-ORG-ID"), fmt.Sprintf("org%d", j))
		}
		wantCookies := 0
		for lines := r.IntN(3); lines > 0; lines-- {
			var parts []string
			for n := r.IntN(4); n > 0; n-- {
				part := pick(r, cookieParts...)
				if name, _, ok := strings.Cut(part, "="); ok && strings.TrimSpace(name) == "org_id" {
					wantCookies++
				}
				parts = append(parts, part)
			}
			req.Header.Add("Cookie", strings.Join(parts, ";"))
		}

		headers, problem := m.credentialHeaders(req)
		if (auth > 1 || orgs > 1) != (problem != "") {
			t.Fatalf("authorization ×%d, org header ×%d: problem %q", auth, orgs, problem)
		}
		if problem != "" {
			continue
		}
		if got, ok := headers["authorization"]; (auth == 1) != ok || (ok && got != "Bearer t0") {
			t.Fatalf("authorization ×%d passed on as %q", auth, got)
		}
		if got, ok := headers["x-org-id"]; (orgs == 1) != ok || (ok && got != "org0") {
			t.Fatalf("org header ×%d passed on as %q", orgs, got)
		}
		var sent []string
		if c, ok := headers["cookie"]; ok {
			sent = strings.Split(c, "; ")
		}
		if len(sent) != wantCookies {
			t.Fatalf("%d org cookies in %q, %d passed on: %q", wantCookies, req.Header.Values("Cookie"), len(sent), sent)
		}
		for _, part := range sent {
			if name, _, _ := strings.Cut(part, "="); strings.TrimSpace(name) != "org_id" {
				t.Fatalf("passed on a cookie that is not the org cookie: %q", part)
			}
		}
		if len(headers) > 3 {
			t.Fatalf("passed on more than orgwarden reads: %v", headers)
		}
	}
}
