package hubspot_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/simcrm/simcrm/internal/hubspot"
)

var fixedNow = time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)

func TestErrorShapes(t *testing.T) {
	cases := []struct {
		name     string
		validate bool // the answer is in the spec's shapes
		status   int
		header   map[string]string
		body     string

		category       hubspot.Category
		retryable      bool
		hsCategory     string
		policy         string
		retryAfter     time.Duration
		hasRetryAfter  bool
		existingID     string
		requiredScopes []string
		authFailure    string
		daily          bool
		notFound       bool
		message        string
	}{
		{
			name: "401 invalid token", validate: true, status: 401,
			header:   map[string]string{"X-HubSpot-Auth-Failure": "401 Unauthorized"},
			body:     `{"status":"error","message":"Authentication credentials not found.","correlationId":"c0a8d7b6-1111-4222-8333-944455556666","category":"INVALID_AUTHENTICATION","links":{"api key":"https://app.hubspot.com/l/api-key/"}}`,
			category: hubspot.CategoryAuth, hsCategory: "INVALID_AUTHENTICATION", authFailure: "401 Unauthorized",
			message: "Authentication credentials not found.",
		},
		{
			name: "403 missing scopes", validate: true, status: 403,
			body: `{"status":"error","message":"This app hasn't been granted all required scopes to make this call.","correlationId":"c0a8d7b6-1111-4222-8333-944455556666","category":"MISSING_SCOPES",` +
				`"errors":[{"message":"One or more of the following scopes are required.","context":{"requiredScopes":["crm.objects.contacts.write"]}}]}`,
			category: hubspot.CategoryAuth, hsCategory: "MISSING_SCOPES", requiredScopes: []string{"crm.objects.contacts.write"},
		},
		{
			name: "400 validation", validate: true, status: 400,
			body: `{"status":"error","message":"Property values were not valid: [{\"isValid\":false,\"message\":\"Email address ada@ is invalid\",\"error\":\"INVALID_EMAIL\",\"name\":\"email\"}]","correlationId":"c0a8d7b6-1111-4222-8333-944455556666","category":"VALIDATION_ERROR",` +
				`"errors":[{"message":"Email address ada@ is invalid","code":"INVALID_EMAIL","context":{"propertyName":["email"]}}]}`,
			category: hubspot.CategoryValidation, hsCategory: "VALIDATION_ERROR",
		},
		{
			name: "409 conflict with existing id", validate: true, status: 409,
			body:     `{"status":"error","message":"Contact already exists. Existing ID: 123","correlationId":"c0a8d7b6-1111-4222-8333-944455556666","category":"CONFLICT"}`,
			category: hubspot.CategoryConflict, retryable: true, hsCategory: "CONFLICT", existingID: "123",
			message: "Contact already exists. Existing ID: 123",
		},
		{
			name: "429 ten-secondly without Retry-After", validate: true, status: 429,
			body:     `{"status":"error","message":"You have reached your ten_secondly_rolling limit.","errorType":"RATE_LIMIT","correlationId":"c0a8d7b6-1111-4222-8333-944455556666","policyName":"TEN_SECONDLY_ROLLING","requestId":"7f1e0d2c-aaaa-4bbb-8ccc-9ddd0eeeffff"}`,
			category: hubspot.CategoryRateLimit, retryable: true, hsCategory: "RATE_LIMIT", policy: "TEN_SECONDLY_ROLLING",
		},
		{
			name: "429 ten-secondly with Retry-After seconds", validate: true, status: 429,
			header:   map[string]string{"Retry-After": "3"},
			body:     `{"status":"error","message":"You have reached your ten_secondly_rolling limit.","errorType":"RATE_LIMIT","correlationId":"c0a8d7b6-1111-4222-8333-944455556666","policyName":"TEN_SECONDLY_ROLLING","requestId":"7f1e0d2c-aaaa-4bbb-8ccc-9ddd0eeeffff"}`,
			category: hubspot.CategoryRateLimit, retryable: true, hsCategory: "RATE_LIMIT", policy: "TEN_SECONDLY_ROLLING", retryAfter: 3 * time.Second, hasRetryAfter: true,
		},
		{
			name: "429 daily", validate: true, status: 429,
			body:     `{"status":"error","message":"You have reached your daily limit.","errorType":"RATE_LIMIT","correlationId":"c0a8d7b6-1111-4222-8333-944455556666","policyName":"DAILY","requestId":"7f1e0d2c-aaaa-4bbb-8ccc-9ddd0eeeffff"}`,
			category: hubspot.CategoryRateLimit, retryable: true, hsCategory: "RATE_LIMIT", policy: "DAILY", daily: true,
		},
		{
			name: "429 daily with Retry-After date", validate: true, status: 429,
			header:   map[string]string{"Retry-After": fixedNow.Add(90 * time.Minute).Format(http.TimeFormat)},
			body:     `{"status":"error","message":"You have reached your daily limit.","errorType":"RATE_LIMIT","correlationId":"c0a8d7b6-1111-4222-8333-944455556666","policyName":"DAILY","requestId":"7f1e0d2c-aaaa-4bbb-8ccc-9ddd0eeeffff"}`,
			category: hubspot.CategoryRateLimit, retryable: true, hsCategory: "RATE_LIMIT", policy: "DAILY", daily: true, retryAfter: 90 * time.Minute, hasRetryAfter: true,
		},
		{
			name: "429 secondly", validate: true, status: 429,
			body:     `{"status":"error","message":"You have reached your secondly limit.","errorType":"RATE_LIMIT","correlationId":"c0a8d7b6-1111-4222-8333-944455556666","policyName":"SECONDLY","requestId":"7f1e0d2c-aaaa-4bbb-8ccc-9ddd0eeeffff"}`,
			category: hubspot.CategoryRateLimit, retryable: true, hsCategory: "RATE_LIMIT", policy: "SECONDLY",
		},
		{
			name: "404 not found", validate: true, status: 404,
			body:     `{"status":"error","message":"resource not found","correlationId":"c0a8d7b6-1111-4222-8333-944455556666","category":"OBJECT_NOT_FOUND"}`,
			category: hubspot.CategoryUnknown, retryable: true, hsCategory: "OBJECT_NOT_FOUND", notFound: true,
		},
		{
			name: "500 server error", validate: true, status: 500,
			body:     `{"status":"error","message":"internal error","correlationId":"c0a8d7b6-1111-4222-8333-944455556666","category":"INTERNAL_ERROR"}`,
			category: hubspot.CategoryServer, retryable: true, hsCategory: "INTERNAL_ERROR",
		},
		{
			name: "502 HTML from a proxy", status: 502,
			header:   map[string]string{"Content-Type": "text/html"},
			body:     `<html><body>502 Bad Gateway</body></html>`,
			category: hubspot.CategoryServer, retryable: true, message: "<html><body>502 Bad Gateway</body></html>",
		},
		{
			name: "503 with Retry-After and empty body", status: 503,
			header:   map[string]string{"Retry-After": "1.5"},
			category: hubspot.CategoryServer, retryable: true, retryAfter: 1500 * time.Millisecond, hasRetryAfter: true,
			message: "Service Unavailable",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fake := newFake(t, tc.validate, func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				if w.Header().Get("Content-Type") == "" {
					w.Header().Set("Content-Type", "application/json;charset=utf-8")
				}
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			})
			c := fake.client(hubspot.WithClock(func() time.Time { return fixedNow }))
			_, err := c.CreateObject(context.Background(), hubspot.Contacts, hubspot.ObjectInput{Properties: map[string]string{"email": "ada@example.com"}})
			if err == nil {
				t.Fatal("want an error")
			}
			var he *hubspot.Error
			if !errors.As(err, &he) {
				t.Fatalf("want *hubspot.Error, got %T %v", err, err)
			}
			if got := hubspot.Classify(err); got != tc.category {
				t.Errorf("Classify: got %s, want %s", got, tc.category)
			}
			if got := hubspot.Retryable(hubspot.Classify(err)); got != tc.retryable {
				t.Errorf("Retryable: got %v, want %v", got, tc.retryable)
			}
			if he.StatusCode != tc.status || he.Category != tc.hsCategory || he.PolicyName != tc.policy {
				t.Errorf("status/category/policy: got %d %q %q, want %d %q %q", he.StatusCode, he.Category, he.PolicyName, tc.status, tc.hsCategory, tc.policy)
			}
			if he.RetryAfter != tc.retryAfter || he.HasRetryAfter != tc.hasRetryAfter {
				t.Errorf("Retry-After: got %v %v, want %v %v", he.RetryAfter, he.HasRetryAfter, tc.retryAfter, tc.hasRetryAfter)
			}
			if he.ExistingID != tc.existingID {
				t.Errorf("ExistingID: got %q, want %q", he.ExistingID, tc.existingID)
			}
			if got := he.RequiredScopes(); !slices.Equal(got, tc.requiredScopes) {
				t.Errorf("RequiredScopes: got %v, want %v", got, tc.requiredScopes)
			}
			if he.AuthFailure != tc.authFailure {
				t.Errorf("AuthFailure: got %q, want %q", he.AuthFailure, tc.authFailure)
			}
			if he.IsDailyLimit() != tc.daily {
				t.Errorf("IsDailyLimit: got %v, want %v", he.IsDailyLimit(), tc.daily)
			}
			if errors.Is(err, hubspot.ErrNotFound) != tc.notFound {
				t.Errorf("errors.Is(ErrNotFound): got %v, want %v", !tc.notFound, tc.notFound)
			}
			if tc.message != "" && he.Message != tc.message {
				t.Errorf("Message: got %q, want %q", he.Message, tc.message)
			}
			if tc.validate && he.CorrelationID == "" {
				t.Errorf("CorrelationID missing")
			}
			if he.Method != "POST" || he.Path != "/crm/v3/objects/contacts" {
				t.Errorf("request: got %s %s", he.Method, he.Path)
			}
			if errors.Is(err, hubspot.ErrTimeout) || errors.Is(err, hubspot.ErrNetwork) {
				t.Errorf("an HTTP answer must not match ErrTimeout/ErrNetwork")
			}
		})
	}
}

