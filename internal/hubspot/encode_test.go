package hubspot

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// jsonString is encoding/json's encoding of s without HTML escaping.
func jsonString(t testing.TB, s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	cases := []string{
		"", "plain", `quote " and \ backslash`, "new\nline\r\ttab", "\b\f\x00\x01\x1f\x7f",
		"<b>&amp;</b>", "héllo wörld 日本語 🎉", "\u2028\u2029", "bad \xff utf8 \xc3", "\xed\xa0\x80",
	}
	for _, s := range cases {
		if got, want := string(appendString(nil, s)), jsonString(t, s); got != want {
			t.Errorf("appendString(%q):\n got  %s\n want %s", s, got, want)
		}
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "a\"b", "\u2028", "\xff", "日本"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := string(appendString(nil, s)), jsonString(t, s); got != want {
			t.Fatalf("appendString(%q): got %s, want %s", s, got, want)
		}
	})
}

func TestInputsEncodeAsValidJSON(t *testing.T) {
	in := []ObjectInput{
		{},
		{Properties: map[string]string{"email": "a\"@x", "note": "line\n2", "": ""}, ObjectWriteTraceID: "t1",
			Associations: []Association{DefinedAssociation("1", 279), {To: "2"}}},
	}
	var got struct {
		Inputs []map[string]any `json:"inputs"`
	}
	raw := appendInputs(nil, in)
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("invalid JSON %s: %v", raw, err)
	}
	want := []map[string]any{
		{"properties": map[string]any{}, "associations": []any{}},
		{
			"properties": map[string]any{"email": "a\"@x", "note": "line\n2", "": ""},
			"associations": []any{
				map[string]any{"to": map[string]any{"id": "1"}, "types": []any{map[string]any{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": float64(279)}}},
				map[string]any{"to": map[string]any{"id": "2"}, "types": []any{}},
			},
			"objectWriteTraceId": "t1",
		},
	}
	if !reflect.DeepEqual(got.Inputs, want) {
		t.Errorf("got  %v\nwant %v", got.Inputs, want)
	}

	up := UpdateInput{ID: "a@x", IDProperty: "email", Properties: map[string]string{"firstname": "A"}}
	b, err := json.Marshal(up)
	if err != nil || string(b) != `{"id":"a@x","idProperty":"email","properties":{"firstname":"A"}}` {
		t.Errorf("UpdateInput: %s %v", b, err)
	}
}

func TestPayloadReturnsToPoolAfterEveryReader(t *testing.T) {
	p := newPayload()
	p.buf.WriteString("body")
	r1 := p.reader()
	r2 := p.reader() // as GetBody would
	p.release()      // the caller is done
	if p.buf == nil {
		t.Fatal("buffer released while readers are open")
	}
	r1.Close()
	r1.Close() // twice is harmless
	if p.buf == nil {
		t.Fatal("buffer released while a reader is open")
	}
	r2.Close()
	if p.buf != nil {
		t.Fatal("buffer not released after the last reader closed")
	}
}

func TestPropertiesUnmarshalMatchesEncodingJSON(t *testing.T) {
	cases := []string{
		`{}`,
		`null`,
		` { "a" : "1" , "b":null,"c":"" } `,
		`{"esc":"q\"uote\\ \/ \n\t \u00e9 \ud83c\udf89","utf8":"héllo 日本","bad":"\u2028"}`,
		"{\"raw\":\"bad \xff byte\"}",
		`{"dup":"1","dup":"2"}`,
	}
	for _, in := range cases {
		var got Properties
		if err := json.Unmarshal([]byte(in), &got); err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		var want map[string]*string
		if err := json.Unmarshal([]byte(in), &want); err != nil {
			t.Fatal(err)
		}
		if (got == nil) != (want == nil) || len(got) != len(want) {
			t.Errorf("%s: got %v, want %v", in, got, want)
			continue
		}
		for k, w := range want {
			g, ok := got[k]
			if !ok || (g == nil) != (w == nil) || (g != nil && *g != *w) {
				t.Errorf("%s: key %q: got %v, want %v", in, k, deref(g), deref(w))
			}
		}
	}
	// Lenient about numbers and booleans, strict about structures.
	var p Properties
	if err := json.Unmarshal([]byte(`{"n":12.5,"b":true}`), &p); err != nil || p.Get("n") != "12.5" || p.Get("b") != "true" {
		t.Errorf("literals: %v %v", p, err)
	}
	for _, bad := range []string{`{"a":{}}`, `{"a":[]}`, `[]`, `"x"`} {
		if err := json.Unmarshal([]byte(bad), &p); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func deref(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

func FuzzPropertiesUnmarshal(f *testing.F) {
	f.Add(`{"a":"1","b":null}`)
	f.Add(`{"e":"\u00e9\n"}`)
	f.Fuzz(func(t *testing.T, in string) {
		var want map[string]*string
		if json.Unmarshal([]byte(in), &want) != nil {
			return
		}
		var got Properties
		if err := json.Unmarshal([]byte(in), &got); err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if len(got) != len(want) {
			t.Fatalf("%q: got %d keys, want %d", in, len(got), len(want))
		}
		for k, w := range want {
			g := got[k]
			if (g == nil) != (w == nil) || (g != nil && *g != *w) {
				t.Fatalf("%q: key %q: got %v, want %v", in, k, deref(g), deref(w))
			}
		}
	})
}

// BenchmarkEncodeBatchCreate100 encodes a batch-create body of 100 contacts the way
// the client does (appending into a reused buffer) and, for comparison, with
// encoding/json.
func BenchmarkEncodeBatchCreate100(b *testing.B) {
	in := make([]ObjectInput, 100)
	for i := range in {
		in[i] = ObjectInput{
			Properties: map[string]string{"email": "contact@example.com", "firstname": "Ada", "lastname": "Lovelace",
				"phone": "+33 1 23 45 67 89", "jobtitle": "Engineer", "lifecyclestage": "lead"},
			Associations: []Association{DefinedAssociation("9001", 279)},
		}
	}
	b.Run("append", func(b *testing.B) {
		buf := make([]byte, 0, 64<<10)
		b.ReportAllocs()
		for b.Loop() {
			buf = appendInputs(buf[:0], in)
		}
		b.SetBytes(int64(len(buf)))
	})
	b.Run("encoding/json", func(b *testing.B) {
		type input struct {
			Properties   map[string]string `json:"properties"`
			Associations []struct {
				To    ObjectID          `json:"to"`
				Types []AssociationSpec `json:"types"`
			} `json:"associations"`
		}
		wire := make([]input, len(in))
		for i := range in {
			wire[i].Properties = in[i].Properties
			wire[i].Associations = make([]struct {
				To    ObjectID          `json:"to"`
				Types []AssociationSpec `json:"types"`
			}, 1)
			wire[i].Associations[0].To.ID = "9001"
			wire[i].Associations[0].Types = in[i].Associations[0].Types
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		b.ReportAllocs()
		for b.Loop() {
			buf.Reset()
			enc.Encode(batchInputs[input]{Inputs: wire})
		}
		b.SetBytes(int64(buf.Len()))
	})
}
