package sandbox

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/internal/hubspot"
	"github.com/simcrm/simcrm/storage/sandboxstore"
)

// maxBatch is the most inputs one batch call takes.
const maxBatch = 100

// maxHistoryBatch is the most inputs of a batch read with property history.
const maxHistoryBatch = 50

// createInput is one record to create (the spec's SimplePublicObjectInputForCreate).
type createInput struct {
	Properties         propMap       `json:"properties"`
	Associations       []inlineAssoc `json:"associations"`
	ObjectWriteTraceID string        `json:"objectWriteTraceId"`
}

type inlineAssoc struct {
	To struct {
		ID flexString `json:"id"`
	} `json:"to"`
	Types []assocSpec `json:"types"`
}

type assocSpec struct {
	Category string `json:"associationCategory"`
	TypeID   int    `json:"associationTypeId"`
}

// tooMany refuses a batch over the limit.
func tooMany(n, limit int) error {
	if n > limit {
		e := validationError("Too many inputs: %d. A batch takes at most %d inputs.", n, limit)
		e.Details = []errorDetail{{Message: fmt.Sprintf("inputs has %d items, the most allowed is %d", n, limit), Code: "TOO_MANY_INPUTS", In: "inputs"}}
		return e
	}
	return nil
}

// conflict turns a unique-value collision into HubSpot's answer: 409 naming the
// record that holds the value, or 400 when one call carries a value twice.
func conflict(t hubspot.ObjectType, err error) error {
	var ce *sandboxstore.ConflictError
	if !errors.As(err, &ce) {
		return err
	}
	if ce.ExistingID == 0 {
		e := validationError("Duplicate values found in batch input for %s: [%s]", ce.Property, ce.Value)
		e.Details = []errorDetail{{Message: "each input needs its own " + ce.Property, Code: "DUPLICATE_VALUE", In: ce.Property}}
		return e
	}
	id := strconv.FormatInt(ce.ExistingID, 10)
	e := newError(fiber.StatusConflict, catConflict, "%s already exists. Existing ID: %s", title(t), id)
	e.Details = []errorDetail{{Message: fmt.Sprintf("%s %s is taken by record %s", ce.Property, ce.Value, id), Code: "CONFLICT",
		In: ce.Property, Context: map[string][]string{"existingId": {id}, "propertyName": {ce.Property}}}}
	return e
}

// create validates inputs and creates them in one transaction, with their inline
// associations. Any invalid input fails the whole call, as HubSpot's batch create
// does.
func (s *Server) create(ctx context.Context, t hubspot.ObjectType, inputs []createInput, batch bool) ([]sandboxstore.Object, error) {
	sc, err := s.schema(ctx, t)
	if err != nil {
		return nil, err
	}
	var problems []problem
	var assocProblems []errorDetail
	ins := make([]sandboxstore.ObjectInput, len(inputs))
	type want struct {
		input int
		toID  int64
		to    hubspot.ObjectType
	}
	var wants []want
	for i, in := range inputs {
		idx := -1
		if batch {
			idx = i
		}
		ch, ps := sc.check(in.Properties.plain(), modeCreate, idx)
		problems = append(problems, ps...)
		ins[i] = sandboxstore.ObjectInput{Properties: ch.props, CreatedAt: ch.createdAt}
		for _, a := range in.Associations {
			toID, ok := parseID(string(a.To.ID))
			if !ok {
				assocProblems = append(assocProblems, assocProblem(idx, "INVALID_OBJECT_ID", fmt.Sprintf("%q is not a record id", string(a.To.ID))))
				continue
			}
			for _, spec := range a.Types {
				def, msg := lookupAssocType(t, "", spec)
				if msg != "" {
					assocProblems = append(assocProblems, assocProblem(idx, "INVALID_ASSOCIATION_TYPE", msg))
					continue
				}
				ins[i].Associations = append(ins[i].Associations, inlineRows(t, def, toID)...)
				wants = append(wants, want{input: idx, toID: toID, to: def.To})
			}
		}
	}
	if len(problems) > 0 {
		return nil, propertyError(problems)
	}
	if len(wants) > 0 {
		ids := make([]int64, 0, len(wants))
		for _, w := range wants {
			ids = append(ids, w.toID)
		}
		types, err := s.store.ObjectTypes(ctx, ids)
		if err != nil {
			return nil, err
		}
		for _, w := range wants {
			if types[w.toID] != string(w.to) {
				assocProblems = append(assocProblems, assocProblem(w.input, "INVALID_OBJECT_ID", fmt.Sprintf("No %s with id %d exists", w.to.Singular(), w.toID)))
			}
		}
	}
	if len(assocProblems) > 0 {
		e := validationError("One or more associations are not valid: %s", assocProblems[0].Message)
		e.Details = assocProblems
		return nil, e
	}
	objs, err := s.store.CreateObjects(ctx, string(t), sc.unique(), ins)
	if err != nil {
		return nil, conflict(t, err)
	}
	return objs, nil
}

