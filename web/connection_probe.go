package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/simcrm/simcrm/internal/hubspot"
)

// probeResult is what a probe of a connection found.
type probeResult struct {
	Accepted bool   // the target answered and took the token (a 403 for scopes included)
	OK       bool   // …and SimCRM's properties are ready on every object type
	Message  string // stored with the connection and shown; never holds the token
	Field    string // for the add form: the field the problem belongs to ("token", "baseURL", "")
	Scopes   []string
}

// notAllowed is all a refused base URL is told.
const notAllowed = "This base URL is not allowed."

// scopesLead introduces the missing scopes in a validation message; missingScopesIn
// reads them back for the page.
const scopesLead = "Missing scopes: "

// probeConnection checks a token against a base URL (hubspot.Probe), calling
// only public addresses unless the URL is the built-in sandbox or
// ALLOW_PRIVATE_TARGETS is set, and explains the outcome.
func (h *handler) probeConnection(ctx context.Context, baseURL, token string) probeResult {
	rep, err := hubspot.Probe(ctx, baseURL, token, h.egress().Options(baseURL)...)
	if err != nil {
		return probeFailure(baseURL, err)
	}
	return probeReport(rep)
}

// egress is where connections may send calls.
func (h *handler) egress() hubspot.Egress {
	return hubspot.Egress{SandboxURL: h.cfg.SandboxURL, AllowPrivate: h.cfg.AllowPrivateTargets}
}

// probeReport turns a report into the verdict shown to the user.
func probeReport(rep hubspot.TraceReport) probeResult {
	r := probeResult{Accepted: true, OK: rep.Ready(), Scopes: rep.MissingScopes()}
	var b strings.Builder
	if r.OK {
		b.WriteString("Token accepted. simcrm_simulation_id and simcrm_record_key (unique) are defined on contacts, companies, deals, tickets, notes, calls, tasks and meetings")
		if n := rep.Created(); n > 0 {
			fmt.Fprintf(&b, "; %d of them were created just now", n)
		}
		b.WriteString(".")
		r.Message = b.String()
		return r
	}
	b.WriteString("Token accepted, but SimCRM's properties are not ready everywhere.")
	if len(r.Scopes) > 0 {
		b.WriteString(" " + scopesLead + strings.Join(r.Scopes, ", ") + ".")
	}
	var notUnique, missing []string
	for _, t := range rep.Results {
		if t.KeyNotUnique {
			notUnique = append(notUnique, string(t.Type))
		}
		if len(t.Missing) > 0 {
			missing = append(missing, string(t.Type))
		}
		if t.Problem != "" && len(t.MissingScopes) == 0 {
			fmt.Fprintf(&b, " %s: %s.", t.Type, clip(t.Problem, 200))
		}
	}
	switch {
	case len(missing) == len(rep.Results):
		b.WriteString(" They are not defined on any object type yet.")
	case len(missing) > 0:
		b.WriteString(" Not defined on " + strings.Join(missing, ", ") + ".")
	}
	if len(notUnique) > 0 {
		b.WriteString(" simcrm_record_key exists without unique values on " + strings.Join(notUnique, ", ") +
			": delete it in HubSpot so that SimCRM can define it as unique.")
	}
	r.Message = b.String()
	return r
}

// probeFailure explains a probe that could not go on.
func probeFailure(baseURL string, err error) probeResult {
	host := baseURL
	if u, perr := url.Parse(baseURL); perr == nil && u.Host != "" {
		host = u.Host
	}
	if errors.Is(err, hubspot.ErrNotAllowed) {
		// Nothing more: how a refused address answers is not for the caller to learn.
		return probeResult{Field: "baseURL", Message: notAllowed}
	}
	var he *hubspot.Error
	if errors.As(err, &he) {
		switch {
		case he.StatusCode == http.StatusUnauthorized:
			return probeResult{Field: "token", Message: tokenRefusedLead + " (401 Unauthorized). Copy the access token of the private app again; it may have been rotated or the app deleted."}
		case he.StatusCode == http.StatusTooManyRequests:
			return probeResult{Message: "HubSpot is rate limiting this app right now (429). Try again in a few seconds."}
		case he.Body != nil || he.Category == "":
			// Not a HubSpot error body: probably not HubSpot's API at all.
			return probeResult{Field: "baseURL", Message: fmt.Sprintf("%s answered %d and does not look like HubSpot's API. Check the base URL.", host, he.StatusCode)}
		case he.StatusCode >= 500:
			return probeResult{Message: fmt.Sprintf("HubSpot answered %d (%s). Try again in a minute.", he.StatusCode, http.StatusText(he.StatusCode))}
		}
		return probeResult{Message: fmt.Sprintf("HubSpot answered %d %s: %s", he.StatusCode, he.Category, clip(he.Message, 200))}
	}
	if errors.Is(err, hubspot.ErrTimeout) || errors.Is(err, context.DeadlineExceeded) {
		return probeResult{Field: "baseURL", Message: fmt.Sprintf("No answer from %s within %s. Check the base URL, or try again.", host, hubspot.ProbeCallTimeout)}
	}
	return probeResult{Field: "baseURL", Message: fmt.Sprintf("Could not reach %s. Check the base URL.", host)}
}

// missingScopesIn reads the scopes back out of a stored validation message.
func missingScopesIn(msg string) []string {
	_, rest, ok := strings.Cut(msg, scopesLead)
	if !ok {
		return nil
	}
	// Scope names hold dots; the list ends at the first full stop.
	list, _, _ := strings.Cut(rest, ". ")
	list = strings.TrimSuffix(list, ".")
	var out []string
	for _, s := range strings.Split(list, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// withoutScopes is a validation message without its list of missing scopes, for
// pages that show the scopes on their own.
func withoutScopes(msg string) string {
	before, rest, ok := strings.Cut(msg, scopesLead)
	if !ok {
		return msg
	}
	_, after, _ := strings.Cut(rest, ". ")
	return strings.TrimSpace(strings.TrimSpace(before) + " " + after)
}
