package hubspot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Category is SimCRM's failure category for a call to HubSpot.
type Category string

// Failure categories.
const (
	CategoryRateLimit  Category = "rate_limit"
	CategoryAuth       Category = "auth"
	CategoryValidation Category = "validation"
	CategoryConflict   Category = "conflict"
	CategoryTimeout    Category = "timeout"
	CategoryNetwork    Category = "network"
	CategoryServer     Category = "server"
	CategoryUnknown    Category = "unknown"
)

// Categories are every failure category, in the order pages list them.
var Categories = []Category{CategoryRateLimit, CategoryAuth, CategoryValidation, CategoryConflict,
	CategoryTimeout, CategoryNetwork, CategoryServer, CategoryUnknown}

// Order is the category's place in Categories (after them all for a name that is
// not a category).
func (c Category) Order() int {
	if i := slices.Index(Categories, c); i >= 0 {
		return i
	}
	return len(Categories)
}

// Hint says in a few words what failed, for pages that list the categories.
func (c Category) Hint() string {
	switch c {
	case CategoryRateLimit:
		return "429 from the target after its limits"
	case CategoryAuth:
		return "401/403: token expired, revoked or missing scopes (not retried)"
	case CategoryValidation:
		return "400: the target refused the data (not retried)"
	case CategoryConflict:
		return "409: the object exists already"
	case CategoryTimeout:
		return "the call took too long"
	case CategoryNetwork:
		return "the target could not be reached"
	case CategoryServer:
		return "5xx from the target"
	case CategoryUnknown:
		return "anything else"
	}
	return ""
}

// Retryable reports whether a failure of this category may succeed when tried again.
// Authentication and validation failures never do.
func Retryable(c Category) bool {
	return c != CategoryAuth && c != CategoryValidation
}

// Rate-limit policy names sent in 429 bodies.
const (
	PolicyTenSecondlyRolling = "TEN_SECONDLY_ROLLING"
	PolicyDaily              = "DAILY"
	PolicySecondly           = "SECONDLY"
)

// Sentinel errors, matched with errors.Is.
var (
	// ErrNotFound matches an *Error with status 404.
	ErrNotFound = errors.New("hubspot: not found")
	// ErrTimeout matches a *TransportError caused by a deadline or a network timeout.
	ErrTimeout = errors.New("hubspot: timeout")
	// ErrNetwork matches a *TransportError that is not a timeout.
	ErrNetwork = errors.New("hubspot: network error")
)

// Error is a non-2xx answer from HubSpot.
type Error struct {
	Method     string // request method
	Path       string // request path below the base URL
	StatusCode int    // HTTP status

	Status        string // body "status", usually "error"
	Category      string // body "category" (VALIDATION_ERROR, CONFLICT, …) or, on 429, "errorType" (RATE_LIMIT)
	SubCategory   string
	ErrorType     string // body "errorType" (429 bodies)
	Message       string
	CorrelationID string
	RequestID     string
	PolicyName    string // TEN_SECONDLY_ROLLING, DAILY, SECONDLY on 429
	Context       map[string][]string
	Errors        []ErrorDetail
	Links         map[string]string

	// RetryAfter is the parsed Retry-After header; HasRetryAfter tells whether one was sent.
	RetryAfter    time.Duration
	HasRetryAfter bool
	// AuthFailure is the X-HubSpot-Auth-Failure header ("401 Unauthorized").
	AuthFailure string
	// ExistingID is the id HubSpot names in a 409 "… already exists. Existing ID: 123".
	ExistingID string
	// Body holds the raw body when it was not a JSON error object.
	Body []byte
}

