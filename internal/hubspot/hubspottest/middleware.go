package hubspottest

import (
	"bytes"
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
