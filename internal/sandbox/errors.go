package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
)

// HubSpot error categories the sandbox answers with.
const (
	catValidation     = "VALIDATION_ERROR"
	catConflict       = "CONFLICT"
	catNotFound       = "OBJECT_NOT_FOUND"
	catAlreadyExists  = "OBJECT_ALREADY_EXISTS"
	catAuthentication = "INVALID_AUTHENTICATION"
	catMissingScopes  = "MISSING_SCOPES"
	catInternal       = "INTERNAL_ERROR"
)

// errorDetail is one entry of an error body's errors[] (the spec's ErrorDetail).
type errorDetail struct {
	Message string              `json:"message"`
	Code    string              `json:"code,omitempty"`
	In      string              `json:"in,omitempty"`
	Context map[string][]string `json:"context,omitempty"`
}

// apiError is a whole-request failure, answered with HubSpot's error body (the
// spec's Error schema): status "error", message, correlationId, category, errors[].
type apiError struct {
	Status   int
	Category string
	Message  string
	Details  []errorDetail
	Context  map[string][]string
	Links    map[string]string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Category, e.Message) }

type errorBody struct {
	Status        string              `json:"status"`
	Message       string              `json:"message"`
	CorrelationID string              `json:"correlationId"`
	Category      string              `json:"category"`
	Context       map[string][]string `json:"context,omitempty"`
	Errors        []errorDetail       `json:"errors,omitempty"`
	Links         map[string]string   `json:"links,omitempty"`
}

func newError(status int, category, format string, args ...any) *apiError {
	return &apiError{Status: status, Category: category, Message: fmt.Sprintf(format, args...)}
}

func validationError(format string, args ...any) *apiError {
	return newError(fiber.StatusBadRequest, catValidation, format, args...)
}

func notFound(format string, args ...any) *apiError {
	return newError(fiber.StatusNotFound, catNotFound, format, args...)
}

// objectNotFound is HubSpot's answer for an id that names no live record.
func objectNotFound() *apiError {
	return notFound("Object not found.  objectId are usually numeric.")
}

// problem is one invalid property value of one input.
type problem struct {
	Name    string // property
	Code    string // INVALID_OPTION, INVALID_EMAIL, PROPERTY_DOESNT_EXIST, …
	Message string
	Index   int // input index in a batch; -1 for single-object calls
}

// propertyError turns property problems into HubSpot's 400: "Property values were
// not valid: [...]" with one errors[] entry per problem.
func propertyError(problems []problem) *apiError {
	type hsProblem struct {
		IsValid bool   `json:"isValid"`
		Message string `json:"message"`
		Error   string `json:"error"`
		Name    string `json:"name"`
	}
	list := make([]hsProblem, len(problems))
	details := make([]errorDetail, len(problems))
	for i, p := range problems {
		list[i] = hsProblem{Message: p.Message, Error: p.Code, Name: p.Name}
		ctx := map[string][]string{"propertyName": {p.Name}}
		if p.Index >= 0 {
			ctx["inputIndex"] = []string{fmt.Sprint(p.Index)}
		}
		details[i] = errorDetail{Message: p.Message, Code: p.Code, In: p.Name, Context: ctx}
	}
	b, _ := json.Marshal(list)
	e := validationError("Property values were not valid: %s", b)
	e.Details = details
	return e
}

// writeError answers an apiError with HubSpot's body.
func writeError(c *fiber.Ctx, e *apiError) error {
	body := errorBody{
		Status:        "error",
		Message:       e.Message,
		CorrelationID: correlationID(c),
		Category:      e.Category,
		Context:       e.Context,
		Errors:        e.Details,
		Links:         e.Links,
	}
	return c.Status(e.Status).JSON(body)
}

// correlationID is this request's id, the same in every body it produces.
func correlationID(c *fiber.Ctx) string {
	if id, ok := c.Locals(localCorrelation).(string); ok {
		return id
	}
	id := uuid.NewString()
	c.Locals(localCorrelation, id)
	return id
}

// handleError is the sandbox app's error handler: every failure becomes a HubSpot
// error body, never an HTML page.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	var ae *apiError
	if errors.As(err, &ae) {
		return writeError(c, ae)
	}
	var fe *fiber.Error
	if errors.As(err, &fe) {
		switch fe.Code {
		case fiber.StatusNotFound:
			return writeError(c, notFound("Unable to find a resource at %s %s", c.Method(), strings.Clone(c.Path())))
		case fiber.StatusMethodNotAllowed:
			return writeError(c, newError(fe.Code, catValidation, "Method %s is not allowed on %s", c.Method(), strings.Clone(c.Path())))
		case fiber.StatusRequestEntityTooLarge:
			return writeError(c, newError(fe.Code, catValidation, "The request body is too large."))
		}
		if fe.Code < 500 {
			return writeError(c, newError(fe.Code, catValidation, "%s", fe.Message))
		}
	}
	s.log.Error("sandbox request failed", "method", c.Method(), "path", c.Path(), "err", err)
	return writeError(c, newError(fiber.StatusInternalServerError, catInternal, "internal error"))
}
