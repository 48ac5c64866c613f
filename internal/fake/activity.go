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
	campaigns    = []string{"quarterly newsletter", "product education", "case study", "re-engagement", "webinar invite"}
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

// DealProperties are the HubSpot deal properties at creation: the first
// stage of its path and its expected close date; nil without a deal.
func DealProperties(rec sim.Record) map[string]string {
	d := rec.Deal
	if d == nil {
		return nil
	}
	return map[string]string{
		"dealname":  DealName(rec),
		"amount":    strconv.FormatInt(d.Amount, 10),
		"pipeline":  d.Pipeline,
		"dealstage": d.Path[0].Stage,
		"closedate": ms(d.CloseAt),
		"dealtype":  "newbusiness",
	}
}

// ActivityProperties are the HubSpot properties of a note, call, task,
// meeting or ticket; hs_timestamp is the activity's simulated time. asOf is
// the simulated moment the activity is written (its own time when paced, the
// window's end in a backfill): a task due before it is completed, a meeting
// before it has an outcome.
func ActivityProperties(rec sim.Record, a sim.Activity, asOf time.Time) map[string]string {
	switch a.Kind {
	case sim.KindNote:
		return NoteProperties(rec, a)
	case sim.KindCall:
		return CallProperties(rec, a)
	case sim.KindTask:
		return TaskProperties(rec, a, asOf)
	case sim.KindMeeting:
		return MeetingProperties(rec, a, asOf)
	case sim.KindTicket:
		return TicketProperties(rec, a)
	}
	return nil
}

// text carries what activity texts mention.
type text struct {
	f       *gofakeit.Faker
	c       *content
	contact Contact
	company string
}

func newText(rec sim.Record, a sim.Activity) text {
	return text{f: newFaker(a.Seed, saltText), c: contentOf(rec.Scenario, rec.Consumer), contact: ContactOf(rec),
		company: CompanyName(rec.Company)}
}

// who is how texts introduce the contact: "Jane Doe, CFO at Atlas Group" or
// just "Jane Doe" for a consumer.
func (t text) who() string {
	if t.contact.JobTitle == "" {
		return t.contact.Name()
	}
	return t.contact.Name() + ", " + t.contact.JobTitle + " at " + t.company
}

// about is what the conversation is with: the company, or the buyer.
func (t text) about() string {
	if t.contact.JobTitle == "" {
		return t.contact.Name()
	}
	return t.company
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
		body = "Closed won: " + DealName(rec) + amount + ". Next: " + pick(t.f, t.c.nextSteps) + " with " + t.contact.Name() +
			". Key interest: " + pick(t.f, t.c.topics) + "."
	default:
		body = "New lead from " + pick(t.f, t.c.leadSources) + ": " + t.who() + ". Interested in " + pick(t.f, t.c.topics) + "."
	}
	return map[string]string{"hs_timestamp": ms(a.At), "hs_note_body": body}
}

// Call dispositions: HubSpot's default call outcome ids.
const (
	dispositionConnected = "f240bbac-87c9-4f6e-bf70-924b57d47db7"
	dispositionVoicemail = "b2cf5968-551e-4856-9783-52b3da59a7d0"
	dispositionNoAnswer  = "73a0d17f-1163-4015-bdd5-ec830791da20"
	dispositionBusy      = "9d9162e7-6cf3-4944-bf63-4dff82258764"
	dispositionWrong     = "17b47fee-58de-441e-a44c-c6300d46f273"
)

// CallProperties: hs_timestamp, hs_call_title, hs_call_body,
// hs_call_direction, hs_call_duration (ms), hs_call_status,
// hs_call_disposition (the call's outcome). Connected calls last minutes,
// voicemails under a minute, unanswered and busy ones seconds.
func CallProperties(rec sim.Record, a sim.Activity) map[string]string {
	t := newText(rec, a)
	title := strings.Replace(t.c.callTitle, "%s", t.contact.Name(), 1)
	if a.Ordinal > 1 {
		title = "Follow-up call #" + strconv.Itoa(a.Ordinal) + " – " + t.about()
	}
	outcome := weighted(t.f, []string{"connected", "voicemail", "no_answer", "busy", "wrong"}, []int{55, 20, 15, 7, 3})
	direction := weighted(t.f, []string{"OUTBOUND", "INBOUND"}, []int{85, 15})
	var duration time.Duration
	var body, status, disposition string
	switch outcome {
	case "connected":
		status, disposition = "COMPLETED", dispositionConnected
		duration = time.Duration(t.f.IntRange(180, 2100)) * time.Second
		body = "Spoke with " + t.contact.FirstName + " about " + pick(t.f, t.c.topics) + ". Next step: " + pick(t.f, t.c.nextSteps) + "."
	case "voicemail":
		status, disposition = "COMPLETED", dispositionVoicemail
		duration = time.Duration(t.f.IntRange(20, 55)) * time.Second
		body = "Left a voicemail for " + t.contact.FirstName + "."
	case "no_answer":
		status, disposition = "NO_ANSWER", dispositionNoAnswer
		duration = time.Duration(t.f.IntRange(15, 40)) * time.Second
		body = "No answer."
	case "busy":
		status, disposition = "BUSY", dispositionBusy
		duration = time.Duration(t.f.IntRange(3, 10)) * time.Second
		body = "Line busy, will try again."
	default:
		status, disposition = "COMPLETED", dispositionWrong
		duration = time.Duration(t.f.IntRange(10, 40)) * time.Second
		body = "Wrong number; checking the contact details."
	}
	return map[string]string{
		"hs_timestamp":        ms(a.At),
		"hs_call_title":       title,
		"hs_call_body":        body,
		"hs_call_direction":   direction,
		"hs_call_duration":    strconv.FormatInt(duration.Milliseconds(), 10),
		"hs_call_status":      status,
		"hs_call_disposition": disposition,
	}
}

