package sandbox

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/internal/hubspot"
	"github.com/simcrm/simcrm/storage/sandboxstore"
)

// maxAssociationPage is HubSpot's default and largest page of a record's associations.
const maxAssociationPage = 500

// pairRows are the rows of one association type between two records, both directions.
func pairRows(from hubspot.ObjectType, fromID int64, def assocType, toID int64) []sandboxstore.Association {
	return []sandboxstore.Association{
		{FromID: fromID, ToType: string(def.To), ToID: toID, Category: hubspot.HubSpotDefined, TypeID: def.ID},
		{FromID: toID, ToType: string(from), ToID: fromID, Category: hubspot.HubSpotDefined, TypeID: def.Reverse},
	}
}

// rowsFor are the rows of an association type, with the unlabelled type a primary
// one brings along.
func rowsFor(from hubspot.ObjectType, fromID int64, def assocType, toID int64) []sandboxstore.Association {
	rows := pairRows(from, fromID, def, toID)
	if !def.Default {
		rows = append(rows, pairRows(from, fromID, defaultAssoc[typePair{from, def.To}], toID)...)
	}
	return rows
}

// v4Path reads the types and ids of a v4 single-association path.
func v4Path(c *fiber.Ctx) (from hubspot.ObjectType, fromID int64, to hubspot.ObjectType, toID int64, err error) {
	if from, err = pathType(c, "fromType"); err != nil {
		return
	}
	if to, err = pathType(c, "toType"); err != nil {
		return
	}
	var ok bool
	if fromID, ok = parseID(c.Params("fromId")); !ok {
		err = validationError("%q is not a record id", c.Params("fromId"))
		return
	}
	if toID, ok = parseID(c.Params("toId")); !ok {
		err = validationError("%q is not a record id", c.Params("toId"))
	}
	return
}

// checkRecords answers 404 unless both records exist with the expected types.
func (s *Server) checkRecords(ctx context.Context, from hubspot.ObjectType, fromID int64, to hubspot.ObjectType, toID int64) error {
	types, err := s.store.ObjectTypes(ctx, []int64{fromID, toID})
	if err != nil {
		return err
	}
	if types[fromID] != string(from) {
		return notFound("No %s with id %d exists", from.Singular(), fromID)
	}
	if types[toID] != string(to) {
		return notFound("No %s with id %d exists", to.Singular(), toID)
	}
	return nil
}

type publicObjectID struct {
	ID string `json:"id"`
}

type defaultAssociationJSON struct {
	From            publicObjectID `json:"from"`
	To              publicObjectID `json:"to"`
	AssociationSpec assocSpec      `json:"associationSpec"`
}

// associateDefault answers PUT /crm/v4/objects/{from}/{fromId}/associations/default/{to}/{toId}.
func (s *Server) associateDefault(c *fiber.Ctx) error {
	started := time.Now()
	from, fromID, to, toID, err := v4Path(c)
	if err != nil {
		return err
	}
	def, ok := defaultAssoc[typePair{from, to}]
	if !ok {
		return validationError("There is no default association type from %s to %s", from, to)
	}
	ctx := c.UserContext()
	if err := s.checkRecords(ctx, from, fromID, to, toID); err != nil {
		return err
	}
	if err := s.store.CreateAssociations(ctx, pairRows(from, fromID, def, toID)); err != nil {
		return err
	}
	results := []defaultAssociationJSON{
		{From: idOf(fromID), To: idOf(toID), AssociationSpec: assocSpec{Category: hubspot.HubSpotDefined, TypeID: def.ID}},
		{From: idOf(toID), To: idOf(fromID), AssociationSpec: assocSpec{Category: hubspot.HubSpotDefined, TypeID: def.Reverse}},
	}
	return writeBatch(c, fiber.StatusOK, started, results, nil)
}

func idOf(id int64) publicObjectID { return publicObjectID{ID: strconv.FormatInt(id, 10)} }

// labelsBetween is the spec's LabelsBetweenObjectPair.
type labelsBetween struct {
	FromObjectTypeID string   `json:"fromObjectTypeId"`
	FromObjectID     int64    `json:"fromObjectId"`
	ToObjectTypeID   string   `json:"toObjectTypeId"`
	ToObjectID       int64    `json:"toObjectId"`
	Labels           []string `json:"labels"`
}

