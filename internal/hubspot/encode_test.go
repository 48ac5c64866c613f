package hubspot

import (
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
