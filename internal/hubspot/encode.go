package hubspot

import (
	"bytes"
	"io"
	"strconv"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

// The hot path (batch create/update/upsert of 100 inputs, hundreds of times a
// second) writes JSON by hand into pooled buffers: encoding/json sorts every map's
// keys and allocates for each. Everything else goes through encoding/json.

const maxPooledBuffer = 4 << 20

var bufferPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func getBuffer() *bytes.Buffer { return bufferPool.Get().(*bytes.Buffer) }

func putBuffer(b *bytes.Buffer) {
	if b.Cap() > maxPooledBuffer {
		return
	}
	b.Reset()
	bufferPool.Put(b)
}

// payload is a pooled request body. The transport may still read or close the body
// after Client.Do returns, so the buffer goes back to the pool only when the caller
// and every reader handed to the transport have let go of it.
type payload struct {
	buf  *bytes.Buffer
	refs atomic.Int32
}

func newPayload() *payload {
	p := &payload{buf: getBuffer()}
	p.refs.Store(1)
	return p
}

func (p *payload) release() {
	if p.refs.Add(-1) == 0 {
		putBuffer(p.buf)
		p.buf = nil
	}
}

// reader returns a fresh reader over the body (for Request.Body and GetBody).
func (p *payload) reader() io.ReadCloser {
	p.refs.Add(1)
	r := &payloadReader{p: p}
	r.Reset(p.buf.Bytes())
	return r
}

type payloadReader struct {
	bytes.Reader
	p      *payload
	closed atomic.Bool
}

func (r *payloadReader) Close() error {
	if r.closed.CompareAndSwap(false, true) {
		r.p.release()
	}
	return nil
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string, escaping like encoding/json without
// HTML escaping: invalid UTF-8 becomes U+FFFD, U+2028/U+2029 are escaped.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendProperties appends {"name":"value",…}; a nil map becomes {}.
func appendProperties(b []byte, props map[string]string) []byte {
	b = append(b, '{')
	first := true
	for k, v := range props {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendString(b, k)
		b = append(b, ':')
		b = appendString(b, v)
	}
	return append(b, '}')
}

// appendAssociations appends the inline associations array; nil becomes [].
func appendAssociations(b []byte, as []Association) []byte {
	b = append(b, '[')
	for i := range as {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"to":{"id":`...)
		b = appendString(b, as[i].To)
		b = append(b, `},"types":`...)
		b = appendSpecs(b, as[i].Types)
		b = append(b, '}')
	}
	return append(b, ']')
}

func appendSpecs(b []byte, specs []AssociationSpec) []byte {
	b = append(b, '[')
	for i, s := range specs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"associationCategory":`...)
		b = appendString(b, s.Category)
		b = append(b, `,"associationTypeId":`...)
		b = strconv.AppendInt(b, int64(s.TypeID), 10)
		b = append(b, '}')
	}
	return append(b, ']')
}

// appendJSON is ObjectInput's wire form (the spec's SimplePublicObjectInputForCreate
// and SimplePublicObjectBatchInputForCreate): both fields are required, so empty
// ones are sent as {} and [].
func (in *ObjectInput) appendJSON(b []byte) []byte {
	b = append(b, `{"properties":`...)
	b = appendProperties(b, in.Properties)
	b = append(b, `,"associations":`...)
	b = appendAssociations(b, in.Associations)
	if in.ObjectWriteTraceID != "" {
		b = append(b, `,"objectWriteTraceId":`...)
		b = appendString(b, in.ObjectWriteTraceID)
	}
	return append(b, '}')
}

// appendJSON is UpdateInput's wire form (SimplePublicObjectBatchInput and
// SimplePublicObjectBatchInputUpsert share it).
func (in *UpdateInput) appendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, in.ID)
	if in.IDProperty != "" {
		b = append(b, `,"idProperty":`...)
		b = appendString(b, in.IDProperty)
	}
	if in.ObjectWriteTraceID != "" {
		b = append(b, `,"objectWriteTraceId":`...)
		b = appendString(b, in.ObjectWriteTraceID)
	}
	b = append(b, `,"properties":`...)
	b = appendProperties(b, in.Properties)
	return append(b, '}')
}

// MarshalJSON encodes the input as HubSpot expects it.
func (in ObjectInput) MarshalJSON() ([]byte, error) { return in.appendJSON(nil), nil }

// MarshalJSON encodes the input as HubSpot expects it.
func (in UpdateInput) MarshalJSON() ([]byte, error) { return in.appendJSON(nil), nil }

// appendInputs appends {"inputs":[…]} using each element's appendJSON.
func appendInputs[T any, P interface {
	*T
	appendJSON([]byte) []byte
}](b []byte, inputs []T) []byte {
	b = append(b, `{"inputs":[`...)
	for i := range inputs {
		if i > 0 {
			b = append(b, ',')
		}
		b = P(&inputs[i]).appendJSON(b)
	}
	return append(b, ']', '}')
}

// appendIDInputs appends {"inputs":[{"id":"…"},…]}.
func appendIDInputs(b []byte, ids []string) []byte {
	b = append(b, `{"inputs":[`...)
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"id":`...)
		b = appendString(b, id)
		b = append(b, '}')
	}
	return append(b, ']', '}')
}

// appendStrings appends a JSON array of strings; nil becomes [].
func appendStrings(b []byte, ss []string) []byte {
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s)
	}
	return append(b, ']')
}