func assocProblem(index int, code, msg string) errorDetail {
	d := errorDetail{Message: msg, Code: code, In: "associations"}
	if index >= 0 {
		d.Context = map[string][]string{"inputIndex": {strconv.Itoa(index)}}
	}
	return d
}

// lookupAssocType checks an association type from a type; to may be "" (inferred
// from the id, as on create). It returns a message when the type is not allowed.
func lookupAssocType(from hubspot.ObjectType, to hubspot.ObjectType, spec assocSpec) (assocType, string) {
	if spec.Category != hubspot.HubSpotDefined {
		return assocType{}, fmt.Sprintf("association type %d (%s) is not defined in the sandbox: only HUBSPOT_DEFINED types exist", spec.TypeID, spec.Category)
	}
	def, ok := assocTypes[assocKey{from, spec.TypeID}]
	if !ok || (to != "" && def.To != to) {
		toName := "any type"
		if to != "" {
			toName = string(to)
		}
		return assocType{}, fmt.Sprintf("%d is not a valid HUBSPOT_DEFINED association type id from %s to %s", spec.TypeID, from, toName)
	}
	return def, ""
}

// inlineRows are the association rows a new record (id 0 until created) gets for
// one association type, both directions; a primary association brings the
// unlabelled one along, as in HubSpot.
func inlineRows(from hubspot.ObjectType, def assocType, toID int64) []sandboxstore.Association {
	rows := []sandboxstore.Association{
		{ToType: string(def.To), ToID: toID, Category: hubspot.HubSpotDefined, TypeID: def.ID},
		{FromID: toID, ToType: string(from), Category: hubspot.HubSpotDefined, TypeID: def.Reverse},
	}
	if !def.Default {
		d := defaultAssoc[typePair{from, def.To}]
		rows = append(rows,
			sandboxstore.Association{ToType: string(def.To), ToID: toID, Category: hubspot.HubSpotDefined, TypeID: d.ID},
			sandboxstore.Association{FromID: toID, ToType: string(from), Category: hubspot.HubSpotDefined, TypeID: d.Reverse})
	}
	return rows
}

// createObject answers POST /crm/v3/objects/{objectType}.
func (s *Server) createObject(c *fiber.Ctx) error {
	t, err := pathType(c, "objectType")
	if err != nil {
		return err
	}
	var in createInput
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	objs, err := s.create(c.UserContext(), t, []createInput{in}, false)
	if err != nil {
		return err
	}
	out := render(t, objs[0], propertySelection{all: true})
	out.ObjectWriteTraceID = in.ObjectWriteTraceID
	return c.Status(fiber.StatusCreated).JSON(out)
}

// batchCreate answers POST /crm/v3/objects/{objectType}/batch/create.
func (s *Server) batchCreate(c *fiber.Ctx) error {
	started := time.Now()
	t, err := pathType(c, "objectType")
	if err != nil {
		return err
	}
	inputs, err := readInputs[createInput](c, maxBatch)
	if err != nil {
		return err
	}
	results := make([]objectJSON, 0, len(inputs))
	if len(inputs) > 0 {
		objs, err := s.create(c.UserContext(), t, inputs, true)
		if err != nil {
			return err
		}
		for i, o := range objs {
			r := render(t, o, propertySelection{all: true})
			r.ObjectWriteTraceID = inputs[i].ObjectWriteTraceID
			results = append(results, r)
		}
	}
	return writeBatch(c, fiber.StatusCreated, started, results, nil)
}

