package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/simcrm/simcrm/internal/hubspot"
	"github.com/simcrm/simcrm/internal/sim"
	"github.com/simcrm/simcrm/storage"
)

// objectInput is one object to create in the target.
type objectInput struct {
	record int // the ledger's record index (a company: its first record)
	key    string
	props  map[string]string
	assoc  []hubspot.Association
	at     time.Time // planned moment (simulated): the ledger's planned time; lateness is measured against it
}

// failure is an object that cannot be created: no retry will help (validation,
// auth, a conflict the key cannot resolve) or its attempts are spent.
type failure struct {
	category hubspot.Category
	err      error
}

// createOutcome is what a create call achieved: ids of the objects that exist now
// (written to the ledger) and the objects that failed for good.
type createOutcome struct {
	ids    map[string]string
	failed map[string]failure
}

func newOutcome() createOutcome {
	return createOutcome{ids: map[string]string{}, failed: map[string]failure{}}
}

func (o createOutcome) merge(p createOutcome) {
	for k, v := range p.ids {
		o.ids[k] = v
	}
	for k, v := range p.failed {
		o.failed[k] = v
	}
}

// batchFailure is a batch answered 207 whose failed inputs may succeed when tried
// again: the task is retried (what succeeded is already in the ledger).
type batchFailure struct {
	category hubspot.Category
	first    hubspot.BatchError
	failed   int
}

func (b *batchFailure) Error() string {
	return fmt.Sprintf("%d inputs failed (%s): %s", b.failed, b.category, b.first.Message)
}

// createObjects creates objects of one kind in batches of at most 100 and writes
// every object that now exists to the ledger in one go. Companies are upserted by
// their key; other kinds are created with their associations inline. When the
// target says an object exists already (a retry after a crash between the target's
// answer and the ledger write), the object is looked up by its unique key instead
// of being created twice. Inputs HubSpot rejects as invalid are isolated by
// splitting the batch, so one bad object does not fail ninety-nine good ones.
func (e *Worker) createObjects(ctx context.Context, run *simRun, kind sim.Kind, ins []objectInput) (createOutcome, error) {
	out := newOutcome()
	var err error
	for lo := 0; lo < len(ins) && err == nil; lo += MaxBatch {
		var part createOutcome
		part, err = e.createBatch(ctx, run, kind, ins[lo:min(lo+MaxBatch, len(ins))], 0)
		out.merge(part)
	}
	// One ledger write for every object of the kind that exists now, also when a
	// later batch failed: what succeeded is never done again.
	if lerr := e.record(ctx, run, kind, ins, out.ids); lerr != nil {
		return out, lerr
	}
	return out, err
}

func (e *Worker) createBatch(ctx context.Context, run *simRun, kind sim.Kind, ins []objectInput, depth int) (createOutcome, error) {
	out := newOutcome()
	t := run.target
	pending := ins
	for len(pending) > 0 {
		objs, batchErrs, err := e.sendBatch(ctx, t, kind, pending)
		if err != nil {
			if IsThrottled(err) || isDailyLimit(err) {
				return out, err
			}
			cat := hubspot.Classify(err)
			switch {
			case cat == hubspot.CategoryConflict:
				var done bool
				pending, done, err = e.settleConflict(ctx, run, kind, pending, depth, out, err)
				if done || err != nil {
					return out, err
				}
				continue
			case cat == hubspot.CategoryValidation && len(pending) > 1 && depth < maxSplitDepth:
				return out, e.splitBatch(ctx, run, kind, pending, depth, out)
			case !hubspot.Retryable(cat):
				for _, in := range pending {
					out.failed[in.key] = failure{category: cat, err: err}
				}
				return out, nil
			}
			return out, err
		}
		matched := matchResults(kind, pending, objs)
		for k, v := range matched {
			out.ids[k] = v
		}
		pending = without(pending, matched)
		if len(pending) == 0 {
			break
		}
		cat, retryable := summarize(batchErrs)
		switch {
		case cat == hubspot.CategoryConflict:
			var done bool
			pending, done, err = e.settleConflict(ctx, run, kind, pending, depth, out, &batchErrs[0])
			if done || err != nil {
				return out, err
			}
		case retryable || len(batchErrs) == 0:
			be := &batchFailure{category: cat, failed: len(pending)}
			if len(batchErrs) > 0 {
				be.first = batchErrs[0]
			} else {
				be.first.Message = "the target returned no result for these inputs"
			}
			return out, be
		default:
			for _, in := range pending {
				out.failed[in.key] = failure{category: cat, err: &batchErrs[0]}
			}
			return out, nil
		}
	}
	return out, nil
}

// maxSplitDepth bounds the halving of a batch that isolates bad inputs: 2^8
// parts cover the largest batch.
const maxSplitDepth = 8