func TestErrorMessage(t *testing.T) {
	e := &hubspot.Error{Method: "POST", Path: "/crm/v3/objects/contacts", StatusCode: 429, Category: "RATE_LIMIT", PolicyName: "DAILY", Message: "You have reached your daily limit.", CorrelationID: "abc"}
	want := "hubspot: POST /crm/v3/objects/contacts: 429 RATE_LIMIT (DAILY): You have reached your daily limit. [correlationId abc]"
	if got := e.Error(); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestTimeout(t *testing.T) {
	release := make(chan struct{})
	fake := newFake(t, false, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)

	t.Run("per-call timeout", func(t *testing.T) {
		c := fake.client(hubspot.WithTimeout(50 * time.Millisecond))
		start := time.Now()
		_, err := c.Object(context.Background(), hubspot.Contacts, "1", hubspot.ReadOptions{})
		if elapsed := time.Since(start); elapsed > 2*time.Second {
			t.Errorf("took %v", elapsed)
		}
		checkTransport(t, err, hubspot.CategoryTimeout, true)
	})
	t.Run("caller deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err := fake.client().Object(ctx, hubspot.Contacts, "1", hubspot.ReadOptions{})
		checkTransport(t, err, hubspot.CategoryTimeout, true)
	})
	t.Run("caller cancel", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(20*time.Millisecond, cancel)
		_, err := fake.client().Object(ctx, hubspot.Contacts, "1", hubspot.ReadOptions{})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("want context.Canceled, got %v", err)
		}
		if got := hubspot.Classify(err); got != hubspot.CategoryUnknown {
			t.Errorf("Classify: got %s, want unknown", got)
		}
	})
}

