// Package hubspot is SimCRM's client for HubSpot's CRM API (v3 objects, v4
// associations, search, owners, pipelines, properties) and for SimCRM's
// HubSpot-compatible sandbox, which serves the same paths under another base URL.
//
// The client does not retry: every failure comes back as an *Error (HubSpot
// answered), a *TransportError (no answer) or a *PartialBatchError (a split batch
// stopped part way); Classify maps any of them to a failure category and the
// queue decides what to do.
package hubspot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Defaults and HubSpot's limits.
const (
	DefaultBaseURL = "https://api.hubapi.com"
	DefaultTimeout = 30 * time.Second
	// MaxBatchSize is the most inputs HubSpot takes in one batch request; larger
	// batches are split.
	MaxBatchSize = 100
	// MaxSearchLimit is the largest search page.
	MaxSearchLimit = 200
	// MaxSearchResults is the most results one search query can page through.
	MaxSearchResults = 10000

	defaultUserAgent = "simcrm-hubspot/1"
	maxResponseBody  = 64 << 20
)

// Client talks to one HubSpot account (or sandbox) with one private app token. It
// is safe for concurrent use; create one per connection and keep it.
type Client struct {
	base      string
	http      *http.Client
	timeout   time.Duration
	auth      []string
	userAgent []string
	batchSize int
	observer  func(RateLimitInfo)
	now       func() time.Time

	mu      sync.Mutex
	rate    RateLimitInfo
	hasRate bool
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient replaces the HTTP client. Its Timeout should be zero: every call
// already has its own (WithTimeout).
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.http = hc } }

// WithTimeout sets the time limit of each call (default 30 s); it covers the whole
// exchange including reading the body. Each request of a split batch gets its own.
func WithTimeout(d time.Duration) Option { return func(c *Client) { c.timeout = d } }

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option { return func(c *Client) { c.userAgent = []string{ua} } }

// WithRateObserver calls fn, synchronously, after every response that carried
// rate-limit headers, so a limiter can tighten itself.
func WithRateObserver(fn func(RateLimitInfo)) Option { return func(c *Client) { c.observer = fn } }

// WithBatchSize lowers the number of inputs per batch request (1–100, default 100).
func WithBatchSize(n int) Option { return func(c *Client) { c.batchSize = n } }

// WithClock replaces time.Now (for Retry-After dates and RateLimitInfo.At).
func WithClock(now func() time.Time) Option { return func(c *Client) { c.now = now } }

var defaultTransport = sync.OnceValue(func() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	// The default of 2 idle connections per host would make hundreds of calls a
	// second open and close connections all the time.
	t.MaxIdleConns = 512
	t.MaxIdleConnsPerHost = 256
	t.IdleConnTimeout = 90 * time.Second
	return t
})

// NewClient returns a client for baseURL (DefaultBaseURL for HubSpot, or the
// sandbox's base such as http://host/sandbox/hubspot); every path is appended to it.
func NewClient(baseURL, token string, opts ...Option) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("hubspot: invalid base URL %q", baseURL)
	}
	if token == "" {
		return nil, errors.New("hubspot: empty access token")
	}
	c := &Client{
		base:      strings.TrimRight(baseURL, "/"),
		http:      &http.Client{Transport: defaultTransport()},
		timeout:   DefaultTimeout,
		auth:      []string{"Bearer " + token},
		userAgent: []string{defaultUserAgent},
		batchSize: MaxBatchSize,
		now:       time.Now,
	}
	for _, opt := range opts {
		opt(c)
	}
	if c.batchSize < 1 || c.batchSize > MaxBatchSize {
		return nil, fmt.Errorf("hubspot: batch size %d outside 1–%d", c.batchSize, MaxBatchSize)
	}
	if c.timeout <= 0 {
		return nil, fmt.Errorf("hubspot: timeout %v must be positive", c.timeout)
	}
	return c, nil
}

// BaseURL returns the base every path is appended to.
func (c *Client) BaseURL() string { return c.base }

// RateLimit returns the rate-limit headers of the latest response that had any.
func (c *Client) RateLimit() (RateLimitInfo, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rate, c.hasRate
}

func (c *Client) observe(h http.Header) {
	info, ok := ParseRateLimit(h, c.now())
	if !ok {
		return
	}
	c.mu.Lock()
	c.rate, c.hasRate = info, true
	c.mu.Unlock()
	if c.observer != nil {
		c.observer(info)
	}
}

var (
	jsonContentType = []string{"application/json"}
	acceptJSON      = []string{"application/json"}
)

// do sends one request and decodes a 2xx JSON body into out (when out is not nil).
// It owns body: the buffer returns to the pool once the transport is done with it.
func (c *Client) do(ctx context.Context, method, path, query string, body *payload, out any) (int, error) {
	if body != nil {
		defer body.release()
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()

	u := c.base + path
	if query != "" {
		u += "?" + query
	}
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return 0, fmt.Errorf("hubspot: %s %s: %w", method, path, err)
	}
	req.Header["Authorization"] = c.auth
	req.Header["Accept"] = acceptJSON
	req.Header["User-Agent"] = c.userAgent
	if body != nil {
		req.Header["Content-Type"] = jsonContentType
		req.ContentLength = int64(body.buf.Len())
		req.Body = body.reader()
		req.GetBody = func() (io.ReadCloser, error) { return body.reader(), nil }
	}

	resp, err := c.http.Do(req)
	if err != nil {
		return 0, newTransportError(method, path, err)
	}
	defer resp.Body.Close()
	c.observe(resp.Header)

	buf := getBuffer()
	defer putBuffer(buf)
	if _, err := buf.ReadFrom(io.LimitReader(resp.Body, maxResponseBody)); err != nil {
		return resp.StatusCode, newTransportError(method, path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, newError(method, path, resp, buf.Bytes(), c.now())
	}
	if out != nil && buf.Len() > 0 {
		if err := json.Unmarshal(buf.Bytes(), out); err != nil {
			return resp.StatusCode, fmt.Errorf("hubspot: %s %s: decode %d response: %w", method, path, resp.StatusCode, err)
		}
	}
	return resp.StatusCode, nil
}

// jsonPayload encodes v with encoding/json (for calls off the hot path).
func jsonPayload(v any) (*payload, error) {
	p := newPayload()
	if err := json.NewEncoder(p.buf).Encode(v); err != nil {
		p.release()
		return nil, fmt.Errorf("hubspot: encode request: %w", err)
	}
	return p, nil
}

func (c *Client) doJSON(ctx context.Context, method, path, query string, in, out any) (int, error) {
	p, err := jsonPayload(in)
	if err != nil {
		return 0, err
	}
	return c.do(ctx, method, path, query, p, out)
}

// segment escapes one path segment (an id or a name).
func segment(s string) string { return url.PathEscape(s) }

func objectsPath(t ObjectType) string { return "/crm/v3/objects/" + segment(string(t)) }
