package hubspottest

import (
	"bytes"
	"io"
	"net/http"
)

// Reporter receives validation failures; *testing.T satisfies it.
type Reporter interface {
	Helper()
	Errorf(format string, args ...any)
}

// Handler wraps next (a fake HubSpot or the sandbox) so that every request and
// response passing through is checked against the specs; failures go to t.
func (v *Validator) Handler(t Reporter, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := v.ValidateRequest(r); err != nil {
			t.Errorf("request does not match HubSpot's OpenAPI spec: %v", err)
		}
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		if err := v.ValidateResponse(r, rec.status, w.Header(), rec.body.Bytes()); err != nil {
			t.Errorf("response does not match HubSpot's OpenAPI spec: %v", err)
		}
	})
}

// recorder passes a response through while keeping a copy of its status and body.
type recorder struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
	body        bytes.Buffer
}

func (r *recorder) WriteHeader(code int) {
	if !r.wroteHeader {
		r.status, r.wroteHeader = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(p []byte) (int, error) {
	r.wroteHeader = true
	r.body.Write(p)
	return r.ResponseWriter.Write(p)
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Transport wraps next (nil: http.DefaultTransport) so that every request a client
// sends and every answer it gets is checked against the specs; failures go to t.
// Use it to run the HubSpot client against the sandbox in conformance tests.
func (v *Validator) Transport(t Reporter, next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return roundTripper{v: v, t: t, next: next}
}

type roundTripper struct {
	v    *Validator
	t    Reporter
	next http.RoundTripper
}

func (rt roundTripper) RoundTrip(r *http.Request) (*http.Response, error) {
	// A RoundTripper must not change the caller's request: validate a clone.
	out := r.Clone(r.Context())
	if r.Body != nil {
		body, err := io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil {
			return nil, err
		}
		out.Body = io.NopCloser(bytes.NewReader(body))
		out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	if err := rt.v.ValidateRequest(out); err != nil {
		rt.t.Errorf("request does not match HubSpot's OpenAPI spec: %v", err)
	}
	resp, err := rt.next.RoundTrip(out)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err := rt.v.ValidateResponse(out, resp.StatusCode, resp.Header, body); err != nil {
		rt.t.Errorf("response does not match HubSpot's OpenAPI spec: %v", err)
	}
	return resp, nil
}
