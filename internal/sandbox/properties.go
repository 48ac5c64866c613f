package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/internal/hubspot"
	"github.com/simcrm/simcrm/storage/sandboxstore"
)

// load returns the custom properties of every type, reading them again once ttl has
// passed.
func (pc *propertyCache) load(ctx context.Context) (map[string]map[string]*propertyDef, error) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if pc.byType != nil && pc.now().Sub(pc.loadedAt) < pc.ttl {
		return pc.byType, nil
	}
	rows, err := pc.store.Properties(ctx, "")
	if err != nil {
		return nil, err
	}
	m := map[string]map[string]*propertyDef{}
	for _, r := range rows {
		var pj propertyJSON
		if err := json.Unmarshal([]byte(r.Definition), &pj); err != nil {
			return nil, errors.New("sandbox: stored property " + r.Type + "." + r.Name + ": " + err.Error())
		}
		def := pj.def()
		def.CreatedAt, def.UpdatedAt = r.CreatedAt, r.UpdatedAt
		if m[r.Type] == nil {
			m[r.Type] = map[string]*propertyDef{}
		}
		m[r.Type][r.Name] = def
	}
	pc.byType, pc.loadedAt = m, pc.now()
	return m, nil
}

// schema is every property of one object type.
type schema struct {
	t      hubspot.ObjectType
	custom map[string]*propertyDef
}

func (sc schema) property(name string) *propertyDef {
	if p := builtins[sc.t][name]; p != nil {
		return p
	}
	return sc.custom[name]
}

// unique names the properties whose values must be unique.
func (sc schema) unique() map[string]bool {
	u := map[string]bool{}
	for name, p := range builtins[sc.t] {
		if p.Unique {
			u[name] = true
		}
	}
	for name, p := range sc.custom {
		if p.Unique {
			u[name] = true
		}
	}
	return u
}

// all lists the type's properties: built-in ones in display order, then custom
// ones by name.
func (sc schema) all() []*propertyDef {
	var out []*propertyDef
	for _, p := range builtins[sc.t] {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].DisplayOrder < out[j].DisplayOrder })
	var custom []*propertyDef
	for _, p := range sc.custom {
		custom = append(custom, p)
	}
	sort.Slice(custom, func(i, j int) bool { return custom[i].Name < custom[j].Name })
	return append(out, custom...)
}

func (s *Server) schema(ctx context.Context, t hubspot.ObjectType) (schema, error) {
	m, err := s.props.load(ctx)
	if err != nil {
		return schema{}, err
	}
	return schema{t: t, custom: m[string(t)]}, nil
}

// propertyJSON is a property as the properties API shows it (the spec's Property).
type propertyJSON struct {
	Name                 string           `json:"name"`
	Label                string           `json:"label"`
	Type                 string           `json:"type"`
	FieldType            string           `json:"fieldType"`
	GroupName            string           `json:"groupName"`
	Description          string           `json:"description"`
	Options              []option         `json:"options"`
	HasUniqueValue       bool             `json:"hasUniqueValue"`
	Hidden               bool             `json:"hidden"`
	FormField            bool             `json:"formField"`
	DisplayOrder         int              `json:"displayOrder"`
	Calculated           bool             `json:"calculated"`
	ExternalOptions      bool             `json:"externalOptions"`
	HubspotDefined       bool             `json:"hubspotDefined"`
	ReferencedObjectType string           `json:"referencedObjectType,omitempty"`
	ModificationMetadata modificationMeta `json:"modificationMetadata"`
	Archived             bool             `json:"archived"`
	CreatedAt            string           `json:"createdAt,omitempty"`
	UpdatedAt            string           `json:"updatedAt,omitempty"`
}

type modificationMeta struct {
	Archivable         bool `json:"archivable"`
	ReadOnlyDefinition bool `json:"readOnlyDefinition"`
	ReadOnlyValue      bool `json:"readOnlyValue"`
}