// queryList reads a query parameter given repeatedly and/or comma-separated.
func queryList(c *fiber.Ctx, name string) []string {
	var raw []string
	for _, v := range c.Context().QueryArgs().PeekMulti(name) {
		raw = append(raw, string(v))
	}
	return splitNames(raw)
}

// resolveIDs maps input ids to record ids: record ids themselves, or values of the
// unique property idProperty. Ids that name nothing are absent.
func (s *Server) resolveIDs(ctx context.Context, t hubspot.ObjectType, sc schema, idProperty string, ids []string) (map[string]int64, error) {
	out := make(map[string]int64, len(ids))
	if idProperty == "" || idProperty == "hs_object_id" {
		for _, id := range ids {
			if n, ok := parseID(id); ok {
				out[id] = n
			}
		}
		return out, nil
	}
	p := sc.property(idProperty)
	if p == nil || !p.Unique {
		return nil, validationError("%s is not a unique property of %s: idProperty must name a property with unique values", idProperty, t)
	}
	values := make([]string, len(ids))
	norm := make(map[string]string, len(ids))
	for i, id := range ids {
		v, _, _ := sc.normalize(p, id)
		if v == "" {
			v = id
		}
		values[i], norm[id] = v, v
	}
	found, err := s.store.ObjectIDsByUnique(ctx, string(t), idProperty, values)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if n, ok := found[norm[id]]; ok {
			out[id] = n
		}
	}
	return out, nil
}

// withAssociations adds the associations a read asked for (v3 "associations").
func (s *Server) withAssociations(ctx context.Context, t hubspot.ObjectType, objs []objectJSON, ids []int64, types []string) error {
	if len(types) == 0 || len(objs) == 0 {
		return nil
	}
	want := map[hubspot.ObjectType]string{} // resolved type → the key the caller used
	for _, name := range types {
		if to, ok := parseType(name); ok {
			want[to] = name
		}
	}
	if len(want) == 0 {
		return nil
	}
	rows, err := s.store.AssociationsFrom(ctx, ids, "")
	if err != nil {
		return err
	}
	for i := range objs {
		for _, r := range rows[ids[i]] {
			to := hubspot.ObjectType(r.ToType)
			key, ok := want[to]
			if !ok {
				continue
			}
			if objs[i].Associations == nil {
				objs[i].Associations = map[string]associatedIDs{}
			}
			a := objs[i].Associations[key]
			a.Results = append(a.Results, associatedID{ID: strconv.FormatInt(r.ToID, 10), Type: associationName(t, to, r.TypeID)})
			objs[i].Associations[key] = a
		}
	}
	return nil
}

// getObject answers GET /crm/v3/objects/{objectType}/{objectId}.
func (s *Server) getObject(c *fiber.Ctx) error {
	t, err := pathType(c, "objectType")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	_, id, err := s.pathObject(c, t)
	if err != nil {
		return err
	}
	o, err := s.store.Object(ctx, string(t), id, c.QueryBool("archived"))
	if errors.Is(err, sandboxstore.ErrNotFound) {
		return objectNotFound()
	}
	if err != nil {
		return err
	}
	out := []objectJSON{render(t, o, selection(queryList(c, "properties"), queryList(c, "propertiesWithHistory")))}
	if err := s.withAssociations(ctx, t, out, []int64{o.ID}, queryList(c, "associations")); err != nil {
		return err
	}
	return c.JSON(out[0])
}

