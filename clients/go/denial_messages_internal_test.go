package orgwarden

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestEveryReasonHasAMessage reads the reason vocabulary the policy and the server share
// (src/contract/vocabulary.generated.ts) and checks the middleware has a message for every
// denial reason, so a reason added to the policy is not answered with a bare "denied".
func TestEveryReasonHasAMessage(t *testing.T) {
	source, err := os.ReadFile(filepath.Join("..", "..", "src", "contract", "vocabulary.generated.ts"))
	if err != nil {
		t.Fatal(err)
	}
	_, block, found := strings.Cut(string(source), "export const REASON_STATUS = {")
	block, _, foundEnd := strings.Cut(block, "}")
	if !found || !foundEnd {
		t.Fatal("vocabulary.generated.ts has no REASON_STATUS object")
	}
	reasons := regexp.MustCompile(`(?m)^\s*([a-z_]+): \d{3},$`).FindAllStringSubmatch(block, -1)
	if len(reasons) < 10 {
		t.Fatalf("read only %d reasons from REASON_STATUS", len(reasons))
	}
	for _, match := range reasons {
		reason := match[1]
		if _, ok := denialMessages[reason]; !ok && reason != "allowed" {
			t.Errorf("no denial message for the reason %s", reason)
		}
	}
}

// TestDenialMessagesAreForwardAuths keeps the middleware's texts equal to forward-auth's
// (src/surfaces/forward-auth/answer.ts), so a client reads the same words on either path.
func TestDenialMessagesAreForwardAuths(t *testing.T) {
	source, err := os.ReadFile(filepath.Join("..", "..", "src", "surfaces", "forward-auth", "answer.ts"))
	if err != nil {
		t.Fatal(err)
	}
	_, block, found := strings.Cut(string(source), "const MESSAGES")
	block, _, foundEnd := strings.Cut(block, "\n};")
	if !found || !foundEnd {
		t.Fatal("answer.ts has no MESSAGES object")
	}
	entries := regexp.MustCompile(`(?m)^\s*([a-z_]+): '([^']*)',$`).FindAllStringSubmatch(block, -1)
	if len(entries) < 10 {
		t.Fatalf("read only %d messages from answer.ts", len(entries))
	}
	for _, e := range entries {
		reason, text := e[1], e[2]
		if reason == "not_found" {
			continue // the middleware writes its 404 itself
		}
		if got := denialMessages[reason]; got != text {
			t.Errorf("%s: the middleware says %q, forward-auth %q", reason, got, text)
		}
	}
}