func (pj propertyJSON) def() *propertyDef {
	return &propertyDef{
		Name: pj.Name, Label: pj.Label, Type: pj.Type, FieldType: pj.FieldType, Group: pj.GroupName,
		Description: pj.Description, Options: pj.Options, Unique: pj.HasUniqueValue, Hidden: pj.Hidden,
		DisplayOrder: pj.DisplayOrder, Custom: true,
	}
}

// propertyOut renders a definition for the API.
func propertyOut(t hubspot.ObjectType, p *propertyDef) propertyJSON {
	pj := propertyJSON{
		Name: p.Name, Label: p.Label, Type: p.Type, FieldType: p.FieldType, GroupName: p.Group,
		Description: p.Description, Options: p.Options, HasUniqueValue: p.Unique, Hidden: p.Hidden,
		FormField: !p.ReadOnly && !p.Custom, DisplayOrder: p.DisplayOrder, HubspotDefined: !p.Custom,
		ModificationMetadata: modificationMeta{Archivable: p.Custom, ReadOnlyDefinition: !p.Custom, ReadOnlyValue: p.ReadOnly},
	}
	if pp, ok := pipelineProps[t]; ok && (p.Name == pp[0] || p.Name == pp[1]) {
		pj.Options = pipelineOptions(t, p.Name == pp[1])
	}
	if p.Owner {
		pj.ExternalOptions, pj.ReferencedObjectType = true, "OWNER"
	}
	if pj.Options == nil {
		pj.Options = []option{}
	}
	if !p.CreatedAt.IsZero() {
		pj.CreatedAt, pj.UpdatedAt = isoTime(p.CreatedAt), isoTime(p.UpdatedAt)
	}
	return pj
}

// pipelineOptions lists a type's pipelines, or all their stages, as options.
func pipelineOptions(t hubspot.ObjectType, stages bool) []option {
	var out []option
	for _, p := range pipelines[t] {
		if !stages {
			out = append(out, option{Label: p.Label, Value: p.ID, DisplayOrder: len(out)})
			continue
		}
		for _, st := range p.Stages {
			out = append(out, option{Label: st.Label, Value: st.ID, DisplayOrder: len(out)})
		}
	}
	return out
}

// listProperties answers GET /crm/v3/properties/{objectType}.
func (s *Server) listProperties(c *fiber.Ctx) error {
	t, err := pathType(c, "objectType")
	if err != nil {
		return err
	}
	sc, err := s.schema(c.UserContext(), t)
	if err != nil {
		return err
	}
	var results []propertyJSON
	if c.QueryBool("archived") {
		results = []propertyJSON{}
	} else {
		for _, p := range sc.all() {
			results = append(results, propertyOut(t, p))
		}
	}
	return c.JSON(fiber.Map{"results": results})
}

// showProperty answers GET /crm/v3/properties/{objectType}/{propertyName}.
func (s *Server) showProperty(c *fiber.Ctx) error {
	t, err := pathType(c, "objectType")
	if err != nil {
		return err
	}
	sc, err := s.schema(c.UserContext(), t)
	if err != nil {
		return err
	}
	name := param(c, "propertyName")
	p := sc.property(name)
	if p == nil {
		return notFound("Unable to find property: %s", name)
	}
	return c.JSON(propertyOut(t, p))
}

// propertyCreate is the spec's PropertyCreate.
type propertyCreate struct {
	Name           string   `json:"name"`
	Label          string   `json:"label"`
	Type           string   `json:"type"`
	FieldType      string   `json:"fieldType"`
	GroupName      string   `json:"groupName"`
	Description    string   `json:"description"`
	Options        []option `json:"options"`
	HasUniqueValue bool     `json:"hasUniqueValue"`
	Hidden         bool     `json:"hidden"`
	FormField      bool     `json:"formField"`
	DisplayOrder   int      `json:"displayOrder"`
}

