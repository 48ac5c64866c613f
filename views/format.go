package views

import (
	"math"
	"strconv"
	"strings"
)

func statusCode(n int) string { return strconv.Itoa(n) }

// Count formats a whole number with thousands separators: 1,000,000.
func Count[T ~int | ~int64](n T) string {
	s := strconv.FormatInt(int64(n), 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Decimal formats a count that may have a fraction: whole numbers with separators,
// small fractional values with one decimal.
func Decimal(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "–"
	}
	if f == math.Trunc(f) || math.Abs(f) >= 100 {
		return Count(int64(math.Round(f)))
	}
	return strconv.FormatFloat(f, 'f', 1, 64)
}

// Percent formats 0..100 with one decimal below 10 and none above.
func Percent(p float64) string {
	switch {
	case math.IsNaN(p) || p <= 0:
		return "0%"
	case p >= 100:
		return "100%"
	case p < 10:
		return strconv.FormatFloat(p, 'f', 1, 64) + "%"
	}
	return strconv.FormatFloat(math.Floor(p), 'f', 0, 64) + "%"
}

// width is a CSS width for a progress bar.
func width(p float64) string {
	if math.IsNaN(p) || p < 0 {
		p = 0
	}
	return "width: " + strconv.FormatFloat(math.Min(p, 100), 'f', 1, 64) + "%"
}
