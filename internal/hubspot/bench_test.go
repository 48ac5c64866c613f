package hubspot_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/simcrm/simcrm/internal/hubspot"
)

// benchInputs is a realistic batch: 100 contacts with six properties and one
// inline association each.
func benchInputs() []hubspot.ObjectInput {
	in := make([]hubspot.ObjectInput, 100)
	for i := range in {
		in[i] = hubspot.ObjectInput{
			Properties: map[string]string{
				"email": fmt.Sprintf("contact%d@example.com", i), "firstname": "Ada", "lastname": "Lovelace",
				"phone": "+33 1 23 45 67 89", "jobtitle": "Engineer", "lifecyclestage": "lead",
			},
			Associations: []hubspot.Association{hubspot.DefinedAssociation("9001", 279)},
		}
	}
	return in
}

// benchAnswer is a 201 batch answer for benchInputs.
func benchAnswer() []byte {
	results := make([]string, 100)
	for i := range results {
		results[i] = objectJSON(fmt.Sprint(1000+i), fmt.Sprintf(`{"email":"contact%d@example.com","firstname":"Ada","lastname":"Lovelace","phone":"+33 1 23 45 67 89","jobtitle":"Engineer","lifecyclestage":"lead","createdate":"`+ts+`","hs_object_id":"%d","lastmodifieddate":"`+ts+`"}`, i, 1000+i))
	}
	return []byte(batchJSON(results...))
}

// BenchmarkBatchCreate100 is one batch create of 100 contacts over a kept-alive
// loopback connection to an httptest server (server allocations included).
func BenchmarkBatchCreate100(b *testing.B) {
	answer := benchAnswer()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-HubSpot-RateLimit-Max", "190")
		w.Header().Set("X-HubSpot-RateLimit-Remaining", "189")
		w.WriteHeader(201)
		w.Write(answer)
	}))
	defer srv.Close()
	c, _ := hubspot.NewClient(srv.URL, testToken)
	in := benchInputs()
	ctx := context.Background()
	b.ReportAllocs()
	b.SetBytes(int64(len(answer)))
	for b.Loop() {
		res, err := c.BatchCreate(ctx, hubspot.Contacts, in)
		if err != nil || len(res.Results) != 100 {
			b.Fatal(err)
		}
	}
}

// cannedTransport answers every request in memory, so the benchmark below counts
// the client's own work only.
type cannedTransport struct{ answer []byte }

func (t cannedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	io.Copy(io.Discard, r.Body)
	r.Body.Close()
	return &http.Response{
		StatusCode: 201, Header: http.Header{"Content-Type": {"application/json"}, "X-Hubspot-Ratelimit-Remaining": {"189"}},
		Body: io.NopCloser(bytes.NewReader(t.answer)), ContentLength: int64(len(t.answer)), Request: r,
	}, nil
}

// BenchmarkBatchCreate100ClientOnly is BenchmarkBatchCreate100 without the network
// and the server: encoding, request, rate-limit headers, decoding 100 records.
func BenchmarkBatchCreate100ClientOnly(b *testing.B) {
	c, _ := hubspot.NewClient("http://hubspot.test", testToken, hubspot.WithHTTPClient(&http.Client{Transport: cannedTransport{benchAnswer()}}))
	in := benchInputs()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.BatchCreate(ctx, hubspot.Contacts, in); err != nil {
			b.Fatal(err)
		}
	}
}

func TestBenchFixturesAreValid(t *testing.T) {
	var v struct {
		Results []json.RawMessage `json:"results"`
	}
	if err := json.Unmarshal(benchAnswer(), &v); err != nil || len(v.Results) != 100 {
		t.Fatalf("bench answer: %v", err)
	}
	if !strings.Contains(string(benchAnswer()), `"hs_object_id":"1099"`) {
		t.Fatal("bench answer ids")
	}
}
