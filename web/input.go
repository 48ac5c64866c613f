package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Reading what a request carries: numbers, the :id of an address, JSON bodies and
// times. Each reader answers bad input the same way everywhere.

// whole reads a whole number from lo to hi; space around it is allowed.
func whole(s string, lo, hi int64) (int64, bool) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	return n, err == nil && n >= lo && n <= hi
}

// parseWhole reads a whole number a person typed; the messages are for blank and
// unreadable text.
func parseWhole(s, blank, bad string) (int64, string) {
	if strings.TrimSpace(s) == "" {
		return 0, blank
	}
	n, ok := whole(s, math.MinInt64, math.MaxInt64)
	if !ok {
		return 0, bad
	}
	return n, ""
}

// parseDecimal reads a finite number a person typed; the messages are for blank
// and unreadable text.
func parseDecimal(s, blank, bad string) (float64, string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, blank
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || len(s) > maxNumberLen || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, bad
	}
	return f, ""
}

// pathID is the :id of the address. Anything but a positive whole number is a
// 404, like an id that names nothing.
func pathID(c *fiber.Ctx) (int64, error) {
	id, ok := whole(c.Params("id"), 1, math.MaxInt64)
	if !ok {
		return 0, fiber.ErrNotFound
	}
	return id, nil
}

// queryWhole reads a whole number from lo to hi from the query string: def when
// the key is absent or blank, false when it is there but not such a number.
func queryWhole(c *fiber.Ctx, key string, def, lo, hi int64) (int64, bool) {
	s := c.Query(key)
	if strings.TrimSpace(s) == "" {
		return def, true
	}
	return whole(s, lo, hi)
}

// readJSON decodes the request's body, which must be one JSON object with only
// the fields of v, into v. Anything else is a 400 that says what is wrong after
// "the body must be " + want.
func readJSON(c *fiber.Ctx, v any, want string) error {
	if err := decodeJSONObject(c.Body(), v); err != nil {
		return fiber.NewError(fiber.StatusBadRequest, "the body must be "+want+": "+err.Error())
	}
	return nil
}

// readOptionalJSON is readJSON for bodies that may be left out: an empty body
// leaves v as it is.
func readOptionalJSON(c *fiber.Ctx, v any, want string) error {
	if len(bytes.TrimSpace(c.Body())) == 0 {
		return nil
	}
	return readJSON(c, v, want)
}

// decodeJSONObject decodes one JSON object with no unknown fields into v and
// explains in a few words what is wrong with anything else.
func decodeJSONObject(body []byte, v any) error {
	body = bytes.TrimSpace(body)
	switch {
	case len(body) == 0:
		return errors.New("the body is empty")
	case body[0] != '{':
		return errors.New("it is not a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.Decode(new(json.RawMessage)) != io.EOF {
		return errors.New("more follows the JSON object")
	}
	var (
		syntax *json.SyntaxError
		typ    *json.UnmarshalTypeError
	)
	switch {
	case err == nil:
		return nil
	case errors.As(err, &syntax):
		return fmt.Errorf("malformed JSON at byte %d: %s", syntax.Offset, strings.TrimPrefix(syntax.Error(), "json: "))
	case errors.As(err, &typ) && typ.Field != "":
		return fmt.Errorf("%q must be %s, not %s", typ.Field, jsonKind(typ.Type), typ.Value)
	case errors.As(err, &typ):
		return fmt.Errorf("a value must be %s, not %s", jsonKind(typ.Type), typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("the JSON ends too early")
	}
	return errors.New(strings.TrimPrefix(err.Error(), "json: "))
}

// jsonKind names a Go type as the JSON a client must send for it.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16,
		reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return "an object"
}

// The times SimCRM reads from people: from 1970 up to the end of the year 9999,
// the last one MySQL's DATETIME holds.
var (
	firstTime = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	endOfTime = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
)

// storable reports whether a time lies in the years SimCRM reads and stores.
func storable(t time.Time) bool { return !t.Before(firstTime) && t.Before(endOfTime) }