// settleConflict handles a target saying some pending objects exist already. The
// ones that exist (created by an earlier try whose answer was lost, or by a copy
// of the task running at the same time, as after a Redis failover) are looked up
// and taken as created, and the rest is sent again: every round takes at least
// one object off, so copies racing each other always finish. When none of them
// exists under its key, the conflict is another record's value (an e-mail already
// taken); the batch is halved until that input stands alone and fails by itself.
// It returns what is still to send, or done when nothing is.
func (e *Worker) settleConflict(ctx context.Context, run *simRun, kind sim.Kind, pending []objectInput, depth int,
	out createOutcome, cause error) (rest []objectInput, done bool, err error) {
	found, err := e.findExisting(ctx, run, kind, pending)
	if err != nil {
		return pending, true, err
	}
	out.merge(found)
	if len(found.ids) > 0 {
		rest = without(pending, found.ids)
		return rest, len(rest) == 0, nil
	}
	if len(found.failed) > 0 {
		return nil, true, nil
	}
	if len(pending) > 1 && depth < maxSplitDepth {
		return nil, true, e.splitBatch(ctx, run, kind, pending, depth, out)
	}
	for _, in := range pending {
		out.failed[in.key] = failure{category: hubspot.CategoryConflict, err: cause}
	}
	return nil, true, nil
}

// splitBatch sends the two halves of a batch on their own, so one input the
// target refuses does not fail the others.
func (e *Worker) splitBatch(ctx context.Context, run *simRun, kind sim.Kind, pending []objectInput, depth int, out createOutcome) error {
	half := len(pending) / 2
	for _, p := range [][]objectInput{pending[:half], pending[half:]} {
		part, err := e.createBatch(ctx, run, kind, p, depth+1)
		out.merge(part)
		if err != nil {
			return err
		}
	}
	return nil
}

// sendBatch makes the batch call of a kind: upsert by key for companies (when
// the key is unique), create with associations otherwise.
func (e *Worker) sendBatch(ctx context.Context, t *target, kind sim.Kind, ins []objectInput) ([]hubspot.Object, []hubspot.BatchError, error) {
	ot := objectType(kind)
	var (
		objs []hubspot.Object
		errs []hubspot.BatchError
	)
	if kind == sim.KindCompany && t.uniqueKey[kind] {
		inputs := make([]hubspot.UpdateInput, len(ins))
		for i, in := range ins {
			inputs[i] = hubspot.UpdateInput{ID: in.key, IDProperty: hubspot.RecordKeyProperty, Properties: in.props}
		}
		err := t.do(ctx, kind, func(ctx context.Context) error {
			res, err := t.client.BatchUpsert(ctx, ot, inputs)
			if res != nil {
				objs = make([]hubspot.Object, len(res.Results))
				for i, r := range res.Results {
					objs[i] = r.Object
				}
				errs = res.Errors
			}
			return err
		})
		return objs, errs, err
	}
	inputs := make([]hubspot.ObjectInput, len(ins))
	for i, in := range ins {
		inputs[i] = hubspot.ObjectInput{Properties: in.props, Associations: in.assoc, ObjectWriteTraceID: in.key}
	}
	err := t.do(ctx, kind, func(ctx context.Context) error {
		res, err := t.client.BatchCreate(ctx, ot, inputs)
		if res != nil {
			objs, errs = res.Results, res.Errors
		}
		return err
	})
	return objs, errs, err
}

// findExisting looks objects up by their unique key (contacts by email when the
// key is not unique) after the target said they exist.
func (e *Worker) findExisting(ctx context.Context, run *simRun, kind sim.Kind, ins []objectInput) (createOutcome, error) {
	out := newOutcome()
	t := run.target
	idProp := ""
	switch {
	case t.uniqueKey[kind]:
		idProp = hubspot.RecordKeyProperty
	case kind == sim.KindContact:
		idProp = "email"
	default:
		for _, in := range ins {
			out.failed[in.key] = failure{category: hubspot.CategoryConflict,
				err: errors.New("the target reports a conflict and has no unique key to find the existing object")}
		}
		return out, nil
	}
	ids := make([]string, len(ins))
	for i, in := range ins {
		ids[i] = in.key
		if idProp == "email" {
			ids[i] = in.props["email"]
		}
	}
	var objs []hubspot.Object
	err := t.do(ctx, kind, func(ctx context.Context) error {
		res, err := t.client.BatchRead(ctx, objectType(kind), hubspot.BatchReadRequest{IDs: ids, IDProperty: idProp,
			Properties: []string{hubspot.RecordKeyProperty, "email"}})
		if res != nil {
			objs = res.Results
		}
		return err
	})
	if err != nil {
		return out, err
	}
	matched := map[string]string{}
	byValue := map[string]string{}
	for _, in := range ins {
		if idProp == "email" {
			byValue[in.props["email"]] = in.key
		} else {
			byValue[in.key] = in.key
		}
	}
	for _, o := range objs {
		if key, ok := byValue[o.Properties.Get(idProp)]; ok {
			matched[key] = o.ID
		}
	}
	out.ids = matched
	return out, nil
}