// ErrorDetail is one entry of an error's errors[] array.
type ErrorDetail struct {
	Message     string              `json:"message"`
	Code        string              `json:"code,omitempty"`
	In          string              `json:"in,omitempty"`
	SubCategory string              `json:"subCategory,omitempty"`
	Context     map[string][]string `json:"context,omitempty"`
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("hubspot: ")
	if e.Method != "" {
		b.WriteString(e.Method)
		b.WriteByte(' ')
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(strconv.Itoa(e.StatusCode))
	if e.Category != "" {
		b.WriteByte(' ')
		b.WriteString(e.Category)
	}
	if e.PolicyName != "" {
		b.WriteString(" (")
		b.WriteString(e.PolicyName)
		b.WriteByte(')')
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.CorrelationID != "" {
		b.WriteString(" [correlationId ")
		b.WriteString(e.CorrelationID)
		b.WriteByte(']')
	}
	return b.String()
}

// Is makes errors.Is(err, ErrNotFound) true for a 404.
func (e *Error) Is(target error) bool {
	return target == ErrNotFound && e.StatusCode == http.StatusNotFound
}

// IsDailyLimit reports a 429 for the daily limit, which must not be retried before
// the account's day resets.
func (e *Error) IsDailyLimit() bool {
	return e.StatusCode == http.StatusTooManyRequests && e.PolicyName == PolicyDaily
}

// RequiredScopes returns the scopes a 403 MISSING_SCOPES error names.
func (e *Error) RequiredScopes() []string {
	for _, d := range e.Errors {
		if s := d.Context["requiredScopes"]; len(s) > 0 {
			return s
		}
	}
	return e.Context["requiredScopes"]
}

// TransportError is a request that got no HTTP answer: connection refused or reset,
// DNS failure, or a timeout. errors.Is matches ErrTimeout or ErrNetwork.
type TransportError struct {
	Method  string
	Path    string
	Timeout bool
	Err     error
}

func (e *TransportError) Error() string {
	kind := "network error"
	if e.Timeout {
		kind = "timeout"
	}
	return "hubspot: " + e.Method + " " + e.Path + ": " + kind + ": " + e.Err.Error()
}

func (e *TransportError) Unwrap() error { return e.Err }

// Is matches ErrTimeout or ErrNetwork.
func (e *TransportError) Is(target error) bool {
	return (target == ErrTimeout && e.Timeout) || (target == ErrNetwork && !e.Timeout)
}

func newTransportError(method, path string, err error) *TransportError {
	return &TransportError{Method: method, Path: path, Timeout: isTimeout(err), Err: err}
}

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// Classify maps an error returned by this package to a failure category.
func Classify(err error) Category {
	if err == nil {
		return ""
	}
	var he *Error
	if errors.As(err, &he) {
		return classifyStatus(he.StatusCode, he.Category)
	}
	var be *BatchError
	if errors.As(err, &be) {
		return be.FailureCategory()
	}
	if errors.Is(err, ErrNotAllowed) {
		// A target SimCRM may not call: no retry can help, as with a refused token.
		return CategoryAuth
	}
	if isTimeout(err) {
		return CategoryTimeout
	}
	if errors.Is(err, context.Canceled) {
		return CategoryUnknown
	}
	var te *TransportError
	if errors.As(err, &te) || isNetwork(err) {
		return CategoryNetwork
	}
	return CategoryUnknown
}

func isNetwork(err error) bool {
	var oe *net.OpError
	var de *net.DNSError
	return errors.As(err, &oe) || errors.As(err, &de) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

func classifyStatus(status int, category string) Category {
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return CategoryAuth
	case status == http.StatusBadRequest || status == http.StatusUnprocessableEntity:
		return CategoryValidation
	case status == http.StatusConflict:
		return CategoryConflict
	case status == http.StatusTooManyRequests:
		return CategoryRateLimit
	case status == http.StatusRequestTimeout:
		return CategoryTimeout
	case status >= 500:
		return CategoryServer
	case status != 0:
		return CategoryUnknown
	}
	// No status: a per-input batch error, judged by HubSpot's category.
	switch category {
	case "VALIDATION_ERROR", "INVALID_PARAMS":
		return CategoryValidation
	case "CONFLICT":
		return CategoryConflict
	case "RATE_LIMIT", "RATE_LIMITS":
		return CategoryRateLimit
	case "INVALID_AUTHENTICATION", "MISSING_SCOPES":
		return CategoryAuth
	}
	return CategoryUnknown
}

// errorBody is the union of HubSpot's error shapes (the spec's Error and the 429 body).
type errorBody struct {
	Status        string              `json:"status"`
	Message       string              `json:"message"`
	CorrelationID string              `json:"correlationId"`
	Category      string              `json:"category"`
	SubCategory   json.RawMessage     `json:"subCategory"`
	ErrorType     string              `json:"errorType"`
	PolicyName    string              `json:"policyName"`
	RequestID     string              `json:"requestId"`
	Context       map[string][]string `json:"context"`
	Errors        []ErrorDetail       `json:"errors"`
	Links         map[string]string   `json:"links"`
}

const maxRawErrorBody = 2048

func newError(method, path string, resp *http.Response, body []byte, now time.Time) *Error {
	e := &Error{Method: method, Path: path, StatusCode: resp.StatusCode}
	var eb errorBody
	if len(body) > 0 && json.Unmarshal(body, &eb) == nil {
		e.Status = eb.Status
		e.Message = eb.Message
		e.CorrelationID = eb.CorrelationID
		e.Category = eb.Category
		if e.Category == "" {
			e.Category = eb.ErrorType
		}
		e.SubCategory = rawString(eb.SubCategory)
		e.ErrorType = eb.ErrorType
		e.PolicyName = eb.PolicyName
		e.RequestID = eb.RequestID
		e.Context = eb.Context
		e.Errors = eb.Errors
		e.Links = eb.Links
	} else if len(body) > 0 {
		e.Body = append([]byte(nil), body[:min(len(body), maxRawErrorBody)]...)
		e.Message = strings.TrimSpace(string(e.Body))
	}
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
	e.RetryAfter, e.HasRetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), now)
	e.AuthFailure = resp.Header.Get("X-HubSpot-Auth-Failure")
	if resp.StatusCode == http.StatusConflict {
		e.ExistingID = existingID(e.Message)
	}
	return e
}