func TestNetworkErrors(t *testing.T) {
	t.Run("connection refused", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		c, _ := hubspot.NewClient("http://"+addr, testToken)
		_, err = c.Object(context.Background(), hubspot.Contacts, "1", hubspot.ReadOptions{})
		checkTransport(t, err, hubspot.CategoryNetwork, false)
		if !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("want ECONNREFUSED in the chain: %v", err)
		}
	})
	t.Run("connection reset mid-request", func(t *testing.T) {
		fake := newFake(t, false, func(w http.ResponseWriter, r *http.Request) {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Errorf("hijack: %v", err)
				return
			}
			if tc, ok := conn.(*net.TCPConn); ok {
				tc.SetLinger(0) // RST instead of FIN
			}
			conn.Close()
		})
		_, err := fake.client().CreateObject(context.Background(), hubspot.Contacts, hubspot.ObjectInput{})
		checkTransport(t, err, hubspot.CategoryNetwork, false)
	})
}

func checkTransport(t *testing.T, err error, want hubspot.Category, timeout bool) {
	t.Helper()
	var te *hubspot.TransportError
	if !errors.As(err, &te) {
		t.Fatalf("want *hubspot.TransportError, got %T %v", err, err)
	}
	if got := hubspot.Classify(err); got != want {
		t.Errorf("Classify: got %s, want %s (%v)", got, want, err)
	}
	if errors.Is(err, hubspot.ErrTimeout) != timeout || errors.Is(err, hubspot.ErrNetwork) == timeout {
		t.Errorf("errors.Is(ErrTimeout)=%v errors.Is(ErrNetwork)=%v, want timeout=%v", errors.Is(err, hubspot.ErrTimeout), errors.Is(err, hubspot.ErrNetwork), timeout)
	}
	if !hubspot.Retryable(hubspot.Classify(err)) {
		t.Errorf("transport failures are retryable")
	}
}

