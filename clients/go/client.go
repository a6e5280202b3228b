package orgwarden

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultTimeout bounds one call when Config.Timeout is zero. orgwarden decides in about a
// millisecond; a call that takes longer than this is treated as orgwarden being down.
const DefaultTimeout = 2 * time.Second

// callerTokenHeader carries the caller token (server.caller_token_env) on every route but the
// public ones.
const callerTokenHeader = "X-Orgwarden-Caller-Token"

// Largest answers read: a decision is a few hundred bytes, a batch at most 1000 of them.
const (
	maxDecisionBytes = 1 << 20
	maxBatchBytes    = 16 << 20
)

// Config says where orgwarden is and how to reach it.
type Config struct {
	// BaseURL is orgwarden's origin, such as "http://127.0.0.1:8282" (required).
	BaseURL string
	// CallerToken is the value of orgwarden's caller token (server.caller_token_env), sent in
	// X-Orgwarden-Caller-Token; "" when orgwarden is configured without one.
	CallerToken string
	// HTTPClient sends the requests; nil means a client of its own with Go's default transport.
	HTTPClient *http.Client
	// Timeout bounds each call, on top of the context's own deadline; 0 means DefaultTimeout.
	Timeout time.Duration
}

// Client asks orgwarden for decisions. It is safe for concurrent use.
type Client struct {
	authorizeURL string
	batchURL     string
	callerToken  string
	http         *http.Client
	timeout      time.Duration
}

// NewClient checks the config and returns a client. BaseURL must be an absolute http or https
// URL without query or fragment; a path prefix (orgwarden behind a proxy) is kept.
func NewClient(cfg Config) (*Client, error) {
	base, err := url.Parse(cfg.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("orgwarden: BaseURL %q: %w", cfg.BaseURL, err)
	}
	if (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("orgwarden: BaseURL %q must be an absolute http or https URL", cfg.BaseURL)
	}
	if base.RawQuery != "" || base.Fragment != "" || base.User != nil {
		return nil, fmt.Errorf("orgwarden: BaseURL %q must not carry credentials, a query or a fragment", cfg.BaseURL)
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("orgwarden: Timeout must not be negative, got %v", cfg.Timeout)
	}
	root := strings.TrimRight(base.String(), "/")
	c := &Client{
		authorizeURL: root + "/v1/authorize",
		batchURL:     root + "/v1/authorize/batch",
		callerToken:  cfg.CallerToken,
		http:         cfg.HTTPClient,
		timeout:      cfg.Timeout,
	}
	if c.http == nil {
		c.http = &http.Client{}
	}
	if c.timeout == 0 {
		c.timeout = DefaultTimeout
	}
	return c, nil
}

// Authorize asks POST /v1/authorize for the decision on req. A denial is a Decision with Allow
// false, not an error; an error ([*Error]) means there is no decision, and the caller must deny.
func (c *Client) Authorize(ctx context.Context, req AuthorizeRequest) (Decision, error) {
	if problem := requestProblem(req); problem != "" {
		return Decision{}, invalidRequest(problem)
	}
	var raw rawDecision
	if err := c.post(ctx, c.authorizeURL, req, maxDecisionBytes, &raw); err != nil {
		return Decision{}, err
	}
	d, problem := raw.decision()
	if problem != "" {
		return Decision{}, badAnswer(http.StatusOK, "%s", problem)
	}
	return d, nil
}

// AuthorizeBatch asks POST /v1/authorize/batch for the decisions on items (at most 1000), in
// order. One malformed item gets a BatchResult with Err (invalid_request naming the item) and
// leaves the others decided; a refused batch as a whole, or an answer that is not one result per
// item, is an error.
func (c *Client) AuthorizeBatch(ctx context.Context, items []AuthorizeRequest) ([]BatchResult, error) {
	if items == nil {
		items = []AuthorizeRequest{}
	}
	for i, item := range items {
		if problem := requestProblem(item); problem != "" {
			return nil, invalidRequest(fmt.Sprintf("items[%d]: %s", i, problem))
		}
	}
	var answer struct {
		Results []json.RawMessage `json:"results"`
	}
	body := struct {
		Items []AuthorizeRequest `json:"items"`
	}{items}
	if err := c.post(ctx, c.batchURL, body, maxBatchBytes, &answer); err != nil {
		return nil, err
	}
	if answer.Results == nil || len(answer.Results) != len(items) {
		return nil, badAnswer(http.StatusOK, "the batch answer has %d results for %d items", len(answer.Results), len(items))
	}
	results := make([]BatchResult, len(items))
	for i, item := range answer.Results {
		result, problem := batchResult(item)
		if problem != "" {
			return nil, badAnswer(http.StatusOK, "results[%d]: %s", i, problem)
		}
		results[i] = result
	}
	return results, nil
}

