package fake

import (
	"strconv"
	"strings"
	"time"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/simcrm/simcrm/internal/format"
	"github.com/simcrm/simcrm/internal/sim"
)

var (
	offerings = []string{"Annual subscription", "Pilot", "Enterprise license", "Starter bundle", "Team plan",
		"Platform upgrade", "Professional services", "Multi-year agreement", "Expansion", "Support package"}
	leadSources = []string{"the website demo form", "a webinar sign-up", "a trade show badge scan", "a whitepaper download",
		"a partner referral", "live chat", "a LinkedIn ad", "an inbound call", "a newsletter reply"}
	topics = []string{"pricing for larger teams", "integrations with their current CRM", "the onboarding timeline",
		"a security and compliance review", "volume discounts", "a hands-on product demo", "reporting and dashboards",
		"API access", "migrating from a spreadsheet process", "single sign-on", "data residency", "support SLAs"}
	nextSteps = []string{"send a tailored proposal", "book a demo with the wider team", "share two customer references",
		"loop in their IT lead", "follow up after their budget review", "send the security questionnaire",
		"set up a trial workspace", "schedule a pricing call"}
	campaigns    = []string{"quarterly newsletter", "product education", "case study", "re-engagement", "webinar invite"}
	meetingTypes = []string{"Product demo", "Technical deep dive", "Pricing review", "Stakeholder alignment",
		"Contract walkthrough", "Implementation planning", "Executive sponsor check-in"}
	ticketSubjects = []string{"Request for data export after cancellation", "Question about deposit refund",
		"Feedback on the evaluation", "Account closure request", "Billing question on final invoice",
		"Trial workspace still active", "Complaint about response times during evaluation"}
	ticketStages = []string{"1", "2", "3", "4"}
)

func pick(f *gofakeit.Faker, list []string) string { return list[f.IntN(len(list))] }

// weighted picks values[i] with probability weights[i]/sum.
func weighted(f *gofakeit.Faker, values []string, weights []int) string {
	sum := 0
	for _, w := range weights {
		sum += w
	}
	x := f.IntN(sum)
	for i, w := range weights {
		if x < w {
			return values[i]
		}
		x -= w
	}
	return values[len(values)-1]
}

// DealName is the deal's display name.
func DealName(rec sim.Record) string {
	f := newFaker(rec.Seed, saltDeal)
	return CompanyName(rec.Company) + " – " + pick(f, offerings)
}

// DealProperties are the HubSpot deal properties; nil without a deal.
func DealProperties(rec sim.Record) map[string]string {
	if rec.Deal == nil {
		return nil
	}
	return map[string]string{
		"dealname":  DealName(rec),
		"amount":    strconv.FormatInt(rec.Deal.Amount, 10),
		"pipeline":  "default",
		"dealstage": rec.Deal.Stage,
		"closedate": ms(rec.Deal.CloseAt),
	}
}

// ActivityProperties are the HubSpot properties of a note, call, task,
// meeting or ticket; hs_timestamp is the activity's simulated time.
func ActivityProperties(rec sim.Record, a sim.Activity) map[string]string {
	switch a.Kind {
	case sim.KindNote:
		return NoteProperties(rec, a)
	case sim.KindCall:
		return CallProperties(rec, a)
	case sim.KindTask:
		return TaskProperties(rec, a)
	case sim.KindMeeting:
		return MeetingProperties(rec, a)
	case sim.KindTicket:
		return TicketProperties(rec, a)
	}
	return nil
}

// text carries what activity texts mention.
type text struct {
	f       *gofakeit.Faker
	contact Contact
	company string
}

func newText(rec sim.Record, a sim.Activity) text {
	return text{f: newFaker(a.Seed, saltText), contact: ContactOf(rec), company: CompanyName(rec.Company)}
}

// NoteProperties: hs_timestamp, hs_note_body.
func NoteProperties(rec sim.Record, a sim.Activity) map[string]string {
	t := newText(rec, a)
	var body string
	switch a.Phase {
	case sim.PhaseRegression:
		body = t.contact.FirstName + " went quiet after the last conversation; moved back to nurture. Added to the " +
			pick(t.f, campaigns) + " sequence, revisit in " + strconv.Itoa(t.f.IntRange(2, 8)) + " weeks."
	case sim.PhaseWon:
		amount := ""
		if rec.Deal != nil {
			amount = " (" + format.Money(strconv.FormatInt(rec.Deal.Amount, 10)) + ")"
		}
		body = "Closed won: " + DealName(rec) + amount + ". Kickoff planned with " + t.contact.Name() +
			"; handing over to onboarding. Key interest: " + pick(t.f, topics) + "."
	default:
		body = "New lead from " + pick(t.f, leadSources) + ": " + t.contact.Name() + ", " + t.contact.JobTitle +
			" at " + t.company + ". Interested in " + pick(t.f, topics) + "."
	}
	return map[string]string{"hs_timestamp": ms(a.At), "hs_note_body": body}
}