func labelsOf(from hubspot.ObjectType, fromID int64, to hubspot.ObjectType, toID int64, defs []assocType) labelsBetween {
	out := labelsBetween{FromObjectTypeID: from.ID(), FromObjectID: fromID, ToObjectTypeID: to.ID(), ToObjectID: toID, Labels: []string{}}
	for _, d := range defs {
		if d.Label != "" {
			out.Labels = append(out.Labels, d.Label)
		}
	}
	return out
}

// associateLabelled answers PUT /crm/v4/objects/{from}/{fromId}/associations/{to}/{toId}
// with a body of association types.
func (s *Server) associateLabelled(c *fiber.Ctx) error {
	from, fromID, to, toID, err := v4Path(c)
	if err != nil {
		return err
	}
	var specs []assocSpec
	if err := decodeBody(c, &specs); err != nil {
		return err
	}
	if len(specs) == 0 {
		return validationError("The body must list at least one association type")
	}
	var defs []assocType
	var rows []sandboxstore.Association
	for _, spec := range specs {
		def, msg := lookupAssocType(from, to, spec)
		if msg != "" {
			return validationError("%s", msg)
		}
		defs = append(defs, def)
		rows = append(rows, rowsFor(from, fromID, def, toID)...)
	}
	ctx := c.UserContext()
	if err := s.checkRecords(ctx, from, fromID, to, toID); err != nil {
		return err
	}
	if err := s.store.CreateAssociations(ctx, rows); err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(labelsOf(from, fromID, to, toID, defs))
}