var propertyName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,99}$`)

var fieldTypes = []string{"booleancheckbox", "calculation_equation", "checkbox", "date", "file", "html", "number", "phonenumber", "radio", "select", "text", "textarea"}

var dataTypes = []string{typeBool, typeDate, typeDatetime, typeEnumeration, typeNumber, typePhone, typeString}

func (in propertyCreate) validate() []problem {
	var ps []problem
	add := func(field, code, msg string) {
		ps = append(ps, problem{Name: field, Code: code, Message: msg, Index: -1})
	}
	if !propertyName.MatchString(in.Name) {
		add("name", "INVALID_PROPERTY_NAME", "name must start with a lower-case letter and hold only a-z, 0-9 and _ (at most 100 characters)")
	}
	if strings.TrimSpace(in.Label) == "" {
		add("label", "REQUIRED_FIELD", "label is required")
	}
	if strings.TrimSpace(in.GroupName) == "" {
		add("groupName", "REQUIRED_FIELD", "groupName is required")
	}
	if !slices.Contains(dataTypes, in.Type) {
		add("type", "INVALID_OPTION", "type must be one of "+strings.Join(dataTypes, ", "))
	}
	if !slices.Contains(fieldTypes, in.FieldType) {
		add("fieldType", "INVALID_OPTION", "fieldType must be one of "+strings.Join(fieldTypes, ", "))
	}
	if in.Type == typeEnumeration && len(in.Options) == 0 {
		add("options", "REQUIRED_FIELD", "an enumeration property needs options")
	}
	seen := map[string]bool{}
	for _, o := range in.Options {
		if o.Value == "" || seen[o.Value] {
			add("options", "INVALID_OPTION", "option values must be non-empty and distinct")
			break
		}
		seen[o.Value] = true
	}
	if in.HasUniqueValue && in.Type != typeString && in.Type != typeNumber {
		add("hasUniqueValue", "INVALID_OPTION", "only string and number properties can have unique values")
	}
	return ps
}

// createProperty answers POST /crm/v3/properties/{objectType}.
func (s *Server) createProperty(c *fiber.Ctx) error {
	t, err := pathType(c, "objectType")
	if err != nil {
		return err
	}
	var in propertyCreate
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	if ps := in.validate(); len(ps) > 0 {
		e := propertyError(ps)
		e.Message = "Invalid input: property definition is not valid"
		return e
	}
	ctx := c.UserContext()
	sc, err := s.schema(ctx, t)
	if err != nil {
		return err
	}
	if sc.property(in.Name) != nil {
		return newError(fiber.StatusConflict, catAlreadyExists, "Property named '%s' already exists.", in.Name)
	}
	if in.Type == typeBool && len(in.Options) == 0 {
		in.Options = []option{{Label: "Yes", Value: "true"}, {Label: "No", Value: "false", DisplayOrder: 1}}
	}
	def := &propertyDef{
		Name: in.Name, Label: in.Label, Type: in.Type, FieldType: in.FieldType, Group: in.GroupName,
		Description: in.Description, Options: in.Options, Unique: in.HasUniqueValue, Hidden: in.Hidden,
		DisplayOrder: in.DisplayOrder, Custom: true,
	}
	enc, err := json.Marshal(propertyOut(t, def))
	if err != nil {
		return err
	}
	if len(enc) > sandboxstore.PropertyDefinitionMax {
		return validationError("Invalid input: the property definition takes %d bytes, at most %d; shorten the description, labels or options",
			len(enc), sandboxstore.PropertyDefinitionMax)
	}
	row, err := s.store.CreateProperty(ctx, sandboxstore.Property{Type: string(t), Name: in.Name, Definition: string(enc)})
	if errors.Is(err, sandboxstore.ErrDuplicate) {
		return newError(fiber.StatusConflict, catAlreadyExists, "Property named '%s' already exists.", in.Name)
	}
	if err != nil {
		return err
	}
	s.props.invalidate()
	def.CreatedAt, def.UpdatedAt = row.CreatedAt, row.UpdatedAt
	return c.Status(fiber.StatusCreated).JSON(propertyOut(t, def))
}
