package hubspottest

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"sync"
	"time"
)

// validate checks a decoded JSON value (numbers as json.Number) against a schema,
// appending one message per violation with its location.
func (s *spec) validate(sch map[string]any, v any, at string, errs *[]string) {
	sch = s.resolve(sch)
	if sch == nil {
		return
	}
	if anyOf, ok := sch["anyOf"].([]any); ok {
		for _, alt := range anyOf {
			var sub []string
			if m, ok := alt.(map[string]any); ok {
				s.validate(m, v, at, &sub)
			}
			if len(sub) == 0 {
				return
			}
		}
		*errs = append(*errs, at+": matches none of anyOf")
		return
	}
	if v == nil {
		if n, _ := sch["nullable"].(bool); !n && sch["type"] != nil {
			*errs = append(*errs, at+": null is not allowed")
		}
		return
	}
	typ, _ := sch["type"].(string)
	switch typ {
	case "object":
		obj, ok := v.(map[string]any)
		if !ok {
			*errs = append(*errs, fmt.Sprintf("%s: want object, got %s", at, kind(v)))
			return
		}
		s.validateObject(sch, obj, at, errs)
	case "array":
		arr, ok := v.([]any)
		if !ok {
			*errs = append(*errs, fmt.Sprintf("%s: want array, got %s", at, kind(v)))
			return
		}
		items, _ := sch["items"].(map[string]any)
		for i, it := range arr {
			s.validate(items, it, fmt.Sprintf("%s[%d]", at, i), errs)
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			*errs = append(*errs, fmt.Sprintf("%s: want string, got %s", at, kind(v)))
			return
		}
		checkStringFormat(sch, str, at, errs)
		if p, ok := sch["pattern"].(string); ok && !patternMatch(p, str) {
			*errs = append(*errs, fmt.Sprintf("%s: %q does not match pattern %s", at, str, p))
		}
	case "integer":
		n, ok := v.(json.Number)
		if !ok {
			*errs = append(*errs, fmt.Sprintf("%s: want integer, got %s", at, kind(v)))
			return
		}
		i, err := strconv.ParseInt(string(n), 10, 64)
		if err != nil {
			*errs = append(*errs, fmt.Sprintf("%s: %s is not an int64", at, n))
			return
		}
		if f, _ := sch["format"].(string); f == "int32" && (i < math.MinInt32 || i > math.MaxInt32) {
			*errs = append(*errs, fmt.Sprintf("%s: %d overflows int32", at, i))
		}
	case "number":
		if _, ok := v.(json.Number); !ok {
			*errs = append(*errs, fmt.Sprintf("%s: want number, got %s", at, kind(v)))
			return
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			*errs = append(*errs, fmt.Sprintf("%s: want boolean, got %s", at, kind(v)))
			return
		}
	}
	if enum, ok := sch["enum"].([]any); ok && !inEnum(enum, v) {
		*errs = append(*errs, fmt.Sprintf("%s: %v is not one of %v", at, v, enum))
	}
}

func (s *spec) validateObject(sch map[string]any, obj map[string]any, at string, errs *[]string) {
	props, _ := sch["properties"].(map[string]any)
	if req, ok := sch["required"].([]any); ok {
		for _, r := range req {
			name, _ := r.(string)
			if _, ok := obj[name]; !ok {
				*errs = append(*errs, fmt.Sprintf("%s.%s: required", at, name))
			}
		}
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys) // stable messages
	for _, k := range keys {
		val := obj[k]
		if ps, ok := props[k].(map[string]any); ok {
			s.validate(ps, val, at+"."+k, errs)
			continue
		}
		switch ap := sch["additionalProperties"].(type) {
		case map[string]any:
			s.validate(ap, val, at+"."+k, errs)
		case bool:
			if !ap {
				*errs = append(*errs, fmt.Sprintf("%s.%s: unknown property", at, k))
			}
		}
	}
}

func checkStringFormat(sch map[string]any, str, at string, errs *[]string) {
	if f, _ := sch["format"].(string); f == "date-time" {
		if _, err := time.Parse(time.RFC3339Nano, str); err != nil {
			*errs = append(*errs, fmt.Sprintf("%s: %q is not an RFC 3339 date-time", at, str))
		}
	}
}

var patterns sync.Map // pattern → *regexp.Regexp

func patternMatch(p, s string) bool {
	re, ok := patterns.Load(p)
	if !ok {
		compiled, err := regexp.Compile(p)
		if err != nil {
			return true // an unusable pattern in a spec is not the request's fault
		}
		re, _ = patterns.LoadOrStore(p, compiled)
	}
	return re.(*regexp.Regexp).MatchString(s)
}

func inEnum(enum []any, v any) bool {
	for _, e := range enum {
		if fmt.Sprint(e) == fmt.Sprint(v) {
			return true
		}
	}
	return false
}

func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "boolean"
	}
	return fmt.Sprintf("%T", v)
}
