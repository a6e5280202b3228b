package orgwarden_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDocsQuoteTheExamples keeps docs/go-client.md's Go blocks equal to the parts of
// example_test.go between its docs:start and docs:end markers, so the examples users copy are
// the ones `go test` runs.
func TestDocsQuoteTheExamples(t *testing.T) {
	source, err := os.ReadFile("example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(filepath.Join("..", "..", "docs", "go-client.md"))
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(string(source), "// docs:start")[1:]
	if len(parts) < 2 {
		t.Fatalf("example_test.go has %d docs:start markers, want at least 2", len(parts))
	}
	for i, part := range parts {
		quoted, _, found := strings.Cut(part, "// docs:end")
		if !found {
			t.Fatalf("docs part %d has no docs:end marker", i+1)
		}
		_, quoted, _ = strings.Cut(quoted, "\n") // the rest of the marker line
		block := "```go\n" + strings.TrimSpace(quoted) + "\n```"
		if !strings.Contains(string(page), block) {
			t.Errorf("docs/go-client.md does not quote docs part %d of example_test.go verbatim:\n%s", i+1, block)
		}
	}
}
