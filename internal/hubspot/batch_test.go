package hubspot_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/simcrm/simcrm/internal/hubspot"
)

type batchBody struct {
	Inputs []struct {
		ID         string            `json:"id"`
		Properties map[string]string `json:"properties"`
	} `json:"inputs"`
}

// echoCreate answers a batch create with one record per input, id = email's number.
func echoCreate(t *testing.T, w http.ResponseWriter, r *http.Request, status int, extra string) {
	t.Helper()
	var in batchBody
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		t.Errorf("decode: %v", err)
	}
	results := make([]string, len(in.Inputs))
	for i, input := range in.Inputs {
		email := input.Properties["email"]
		results[i] = objectJSON(strings.TrimSuffix(strings.TrimPrefix(email, "c"), "@example.com"), `{"email":"`+email+`"}`)
	}
	reply(w, status, `{"status":"COMPLETE","results":[`+strings.Join(results, ",")+`],"startedAt":"`+ts+`","completedAt":"`+ts+`"`+extra+`}`)
}

func contactInputs(n int) []hubspot.ObjectInput {
	in := make([]hubspot.ObjectInput, n)
	for i := range in {
		in[i] = hubspot.ObjectInput{Properties: map[string]string{"email": fmt.Sprintf("c%d@example.com", i)}}
	}
	return in
}

func TestBatchSplitsAt100(t *testing.T) {
	cases := []struct {
		n     int
		sizes []int
	}{
		{0, nil},
		{1, []int{1}},
		{100, []int{100}},
		{101, []int{100, 1}},
		{250, []int{100, 100, 50}},
	}
	for _, tc := range cases {
		t.Run(strconv.Itoa(tc.n), func(t *testing.T) {
			fake := newFake(t, true, func(w http.ResponseWriter, r *http.Request) { echoCreate(t, w, r, 201, "") })
			res, err := fake.client().BatchCreate(context.Background(), hubspot.Contacts, contactInputs(tc.n))
			if err != nil {
				t.Fatal(err)
			}
			reqs := fake.requests()
			if len(reqs) != len(tc.sizes) {
				t.Fatalf("requests: got %d, want %d", len(reqs), len(tc.sizes))
			}
			next := 0
			for i, r := range reqs {
				var in batchBody
				json.Unmarshal(r.Body, &in)
				if len(in.Inputs) != tc.sizes[i] {
					t.Errorf("request %d: %d inputs, want %d", i, len(in.Inputs), tc.sizes[i])
				}
				for _, input := range in.Inputs { // in order, none lost or repeated
					if want := fmt.Sprintf("c%d@example.com", next); input.Properties["email"] != want {
						t.Errorf("request %d: got %s, want %s", i, input.Properties["email"], want)
					}
					next++
				}
			}
			if len(res.Results) != tc.n || res.Requests != len(tc.sizes) || res.Status != "COMPLETE" || res.Partial {
				t.Errorf("merged: %d results, %d requests, status %s, partial %v", len(res.Results), res.Requests, res.Status, res.Partial)
			}
			for i, o := range res.Results {
				if o.ID != strconv.Itoa(i) {
					t.Fatalf("result %d has id %s", i, o.ID)
				}
			}
		})
	}
}

func TestBatchSizeOption(t *testing.T) {
	fake := newFake(t, true, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) })
	ids := make([]string, 25)
	for i := range ids {
		ids[i] = strconv.Itoa(i)
	}
	if err := fake.client(hubspot.WithBatchSize(10)).BatchArchive(context.Background(), hubspot.Contacts, ids); err != nil {
		t.Fatal(err)
	}
	if got := len(fake.requests()); got != 3 {
		t.Errorf("requests: got %d, want 3", got)
	}
	if _, err := hubspot.NewClient(fake.URL(), testToken, hubspot.WithBatchSize(101)); err == nil {
		t.Error("batch size 101 accepted")
	}
}

