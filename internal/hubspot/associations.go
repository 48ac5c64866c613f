package hubspot

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
)

// ObjectID is {"id": "…"}.
type ObjectID struct {
	ID string `json:"id"`
}

// AssociationInput associates two records with the given types (v4 batch create).
type AssociationInput struct {
	From  string
	To    string
	Types []AssociationSpec
}

// MarshalJSON encodes the spec's PublicAssociationMultiPost.
func (in AssociationInput) MarshalJSON() ([]byte, error) {
	b := append([]byte(nil), `{"from":{"id":`...)
	b = appendString(b, in.From)
	b = append(b, `},"to":{"id":`...)
	b = appendString(b, in.To)
	b = append(b, `},"types":`...)
	b = appendSpecs(b, in.Types)
	return append(b, '}'), nil
}

// AssociationPair names two records to associate with their default type.
type AssociationPair struct {
	From string
	To   string
}

// MarshalJSON encodes the spec's PublicDefaultAssociationMultiPost.
func (p AssociationPair) MarshalJSON() ([]byte, error) {
	b := append([]byte(nil), `{"from":{"id":`...)
	b = appendString(b, p.From)
	b = append(b, `},"to":{"id":`...)
	b = appendString(b, p.To)
	return append(b, `}}`...), nil
}

// LabelsBetweenObjectPair is the answer to creating an association: the labels the
// two records now share.
type LabelsBetweenObjectPair struct {
	FromObjectTypeID string      `json:"fromObjectTypeId"`
	FromObjectID     json.Number `json:"fromObjectId"`
	ToObjectTypeID   string      `json:"toObjectTypeId"`
	ToObjectID       json.Number `json:"toObjectId"`
	Labels           []string    `json:"labels"`
}

// DefaultAssociation is one association made with the default type.
type DefaultAssociation struct {
	From            ObjectID        `json:"from"`
	To              ObjectID        `json:"to"`
	AssociationSpec AssociationSpec `json:"associationSpec"`
}

// AssociatedObject is one record on the other side of a record's associations.
type AssociatedObject struct {
	ToObjectID       json.Number                `json:"toObjectId"`
	AssociationTypes []AssociationSpecWithLabel `json:"associationTypes"`
}

// AssociationSpecWithLabel is an association type as v4 reads return it.
type AssociationSpecWithLabel struct {
	Category string `json:"category"`
	TypeID   int    `json:"typeId"`
	Label    string `json:"label,omitempty"`
}

// AssociationPage is one page of a record's associations.
type AssociationPage struct {
	Results []AssociatedObject `json:"results"`
	Paging  *Paging            `json:"paging,omitempty"`
}

// After returns the cursor of the next page, "" on the last page.
func (p *AssociationPage) After() string { return p.Paging.after() }

func v4ObjectPath(from ObjectType, fromID string) string {
	return "/crm/v4/objects/" + segment(string(from)) + "/" + segment(fromID) + "/associations/"
}

func v4BatchPath(from, to ObjectType, op string) string {
	return "/crm/v4/associations/" + segment(string(from)) + "/" + segment(string(to)) + "/batch/" + op
}

// AssociateDefault associates two records with the default type (PUT
// /crm/v4/objects/{from}/{fromId}/associations/default/{to}/{toId}, 200).
func (c *Client) AssociateDefault(ctx context.Context, from ObjectType, fromID string, to ObjectType, toID string) (*BatchResult[DefaultAssociation], error) {
	path := v4ObjectPath(from, fromID) + "default/" + segment(string(to)) + "/" + segment(toID)
	out := new(BatchResult[DefaultAssociation])
	status, err := c.do(ctx, http.MethodPut, path, "", nil, out)
	if err != nil {
		return nil, err
	}
	out.Partial, out.Requests = status == http.StatusMultiStatus, 1
	return out, nil
}

// Associate associates two records with the given types, e.g. a USER_DEFINED label
// (PUT /crm/v4/objects/{from}/{fromId}/associations/{to}/{toId}, 201).
func (c *Client) Associate(ctx context.Context, from ObjectType, fromID string, to ObjectType, toID string, types ...AssociationSpec) (*LabelsBetweenObjectPair, error) {
	path := v4ObjectPath(from, fromID) + segment(string(to)) + "/" + segment(toID)
	p := newPayload()
	p.buf.Write(appendSpecs(p.buf.AvailableBuffer(), types))
	var out LabelsBetweenObjectPair
	if _, err := c.do(ctx, http.MethodPut, path, "", p, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// RemoveAssociations removes every association between two records (DELETE
// /crm/v4/objects/{from}/{fromId}/associations/{to}/{toId}, 204).
func (c *Client) RemoveAssociations(ctx context.Context, from ObjectType, fromID string, to ObjectType, toID string) error {
	path := v4ObjectPath(from, fromID) + segment(string(to)) + "/" + segment(toID)
	_, err := c.do(ctx, http.MethodDelete, path, "", nil, nil)
	return err
}

// Associations lists one page of a record's associations to an object type (GET
// /crm/v4/objects/{from}/{fromId}/associations/{to}); limit 0 is HubSpot's default (500).
func (c *Client) Associations(ctx context.Context, from ObjectType, fromID string, to ObjectType, after string, limit int) (*AssociationPage, error) {
	q := url.Values{}
	if after != "" {
		q.Set("after", after)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out AssociationPage
	if _, err := c.do(ctx, http.MethodGet, v4ObjectPath(from, fromID)+segment(string(to)), q.Encode(), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

type batchInputs[T any] struct {
	Inputs []T `json:"inputs"`
}

// BatchAssociate creates associations with the given types (POST
// /crm/v4/associations/{from}/{to}/batch/create, 201 or 207), 100 per request.
func (c *Client) BatchAssociate(ctx context.Context, from, to ObjectType, inputs []AssociationInput) (*BatchResult[LabelsBetweenObjectPair], error) {
	path := v4BatchPath(from, to, "create")
	return splitBatch(c, len(inputs), func(lo, hi int) (*BatchResult[LabelsBetweenObjectPair], error) {
		p, err := jsonPayload(batchInputs[AssociationInput]{Inputs: inputs[lo:hi]})
		if err != nil {
			return nil, err
		}
		return postBatch[LabelsBetweenObjectPair](ctx, c, path, "", p)
	})
}

// BatchAssociateDefault associates pairs of records with the default type (POST
// /crm/v4/associations/{from}/{to}/batch/associate/default, 200), 100 per request.
func (c *Client) BatchAssociateDefault(ctx context.Context, from, to ObjectType, pairs []AssociationPair) (*BatchResult[DefaultAssociation], error) {
	path := v4BatchPath(from, to, "associate/default")
	return splitBatch(c, len(pairs), func(lo, hi int) (*BatchResult[DefaultAssociation], error) {
		p, err := jsonPayload(batchInputs[AssociationPair]{Inputs: pairs[lo:hi]})
		if err != nil {
			return nil, err
		}
		return postBatch[DefaultAssociation](ctx, c, path, "", p)
	})
}
