package web

import (
	"github.com/simcrm/simcrm/internal/format"
	"regexp"
	"sort"
	"strings"

	"github.com/simcrm/simcrm/storage"
	"github.com/simcrm/simcrm/views"
)

// dlqGroupRows is how many of the newest matching rows the error groups read.
const dlqGroupRows = 500

var (
	// hubspotError splits "hubspot: POST /path: 504 GATEWAY_TIMEOUT (POLICY): message"
	// into the status and the message.
	hubspotError = regexp.MustCompile(`^hubspot: (?:[A-Z]+ \S+: )?(\d{3}(?: [A-Z_]+)?)(?: \([^)]*\))?(?:: )?(.*)$`)
	// Parts of an error that differ between copies of the same failure.
	correlationID = regexp.MustCompile(`\s*\[correlationId [^\]]*\]`)
	uuidLike      = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)
	emailLike     = regexp.MustCompile(`[\w.+-]+@[\w-]+(?:\.[\w-]+)+`)
	hexOrNumber   = regexp.MustCompile(`\b(?:[0-9a-f]{12,}|\d+(?:\.\d+)*)\b`)
)

// errorCode splits a target's error into its HTTP status ("504 GATEWAY_TIMEOUT")
// and the rest, so a narrow column shows the status first; other errors come
// back whole with no code.
func errorCode(msg string) (code, rest string) {
	if m := hubspotError.FindStringSubmatch(msg); m != nil {
		return m[1], m[2]
	}
	return "", msg
}

// normalisedError is an error with what differs between copies of one failure
// (ids, numbers, emails, correlation ids) written as #.
func normalisedError(msg string) string {
	msg = firstLine(msg)
	msg = correlationID.ReplaceAllString(msg, "")
	msg = uuidLike.ReplaceAllString(msg, "#")
	msg = emailLike.ReplaceAllString(msg, "#")
	code, rest := errorCode(msg)
	rest = hexOrNumber.ReplaceAllString(rest, "#")
	if code != "" {
		return code + ": " + rest
	}
	return rest
}

// errorGroups gathers rows by category and normalised error, largest first.
func errorGroups(entries []storage.DLQEntry, matching int64, form views.DLQFilterForm) views.DLQGroupsView {
	type key struct{ category, pattern string }
	byKey := map[key]*views.DLQGroup{}
	var order []key
	for _, e := range entries {
		k := key{e.Category, normalisedError(e.Error)}
		g, ok := byKey[k]
		if !ok {
			g = &views.DLQGroup{Pattern: k.pattern, Example: e.Error, Category: e.Category, FilterURL: groupFilterURL(form, e)}
			byKey[k] = g
			order = append(order, k)
		}
		g.Count++
	}
	v := views.DLQGroupsView{Scope: "all " + format.Count(matching) + " matching rows"}
	if matching > int64(len(entries)) {
		v.Scope = "the newest " + format.Count(len(entries)) + " of " + format.Count(matching) + " matching rows"
	}
	for _, k := range order {
		v.Groups = append(v.Groups, *byKey[k])
	}
	sort.SliceStable(v.Groups, func(i, j int) bool { return v.Groups[i].Count > v.Groups[j].Count })
	return v
}

// groupFilterURL narrows the list to one group: its category, and errors that
// contain the longest fixed part of its message.
func groupFilterURL(form views.DLQFilterForm, e storage.DLQEntry) string {
	f := form
	f.Categories = []string{e.Category}
	_, rest := errorCode(firstLine(correlationID.ReplaceAllString(e.Error, "")))
	longest := ""
	for _, part := range hexOrNumber.Split(emailLike.ReplaceAllString(uuidLike.ReplaceAllString(rest, "\x00"), "\x00"), -1) {
		for _, p := range strings.Split(part, "\x00") {
			if p = strings.TrimSpace(p); len(p) > len(longest) {
				longest = p
			}
		}
	}
	if r := []rune(longest); len(r) > dlqMaxTextLen {
		longest = string(r[:dlqMaxTextLen])
	}
	f.ErrorText = longest
	return f.With()
}