// TaskProperties: hs_timestamp (due), hs_task_subject, hs_task_body,
// hs_task_status, hs_task_priority, hs_task_type; a task due before asOf is
// COMPLETED with hs_task_completion_date (between its creation and shortly
// after its due date, never after asOf).
func TaskProperties(rec sim.Record, a sim.Activity, asOf time.Time) map[string]string {
	t := newText(rec, a)
	var subject, body, kind string
	if a.Phase == sim.PhaseDeal {
		subject = "Send meeting recap to " + t.contact.Name()
		body = "Summarise the discussion with " + t.about() + " and " + pick(t.f, t.c.nextSteps) + "."
		kind = "EMAIL"
	} else {
		subject = "Follow up with " + t.contact.Name()
		if t.contact.JobTitle != "" {
			subject += " (" + t.company + ")"
		}
		body = t.contact.FirstName + " showed interest; reach out about " + pick(t.f, t.c.topics) + "."
		kind = weighted(t.f, []string{"CALL", "EMAIL", "TODO"}, []int{45, 40, 15})
	}
	p := map[string]string{
		"hs_timestamp":     ms(a.At),
		"hs_task_subject":  subject,
		"hs_task_body":     body,
		"hs_task_status":   "NOT_STARTED",
		"hs_task_priority": weighted(t.f, []string{"LOW", "MEDIUM", "HIGH"}, []int{25, 50, 25}),
		"hs_task_type":     kind,
	}
	// Done somewhere between the phase that asked for it and a day after it was due.
	done := a.PhaseAt.Add(time.Duration(t.f.Float64Range(0.3, 1.0) * float64(a.At.Sub(a.PhaseAt)+24*time.Hour)))
	if a.At.Before(asOf) && !done.After(asOf) {
		p["hs_task_status"] = "COMPLETED"
		p["hs_task_completion_date"] = ms(done)
	}
	return p
}

// MeetingProperties: hs_timestamp, hs_meeting_title, hs_meeting_body,
// hs_meeting_start_time, hs_meeting_end_time, hs_meeting_outcome. A meeting
// that started before asOf has an outcome (mostly COMPLETED); a later one is
// SCHEDULED.
func MeetingProperties(rec sim.Record, a sim.Activity, asOf time.Time) map[string]string {
	t := newText(rec, a)
	kind := pick(t.f, t.c.meetingTypes)
	length := time.Duration(15*t.f.IntRange(2, 4)) * time.Minute
	agenda := []string{kind + " with " + t.who(), "Their focus: " + pick(t.f, t.c.topics), "Agree next step: " + pick(t.f, t.c.nextSteps)}
	outcome := weighted(t.f, []string{"COMPLETED", "RESCHEDULED", "NO_SHOW", "CANCELED"}, []int{72, 12, 10, 6})
	if a.At.After(asOf) {
		outcome = "SCHEDULED"
	}
	return map[string]string{
		"hs_timestamp":          ms(a.At),
		"hs_meeting_title":      t.about() + " – " + kind,
		"hs_meeting_body":       "Agenda: " + strings.Join(agenda, "; ") + ".",
		"hs_meeting_start_time": ms(a.At),
		"hs_meeting_end_time":   ms(a.At.Add(length)),
		"hs_meeting_outcome":    outcome,
	}
}

// TicketProperties: subject, content, hs_pipeline, hs_pipeline_stage,
// hs_ticket_priority.
func TicketProperties(rec sim.Record, a sim.Activity) map[string]string {
	t := newText(rec, a)
	subject := pick(t.f, t.c.ticketSubjects)
	return map[string]string{
		"subject":            subject + " – " + t.about(),
		"content":            t.contact.Name() + " (" + t.contact.Email + ") wrote in: " + strings.ToLower(subject) + ".",
		"hs_pipeline":        "0",
		"hs_pipeline_stage":  weighted(t.f, ticketStages, []int{40, 20, 25, 15}),
		"hs_ticket_priority": weighted(t.f, []string{"LOW", "MEDIUM", "HIGH"}, []int{35, 45, 20}),
	}
}
