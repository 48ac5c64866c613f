package hubspot

import (
	"context"
	"net/http"
	"time"
)

// Property describes one property of an object type.
type Property struct {
	Name                 string                        `json:"name"`
	Label                string                        `json:"label"`
	Type                 string                        `json:"type"`      // string, number, date, datetime, enumeration, bool, phone_number
	FieldType            string                        `json:"fieldType"` // text, textarea, select, radio, checkbox, booleancheckbox, number, date, …
	GroupName            string                        `json:"groupName"`
	Description          string                        `json:"description"`
	Options              []PropertyOption              `json:"options"`
	HasUniqueValue       bool                          `json:"hasUniqueValue,omitempty"`
	Hidden               bool                          `json:"hidden,omitempty"`
	FormField            bool                          `json:"formField,omitempty"`
	DisplayOrder         int                           `json:"displayOrder,omitempty"`
	Calculated           bool                          `json:"calculated,omitempty"`
	ExternalOptions      bool                          `json:"externalOptions,omitempty"`
	HubspotDefined       bool                          `json:"hubspotDefined,omitempty"`
	ReferencedObjectType string                        `json:"referencedObjectType,omitempty"`
	ModificationMetadata *PropertyModificationMetadata `json:"modificationMetadata,omitempty"`
	Archived             bool                          `json:"archived,omitempty"`
	CreatedAt            *time.Time                    `json:"createdAt,omitempty"`
	UpdatedAt            *time.Time                    `json:"updatedAt,omitempty"`
}

// PropertyOption is one allowed value of an enumeration property.
type PropertyOption struct {
	Label        string `json:"label"`
	Value        string `json:"value"`
	Hidden       bool   `json:"hidden"`
	DisplayOrder int    `json:"displayOrder,omitempty"`
	Description  string `json:"description,omitempty"`
}

// PropertyModificationMetadata tells what may change about a property.
type PropertyModificationMetadata struct {
	Archivable         bool `json:"archivable"`
	ReadOnlyDefinition bool `json:"readOnlyDefinition"`
	ReadOnlyValue      bool `json:"readOnlyValue"`
	ReadOnlyOptions    bool `json:"readOnlyOptions,omitempty"`
}

// PropertyCreate defines a new property (the spec's PropertyCreate). A property with
// HasUniqueValue can serve as an upsert's idProperty.
type PropertyCreate struct {
	Name           string           `json:"name"`
	Label          string           `json:"label"`
	Type           string           `json:"type"`
	FieldType      string           `json:"fieldType"`
	GroupName      string           `json:"groupName"`
	Description    string           `json:"description,omitempty"`
	Options        []PropertyOption `json:"options,omitempty"`
	HasUniqueValue bool             `json:"hasUniqueValue,omitempty"`
	Hidden         bool             `json:"hidden,omitempty"`
	FormField      bool             `json:"formField,omitempty"`
	DisplayOrder   int              `json:"displayOrder,omitempty"`
}

// Properties lists the properties of an object type (GET /crm/v3/properties/{objectType}).
func (c *Client) Properties(ctx context.Context, t ObjectType) ([]Property, error) {
	var out struct {
		Results []Property `json:"results"`
	}
	if _, err := c.do(ctx, http.MethodGet, "/crm/v3/properties/"+segment(string(t)), "", nil, &out); err != nil {
		return nil, err
	}
	return out.Results, nil
}

// CreateProperty defines a property (POST /crm/v3/properties/{objectType}, 201); an
// existing name is a 409.
func (c *Client) CreateProperty(ctx context.Context, t ObjectType, in PropertyCreate) (*Property, error) {
	var out Property
	if _, err := c.doJSON(ctx, http.MethodPost, "/crm/v3/properties/"+segment(string(t)), "", in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