// timeoutErr is a net.Error that timed out.
type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestClassify(t *testing.T) {
	wrap := func(err error) error { return &url.Error{Op: "Post", URL: "https://api.hubapi.com/x", Err: err} }
	cases := []struct {
		name string
		err  error
		want hubspot.Category
	}{
		{"nil", nil, ""},
		{"401", &hubspot.Error{StatusCode: 401}, hubspot.CategoryAuth},
		{"403", &hubspot.Error{StatusCode: 403}, hubspot.CategoryAuth},
		{"400", &hubspot.Error{StatusCode: 400}, hubspot.CategoryValidation},
		{"422", &hubspot.Error{StatusCode: 422}, hubspot.CategoryValidation},
		{"409", &hubspot.Error{StatusCode: 409}, hubspot.CategoryConflict},
		{"429", &hubspot.Error{StatusCode: 429}, hubspot.CategoryRateLimit},
		{"408", &hubspot.Error{StatusCode: 408}, hubspot.CategoryTimeout},
		{"500", &hubspot.Error{StatusCode: 500}, hubspot.CategoryServer},
		{"504", &hubspot.Error{StatusCode: 504}, hubspot.CategoryServer},
		{"404", &hubspot.Error{StatusCode: 404}, hubspot.CategoryUnknown},
		{"wrapped 409", fmt.Errorf("job 7: %w", &hubspot.Error{StatusCode: 409}), hubspot.CategoryConflict},
		{"partial batch of 429", &hubspot.PartialBatchError{Done: 100, Total: 200, Err: &hubspot.Error{StatusCode: 429}}, hubspot.CategoryRateLimit},
		{"batch input validation", &hubspot.BatchError{Category: "VALIDATION_ERROR"}, hubspot.CategoryValidation},
		{"batch input conflict", &hubspot.BatchError{Category: "CONFLICT"}, hubspot.CategoryConflict},
		{"batch input not found", &hubspot.BatchError{Category: "OBJECT_NOT_FOUND"}, hubspot.CategoryUnknown},
		{"deadline", wrap(context.DeadlineExceeded), hubspot.CategoryTimeout},
		{"net timeout", wrap(&net.OpError{Op: "read", Err: timeoutErr{}}), hubspot.CategoryTimeout},
		{"os deadline", wrap(os.ErrDeadlineExceeded), hubspot.CategoryTimeout},
		{"refused", wrap(&net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}), hubspot.CategoryNetwork},
		{"reset", wrap(syscall.ECONNRESET), hubspot.CategoryNetwork},
		{"dns", wrap(&net.DNSError{Err: "no such host", Name: "api.hubapi.invalid", IsNotFound: true}), hubspot.CategoryNetwork},
		{"eof", wrap(io.EOF), hubspot.CategoryNetwork},
		{"transport error", &hubspot.TransportError{Err: errors.New("tls: bad certificate")}, hubspot.CategoryNetwork},
		{"canceled", wrap(context.Canceled), hubspot.CategoryUnknown},
		{"other", errors.New("boom"), hubspot.CategoryUnknown},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := hubspot.Classify(tc.err); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestRetryable(t *testing.T) {
	want := map[hubspot.Category]bool{
		hubspot.CategoryRateLimit: true, hubspot.CategoryAuth: false, hubspot.CategoryValidation: false,
		hubspot.CategoryConflict: true, hubspot.CategoryTimeout: true, hubspot.CategoryNetwork: true,
		hubspot.CategoryServer: true, hubspot.CategoryUnknown: true,
	}
	for c, w := range want {
		if got := hubspot.Retryable(c); got != w {
			t.Errorf("Retryable(%s): got %v, want %v", c, got, w)
		}
	}
}

func TestErrorStrings(t *testing.T) {
	cases := []struct {
		err  error
		want string
	}{
		{&hubspot.TransportError{Method: "GET", Path: "/crm/v3/owners", Timeout: true, Err: context.DeadlineExceeded}, "hubspot: GET /crm/v3/owners: timeout: context deadline exceeded"},
		{&hubspot.TransportError{Method: "GET", Path: "/crm/v3/owners", Err: syscall.ECONNREFUSED}, "hubspot: GET /crm/v3/owners: network error: connection refused"},
		{&hubspot.PartialBatchError{Done: 100, Total: 250, Err: &hubspot.Error{StatusCode: 409, Category: "CONFLICT", Message: "m"}}, "hubspot: 409 CONFLICT: m (after 100 of 250 inputs)"},
		{&hubspot.BatchError{Category: "CONFLICT", Message: "Contact already exists. Existing ID: 7"}, "hubspot: batch input error CONFLICT: Contact already exists. Existing ID: 7"},
	}
	for _, tc := range cases {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("got  %q\nwant %q", got, tc.want)
		}
	}
	be := &hubspot.BatchError{Message: "Contact already exists. existing id:  7"}
	if be.ExistingID() != "7" {
		t.Errorf("ExistingID: %q", be.ExistingID())
	}
}