// listObjects answers GET /crm/v3/objects/{objectType}: a page by id.
func (s *Server) listObjects(c *fiber.Ctx) error {
	t, err := pathType(c, "objectType")
	if err != nil {
		return err
	}
	limit := c.QueryInt("limit", 10)
	if limit < 1 {
		return validationError("limit must be a positive number, got %d", limit)
	}
	limit = min(limit, 100)
	after, err := queryAfter(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	objs, err := s.store.ObjectPage(ctx, string(t), after, limit+1, c.QueryBool("archived"))
	if err != nil {
		return err
	}
	more := len(objs) > limit
	if more {
		objs = objs[:limit]
	}
	sel := selection(queryList(c, "properties"), queryList(c, "propertiesWithHistory"))
	results := make([]objectJSON, len(objs))
	ids := make([]int64, len(objs))
	for i, o := range objs {
		results[i], ids[i] = render(t, o, sel), o.ID
	}
	if err := s.withAssociations(ctx, t, results, ids, queryList(c, "associations")); err != nil {
		return err
	}
	resp := fiber.Map{"results": results}
	if more {
		next := strconv.FormatInt(objs[len(objs)-1].ID, 10)
		resp["paging"] = nextPage(next)
	}
	return c.JSON(resp)
}

// pathObject finds the record {objectId} names: its id, or with ?idProperty= the
// value of a unique property; one that does not exist is HubSpot's 404.
func (s *Server) pathObject(c *fiber.Ctx, t hubspot.ObjectType) (schema, int64, error) {
	ctx := c.UserContext()
	sc, err := s.schema(ctx, t)
	if err != nil {
		return sc, 0, err
	}
	raw := param(c, "objectId")
	ids, err := s.resolveIDs(ctx, t, sc, c.Query("idProperty"), []string{raw})
	if err != nil {
		return sc, 0, err
	}
	id, ok := ids[raw]
	if !ok {
		return sc, 0, objectNotFound()
	}
	return sc, id, nil
}

// updateObject answers PATCH /crm/v3/objects/{objectType}/{objectId}.
func (s *Server) updateObject(c *fiber.Ctx) error {
	t, err := pathType(c, "objectType")
	if err != nil {
		return err
	}
	var in struct {
		Properties propMap `json:"properties"`
	}
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	ctx := c.UserContext()
	sc, id, err := s.pathObject(c, t)
	if err != nil {
		return err
	}
	ch, ps := sc.check(in.Properties.plain(), modeUpdate, -1)
	if len(ps) > 0 {
		return propertyError(ps)
	}
	objs, err := s.store.UpdateObjects(ctx, string(t), sc.unique(), []sandboxstore.ObjectUpdate{{ID: id, Properties: ch.props}})
	if errors.Is(err, sandboxstore.ErrNotFound) {
		return objectNotFound()
	}
	if err != nil {
		return conflict(t, err)
	}
	return c.JSON(render(t, objs[0], propertySelection{all: true}))
}

// archiveObject answers DELETE /crm/v3/objects/{objectType}/{objectId} (204, also
// for an id that names nothing).
func (s *Server) archiveObject(c *fiber.Ctx) error {
	t, err := pathType(c, "objectType")
	if err != nil {
		return err
	}
	if id, ok := parseID(param(c, "objectId")); ok {
		if _, err := s.store.ArchiveObjects(c.UserContext(), string(t), []int64{id}); err != nil {
			return err
		}
	}
	return c.SendStatus(fiber.StatusNoContent)
}

type idInput struct {
	ID flexString `json:"id"`
}

// batchRead answers POST /crm/v3/objects/{objectType}/batch/read: 200, or 207
// naming the ids that exist no longer (or never did).
func (s *Server) batchRead(c *fiber.Ctx) error {
	started := time.Now()
	t, err := pathType(c, "objectType")
	if err != nil {
		return err
	}
	var body struct {
		Inputs                []idInput `json:"inputs"`
		Properties            []string  `json:"properties"`
		PropertiesWithHistory []string  `json:"propertiesWithHistory"`
		IDProperty            string    `json:"idProperty"`
	}
	if err := decodeBody(c, &body); err != nil {
		return err
	}
	limit := maxBatch
	if len(body.PropertiesWithHistory) > 0 {
		limit = maxHistoryBatch
	}
	if err := tooMany(len(body.Inputs), limit); err != nil {
		return err
	}
	ctx := c.UserContext()
	sc, err := s.schema(ctx, t)
	if err != nil {
		return err
	}
	raw := make([]string, len(body.Inputs))
	for i, in := range body.Inputs {
		raw[i] = string(in.ID)
	}
	ids, err := s.resolveIDs(ctx, t, sc, body.IDProperty, raw)
	if err != nil {
		return err
	}
	list := make([]int64, 0, len(ids))
	for _, id := range ids {
		list = append(list, id)
	}
	found, err := s.store.Objects(ctx, string(t), list, c.QueryBool("archived"))
	if err != nil {
		return err
	}
	sel := selection(body.Properties, body.PropertiesWithHistory)
	results := make([]objectJSON, 0, len(found))
	var missing []string
	seen := map[int64]bool{}
	for _, r := range raw {
		o, ok := found[ids[r]]
		if !ok {
			missing = append(missing, r)
			continue
		}
		if !seen[o.ID] {
			seen[o.ID] = true
			results = append(results, render(t, o, sel))
		}
	}
	var errs []standardError
	if len(missing) > 0 {
		errs = append(errs, newStandardError(catNotFound,
			fmt.Sprintf("Could not get some %s objects, they may be deleted or not exist. Check that ids are valid.", strings.ToUpper(t.Singular())),
			map[string][]string{"ids": missing}))
	}
	return writeBatch(c, fiber.StatusOK, started, results, errs)
}

// updateInput is one input of a batch update or upsert.
type updateInput struct {
	ID                 flexString `json:"id"`
	IDProperty         string     `json:"idProperty"`
	Properties         propMap    `json:"properties"`
	ObjectWriteTraceID string     `json:"objectWriteTraceId"`
}

// batchUpdate answers POST /crm/v3/objects/{objectType}/batch/update: invalid
// values fail the call (400), ids that name nothing come back in errors (207).
func (s *Server) batchUpdate(c *fiber.Ctx) error {
	started := time.Now()
	t, err := pathType(c, "objectType")
	if err != nil {
		return err
	}
	inputs, err := readInputs[updateInput](c, maxBatch)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	sc, err := s.schema(ctx, t)
	if err != nil {
		return err
	}
	var problems []problem
	checkedProps := make([]map[string]string, len(inputs))
	seen := map[string]bool{}
	var dups []string
	byProperty := map[string][]string{}
	for i, in := range inputs {
		ch, ps := sc.check(in.Properties.plain(), modeUpdate, i)
		problems = append(problems, ps...)
		checkedProps[i] = ch.props
		key := in.IDProperty + "\x00" + string(in.ID)
		if seen[key] {
			dups = append(dups, string(in.ID))
		}
		seen[key] = true
		byProperty[in.IDProperty] = append(byProperty[in.IDProperty], string(in.ID))
	}
	if len(dups) > 0 {
		return validationError("Duplicate IDs found in batch input: [%s]. IDs must be unique", strings.Join(dups, ", "))
	}
	if len(problems) > 0 {
		return propertyError(problems)
	}
	resolved := map[string]map[string]int64{}
	for prop, ids := range byProperty {
		m, err := s.resolveIDs(ctx, t, sc, prop, ids)
		if err != nil {
			return err
		}
		resolved[prop] = m
	}
	var ups []sandboxstore.ObjectUpdate
	var traces []string
	var missing []string
	for i, in := range inputs {
		id, ok := resolved[in.IDProperty][string(in.ID)]
		if !ok {
			missing = append(missing, string(in.ID))
			continue
		}
		ups = append(ups, sandboxstore.ObjectUpdate{ID: id, Properties: checkedProps[i]})
		traces = append(traces, in.ObjectWriteTraceID)
	}
	// Ids that exist no longer are reported, the others updated.
	if len(ups) > 0 {
		list := make([]int64, len(ups))
		for i, u := range ups {
			list[i] = u.ID
		}
		live, err := s.store.Objects(ctx, string(t), list, false)
		if err != nil {
			return err
		}
		kept, keptTraces := ups[:0], traces[:0]
		for i, u := range ups {
			if _, ok := live[u.ID]; ok {
				kept, keptTraces = append(kept, u), append(keptTraces, traces[i])
			} else {
				missing = append(missing, strconv.FormatInt(u.ID, 10))
			}
		}
		ups, traces = kept, keptTraces
	}
	results := []objectJSON{}
	if len(ups) > 0 {
		objs, err := s.store.UpdateObjects(ctx, string(t), sc.unique(), ups)
		if errors.Is(err, sandboxstore.ErrNotFound) {
			return objectNotFound() // archived between the check and the update
		}
		if err != nil {
			return conflict(t, err)
		}
		for i, o := range objs {
			r := render(t, o, propertySelection{all: true})
			r.ObjectWriteTraceID = traces[i]
			results = append(results, r)
		}
	}
	var errs []standardError
	if len(missing) > 0 {
		errs = append(errs, newStandardError(catNotFound,
			fmt.Sprintf("Could not update some %s objects, they may be deleted or not exist. Check that ids are valid.", strings.ToUpper(t.Singular())),
			map[string][]string{"ids": missing}))
	}
	return writeBatch(c, fiber.StatusOK, started, results, errs)
}

// batchUpsert answers POST /crm/v3/objects/{objectType}/batch/upsert: records are
// matched by a unique property (email for contacts, or any property with unique
// values), updated when found and created otherwise, each result saying "new".
func (s *Server) batchUpsert(c *fiber.Ctx) error {
	started := time.Now()
	t, err := pathType(c, "objectType")
	if err != nil {
		return err
	}
	inputs, err := readInputs[updateInput](c, maxBatch)
	if err != nil {
		return err
	}
	if len(inputs) == 0 {
		return writeBatch(c, fiber.StatusOK, started, []objectJSON{}, nil)
	}
	ctx := c.UserContext()
	sc, err := s.schema(ctx, t)
	if err != nil {
		return err
	}
	prop := inputs[0].IDProperty
	idDef := sc.property(prop)
	switch {
	case prop == "":
		return validationError("idProperty is required: upsert matches records by a property with unique values (email for contacts)")
	case idDef == nil || !idDef.Unique:
		return validationError("%s is not a unique property of %s: idProperty must name a property with unique values", prop, t)
	}
	values := make([]string, len(inputs))
	var problems []problem
	for i, in := range inputs {
		if in.IDProperty != prop {
			return validationError("every input of an upsert must use the same idProperty (%s, then %s)", prop, in.IDProperty)
		}
		v, code, msg := sc.normalize(idDef, string(in.ID))
		switch {
		case string(in.ID) == "":
			problems = append(problems, problem{Name: prop, Code: "REQUIRED_PROPERTY", Message: "id (the value of " + prop + ") is required", Index: i})
		case code != "":
			problems = append(problems, problem{Name: prop, Code: code, Message: msg, Index: i})
		case len(v) > sandboxstore.UniqueMax:
			problems = append(problems, problem{Name: prop, Code: "INVALID_UNIQUE_VALUE", Message: "unique values are at most 255 characters", Index: i})
		}
		values[i] = v
	}
	if len(problems) > 0 {
		return propertyError(problems)
	}
	seen := map[string]bool{}
	for _, v := range values {
		if seen[v] {
			return validationError("Duplicate IDs found in batch input: [%s]. IDs must be unique", v)
		}
		seen[v] = true
	}
	// Which inputs are new decides how they are checked (a new record needs what a
	// create needs); a record created meanwhile is updated with a create's checks.
	existing, err := s.store.ObjectIDsByUnique(ctx, string(t), prop, values)
	if err != nil {
		return err
	}
	ups := make([]sandboxstore.Upsert, len(inputs))
	for i, in := range inputs {
		props := in.Properties.plain()
		props[prop] = values[i]
		mode := modeUpdate
		if _, ok := existing[values[i]]; !ok {
			mode = modeCreate
		}
		ch, ps := sc.check(props, mode, i)
		problems = append(problems, ps...)
		ups[i] = sandboxstore.Upsert{Value: values[i], Properties: ch.props, CreatedAt: ch.createdAt}
	}
	if len(problems) > 0 {
		return propertyError(problems)
	}
	res, err := s.store.UpsertObjects(ctx, string(t), sc.unique(), prop, ups)
	if err != nil {
		return conflict(t, err)
	}
	results := make([]objectJSON, len(res))
	for i, r := range res {
		results[i] = render(t, r.Object, propertySelection{all: true})
		results[i].New = &res[i].New
		results[i].ObjectWriteTraceID = inputs[i].ObjectWriteTraceID
	}
	return writeBatch(c, fiber.StatusOK, started, results, nil)
}

// batchArchive answers POST /crm/v3/objects/{objectType}/batch/archive (204; ids
// that name nothing are skipped).
func (s *Server) batchArchive(c *fiber.Ctx) error {
	t, err := pathType(c, "objectType")
	if err != nil {
		return err
	}
	inputs, err := readInputs[idInput](c, maxBatch)
	if err != nil {
		return err
	}
	var ids []int64
	for _, in := range inputs {
		if id, ok := parseID(string(in.ID)); ok && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if _, err := s.store.ArchiveObjects(c.UserContext(), string(t), ids); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
