package format

import (
	"testing"
	"time"
)

func TestFormatterWritesMoneyDurationsAndLabels(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{Money("120000"), "$120,000"}, {Money("0"), "$0"}, {Money("999"), "$999"}, {Money("1234567"), "$1,234,567"}, {Money("99.5"), "$99.50"}, {Money("-1234.567"), "-$1,234.57"}, {Money("n/a"), "n/a"},
		{Duration(42 * time.Second), "42 s"}, {Duration(12*time.Minute + 20*time.Second), "12 min"},
		{Duration(3*time.Hour + 20*time.Minute), "3 h 20 min"}, {Duration(50 * time.Hour), "2 d 2 h"},
		{ScenarioLabel("b2b"), "B2B sales"}, {DistributionLabel("bell_curve"), "Bell curve"}, {ScenarioLabel("nope"), "nope"},
		{PaceLabel("accelerated", 120), "Accelerated ×120"}, {PaceLabel("backfill", 0), "Backfill"},
		{StageLabel("closedwon"), "Closed won"},
	} {
		if tc.got != tc.want {
			t.Errorf("want %q, got %q", tc.want, tc.got)
		}
	}
}

func TestClockWritesTimesInItsZone(t *testing.T) {
	at := time.Date(2025, 6, 3, 12, 5, 9, 0, time.UTC)
	berlin := ClockIn("Europe/Berlin")
	for _, tc := range []struct{ got, want string }{
		{berlin.DateTime(at), "Tue 3 Jun 2025 14:05 CEST"},
		{berlin.Short(at), "Tue 3 Jun 14:05"},
		{berlin.Precise(at), "Tue 3 Jun 2025 14:05:09 CEST"},
		{ClockIn("Not/AZone").DateTime(at), "Tue 3 Jun 2025 12:05 UTC"},
		{berlin.DateText("2025-06-03"), "Tue 3 Jun 2025"},
		{berlin.DateText("2025-06-03T00:00:00Z"), "Tue 3 Jun 2025"},
		{berlin.DateText("2025-06-03T12:05:09.000Z"), "Tue 3 Jun 2025 14:05 CEST"},
		{berlin.DateText("1748952309000"), "Tue 3 Jun 2025 14:05 CEST"},
		{berlin.PropertyText("amount", "120000"), "$120,000"},
		{berlin.PropertyText("closedate", "2025-07-01T00:00:00Z"), "Tue 1 Jul 2025"},
		{berlin.PropertyText("dealstage", "closedlost"), "Closed lost"},
		{berlin.PropertyText("email", "a@b.example"), "a@b.example"},
		{berlin.DateTime(time.Time{}), ""},
	} {
		if tc.got != tc.want {
			t.Errorf("want %q, got %q", tc.want, tc.got)
		}
	}
}