func TestBatch207PartialResults(t *testing.T) {
	var calls atomic.Int32
	fake := newFake(t, true, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 2 {
			echoCreate(t, w, r, 207, `,"numErrors":1,"errors":[{"status":"error","category":"VALIDATION_ERROR","message":"Property values were not valid","context":{"propertyName":["email"]},"errors":[],"links":{}}]`)
			return
		}
		echoCreate(t, w, r, 201, "")
	})
	res, err := fake.client().BatchCreate(context.Background(), hubspot.Contacts, contactInputs(150))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Partial || res.NumErrors != 1 || len(res.Errors) != 1 || len(res.Results) != 150 {
		t.Fatalf("got partial=%v numErrors=%d errors=%d results=%d", res.Partial, res.NumErrors, len(res.Errors), len(res.Results))
	}
	be := res.Errors[0]
	if be.Category != "VALIDATION_ERROR" || be.Context["propertyName"][0] != "email" || hubspot.Classify(&be) != hubspot.CategoryValidation {
		t.Errorf("batch error %+v", be)
	}
}

func TestBatchUpsert207ReadErrors(t *testing.T) {
	fake := newFake(t, true, func(w http.ResponseWriter, r *http.Request) {
		reply(w, 207, `{"status":"COMPLETE","results":[`+objectJSON("1", `{"email":"a@example.com"}`)+`],"numErrors":1,`+
			`"errors":[{"status":"error","category":"OBJECT_NOT_FOUND","message":"Could not get some CONTACT objects, they may be deleted or not exist.","context":{"ids":["999"]},"errors":[],"links":{}}],`+
			`"startedAt":"`+ts+`","completedAt":"`+ts+`"}`)
	})
	res, err := fake.client().BatchRead(context.Background(), hubspot.Contacts, hubspot.BatchReadRequest{IDs: []string{"1", "999"}})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Partial || len(res.Results) != 1 || res.Errors[0].Context["ids"][0] != "999" {
		t.Errorf("got %+v", res)
	}
}

func TestBatchFailureMidway(t *testing.T) {
	var calls atomic.Int32
	fake := newFake(t, true, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 2 {
			reply(w, 409, `{"status":"error","message":"Contact already exists. Existing ID: 4242","correlationId":"c0a8d7b6-1111-4222-8333-944455556666","category":"CONFLICT"}`)
			return
		}
		echoCreate(t, w, r, 201, "")
	})
	res, err := fake.client().BatchCreate(context.Background(), hubspot.Contacts, contactInputs(250))
	var pe *hubspot.PartialBatchError
	if !errors.As(err, &pe) {
		t.Fatalf("want *PartialBatchError, got %T %v", err, err)
	}
	if pe.Done != 100 || pe.Total != 250 {
		t.Errorf("done %d of %d, want 100 of 250", pe.Done, pe.Total)
	}
	if res == nil || len(res.Results) != 100 {
		t.Fatalf("want the first 100 results kept, got %+v", res)
	}
	var he *hubspot.Error
	if !errors.As(err, &he) || he.ExistingID != "4242" || hubspot.Classify(err) != hubspot.CategoryConflict {
		t.Errorf("inner error: %v", err)
	}
	if got := len(fake.requests()); got != 2 {
		t.Errorf("requests: got %d, want 2 (stop at the failure)", got)
	}

	// A failure of the first request is returned plainly.
	calls.Store(1)
	res, err = fake.client().BatchCreate(context.Background(), hubspot.Contacts, contactInputs(50))
	if res != nil || !errors.As(err, &he) || errors.As(err, &pe) {
		t.Errorf("first-request failure: got %v, %T %v", res, err, err)
	}
}

func TestBatchReadWithHistorySplitsAt50(t *testing.T) {
	fake := newFake(t, true, func(w http.ResponseWriter, r *http.Request) { reply(w, 200, batchJSON()) })
	ids := make([]string, 120)
	for i := range ids {
		ids[i] = strconv.Itoa(i)
	}
	c := fake.client()
	if _, err := c.BatchRead(context.Background(), hubspot.Contacts, hubspot.BatchReadRequest{IDs: ids, PropertiesWithHistory: []string{"lifecyclestage"}}); err != nil {
		t.Fatal(err)
	}
	if got := len(fake.requests()); got != 3 {
		t.Errorf("with history: %d requests, want 3 (50+50+20)", got)
	}
	if _, err := c.BatchRead(context.Background(), hubspot.Contacts, hubspot.BatchReadRequest{IDs: ids}); err != nil {
		t.Fatal(err)
	}
	if got := len(fake.requests()) - 3; got != 2 {
		t.Errorf("without history: %d requests, want 2", got)
	}
}