// removeAssociations answers DELETE /crm/v4/objects/{from}/{fromId}/associations/{to}/{toId}:
// every association between the two records goes, in both directions.
func (s *Server) removeAssociations(c *fiber.Ctx) error {
	from, fromID, to, toID, err := v4Path(c)
	if err != nil {
		return err
	}
	err = s.store.DeleteAssociations(c.UserContext(), []sandboxstore.Association{
		{FromID: fromID, ToType: string(to), ToID: toID},
		{FromID: toID, ToType: string(from), ToID: fromID},
	})
	if err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

type typeWithLabel struct {
	Category string `json:"category"`
	TypeID   int    `json:"typeId"`
	Label    string `json:"label,omitempty"`
}

type associatedObject struct {
	ToObjectID       int64           `json:"toObjectId"`
	AssociationTypes []typeWithLabel `json:"associationTypes"`
}

// groupRows turns association rows (ordered by the other record's id) into one
// entry per associated record.
func groupRows(from hubspot.ObjectType, rows []sandboxstore.Association) []associatedObject {
	out := []associatedObject{}
	for _, r := range rows {
		if len(out) == 0 || out[len(out)-1].ToObjectID != r.ToID {
			out = append(out, associatedObject{ToObjectID: r.ToID, AssociationTypes: []typeWithLabel{}})
		}
		last := &out[len(out)-1]
		last.AssociationTypes = append(last.AssociationTypes, typeWithLabel{Category: r.Category, TypeID: r.TypeID, Label: assocTypes[assocKey{from, r.TypeID}].Label})
	}
	return out
}

// listAssociations answers GET /crm/v4/objects/{from}/{fromId}/associations/{to}.
func (s *Server) listAssociations(c *fiber.Ctx) error {
	from, err := pathType(c, "fromType")
	if err != nil {
		return err
	}
	to, err := pathType(c, "toType")
	if err != nil {
		return err
	}
	fromID, ok := parseID(c.Params("fromId"))
	if !ok {
		return validationError("%q is not a record id", c.Params("fromId"))
	}
	limit := c.QueryInt("limit", maxAssociationPage)
	if limit < 1 || limit > maxAssociationPage {
		return validationError("limit must be between 1 and %d, got %d", maxAssociationPage, limit)
	}
	after, err := queryAfter(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	types, err := s.store.ObjectTypes(ctx, []int64{fromID})
	if err != nil {
		return err
	}
	if types[fromID] != string(from) {
		return notFound("No %s with id %d exists", from.Singular(), fromID)
	}
	rows, more, err := s.store.AssociationPage(ctx, fromID, string(to), after, limit)
	if err != nil {
		return err
	}
	results := groupRows(from, rows)
	resp := fiber.Map{"results": results}
	if more && len(results) > 0 {
		next := strconv.FormatInt(results[len(results)-1].ToObjectID, 10)
		resp["paging"] = nextPage(next)
	}
	return c.JSON(resp)
}

// v4Types reads the types of a v4 batch path.
func v4Types(c *fiber.Ctx) (hubspot.ObjectType, hubspot.ObjectType, error) {
	from, err := pathType(c, "fromType")
	if err != nil {
		return "", "", err
	}
	to, err := pathType(c, "toType")
	return from, to, err
}

// batchAssociate answers POST /crm/v4/associations/{from}/{to}/batch/create: 201,
// or 207 with the inputs whose records or types are not valid.
func (s *Server) batchAssociate(c *fiber.Ctx) error {
	started := time.Now()
	from, to, err := v4Types(c)
	if err != nil {
		return err
	}
	inputs, err := readInputs[assocInput](c, maxBatch)
	if err != nil {
		return err
	}
	pairs := make([][2]int64, len(inputs))
	var ids []int64
	for i, in := range inputs {
		f, _ := parseID(string(in.From.ID))
		t, _ := parseID(string(in.To.ID))
		pairs[i] = [2]int64{f, t}
		ids = append(ids, f, t)
	}
	ctx := c.UserContext()
	types, err := s.store.ObjectTypes(ctx, ids)
	if err != nil {
		return err
	}
	var rows []sandboxstore.Association
	results := []labelsBetween{}
	var errs []standardError
	for i, in := range inputs {
		f, t := pairs[i][0], pairs[i][1]
		ctxIDs := map[string][]string{"fromId": {string(in.From.ID)}, "toId": {string(in.To.ID)}}
		if types[f] != string(from) || types[t] != string(to) {
			errs = append(errs, newStandardError(catNotFound, fmt.Sprintf("No %s %s or no %s %s exists", from.Singular(), in.From.ID, to.Singular(), in.To.ID), ctxIDs))
			continue
		}
		if len(in.Types) == 0 {
			errs = append(errs, newStandardError(catValidation, "Each input needs at least one association type", ctxIDs))
			continue
		}
		var defs []assocType
		var inRows []sandboxstore.Association
		bad := ""
		for _, spec := range in.Types {
			def, msg := lookupAssocType(from, to, spec)
			if msg != "" {
				bad = msg
				break
			}
			defs = append(defs, def)
			inRows = append(inRows, rowsFor(from, f, def, t)...)
		}
		if bad != "" {
			errs = append(errs, newStandardError(catValidation, bad, ctxIDs))
			continue
		}
		rows = append(rows, inRows...)
		results = append(results, labelsOf(from, f, to, t, defs))
	}
	if err := s.store.CreateAssociations(ctx, rows); err != nil {
		return err
	}
	return writeBatch(c, fiber.StatusCreated, started, results, errs)
}

// batchAssociateDefault answers POST /crm/v4/associations/{from}/{to}/batch/associate/default.
// The spec knows only 200 here, so inputs that fail are listed in errors of a 200.
func (s *Server) batchAssociateDefault(c *fiber.Ctx) error {
	started := time.Now()
	from, to, err := v4Types(c)
	if err != nil {
		return err
	}
	def, ok := defaultAssoc[typePair{from, to}]
	if !ok {
		return validationError("There is no default association type from %s to %s", from, to)
	}
	inputs, err := readInputs[pairInput](c, maxBatch)
	if err != nil {
		return err
	}
	var ids []int64
	for _, in := range inputs {
		f, _ := parseID(string(in.From.ID))
		t, _ := parseID(string(in.To.ID))
		ids = append(ids, f, t)
	}
	ctx := c.UserContext()
	types, err := s.store.ObjectTypes(ctx, ids)
	if err != nil {
		return err
	}
	var rows []sandboxstore.Association
	results := []defaultAssociationJSON{}
	var errs []standardError
	for i, in := range inputs {
		f, t := ids[2*i], ids[2*i+1]
		if types[f] != string(from) || types[t] != string(to) {
			errs = append(errs, newStandardError(catNotFound, fmt.Sprintf("No %s %s or no %s %s exists", from.Singular(), in.From.ID, to.Singular(), in.To.ID),
				map[string][]string{"fromId": {string(in.From.ID)}, "toId": {string(in.To.ID)}}))
			continue
		}
		rows = append(rows, pairRows(from, f, def, t)...)
		results = append(results,
			defaultAssociationJSON{From: idOf(f), To: idOf(t), AssociationSpec: assocSpec{Category: hubspot.HubSpotDefined, TypeID: def.ID}},
			defaultAssociationJSON{From: idOf(t), To: idOf(f), AssociationSpec: assocSpec{Category: hubspot.HubSpotDefined, TypeID: def.Reverse}})
	}
	if err := s.store.CreateAssociations(ctx, rows); err != nil {
		return err
	}
	resp := batchResponse{Status: "COMPLETE", Results: results, StartedAt: isoTime(started), CompletedAt: isoTime(time.Now())}
	if len(errs) > 0 {
		resp.NumErrors, resp.Errors = len(errs), errs
	}
	return c.JSON(resp)
}

// batchReadAssociations answers POST /crm/v4/associations/{from}/{to}/batch/read.
func (s *Server) batchReadAssociations(c *fiber.Ctx) error {
	started := time.Now()
	from, to, err := v4Types(c)
	if err != nil {
		return err
	}
	inputs, err := readInputs[assocReadInput](c, maxBatch)
	if err != nil {
		return err
	}
	var ids []int64
	for _, in := range inputs {
		id, _ := parseID(string(in.ID))
		ids = append(ids, id)
	}
	ctx := c.UserContext()
	types, err := s.store.ObjectTypes(ctx, ids)
	if err != nil {
		return err
	}
	type multi struct {
		From publicObjectID     `json:"from"`
		To   []associatedObject `json:"to"`
	}
	results := []multi{}
	var missing []string
	for i, in := range inputs {
		if types[ids[i]] != string(from) {
			missing = append(missing, string(in.ID))
			continue
		}
		after, _ := strconv.ParseInt(in.After, 10, 64)
		rows, _, err := s.store.AssociationPage(ctx, ids[i], string(to), after, maxAssociationPage)
		if err != nil {
			return err
		}
		results = append(results, multi{From: idOf(ids[i]), To: groupRows(from, rows)})
	}
	var errs []standardError
	if len(missing) > 0 {
		errs = append(errs, newStandardError(catNotFound, fmt.Sprintf("No %s records with these ids exist", from.Singular()), map[string][]string{"ids": missing}))
	}
	return writeBatch(c, fiber.StatusOK, started, results, errs)
}

// batchArchiveAssociations answers POST /crm/v4/associations/{from}/{to}/batch/archive:
// every association between each pair goes (204).
func (s *Server) batchArchiveAssociations(c *fiber.Ctx) error {
	from, to, err := v4Types(c)
	if err != nil {
		return err
	}
	inputs, err := readInputs[assocArchiveInput](c, maxBatch)
	if err != nil {
		return err
	}
	var rows []sandboxstore.Association
	for _, in := range inputs {
		f, ok := parseID(string(in.From.ID))
		if !ok {
			continue
		}
		for _, t := range in.To {
			if tid, ok := parseID(string(t.ID)); ok {
				rows = append(rows, sandboxstore.Association{FromID: f, ToType: string(to), ToID: tid},
					sandboxstore.Association{FromID: tid, ToType: string(from), ToID: f})
			}
		}
	}
	if err := s.store.DeleteAssociations(c.UserContext(), rows); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// assocInput is one input of a batch association: two records and the types between them.
type assocInput struct {
	From  idInput     `json:"from"`
	To    idInput     `json:"to"`
	Types []assocSpec `json:"types"`
}

// pairInput is one input of a default batch association: two records.
type pairInput struct {
	From idInput `json:"from"`
	To   idInput `json:"to"`
}

// assocReadInput is one input of a batch association read: a record and a page cursor.
type assocReadInput struct {
	ID    flexString `json:"id"`
	After string     `json:"after"`
}

// assocArchiveInput is one input of a batch association archive: a record and the records to part from.
type assocArchiveInput struct {
	From idInput   `json:"from"`
	To   []idInput `json:"to"`
}