// record writes objects that exist in the target to the ledger and counts the ones
// the ledger did not have yet as created.
func (e *Worker) record(ctx context.Context, run *simRun, kind sim.Kind, ins []objectInput, ids map[string]string) error {
	if len(ids) == 0 {
		return nil
	}
	entries := make([]storage.LedgerEntry, 0, len(ids))
	for _, in := range ins {
		if id, ok := ids[in.key]; ok {
			entries = append(entries, storage.LedgerEntry{SimulationID: run.sim.ID, RecordIndex: in.record,
				ObjectType: string(kind), RecordKey: in.key, ExternalID: id, PlannedAt: in.at})
		}
	}
	added, err := e.store.AddLedgerEntries(context.WithoutCancel(ctx), entries)
	if err != nil {
		return err
	}
	total := fieldCreated
	if kind.IsUpdate() {
		total = "" // "created" counts objects
	}
	e.countObjects(ctx, run.sim.ID, sim.EventCreated, total, added.Created, run.lateness(ins, ids))
	// A skip decided while the object was being created gave way to it.
	e.countUnthinned(ctx, run.sim.ID, added.Unskipped[storage.SkipThinned])
	e.countLifted(ctx, run.sim.ID, added.Unskipped[storage.SkipBlocked])
	return nil
}

// lateness measures how long after its planned run time each input that now
// exists was made (paced runs; a backfill makes everything at once).
func (r *simRun) lateness(ins []objectInput, ids map[string]string) map[string]int64 {
	if r.pace.Mode == sim.Backfill {
		return nil
	}
	d := map[string]int64{}
	now := time.Now()
	for _, in := range ins {
		if _, ok := ids[in.key]; ok && !in.at.IsZero() {
			addLateness(d, now.Sub(r.runAt(in.at)), 1)
		}
	}
	return d
}

// matchResults pairs created objects with their inputs: by the write trace id the
// target echoes, by the key property, by email, and by position as a last resort
// (HubSpot does not promise result order).
func matchResults(kind sim.Kind, ins []objectInput, objs []hubspot.Object) map[string]string {
	out := make(map[string]string, len(objs))
	keys := make(map[string]bool, len(ins))
	emails := map[string]string{}
	for _, in := range ins {
		keys[in.key] = true
		if kind == sim.KindContact {
			emails[in.props["email"]] = in.key
		}
	}
	unmatched := 0
	for _, o := range objs {
		switch {
		case keys[o.ObjectWriteTraceID]:
			out[o.ObjectWriteTraceID] = o.ID
		case keys[o.Properties.Get(hubspot.RecordKeyProperty)]:
			out[o.Properties.Get(hubspot.RecordKeyProperty)] = o.ID
		case emails[o.Properties.Get("email")] != "":
			out[emails[o.Properties.Get("email")]] = o.ID
		default:
			unmatched++
		}
	}
	if unmatched > 0 && len(objs) == len(ins) && len(out) == 0 {
		for i, o := range objs {
			out[ins[i].key] = o.ID
		}
	}
	return out
}

func without(ins []objectInput, done map[string]string) []objectInput {
	if len(done) == 0 {
		return ins
	}
	out := make([]objectInput, 0, len(ins))
	for _, in := range ins {
		if _, ok := done[in.key]; !ok {
			out = append(out, in)
		}
	}
	return out
}

// summarize turns a 207's per-input errors into one category and whether trying
// again may help: all conflicts → conflict; any retryable category → retryable.
func summarize(errs []hubspot.BatchError) (hubspot.Category, bool) {
	if len(errs) == 0 {
		return hubspot.CategoryUnknown, true
	}
	cat := errs[0].FailureCategory()
	allConflict := true
	retryable := false
	for i := range errs {
		c := errs[i].FailureCategory()
		if c != hubspot.CategoryConflict {
			allConflict = false
		}
		if hubspot.Retryable(c) && c != hubspot.CategoryConflict {
			retryable = true
			cat = c
		}
	}
	if allConflict {
		return hubspot.CategoryConflict, false
	}
	if !retryable {
		for i := range errs {
			if c := errs[i].FailureCategory(); c != hubspot.CategoryConflict {
				return c, false
			}
		}
	}
	return cat, retryable
}

func isDailyLimit(err error) bool {
	var d *dailyLimitError
	return errors.As(err, &d)
}

// associations builds the inline associations from one kind to the record's
// objects.
func associations(from sim.Kind, to map[sim.Kind]string) []hubspot.Association {
	var out []hubspot.Association
	for _, k := range []sim.Kind{sim.KindContact, sim.KindCompany, sim.KindDeal} {
		id := to[k]
		if id == "" {
			continue
		}
		if typeID, ok := hubspot.AssociationTypeID(string(from), string(k)); ok {
			out = append(out, hubspot.DefinedAssociation(id, typeID))
		}
	}
	return out
}
