package web

import (
	"testing"
	"time"
)

// Dates of the triage filter: the forms it reads, a bare end date taking its
// whole day, and a clear message outside the range both databases store.
func TestParseDay(t *testing.T) {
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	for _, tc := range []struct {
		in      string
		end     bool
		want    time.Time
		wantErr string
	}{
		{in: "", want: time.Time{}},
		{in: "2025-06-02", want: day(2025, 6, 2)},
		{in: "2025-06-02", end: true, want: day(2025, 6, 3)},
		{in: "2025-06-02T09:30", end: true, want: day(2025, 6, 2).Add(9*time.Hour + 30*time.Minute)},
		{in: "2025-06-02T09:30:00+02:00", want: day(2025, 6, 2).Add(7*time.Hour + 30*time.Minute)},
		{in: "9999-12-31", end: true, want: day(9999, 12, 31).Add(24*time.Hour - time.Millisecond)},
		{in: "1970-01-01", want: day(1970, 1, 1)},
		{in: "0001-01-01", wantErr: "Enter a date from 1970-01-01 to 9999-12-31."},
		{in: "9999-12-31T23:59:59-05:00", wantErr: "Enter a date from 1970-01-01 to 9999-12-31."},
		{in: "2025-02-30", wantErr: `Enter a date as YYYY-MM-DD, not "2025-02-30".`},
	} {
		got, err := parseDay(tc.in, tc.end)
		if msg := errText(err); msg != tc.wantErr || !got.Equal(tc.want) {
			t.Errorf("parseDay(%q, %v): want %v %q, got %v %q", tc.in, tc.end, tc.want, tc.wantErr, got, msg)
		}
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
