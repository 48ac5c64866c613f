package sandbox

import (
	"slices"
	"time"

	"github.com/simcrm/simcrm/internal/hubspot"
)

// objectTypes are the types the sandbox serves, in the order the browser lists them.
var objectTypes = []hubspot.ObjectType{
	hubspot.Contacts, hubspot.Companies, hubspot.Deals, hubspot.Tickets,
	hubspot.Notes, hubspot.Calls, hubspot.Tasks, hubspot.Meetings, hubspot.Emails,
}

// ObjectTypes lists the object types the sandbox serves ("contacts", "companies", …).
func ObjectTypes() []string {
	out := make([]string, len(objectTypes))
	for i, t := range objectTypes {
		out[i] = string(t)
	}
	return out
}

// parseType resolves a path's object type: plural, singular or type id ("deals",
// "deal", "0-3"), any case.
func parseType(s string) (hubspot.ObjectType, bool) {
	t, ok := hubspot.ParseObjectType(s)
	return t, ok && slices.Contains(objectTypes, t)
}

// isEngagement reports the activity types, whose records need hs_timestamp.
func isEngagement(t hubspot.ObjectType) bool {
	switch t {
	case hubspot.Notes, hubspot.Calls, hubspot.Tasks, hubspot.Meetings, hubspot.Emails:
		return true
	}
	return false
}

