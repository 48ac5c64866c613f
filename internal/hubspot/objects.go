package hubspot

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Properties are an object's property values as HubSpot returns them: a property
// that exists but has no value comes back as null (a nil pointer here).
type Properties map[string]*string

// Get returns the value of a property, "" when it is missing or null.
func (p Properties) Get(name string) string {
	if v := p[name]; v != nil {
		return *v
	}
	return ""
}

// Lookup returns the value of a property and whether it is present and not null.
func (p Properties) Lookup(name string) (string, bool) {
	v := p[name]
	if v == nil {
		return "", false
	}
	return *v, true
}

// Object is a CRM record (the spec's SimplePublicObject; with associations when
// read with ReadOptions.Associations).
type Object struct {
	ID                 string                          `json:"id"`
	Properties         Properties                      `json:"properties"`
	CreatedAt          time.Time                       `json:"createdAt"`
	UpdatedAt          time.Time                       `json:"updatedAt"`
	Archived           bool                            `json:"archived"`
	ArchivedAt         *time.Time                      `json:"archivedAt,omitempty"`
	ObjectWriteTraceID string                          `json:"objectWriteTraceId,omitempty"`
	URL                string                          `json:"url,omitempty"`
	Associations       map[string]AssociatedIDs        `json:"associations,omitempty"`
	PropertiesHistory  map[string][]ValueWithTimestamp `json:"propertiesWithHistory,omitempty"`
}

// UpsertedObject is one result of a batch upsert; New tells whether it was created.
type UpsertedObject struct {
	Object
	New bool `json:"new"`
}

// AssociatedIDs lists the ids an object is associated with (v3 read with associations).
type AssociatedIDs struct {
	Results []AssociatedID `json:"results"`
	Paging  *Paging        `json:"paging,omitempty"`
}

// AssociatedID is one associated object and the association's label ("contact_to_company").
type AssociatedID struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

// ValueWithTimestamp is one historical value of a property.
type ValueWithTimestamp struct {
	Value           string    `json:"value"`
	Timestamp       time.Time `json:"timestamp"`
	SourceType      string    `json:"sourceType"`
	SourceID        string    `json:"sourceId,omitempty"`
	SourceLabel     string    `json:"sourceLabel,omitempty"`
	UpdatedByUserID int       `json:"updatedByUserId,omitempty"`
}

// Paging holds the cursors of a paged collection.
type Paging struct {
	Next *NextPage `json:"next,omitempty"`
}

// NextPage is the cursor of the next page.
type NextPage struct {
	After string `json:"after"`
	Link  string `json:"link,omitempty"`
}

// after returns the next cursor, "" on the last page.
func (p *Paging) after() string {
	if p == nil || p.Next == nil {
		return ""
	}
	return p.Next.After
}

// ObjectInput creates one record: its properties and, optionally, associations to
// existing records made in the same call.
type ObjectInput struct {
	Properties         map[string]string
	Associations       []Association
	ObjectWriteTraceID string
}

// Association links a new record to an existing one (inline on create).
type Association struct {
	To    string // id of the existing record
	Types []AssociationSpec
}

// AssociationSpec is an association type: HUBSPOT_DEFINED with a default id, or a
// USER_DEFINED label's id.
type AssociationSpec struct {
	Category string `json:"associationCategory"`
	TypeID   int    `json:"associationTypeId"`
}

// DefinedAssociation links to the record toID with a HUBSPOT_DEFINED type id.
func DefinedAssociation(toID string, typeID int) Association {
	return Association{To: toID, Types: []AssociationSpec{{Category: HubSpotDefined, TypeID: typeID}}}
}

// UpdateInput changes one record in a batch update, or creates/updates it in a batch
// upsert. ID is the record id, or a unique value of IDProperty (upserts need
// IDProperty, e.g. "email" for contacts).
type UpdateInput struct {
	ID                 string
	IDProperty         string
	Properties         map[string]string
	ObjectWriteTraceID string
}

// ReadOptions selects what a read returns.
type ReadOptions struct {
	Properties   []string // property names to return (default: HubSpot's defaults)
	Associations []string // object types whose associated ids to return
	IDProperty   string   // look the record up by this unique property instead of its id
	Archived     bool     // read archived records
}

func (o ReadOptions) query() string {
	q := url.Values{}
	if len(o.Properties) > 0 {
		q.Set("properties", strings.Join(o.Properties, ","))
	}
	if len(o.Associations) > 0 {
		q.Set("associations", strings.Join(o.Associations, ","))
	}
	if o.IDProperty != "" {
		q.Set("idProperty", o.IDProperty)
	}
	if o.Archived {
		q.Set("archived", "true")
	}
	return q.Encode()
}

// CreateObject creates one record (POST /crm/v3/objects/{type}, 201).
func (c *Client) CreateObject(ctx context.Context, t ObjectType, in ObjectInput) (*Object, error) {
	p := newPayload()
	p.buf.Write(in.appendJSON(p.buf.AvailableBuffer()))
	var out Object
	if _, err := c.do(ctx, http.MethodPost, objectsPath(t), "", p, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Object reads one record (GET /crm/v3/objects/{type}/{id}). A missing record is an
// error matching ErrNotFound.
func (c *Client) Object(ctx context.Context, t ObjectType, id string, opts ReadOptions) (*Object, error) {
	var out Object
	if _, err := c.do(ctx, http.MethodGet, objectsPath(t)+"/"+segment(id), opts.query(), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateObject changes properties of one record (PATCH /crm/v3/objects/{type}/{id});
// an empty value clears a property.
func (c *Client) UpdateObject(ctx context.Context, t ObjectType, id string, props map[string]string) (*Object, error) {
	p := newPayload()
	b := append(p.buf.AvailableBuffer(), `{"properties":`...)
	b = appendProperties(b, props)
	p.buf.Write(append(b, '}'))
	var out Object
	if _, err := c.do(ctx, http.MethodPatch, objectsPath(t)+"/"+segment(id), "", p, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ArchiveObject archives (soft-deletes) one record (DELETE /crm/v3/objects/{type}/{id}, 204).
func (c *Client) ArchiveObject(ctx context.Context, t ObjectType, id string) error {
	_, err := c.do(ctx, http.MethodDelete, objectsPath(t)+"/"+segment(id), "", nil, nil)
	return err
}
