package sandbox_test

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/simcrm/simcrm/internal/hubspot"
	"github.com/simcrm/simcrm/internal/sandbox"
	"github.com/simcrm/simcrm/internal/testenv"
)

// benchInputs are 100 contacts as SimCRM sends them (eight properties, the email
// and the record key unique).
func benchInputs(n *atomic.Int64) []hubspot.ObjectInput {
	in := make([]hubspot.ObjectInput, 100)
	for j := range in {
		k := n.Add(1)
		in[j] = hubspot.ObjectInput{Properties: map[string]string{
			"email": fmt.Sprintf("bench%d@example.com", k), "firstname": "Ada", "lastname": "Lovelace",
			"phone": "+44 20 7946 0000", "company": "Analytical Engines", "jobtitle": "Engineer",
			"lifecyclestage": "lead", "simcrm_record_key": fmt.Sprintf("contact:%d", k),
		}}
	}
	return in
}

// BenchmarkBatchCreate100 is one POST /crm/v3/objects/contacts/batch/create of 100
// contacts over HTTP, end to end (client encoding, sandbox, database); ns/op is
// the latency of one batch of 100. Limits are off.
func BenchmarkBatchCreate100(b *testing.B) {
	var n atomic.Int64
	for _, d := range testenv.Dialects(b) {
		b.Run(d.Name, func(b *testing.B) {
			c := benchClient(b, d)
			ctx := context.Background()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := c.BatchCreate(ctx, hubspot.Contacts, benchInputs(&n)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkBatchCreate100Parallel sends the same batches from 8 concurrent
// clients, as the engine's workers do; ns/op is wall time per batch, so
// 1e9/ns-per-op is batches per second.
func BenchmarkBatchCreate100Parallel(b *testing.B) {
	var n atomic.Int64
	for _, d := range testenv.Dialects(b) {
		b.Run(d.Name, func(b *testing.B) {
			c := benchClient(b, d)
			ctx := context.Background()
			b.SetParallelism(4)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := c.BatchCreate(ctx, hubspot.Contacts, benchInputs(&n)); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

func benchClient(b *testing.B, d testenv.Dialect) *hubspot.Client {
	st := openStore(b, d)
	sb := sandbox.New(st, sandbox.Options{Token: testToken, Limits: sandbox.Limits{}})
	c, err := hubspot.NewClient(serve(b, sb), testToken, hubspot.WithHTTPClient(&http.Client{}))
	if err != nil {
		b.Fatal(err)
	}
	return c
}