// title is the type's singular name as HubSpot's messages spell it ("Contact").
func title(t hubspot.ObjectType) string {
	s := t.Singular()
	if s == "" {
		return "Object"
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// scopes returns the OAuth scopes a call on an object type needs.
func scopes(t hubspot.ObjectType, write bool) []string {
	rw := ".read"
	if write {
		rw = ".write"
	}
	switch t {
	case hubspot.Companies, hubspot.Deals:
		return []string{"crm.objects." + string(t) + rw}
	case hubspot.Tickets:
		return []string{"tickets"}
	}
	return []string{"crm.objects.contacts" + rw}
}

// Property data types.
const (
	typeString      = "string"
	typeNumber      = "number"
	typeDatetime    = "datetime"
	typeDate        = "date"
	typeEnumeration = "enumeration"
	typeBool        = "bool"
	typePhone       = "phone_number"
)

// propertyDef is one property of an object type, as the properties API shows it and
// as writes are checked against it.
type propertyDef struct {
	Name         string
	Label        string
	Type         string
	FieldType    string
	Group        string
	Description  string
	Options      []option
	Unique       bool
	ReadOnly     bool // set by the sandbox: writes are refused
	Owner        bool // values are owner ids (hubspot_owner_id)
	Custom       bool // defined through the properties API (or SimCRM's own)
	Hidden       bool
	DisplayOrder int
	CreatedAt    time.Time // custom properties only
	UpdatedAt    time.Time
}

type option struct {
	Label        string `json:"label"`
	Value        string `json:"value"`
	Description  string `json:"description,omitempty"`
	DisplayOrder int    `json:"displayOrder"`
	Hidden       bool   `json:"hidden"`
}

// Numeric reports whether search compares the property's values as numbers.
func (p *propertyDef) numeric() bool { return p.Type == typeNumber }

// hasOption reports whether v is one of the property's options.
func (p *propertyDef) hasOption(v string) bool {
	for _, o := range p.Options {
		if o.Value == v {
			return true
		}
	}
	return false
}

func optionValues(p *propertyDef) []string {
	out := make([]string, len(p.Options))
	for i, o := range p.Options {
		out[i] = o.Value
	}
	return out
}

func opts(values ...string) []option {
	out := make([]option, len(values))
	for i, v := range values {
		out[i] = option{Label: v, Value: v, DisplayOrder: i}
	}
	return out
}

func str(name, label string) propertyDef {
	return propertyDef{Name: name, Label: label, Type: typeString, FieldType: "text"}
}

func text(name, label string) propertyDef {
	return propertyDef{Name: name, Label: label, Type: typeString, FieldType: "textarea"}
}

func num(name, label string) propertyDef {
	return propertyDef{Name: name, Label: label, Type: typeNumber, FieldType: "number"}
}

func datetime(name, label string) propertyDef {
	return propertyDef{Name: name, Label: label, Type: typeDatetime, FieldType: "date"}
}

func enum(name, label string, values ...string) propertyDef {
	return propertyDef{Name: name, Label: label, Type: typeEnumeration, FieldType: "select", Options: opts(values...)}
}

// System properties every type has. createdate may be set when a record is created
// (backfills); the others are the sandbox's own.
var systemProperties = []propertyDef{
	{Name: "hs_object_id", Label: "Record ID", Type: typeNumber, FieldType: "number", ReadOnly: true},
	{Name: "createdate", Label: "Create Date", Type: typeDatetime, FieldType: "date"},
	{Name: "lastmodifieddate", Label: "Last Modified Date", Type: typeDatetime, FieldType: "date", ReadOnly: true},
	{Name: "hs_createdate", Label: "HubSpot Create Date", Type: typeDatetime, FieldType: "date"},
	{Name: "hs_lastmodifieddate", Label: "Last Modified Date", Type: typeDatetime, FieldType: "date", ReadOnly: true},
	{Name: "hubspot_owner_id", Label: "Owner", Type: typeEnumeration, FieldType: "select", Owner: true},
}

// Lifecycle stages of contacts and companies.
var lifecycleStages = []string{"subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer", "evangelist", "other"}

// industries is HubSpot's company industry list.
var industries = []string{
	"ACCOUNTING", "AIRLINES_AVIATION", "ALTERNATIVE_DISPUTE_RESOLUTION", "ALTERNATIVE_MEDICINE", "ANIMATION",
	"APPAREL_FASHION", "ARCHITECTURE_PLANNING", "ARTS_AND_CRAFTS", "AUTOMOTIVE", "AVIATION_AEROSPACE", "BANKING",
	"BIOTECHNOLOGY", "BROADCAST_MEDIA", "BUILDING_MATERIALS", "BUSINESS_SUPPLIES_AND_EQUIPMENT", "CAPITAL_MARKETS",
	"CHEMICALS", "CIVIC_SOCIAL_ORGANIZATION", "CIVIL_ENGINEERING", "COMMERCIAL_REAL_ESTATE", "COMPUTER_NETWORK_SECURITY",
	"COMPUTER_GAMES", "COMPUTER_HARDWARE", "COMPUTER_NETWORKING", "COMPUTER_SOFTWARE", "INTERNET", "CONSTRUCTION",
	"CONSUMER_ELECTRONICS", "CONSUMER_GOODS", "CONSUMER_SERVICES", "COSMETICS", "DAIRY", "DEFENSE_SPACE", "DESIGN",
	"EDUCATION_MANAGEMENT", "E_LEARNING", "ELECTRICAL_ELECTRONIC_MANUFACTURING", "ENTERTAINMENT", "ENVIRONMENTAL_SERVICES",
	"EVENTS_SERVICES", "EXECUTIVE_OFFICE", "FACILITIES_SERVICES", "FARMING", "FINANCIAL_SERVICES", "FINE_ART", "FISHERY",
	"FOOD_BEVERAGES", "FOOD_PRODUCTION", "FUND_RAISING", "FURNITURE", "GAMBLING_CASINOS", "GLASS_CERAMICS_CONCRETE",
	"GOVERNMENT_ADMINISTRATION", "GOVERNMENT_RELATIONS", "GRAPHIC_DESIGN", "HEALTH_WELLNESS_AND_FITNESS", "HIGHER_EDUCATION",
	"HOSPITAL_HEALTH_CARE", "HOSPITALITY", "HUMAN_RESOURCES", "IMPORT_AND_EXPORT", "INDIVIDUAL_FAMILY_SERVICES",
	"INDUSTRIAL_AUTOMATION", "INFORMATION_SERVICES", "INFORMATION_TECHNOLOGY_AND_SERVICES", "INSURANCE",
	"INTERNATIONAL_AFFAIRS", "INTERNATIONAL_TRADE_AND_DEVELOPMENT", "INVESTMENT_BANKING", "INVESTMENT_MANAGEMENT",
	"JUDICIARY", "LAW_ENFORCEMENT", "LAW_PRACTICE", "LEGAL_SERVICES", "LEGISLATIVE_OFFICE", "LEISURE_TRAVEL_TOURISM",
	"LIBRARIES", "LOGISTICS_AND_SUPPLY_CHAIN", "LUXURY_GOODS_JEWELRY", "MACHINERY", "MANAGEMENT_CONSULTING", "MARITIME",
	"MARKET_RESEARCH", "MARKETING_AND_ADVERTISING", "MECHANICAL_OR_INDUSTRIAL_ENGINEERING", "MEDIA_PRODUCTION",
	"MEDICAL_DEVICES", "MEDICAL_PRACTICE", "MENTAL_HEALTH_CARE", "MILITARY", "MINING_METALS", "MOBILE_GAMES",
	"MOTION_PICTURES_AND_FILM", "MUSEUMS_AND_INSTITUTIONS", "MUSIC", "NANOTECHNOLOGY", "NEWSPAPERS",
	"NON_PROFIT_ORGANIZATION_MANAGEMENT", "OIL_ENERGY", "ONLINE_MEDIA", "OUTSOURCING_OFFSHORING",
	"PACKAGE_FREIGHT_DELIVERY", "PACKAGING_AND_CONTAINERS", "PAPER_FOREST_PRODUCTS", "PERFORMING_ARTS",
	"PHARMACEUTICALS", "PHILANTHROPY", "PHOTOGRAPHY", "PLASTICS", "POLITICAL_ORGANIZATION",
	"PRIMARY_SECONDARY_EDUCATION", "PRINTING", "PROFESSIONAL_TRAINING_COACHING", "PROGRAM_DEVELOPMENT", "PUBLIC_POLICY",
	"PUBLIC_RELATIONS_AND_COMMUNICATIONS", "PUBLIC_SAFETY", "PUBLISHING", "RAILROAD_MANUFACTURE", "RANCHING",
	"REAL_ESTATE", "RECREATIONAL_FACILITIES_AND_SERVICES", "RELIGIOUS_INSTITUTIONS", "RENEWABLES_ENVIRONMENT",
	"RESEARCH", "RESTAURANTS", "RETAIL", "SECURITY_AND_INVESTIGATIONS", "SEMICONDUCTORS", "SHIPBUILDING",
	"SPORTING_GOODS", "SPORTS", "STAFFING_AND_RECRUITING", "SUPERMARKETS", "TELECOMMUNICATIONS", "TEXTILES",
	"THINK_TANKS", "TOBACCO", "TRANSLATION_AND_LOCALIZATION", "TRANSPORTATION_TRUCKING_RAILROAD", "UTILITIES",
	"VENTURE_CAPITAL_PRIVATE_EQUITY", "VETERINARY", "WAREHOUSING", "WHOLESALE", "WINE_AND_SPIRITS", "WIRELESS",
	"WRITING_AND_EDITING",
}

// builtinProperties are HubSpot's default properties of each type that SimCRM and
// its users are likely to write. A write naming any other property is refused with
// PROPERTY_DOESNT_EXIST, as HubSpot does; define it through the properties API.
var builtinProperties = map[hubspot.ObjectType][]propertyDef{
	hubspot.Contacts: {
		func() propertyDef { p := str("email", "Email"); p.Unique = true; return p }(),
		str("firstname", "First Name"), str("lastname", "Last Name"),
		{Name: "phone", Label: "Phone Number", Type: typePhone, FieldType: "phonenumber"},
		{Name: "mobilephone", Label: "Mobile Phone Number", Type: typePhone, FieldType: "phonenumber"},
		str("company", "Company Name"), str("jobtitle", "Job Title"), str("website", "Website URL"),
		str("address", "Street Address"), str("city", "City"), str("state", "State/Region"), str("zip", "Postal Code"),
		str("country", "Country/Region"), str("industry", "Industry"), text("message", "Message"),
		enum("lifecyclestage", "Lifecycle Stage", lifecycleStages...),
		enum("hs_lead_status", "Lead Status", "NEW", "OPEN", "IN_PROGRESS", "OPEN_DEAL", "UNQUALIFIED", "ATTEMPTED_TO_CONTACT", "CONNECTED", "BAD_TIMING"),
	},
	hubspot.Companies: {
		str("name", "Company name"), str("domain", "Company Domain Name"), str("website", "Website URL"),
		{Name: "phone", Label: "Phone Number", Type: typePhone, FieldType: "phonenumber"},
		str("address", "Street Address"), str("city", "City"), str("state", "State/Region"), str("zip", "Postal Code"),
		str("country", "Country/Region"), text("description", "Description"), str("linkedin_company_page", "LinkedIn Company Page"),
		str("founded_year", "Year Founded"),
		enum("industry", "Industry", industries...),
		num("numberofemployees", "Number of Employees"), num("annualrevenue", "Annual Revenue"),
		enum("type", "Type", "PROSPECT", "PARTNER", "RESELLER", "VENDOR", "OTHER"),
		enum("lifecyclestage", "Lifecycle Stage", lifecycleStages...),
	},
	hubspot.Deals: {
		str("dealname", "Deal Name"), num("amount", "Amount"), datetime("closedate", "Close Date"),
		{Name: "pipeline", Label: "Pipeline", Type: typeEnumeration, FieldType: "select"},
		{Name: "dealstage", Label: "Deal Stage", Type: typeEnumeration, FieldType: "radio"},
		enum("dealtype", "Deal Type", "newbusiness", "existingbusiness"),
		enum("hs_priority", "Priority", "low", "medium", "high"),
		text("description", "Deal Description"), str("closed_lost_reason", "Closed Lost Reason"),
		str("closed_won_reason", "Closed Won Reason"),
	},
	hubspot.Tickets: {
		str("subject", "Ticket name"), text("content", "Ticket description"),
		{Name: "hs_pipeline", Label: "Pipeline", Type: typeEnumeration, FieldType: "select"},
		{Name: "hs_pipeline_stage", Label: "Ticket status", Type: typeEnumeration, FieldType: "select"},
		enum("hs_ticket_priority", "Priority", "LOW", "MEDIUM", "HIGH", "URGENT"),
		enum("hs_ticket_category", "Category", "PRODUCT_ISSUE", "BILLING_ISSUE", "FEATURE_REQUEST", "GENERAL_INQUIRY"),
		enum("source_type", "Source", "CHAT", "EMAIL", "FORM", "PHONE"),
		datetime("closed_date", "Close date"),
	},
	hubspot.Notes: {
		datetime("hs_timestamp", "Activity date"), text("hs_note_body", "Note body"), str("hs_attachment_ids", "Attached file IDs"),
	},
	hubspot.Calls: {
		datetime("hs_timestamp", "Activity date"), str("hs_call_title", "Call Title"), text("hs_call_body", "Call notes"),
		enum("hs_call_direction", "Call direction", "INBOUND", "OUTBOUND"),
		num("hs_call_duration", "Call duration"),
		enum("hs_call_status", "Call status", "BUSY", "CALLING_CRM_USER", "CANCELED", "COMPLETED", "CONNECTING", "FAILED", "IN_PROGRESS", "MISSED", "NO_ANSWER", "QUEUED", "RINGING"),
		str("hs_call_disposition", "Call outcome"), str("hs_call_from_number", "From number"), str("hs_call_to_number", "To number"),
		str("hs_call_recording_url", "Recording URL"),
	},
	hubspot.Tasks: {
		datetime("hs_timestamp", "Due date"), str("hs_task_subject", "Task Title"), text("hs_task_body", "Notes"),
		enum("hs_task_status", "Task Status", "NOT_STARTED", "IN_PROGRESS", "WAITING", "COMPLETED", "DEFERRED"),
		enum("hs_task_priority", "Priority", "NONE", "LOW", "MEDIUM", "HIGH"),
		enum("hs_task_type", "Task Type", "EMAIL", "CALL", "TODO", "LINKED_IN"),
		str("hs_task_reminders", "Reminders"),
	},
	hubspot.Meetings: {
		datetime("hs_timestamp", "Activity date"), str("hs_meeting_title", "Meeting name"), text("hs_meeting_body", "Meeting description"),
		text("hs_internal_meeting_notes", "Internal notes"), str("hs_meeting_external_url", "External URL"),
		str("hs_meeting_location", "Location"),
		datetime("hs_meeting_start_time", "Start Time"), datetime("hs_meeting_end_time", "End Time"),
		enum("hs_meeting_outcome", "Meeting outcome", "SCHEDULED", "COMPLETED", "RESCHEDULED", "NO_SHOW", "CANCELED"),
	},
	hubspot.Emails: {
		datetime("hs_timestamp", "Activity date"), str("hs_email_subject", "Email subject"), text("hs_email_text", "Email body"),
		text("hs_email_html", "Email HTML"),
		enum("hs_email_direction", "Email direction", "EMAIL", "INCOMING_EMAIL", "FORWARDED_EMAIL"),
		enum("hs_email_status", "Email send status", "BOUNCED", "FAILED", "SCHEDULED", "SENDING", "SENT"),
	},
}

var sandboxEpoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// simcrmProperties are SimCRM's own properties (hubspot.TraceProperties), defined on
// every type from the start so that upsert by the record key works before SimCRM's
// client defines them; they sit in the type's group, where the client would put them.
func simcrmProperties(t hubspot.ObjectType) []propertyDef {
	var out []propertyDef
	for _, p := range hubspot.TraceProperties(hubspot.DefaultGroup(t)) {
		out = append(out, propertyDef{Name: p.Name, Label: p.Label, Type: p.Type, FieldType: p.FieldType, Group: p.GroupName,
			Description: p.Description, Unique: p.HasUniqueValue, Custom: true, CreatedAt: sandboxEpoch, UpdatedAt: sandboxEpoch})
	}
	return out
}

// builtins maps each type's built-in property names to definitions.
var builtins = func() map[hubspot.ObjectType]map[string]*propertyDef {
	m := map[hubspot.ObjectType]map[string]*propertyDef{}
	for _, t := range objectTypes {
		byName := map[string]*propertyDef{}
		add := func(p propertyDef) {
			if p.Group == "" {
				p.Group = hubspot.DefaultGroup(t)
			}
			p.DisplayOrder = len(byName)
			byName[p.Name] = &p
		}
		for _, p := range systemProperties {
			add(p)
		}
		for _, p := range builtinProperties[t] {
			add(p)
		}
		for _, p := range stageDateProperties(t) {
			add(p)
		}
		for _, p := range simcrmProperties(t) {
			add(p)
		}
		m[t] = byName
	}
	return m
}()

// stageDateProperties are the dates a record entered each stage. Contacts and
// companies have "Became a … date" per lifecycle stage, which may be written
// (imports and backfills set them); deals have "Date entered …" per stage of the
// default pipeline, which HubSpot calculates and refuses to take.
func stageDateProperties(t hubspot.ObjectType) []propertyDef {
	var out []propertyDef
	switch t {
	case hubspot.Contacts, hubspot.Companies:
		for _, st := range lifecycleStages {
			out = append(out, datetime("hs_lifecyclestage_"+st+"_date", "Became a "+st+" date"))
		}
	case hubspot.Deals:
		for _, st := range pipelines[hubspot.Deals][0].Stages {
			p := datetime("hs_date_entered_"+st.ID, "Date entered \""+st.Label+" (Sales Pipeline)\"")
			p.ReadOnly = true
			out = append(out, p)
		}
	case hubspot.Tasks:
		out = append(out, datetime("hs_task_completion_date", "Completed at"))
	}
	return out
}

// defaultReadProperties are returned by reads that name no properties (besides the
// system ones), as HubSpot does.
var defaultReadProperties = map[hubspot.ObjectType][]string{
	hubspot.Contacts:  {"email", "firstname", "lastname"},
	hubspot.Companies: {"domain", "name"},
	hubspot.Deals:     {"amount", "closedate", "dealname", "dealstage", "pipeline"},
	hubspot.Tickets:   {"content", "hs_pipeline", "hs_pipeline_stage", "hs_ticket_category", "hs_ticket_priority", "subject"},
}

// freeTextProperties are searched by a search request's "query".
var freeTextProperties = map[hubspot.ObjectType][]string{
	hubspot.Contacts:  {"email", "firstname", "lastname", "phone", "company"},
	hubspot.Companies: {"name", "domain", "website", "phone"},
	hubspot.Deals:     {"dealname"},
	hubspot.Tickets:   {"subject", "content"},
	hubspot.Notes:     {"hs_note_body"},
	hubspot.Calls:     {"hs_call_title", "hs_call_body"},
	hubspot.Tasks:     {"hs_task_subject", "hs_task_body"},
	hubspot.Meetings:  {"hs_meeting_title", "hs_meeting_body"},
	hubspot.Emails:    {"hs_email_subject", "hs_email_text"},
}

// Pipelines.

type pipelineStage struct {
	ID       string
	Label    string
	Metadata map[string]string
}

type pipeline struct {
	ID     string
	Label  string
	Stages []pipelineStage
}

func (p pipeline) hasStage(id string) bool {
	for _, s := range p.Stages {
		if s.ID == id {
			return true
		}
	}
	return false
}

func (p pipeline) stageIDs() []string {
	out := make([]string, len(p.Stages))
	for i, s := range p.Stages {
		out[i] = s.ID
	}
	return out
}

// pipelines are HubSpot's default deal and ticket pipelines.
var pipelines = map[hubspot.ObjectType][]pipeline{
	hubspot.Deals: {{ID: "default", Label: "Sales Pipeline", Stages: []pipelineStage{
		{"appointmentscheduled", "Appointment Scheduled", map[string]string{"isClosed": "false", "probability": "0.2"}},
		{"qualifiedtobuy", "Qualified To Buy", map[string]string{"isClosed": "false", "probability": "0.4"}},
		{"presentationscheduled", "Presentation Scheduled", map[string]string{"isClosed": "false", "probability": "0.6"}},
		{"decisionmakerboughtin", "Decision Maker Bought-In", map[string]string{"isClosed": "false", "probability": "0.8"}},
		{"contractsent", "Contract Sent", map[string]string{"isClosed": "false", "probability": "0.9"}},
		{"closedwon", "Closed Won", map[string]string{"isClosed": "true", "probability": "1.0"}},
		{"closedlost", "Closed Lost", map[string]string{"isClosed": "true", "probability": "0.0"}},
	}}},
	hubspot.Tickets: {{ID: "0", Label: "Support Pipeline", Stages: []pipelineStage{
		{"1", "New", map[string]string{"ticketState": "OPEN", "isClosed": "false"}},
		{"2", "Waiting on contact", map[string]string{"ticketState": "OPEN", "isClosed": "false"}},
		{"3", "Waiting on us", map[string]string{"ticketState": "OPEN", "isClosed": "false"}},
		{"4", "Closed", map[string]string{"ticketState": "CLOSED", "isClosed": "true"}},
	}}},
}

// pipelineProps names the pipeline and stage properties of the types that have pipelines.
var pipelineProps = map[hubspot.ObjectType][2]string{
	hubspot.Deals:   {"pipeline", "dealstage"},
	hubspot.Tickets: {"hs_pipeline", "hs_pipeline_stage"},
}

func findPipeline(t hubspot.ObjectType, id string) (pipeline, bool) {
	for _, p := range pipelines[t] {
		if p.ID == id {
			return p, true
		}
	}
	return pipeline{}, false
}

// Owners.

type owner struct {
	ID        string
	Email     string
	FirstName string
	LastName  string
	UserID    int
	Team      string
	TeamID    string
}

// owners are the sandbox's seeded HubSpot users.
var owners = []owner{
	{ID: "75000001", Email: "ava.stone@example.com", FirstName: "Ava", LastName: "Stone", UserID: 9100001, Team: "Sales", TeamID: "410001"},
	{ID: "75000002", Email: "ben.carter@example.com", FirstName: "Ben", LastName: "Carter", UserID: 9100002, Team: "Sales", TeamID: "410001"},
	{ID: "75000003", Email: "chloe.diaz@example.com", FirstName: "Chloe", LastName: "Diaz", UserID: 9100003, Team: "Support", TeamID: "410002"},
	{ID: "75000004", Email: "dev.patel@example.com", FirstName: "Dev", LastName: "Patel", UserID: 9100004, Team: "Customer Success", TeamID: "410003"},
}

func isOwner(id string) bool {
	for _, o := range owners {
		if o.ID == id {
			return true
		}
	}
	return false
}

// Association types.

// assocType is one HUBSPOT_DEFINED association type between two object types, with
// the id of the same association read from the other side.
type assocType struct {
	From, To hubspot.ObjectType
	ID       int
	Reverse  int
	Label    string // "Primary" for primary associations, "" for unlabelled
	Default  bool   // the pair's default (unlabelled) type
}

// extraAssociationTypes complete hubspot.DefaultAssociationTypes, which lists one
// direction only for activities and company → ticket, with the ids HubSpot uses
// for the other direction (the official clients' AssociationTypes enum).
var extraAssociationTypes = []hubspot.AssociationDefinition{
	{From: hubspot.Companies, To: hubspot.Tickets, TypeID: 340, Primary: 25},
	{From: hubspot.Contacts, To: hubspot.Notes, TypeID: 201}, {From: hubspot.Companies, To: hubspot.Notes, TypeID: 189},
	{From: hubspot.Deals, To: hubspot.Notes, TypeID: 213}, {From: hubspot.Tickets, To: hubspot.Notes, TypeID: 227},
	{From: hubspot.Contacts, To: hubspot.Calls, TypeID: 193}, {From: hubspot.Companies, To: hubspot.Calls, TypeID: 181},
	{From: hubspot.Deals, To: hubspot.Calls, TypeID: 205}, {From: hubspot.Tickets, To: hubspot.Calls, TypeID: 219},
	{From: hubspot.Contacts, To: hubspot.Tasks, TypeID: 203}, {From: hubspot.Companies, To: hubspot.Tasks, TypeID: 191},
	{From: hubspot.Deals, To: hubspot.Tasks, TypeID: 215}, {From: hubspot.Tickets, To: hubspot.Tasks, TypeID: 229},
	{From: hubspot.Contacts, To: hubspot.Meetings, TypeID: 199}, {From: hubspot.Companies, To: hubspot.Meetings, TypeID: 187},
	{From: hubspot.Deals, To: hubspot.Meetings, TypeID: 211}, {From: hubspot.Tickets, To: hubspot.Meetings, TypeID: 225},
	{From: hubspot.Contacts, To: hubspot.Emails, TypeID: 197}, {From: hubspot.Companies, To: hubspot.Emails, TypeID: 185},
	{From: hubspot.Deals, To: hubspot.Emails, TypeID: 209}, {From: hubspot.Tickets, To: hubspot.Emails, TypeID: 223},
}

type typePair struct{ from, to hubspot.ObjectType }

type assocKey struct {
	from hubspot.ObjectType
	id   int
}

var (
	// assocTypes maps (from type, type id) to the association type.
	assocTypes = map[assocKey]assocType{}
	// defaultAssoc maps a pair of types to its default association type.
	defaultAssoc = map[typePair]assocType{}
	// primaryAssoc maps a pair of types to its primary association type, if any.
	primaryAssoc = map[typePair]assocType{}
)

func init() {
	defs := append(slices.Clone(hubspot.DefaultAssociationTypes), extraAssociationTypes...)
	byPair := map[typePair]hubspot.AssociationDefinition{}
	for _, d := range defs {
		byPair[typePair{d.From, d.To}] = d
	}
	for _, d := range defs {
		rev := byPair[typePair{d.To, d.From}]
		def := assocType{From: d.From, To: d.To, ID: d.TypeID, Reverse: rev.TypeID, Default: true}
		assocTypes[assocKey{d.From, d.TypeID}] = def
		defaultAssoc[typePair{d.From, d.To}] = def
		if d.Primary != 0 {
			p := assocType{From: d.From, To: d.To, ID: d.Primary, Reverse: rev.Primary, Label: "Primary"}
			assocTypes[assocKey{d.From, d.Primary}] = p
			primaryAssoc[typePair{d.From, d.To}] = p
		}
	}
}

// associationName is the v3 "type" of an association ("contact_to_company"); HubSpot
// adds "_unlabeled" to the default type of pairs that also have a primary one.
func associationName(from, to hubspot.ObjectType, typeID int) string {
	name := from.Singular() + "_to_" + to.Singular()
	pair := typePair{from, to}
	if p, ok := primaryAssoc[pair]; ok && p.ID != typeID && defaultAssoc[pair].ID == typeID {
		return name + "_unlabeled"
	}
	return name
}