// post sends body as JSON and decodes a 200 answer into out; any other answer is an *Error.
func (c *Client) post(ctx context.Context, target string, body any, limit int64, out any) error {
	payload, err := json.Marshal(body)
	if err != nil {
		return invalidRequest(err.Error())
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(payload))
	if err != nil {
		return unreachable(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if c.callerToken != "" {
		req.Header.Set(callerTokenHeader, c.callerToken)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return unreachable(err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, limit+1))
	if err != nil {
		// A body cut short (orgwarden stopped mid-answer, or the timeout) is no answer.
		return unreachable(err)
	}
	if int64(len(data)) > limit {
		return badAnswer(res.StatusCode, "the answer is larger than %d bytes", limit)
	}
	if res.StatusCode != http.StatusOK {
		return errorAnswer(res.StatusCode, data)
	}
	if !isJSON(res.Header.Get("Content-Type")) {
		return badAnswer(res.StatusCode, "the answer is not JSON (Content-Type %q)", res.Header.Get("Content-Type"))
	}
	if err := json.Unmarshal(data, out); err != nil {
		e := badAnswer(res.StatusCode, "the answer is not the documented JSON: %v", err)
		e.Err = err
		return e
	}
	return nil
}

func isJSON(contentType string) bool {
	media, _, err := mime.ParseMediaType(contentType)
	return err == nil && media == "application/json"
}

// errorBody is orgwarden's error answer: {"error": {"code", "message", "reason"?}}.
type errorBody struct {
	Error *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Reason  string `json:"reason"`
	} `json:"error"`
}

func errorAnswer(status int, data []byte) *Error {
	var body errorBody
	if json.Unmarshal(data, &body) != nil || body.Error == nil || body.Error.Code == "" {
		return badAnswer(status, "HTTP %d without orgwarden's error body", status)
	}
	return &Error{Status: status, Code: body.Error.Code, Reason: body.Error.Reason, Message: body.Error.Message}
}

// rawDecision has a pointer for every field a decision must carry, so a missing one is seen.
type rawDecision struct {
	DecisionID     *string    `json:"decision_id"`
	Allow          *bool      `json:"allow"`
	Reason         *string    `json:"reason"`
	Detail         *string    `json:"detail"`
	Status         *int       `json:"status"`
	EffectiveOrg   *string    `json:"effective_org"`
	Principal      *Principal `json:"principal"`
	Role           *string    `json:"role"`
	Spoof          *bool      `json:"spoof"`
	PolicyRevision *string    `json:"policy_revision"`
	MultiTenant    *bool      `json:"multi_tenant"`
}

// decision checks the fields a caller acts on and returns the decision, or what is wrong with
// it. An allow must say so three ways (allow, reason "allowed", status 200), so no single
// corrupted field can turn a denial into an allow.
func (r rawDecision) decision() (Decision, string) {
	switch {
	case r.DecisionID == nil || *r.DecisionID == "":
		return Decision{}, "the decision has no decision_id"
	case r.Allow == nil:
		return Decision{}, "the decision has no allow"
	case r.Reason == nil || *r.Reason == "":
		return Decision{}, "the decision has no reason"
	case r.Status == nil:
		return Decision{}, "the decision has no status"
	case *r.Allow && (*r.Reason != "allowed" || *r.Status != http.StatusOK):
		return Decision{}, fmt.Sprintf("an allow with reason %q and status %d", *r.Reason, *r.Status)
	case !*r.Allow && (*r.Reason == "allowed" || *r.Status < 400 || *r.Status > 599):
		return Decision{}, fmt.Sprintf("a denial with reason %q and status %d", *r.Reason, *r.Status)
	}
	return Decision{
		DecisionID:     *r.DecisionID,
		Allow:          *r.Allow,
		Reason:         *r.Reason,
		Detail:         deref(r.Detail),
		Status:         *r.Status,
		EffectiveOrg:   deref(r.EffectiveOrg),
		Principal:      r.Principal,
		Role:           deref(r.Role),
		Spoof:          r.Spoof != nil && *r.Spoof,
		PolicyRevision: deref(r.PolicyRevision),
		MultiTenant:    r.MultiTenant != nil && *r.MultiTenant,
	}, ""
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// batchResult reads one entry of a batch answer: a decision, or {"error": {...}} for an item
// orgwarden refused to read.
func batchResult(data json.RawMessage) (BatchResult, string) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil || probe == nil {
		return BatchResult{}, "not an object"
	}
	if _, isError := probe["error"]; isError {
		var body errorBody
		if json.Unmarshal(data, &body) != nil || body.Error == nil || body.Error.Code == "" {
			return BatchResult{}, "an error entry without a code"
		}
		// Items are refused only as invalid_request, whose status in the catalogue is 400.
		status := 0
		if body.Error.Code == "invalid_request" {
			status = http.StatusBadRequest
		}
		return BatchResult{Err: &Error{Status: status, Code: body.Error.Code, Reason: body.Error.Reason, Message: body.Error.Message}}, ""
	}
	var raw rawDecision
	if err := json.Unmarshal(data, &raw); err != nil {
		return BatchResult{}, err.Error()
	}
	d, problem := raw.decision()
	if problem != "" {
		return BatchResult{}, problem
	}
	return BatchResult{Decision: &d}, ""
}

// asError is errors.As for *Error.
func asError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
