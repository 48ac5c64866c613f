package sim

import "errors"

// Sentinel errors; every validation failure wraps one of them in a
// *ValidationError that names the offending field.
var (
	ErrUnknownDistribution = errors.New("unknown distribution")
	ErrUnknownScenario     = errors.New("unknown scenario")
	ErrWindow              = errors.New("end must be after start")
	ErrWindowTooLong       = errors.New("window longer than 30 days")
	ErrCount               = errors.New("record count out of range")
	ErrCustomWeights       = errors.New("custom weights must be 24 non-negative numbers with a positive sum")
	ErrEmptyWindow         = errors.New("window has no time with a positive weight")
	ErrNoBusinessHours     = errors.New("window contains no business hour (Mon-Fri 09:00-17:00)")
	ErrJitter              = errors.New("jitter must be between 0 and 1")
	ErrUnknownOverride     = errors.New("unknown scenario parameter")
	ErrOverrideValue       = errors.New("value out of range")
	ErrScenario            = errors.New("invalid scenario parameter")
	ErrPace                = errors.New("invalid pace")
	ErrIndex               = errors.New("record index out of range")
	ErrNoPlanner           = errors.New("spec has no planner")
)

// ValidationError names the field that failed validation. It unwraps to
// one of the sentinel errors above, so callers can use errors.Is for the
// kind of failure and errors.As for the field to highlight in a form.
type ValidationError struct {
	Field  string // form field or scenario parameter key, e.g. "end" or "budget.notes"
	Reason string // human detail, may be empty
	Err    error  // sentinel
}

func (e *ValidationError) Error() string {
	msg := "sim: " + e.Field + ": " + e.Err.Error()
	if e.Reason != "" {
		msg += " (" + e.Reason + ")"
	}
	return msg
}

func (e *ValidationError) Unwrap() error { return e.Err }

func invalid(field string, err error, reason string) error {
	return &ValidationError{Field: field, Reason: reason, Err: err}
}
