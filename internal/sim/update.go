package sim

import (
	"strconv"
	"time"
)

// Update is a planned change of an object the record already created: a
// contact's lifecycle stage or lead status, or a deal entering its next
// stage. Updates are sent as batch updates at their moment (backfill: right
// after the objects exist, with their planned dates as property values).
type Update struct {
	Kind    Kind   // KindContactUpdate or KindDealUpdate; Kind.Updated() is the object's kind
	Object  string // key of the object it changes
	Ordinal int    // 1-based per object, in time order
	Key     string // "<object key>-upd-<ordinal>": the ledger key
	At      time.Time
	Phase   Phase // contacts: the step's phase

	LifecycleStage string // contacts; "" leaves it
	LeadStatus     string // contacts; "" leaves it
	DealStage      string // deals
	Closed         bool   // deals: the stage ends the pipeline (won or lost)
}

// UpdateKey is the ledger key of an object's ordinal-th update.
func UpdateKey(object string, ordinal int) string { return object + "-upd-" + strconv.Itoa(ordinal) }

// Updates lists the record's planned updates: every step after the contact's
// creation and every deal stage after the deal's first, each object's in time
// order.
func (r *Record) Updates() []Update {
	n := max(len(r.Steps)-1, 0)
	if r.Deal != nil {
		n += max(len(r.Deal.Path)-1, 0)
	}
	out := make([]Update, 0, n)
	for i := 1; i < len(r.Steps); i++ {
		s := r.Steps[i]
		out = append(out, Update{Kind: KindContactUpdate, Object: r.Key, Ordinal: i, Key: UpdateKey(r.Key, i), At: s.At,
			Phase: s.Phase, LifecycleStage: s.LifecycleStage, LeadStatus: s.LeadStatus})
	}
	if d := r.Deal; d != nil {
		for i := 1; i < len(d.Path); i++ {
			out = append(out, Update{Kind: KindDealUpdate, Object: d.Key, Ordinal: i, Key: UpdateKey(d.Key, i), At: d.Path[i].At,
				DealStage: d.Path[i].Stage, Closed: i == len(d.Path)-1 && d.Outcome != DealOpen})
		}
	}
	return out
}

// updateCounts is how many updates a journey plans for its contact and deal;
// it mirrors PlanRecord without planning.
func (j *journey) updateCounts(sc *Scenario, openStages int) (contact, deal int) {
	if !j.mql {
		return 0, 0
	}
	contact = 1 // MQL
	if sc.InitialStage == LifecycleSubscriber {
		contact++
	}
	if j.calls > 0 {
		contact++
	}
	if !j.deal {
		return contact + b2i(j.regressed), 0
	}
	contact += 2 // SQL, opportunity
	deal = j.lastStage(openStages)
	if j.outcome != DealOpen {
		contact++
		deal++
	}
	return contact, deal
}

// UpdateCounts returns how many contact and deal updates record index plans,
// without planning it (about as cheap as Candidates).
func UpdateCounts(spec *Spec, index int) (contact, deal int) {
	j := decide(spec, index)
	return j.updateCounts(&spec.Scenario, len(spec.Pipeline.orDefault().Open))
}

// UpdateCounts is the number of contact and deal updates the record plans.
func (r *Record) UpdateCounts() (contact, deal int) {
	contact = max(len(r.Steps)-1, 0)
	if r.Deal != nil {
		deal = max(len(r.Deal.Path)-1, 0)
	}
	return contact, deal
}