// rawString turns a JSON string into its value and anything else into its text.
func rawString(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// parseRetryAfter reads delay-seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if secs < 0 {
			secs = 0
		}
		return time.Duration(secs * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// existingID finds the id in "Contact already exists. Existing ID: 123".
func existingID(msg string) string {
	const marker = "existing id:"
	i := strings.LastIndex(strings.ToLower(msg), marker)
	if i < 0 {
		return ""
	}
	rest := strings.TrimLeft(msg[i+len(marker):], " ")
	n := 0
	for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
		n++
	}
	return rest[:n]
}

// BatchError is one entry of a 207 batch response's errors[] (the spec's StandardError).
type BatchError struct {
	Status      string              `json:"status"`
	Category    string              `json:"category"`
	SubCategory json.RawMessage     `json:"subCategory,omitempty"`
	Message     string              `json:"message"`
	ID          string              `json:"id,omitempty"`
	Context     map[string][]string `json:"context,omitempty"`
	Errors      []ErrorDetail       `json:"errors,omitempty"`
	Links       map[string]string   `json:"links,omitempty"`
}

func (e *BatchError) Error() string {
	return fmt.Sprintf("hubspot: batch input error %s: %s", e.Category, e.Message)
}

// FailureCategory maps the entry's HubSpot category to a failure category.
func (e *BatchError) FailureCategory() Category { return classifyStatus(0, e.Category) }

// ExistingID returns the id named in a conflict message, if any.
func (e *BatchError) ExistingID() string { return existingID(e.Message) }

// PartialBatchError reports a batch that was split into requests of at most 100
// inputs where one request failed as a whole: inputs[:Done] were processed (their
// results are returned alongside), inputs[Done:] were not sent.
type PartialBatchError struct {
	Done  int
	Total int
	Err   error
}

func (e *PartialBatchError) Error() string {
	return fmt.Sprintf("%v (after %d of %d inputs)", e.Err, e.Done, e.Total)
}

func (e *PartialBatchError) Unwrap() error { return e.Err }
