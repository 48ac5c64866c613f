package hubspottest_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/simcrm/simcrm/internal/hubspot/hubspottest"
)

// batch100 returns a batch read response of 100 contacts with 10 properties each,
// one of them null.
func batch100() []byte {
	var b strings.Builder
	b.WriteString(`{"status":"COMPLETE","results":[`)
	for i := range 100 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"%d","properties":{"email":"c%d@example.com","firstname":"Ada","lastname":"Lovelace",`+
			`"phone":"+44 20 7946 0000","company":"Analytical Engines","jobtitle":"Programmer","lifecyclestage":"lead",`+
			`"hs_lead_status":"NEW","createdate":"2024-05-01T10:00:00.000Z","hs_object_id":null},`+
			`"createdAt":"2024-05-01T10:00:00.000Z","updatedAt":"2024-05-02T10:00:00.000Z","archived":false}`, 1000+i, i)
	}
	b.WriteString(`],"startedAt":"2024-05-01T10:00:00.000Z","completedAt":"2024-05-01T10:00:01.000Z"}`)
	return []byte(b.String())
}

func BenchmarkValidateResponseBatch100(b *testing.B) {
	v := hubspottest.MustLoad(b, base)
	r := request("POST", "/crm/v3/objects/contacts/batch/read", "")
	h := http.Header{"Content-Type": {"application/json;charset=utf-8"}}
	body := batch100()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if err := v.ValidateResponse(r, 200, h, body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidateRequestBatch100(b *testing.B) {
	v := hubspottest.MustLoad(b, base)
	var sb strings.Builder
	sb.WriteString(`{"inputs":[`)
	for i := range 100 {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"properties":{"email":"c%d@example.com","firstname":"Ada","lastname":"Lovelace","lifecyclestage":"lead"},`+
			`"associations":[{"to":{"id":"9001"},"types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":279}]}]}`, i)
	}
	sb.WriteString(`]}`)
	body := sb.String()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if err := v.ValidateRequest(request("POST", "/crm/v3/objects/contacts/batch/create", body)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoad is the cost of a validator once the spec files are cached (a
// router per spec for a new base URL), which every fake server pays.
func BenchmarkLoad(b *testing.B) {
	hubspottest.MustLoad(b, base)
	b.ReportAllocs()
	for b.Loop() {
		hubspottest.MustLoad(b, base)
	}
}
