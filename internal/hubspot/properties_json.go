package hubspot

import (
	"bytes"
	"encoding/json"
	"errors"
	"unicode/utf8"
)

// UnmarshalJSON decodes {"name": "value" | null, …}. Batch answers carry hundreds of
// properties; decoding them through reflection costs three allocations each, so the
// names and values of one object share a single string allocation here.
func (p *Properties) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if string(data) == "null" {
		*p = nil
		return nil
	}
	type span struct{ k0, k1, v0, v1 int } // offsets into text; v0 < 0 for null
	// Scratch space on the stack for typical objects; only the final string, the
	// values and the map are allocated.
	var (
		textBuf [2048]byte
		spanBuf [32]span
		text    = textBuf[:0]
		spans   = spanBuf[:0]
		pos     = 0
	)
	next := func() (byte, bool) { // next non-space byte
		for pos < len(data) {
			c := data[pos]
			if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
				return c, true
			}
			pos++
		}
		return 0, false
	}
	if c, ok := next(); !ok || c != '{' {
		return errors.New("hubspot: properties: want a JSON object")
	}
	pos++
	for {
		c, ok := next()
		if !ok {
			return errors.New("hubspot: properties: unexpected end")
		}
		if c == '}' {
			pos++
			break
		}
		if c == ',' && len(spans) > 0 {
			pos++
			if c, ok = next(); !ok {
				return errors.New("hubspot: properties: unexpected end")
			}
		}
		if c != '"' {
			return errors.New("hubspot: properties: want a property name")
		}
		var s span
		var err error
		s.k0 = len(text)
		if text, err = appendUnquoted(text, data, &pos); err != nil {
			return err
		}
		s.k1 = len(text)
		if c, ok = next(); !ok || c != ':' {
			return errors.New("hubspot: properties: want ':'")
		}
		pos++
		if c, ok = next(); !ok {
			return errors.New("hubspot: properties: unexpected end")
		}
		switch {
		case c == '"':
			s.v0 = len(text)
			if text, err = appendUnquoted(text, data, &pos); err != nil {
				return err
			}
			s.v1 = len(text)
		case c == 'n' && bytes.HasPrefix(data[pos:], []byte("null")):
			s.v0 = -1
			pos += 4
		default: // a number or boolean where a string belongs: keep its text
			start := pos
			for pos < len(data) && bytes.IndexByte([]byte(",} \t\r\n"), data[pos]) < 0 {
				pos++
			}
			lit := data[start:pos]
			if !json.Valid(lit) || lit[0] == '{' || lit[0] == '[' {
				return errors.New("hubspot: properties: values must be strings or null")
			}
			s.v0 = len(text)
			text = append(text, lit...)
			s.v1 = len(text)
		}
		spans = append(spans, s)
	}
	str := string(text)
	values := make([]string, len(spans))
	m := make(Properties, len(spans))
	for i, s := range spans {
		if s.v0 < 0 {
			m[str[s.k0:s.k1]] = nil
			continue
		}
		values[i] = str[s.v0:s.v1]
		m[str[s.k0:s.k1]] = &values[i]
	}
	*p = m
	return nil
}

// appendUnquoted appends the JSON string starting at data[*pos] (a quote), decoded,
// and moves *pos past it. Strings with escapes or non-ASCII bytes go through
// encoding/json, so the result is exactly what it would produce.
func appendUnquoted(dst, data []byte, pos *int) ([]byte, error) {
	start := *pos + 1
	simple := true
	i := start
	for ; i < len(data); i++ {
		c := data[i]
		if c == '"' {
			break
		}
		if c == '\\' {
			simple = false
			i++ // skip the escaped byte
			continue
		}
		if c < 0x20 || c >= utf8.RuneSelf {
			simple = false
		}
	}
	if i >= len(data) {
		return dst, errors.New("hubspot: properties: unterminated string")
	}
	*pos = i + 1
	if simple {
		return append(dst, data[start:i]...), nil
	}
	var s string
	if err := json.Unmarshal(data[start-1:i+1], &s); err != nil {
		return dst, err
	}
	return append(dst, s...), nil
}