// CallProperties: hs_timestamp, hs_call_title, hs_call_body,
// hs_call_direction, hs_call_duration (ms), hs_call_status.
func CallProperties(rec sim.Record, a sim.Activity) map[string]string {
	t := newText(rec, a)
	title := "Discovery call with " + t.contact.Name()
	if a.Ordinal > 1 {
		title = "Follow-up call #" + strconv.Itoa(a.Ordinal) + " – " + t.company
	}
	status := weighted(t.f, []string{"COMPLETED", "NO_ANSWER", "BUSY", "FAILED"}, []int{65, 20, 10, 5})
	direction := weighted(t.f, []string{"OUTBOUND", "INBOUND"}, []int{85, 15})
	var duration time.Duration
	var body string
	switch status {
	case "COMPLETED":
		duration = time.Duration(t.f.IntRange(180, 2100)) * time.Second
		body = "Spoke with " + t.contact.FirstName + " about " + pick(t.f, topics) + ". Next step: " + pick(t.f, nextSteps) + "."
	case "NO_ANSWER":
		duration = time.Duration(t.f.IntRange(20, 45)) * time.Second
		body = "No answer; left a voicemail for " + t.contact.FirstName + "."
	case "BUSY":
		duration = time.Duration(t.f.IntRange(3, 10)) * time.Second
		body = "Line busy, will try again."
	default:
		body = "Call failed to connect."
	}
	return map[string]string{
		"hs_timestamp":      ms(a.At),
		"hs_call_title":     title,
		"hs_call_body":      body,
		"hs_call_direction": direction,
		"hs_call_duration":  strconv.FormatInt(duration.Milliseconds(), 10),
		"hs_call_status":    status,
	}
}

// TaskProperties: hs_timestamp (due), hs_task_subject, hs_task_body,
// hs_task_status, hs_task_priority, hs_task_type.
func TaskProperties(rec sim.Record, a sim.Activity) map[string]string {
	t := newText(rec, a)
	var subject, body, kind string
	if a.Phase == sim.PhaseDeal {
		subject = "Send meeting recap to " + t.contact.Name()
		body = "Summarise the discussion with " + t.company + " and " + pick(t.f, nextSteps) + "."
		kind = "EMAIL"
	} else {
		subject = "Follow up with " + t.contact.Name() + " (" + t.company + ")"
		body = t.contact.FirstName + " qualified as a marketing lead; reach out about " + pick(t.f, topics) + "."
		kind = weighted(t.f, []string{"CALL", "EMAIL", "TODO"}, []int{45, 40, 15})
	}
	return map[string]string{
		"hs_timestamp":     ms(a.At),
		"hs_task_subject":  subject,
		"hs_task_body":     body,
		"hs_task_status":   weighted(t.f, []string{"NOT_STARTED", "COMPLETED"}, []int{60, 40}),
		"hs_task_priority": weighted(t.f, []string{"LOW", "MEDIUM", "HIGH"}, []int{25, 50, 25}),
		"hs_task_type":     kind,
	}
}

// MeetingProperties: hs_timestamp, hs_meeting_title, hs_meeting_body,
// hs_meeting_start_time, hs_meeting_end_time, hs_meeting_outcome.
func MeetingProperties(rec sim.Record, a sim.Activity) map[string]string {
	t := newText(rec, a)
	kind := pick(t.f, meetingTypes)
	length := time.Duration(15*t.f.IntRange(2, 4)) * time.Minute
	agenda := []string{kind + " with " + t.contact.Name() + " (" + t.contact.JobTitle + ")",
		"Their focus: " + pick(t.f, topics), "Agree next step: " + pick(t.f, nextSteps)}
	return map[string]string{
		"hs_timestamp":          ms(a.At),
		"hs_meeting_title":      t.company + " – " + kind,
		"hs_meeting_body":       "Agenda: " + strings.Join(agenda, "; ") + ".",
		"hs_meeting_start_time": ms(a.At),
		"hs_meeting_end_time":   ms(a.At.Add(length)),
		"hs_meeting_outcome":    weighted(t.f, []string{"COMPLETED", "SCHEDULED", "RESCHEDULED", "NO_SHOW", "CANCELED"}, []int{60, 15, 12, 8, 5}),
	}
}

// TicketProperties: subject, content, hs_pipeline, hs_pipeline_stage,
// hs_ticket_priority.
func TicketProperties(rec sim.Record, a sim.Activity) map[string]string {
	t := newText(rec, a)
	subject := pick(t.f, ticketSubjects)
	return map[string]string{
		"subject":            subject + " – " + t.company,
		"content":            t.contact.Name() + " (" + t.contact.Email + ") wrote in after the deal was lost: " + strings.ToLower(subject) + ".",
		"hs_pipeline":        "0",
		"hs_pipeline_stage":  weighted(t.f, ticketStages, []int{40, 20, 25, 15}),
		"hs_ticket_priority": weighted(t.f, []string{"LOW", "MEDIUM", "HIGH"}, []int{35, 45, 20}),
	}
}
