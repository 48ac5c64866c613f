package web

import (
	"encoding/json"
	"github.com/simcrm/simcrm/internal/format"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/simcrm/simcrm/internal/hubspot"
	"github.com/simcrm/simcrm/internal/ratelimit"
	"github.com/simcrm/simcrm/views"
)

// connectionText is the add-a-connection form as typed. Fiber's strings are cloned
// when read, so the values outlive the request.
type connectionText struct {
	Name    string `json:"name"`
	Token   string `json:"token"`
	Tier    string `json:"tier"`
	BaseURL string `json:"baseUrl"`
	// HistoricalDates is "on" (the default when empty) or "off"; the API also takes
	// a JSON boolean.
	HistoricalDates historicalDatesText `json:"historicalDates"`
}

// connectionInput is a checked connection form.
type connectionInput struct {
	Name            string
	Token           string
	Tier            ratelimit.Tier
	BaseURL         string
	HistoricalDates bool
}

// historicalDatesText is the "historical dates" setting as sent: "on", "off" or ""
// from the form, true or false from the API.
type historicalDatesText string

func (h *historicalDatesText) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case "true":
		*h = "on"
	case "false":
		*h = "off"
	case "null":
		*h = ""
	default:
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			*h = historicalDatesText(b) // reported as a field error
			return nil
		}
		*h = historicalDatesText(s)
	}
	return nil
}

// parse reads the setting; empty means on.
func (h historicalDatesText) parse() (on bool, msg string) {
	switch strings.ToLower(strings.TrimSpace(string(h))) {
	case "", "on", "true":
		return true, ""
	case "off", "false":
		return false, ""
	}
	return false, "Choose on (send planned dates) or off (keep HubSpot's dates)."
}

// Column sizes of hubspot_connections and a generous bound for tokens.
const (
	maxConnectionName = 100
	maxBaseURL        = 255
	maxTokenLength    = 512
)

// targetRule is who may point a connection where: HubSpot's API for anyone, this
// SimCRM's own sandbox for anyone (plain http allowed), any other https URL for a
// boss, plain http elsewhere only with ALLOW_PRIVATE_TARGETS.
type targetRule struct {
	boss   bool
	egress hubspot.Egress
}

// parse checks every field and returns a message per bad field.
func (t connectionText) parse(rule targetRule) (connectionInput, views.FormErrors) {
	fe := views.FormErrors{}
	in := connectionInput{Name: strings.TrimSpace(t.Name), Token: strings.TrimSpace(t.Token)}

	switch {
	case in.Name == "":
		fe["name"] = "Give the connection a name, e.g. the portal's name."
	case utf8.RuneCountInString(in.Name) > maxConnectionName:
		fe["name"] = "Use at most 100 characters."
	case !utf8.ValidString(in.Name) || strings.ContainsFunc(in.Name, unicode.IsControl):
		fe["name"] = "Use letters, digits, spaces and punctuation only."
	}

	switch {
	case in.Token == "":
		fe["token"] = "Paste the private app's access token (it starts with pat-)."
	case len(in.Token) > maxTokenLength:
		fe["token"] = "That is too long for an access token; paste only the token."
	case strings.ContainsFunc(in.Token, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) || r > unicode.MaxASCII }):
		fe["token"] = "An access token has no spaces or special characters; paste only the token."
	}

	if strings.TrimSpace(t.Tier) == "" {
		fe["tier"] = "Choose the portal's tier."
	} else if tier, err := ratelimit.ParseTier(t.Tier); err != nil {
		fe["tier"] = "Choose free, starter, professional, enterprise or addon."
	} else {
		in.Tier = tier
	}

	in.BaseURL = strings.TrimRight(strings.TrimSpace(t.BaseURL), "/")
	if in.BaseURL == "" {
		in.BaseURL = hubspot.DefaultBaseURL
	}
	if msg := checkBaseURL(in.BaseURL, rule); msg != "" {
		fe["baseURL"] = msg
	}
	var msg string
	if in.HistoricalDates, msg = t.HistoricalDates.parse(); msg != "" {
		fe["historicalDates"] = msg
	}
	return in, fe
}

// checkBaseURL explains what is wrong with a base URL, or returns "". Where a
// URL that passes may actually connect is checked at every dial (hubspot.Egress).
func checkBaseURL(s string, rule targetRule) string {
	if len(s) > maxBaseURL {
		return "Use at most 255 characters."
	}
	u, err := url.Parse(s)
	switch {
	case err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https"):
		return "Enter an http or https URL such as https://api.hubapi.com."
	case u.User != nil:
		return "Leave credentials out of the URL; the token goes in its own field."
	case u.RawQuery != "" || u.Fragment != "":
		return "Enter the base URL only, without ? or #."
	case s == hubspot.DefaultBaseURL || rule.egress.IsSandbox(s):
		return ""
	case !rule.boss:
		return "Only a boss can point a connection at another base URL than HubSpot's (" + hubspot.DefaultBaseURL + ")."
	case u.Scheme != "https" && !rule.egress.AllowPrivate:
		return "Use https; plain http is only for this SimCRM's own sandbox."
	}
	return ""
}

// connectionForm is the form as shown again after a problem (never with the token).
func connectionForm(t connectionText, fe views.FormErrors) views.ConnectionForm {
	f := views.ConnectionForm{Name: t.Name, Tier: t.Tier, BaseURL: t.BaseURL, Errors: fe, HistoricalDates: "on",
		HistoricalOptions: historicalDatesOptions}
	if on, msg := t.HistoricalDates.parse(); msg == "" && !on {
		f.HistoricalDates = "off"
	}
	if f.Tier == "" {
		f.Tier = string(ratelimit.TierFree)
	} else if tier, err := ratelimit.ParseTier(f.Tier); err == nil {
		f.Tier = string(tier)
	}
	if strings.TrimSpace(f.BaseURL) == "" {
		f.BaseURL = hubspot.DefaultBaseURL
	}
	if len(f.Name) > 4*maxConnectionName {
		f.Name = ""
	}
	if len(f.BaseURL) > 4*maxBaseURL {
		f.BaseURL = ""
	}
	f.Advanced = fe.Has("baseURL") || fe.Has("historicalDates") || f.HistoricalDates == "off" || strings.TrimRight(strings.TrimSpace(f.BaseURL), "/") != hubspot.DefaultBaseURL
	for _, tier := range ratelimit.Tiers {
		l := ratelimit.LimitsFor(tier)
		f.Tiers = append(f.Tiers, views.Option{Value: string(tier), Label: tierLabel(tier), Hint: limitsText(l)})
	}
	return f
}

// historicalDatesOptions are the choices of the "historical dates" setting.
var historicalDatesOptions = []views.Option{
	{Value: "on", Label: "Send planned dates (createdate, stage dates) in backfills"},
	{Value: "off", Label: "Keep the dates HubSpot gives (the time of the call)"},
}

// tierLabel is a tier as the form names it.
func tierLabel(t ratelimit.Tier) string {
	switch t {
	case ratelimit.TierFree:
		return "Free"
	case ratelimit.TierStarter:
		return "Starter"
	case ratelimit.TierProfessional:
		return "Professional"
	case ratelimit.TierEnterprise:
		return "Enterprise"
	case ratelimit.TierAddon:
		return "API limit increase (add-on)"
	}
	return string(t)
}

// limitsText describes a tier's limits: "100 calls per 10 s, 250,000 a day".
func limitsText(l ratelimit.Limits) string {
	return format.Count(l.Burst) + " calls per 10 s, " + format.Count(l.Daily) + " a day"
}
