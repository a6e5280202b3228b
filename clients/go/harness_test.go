package orgwarden_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	orgwarden "github.com/orgwarden/orgwarden/clients/go"
)

// What testdata/*.yaml name: the env vars orgwarden reads its secrets from, and the token
// claims it checks.
const (
	jwtSecret   = "orgwarden-go-client-test-secret-0123456789abcdef"
	callerToken = "go-client-test-caller-token-0123456789"
	issuer      = "https://auth.example.test"
	audience    = "orgwarden"
)

// multiTenant is the orgwarden every test talks to unless it starts its own (TestMain).
var multiTenant *server

func TestMain(m *testing.M) {
	var err error
	multiTenant, err = startServer("testdata/orgwarden.yaml")
	if err != nil {
		fmt.Fprintln(os.Stderr, "orgwarden Go client tests:", err)
		os.Exit(1)
	}
	// Where Example finds orgwarden, as a service would: from its environment.
	os.Setenv("ORGWARDEN_URL", multiTenant.URL)
	os.Setenv("ORGWARDEN_CALLER_TOKEN", callerToken)
	code := m.Run()
	multiTenant.stop()
	os.Exit(code)
}

// server is a real orgwarden: `node dist/cli/main.js serve` of this repository.
type server struct {
	URL string
	cmd *exec.Cmd
	log *lockedBuffer
}

// startServer starts orgwarden with config (relative to this package) on a free loopback port
// and waits until /readyz answers 200. It builds nothing: dist/ comes from `npm run build`.
func startServer(config string) (*server, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, errors.New("node is not on PATH: these tests run a real orgwarden (Node 20 or later)")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		return nil, err
	}
	main := filepath.Join(root, "dist", "cli", "main.js")
	if _, err := os.Stat(main); err != nil {
		return nil, fmt.Errorf("%s is missing: run `npm run build` in %s first", main, root)
	}
	cmd := exec.Command(node, main, "serve", "--config", config, "--port", "0")
	cmd.Env = append(os.Environ(),
		"ORGWARDEN_JWT_SECRET="+jwtSecret,
		"ORGWARDEN_CALLER_TOKEN="+callerToken,
	)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting orgwarden: %w", err)
	}
	s := &server{cmd: cmd, log: &lockedBuffer{}}
	ports := make(chan int, 1)
	go s.readLog(stderr, ports)
	select {
	case port, ok := <-ports:
		if !ok {
			s.stop()
			return nil, fmt.Errorf("orgwarden (%s) exited before listening; its log:\n%s", config, s.log)
		}
		s.URL = fmt.Sprintf("http://127.0.0.1:%d", port)
	case <-time.After(30 * time.Second):
		s.stop()
		return nil, fmt.Errorf("orgwarden (%s) did not start within 30 s; its log:\n%s", config, s.log)
	}
	if err := s.waitReady(30 * time.Second); err != nil {
		s.stop()
		return nil, fmt.Errorf("orgwarden (%s): %w; its log:\n%s", config, err, s.log)
	}
	return s, nil
}

// readLog keeps orgwarden's JSON log and sends the port of its "listening" line. The channel is
// closed when the log ends, so a process that exits before listening is seen at once.
func (s *server) readLog(r io.Reader, ports chan<- int) {
	scanner := bufio.NewScanner(r)
	scanner.Buffer(make([]byte, 64*1024), 1024*1024)
	sent := false
	for scanner.Scan() {
		line := scanner.Bytes()
		s.log.Write(append(append([]byte{}, line...), '\n'))
		var entry struct {
			Msg  string `json:"msg"`
			Port int    `json:"port"`
		}
		if !sent && json.Unmarshal(line, &entry) == nil && entry.Msg == "listening" && entry.Port > 0 {
			ports <- entry.Port
			sent = true
		}
	}
	if !sent {
		close(ports)
	}
}

func (s *server) waitReady(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		res, err := http.Get(s.URL + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("/readyz did not answer 200 within %v", limit)
}

// stop sends SIGTERM (the config has no shutdown delay) and kills it if it lingers.
func (s *server) stop() {
	if s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// mintToken signs claims with HS256 and the test secret, over the default claims (iss, aud,
// iat, exp one hour ahead); a nil value removes a default claim.
func mintToken(claims map[string]any) string {
	now := time.Now().Unix()
	all := map[string]any{"iss": issuer, "aud": audience, "iat": now, "exp": now + 3600}
	for k, v := range claims {
		if v == nil {
			delete(all, k)
		} else {
			all[k] = v
		}
	}
	enc := base64.RawURLEncoding
	header, _ := json.Marshal(map[string]string{"alg": "HS256", "typ": "JWT"})
	payload, _ := json.Marshal(all)
	signingInput := enc.EncodeToString(header) + "." + enc.EncodeToString(payload)
	mac := hmac.New(sha256.New, []byte(jwtSecret))
	mac.Write([]byte(signingInput))
	return signingInput + "." + enc.EncodeToString(mac.Sum(nil))
}

// session is a session token of user.
func session(user string) string { return mintToken(map[string]any{"sub": user}) }

// newClient is a client of s with the test caller token.
func newClient(t testing.TB, s *server) *orgwarden.Client {
	t.Helper()
	c, err := orgwarden.NewClient(orgwarden.Config{BaseURL: s.URL, CallerToken: callerToken})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// authorize asks the multi-tenant orgwarden and fails the test on an error.
func authorize(t *testing.T, req orgwarden.AuthorizeRequest) orgwarden.Decision {
	t.Helper()
	d, err := newClient(t, multiTenant).Authorize(context.Background(), req)
	if err != nil {
		t.Fatalf("Authorize(%+v): %v", req, err)
	}
	return d
}
