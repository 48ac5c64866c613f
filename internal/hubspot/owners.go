package hubspot

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Owner is a HubSpot user or queue that records can be assigned to (hubspot_owner_id).
type Owner struct {
	ID                      string    `json:"id"`
	Email                   string    `json:"email,omitempty"`
	FirstName               string    `json:"firstName,omitempty"`
	LastName                string    `json:"lastName,omitempty"`
	UserID                  int       `json:"userId,omitempty"`
	UserIDIncludingInactive int       `json:"userIdIncludingInactive,omitempty"`
	Type                    string    `json:"type"` // PERSON or QUEUE
	Teams                   []Team    `json:"teams,omitempty"`
	Archived                bool      `json:"archived"`
	CreatedAt               time.Time `json:"createdAt"`
	UpdatedAt               time.Time `json:"updatedAt"`
}

// Team is an owner's team.
type Team struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Primary bool   `json:"primary"`
}

// OwnerQuery filters and pages the owners list.
type OwnerQuery struct {
	Email    string
	After    string
	Limit    int // 0 is HubSpot's default (100)
	Archived bool
}

// OwnerPage is one page of owners.
type OwnerPage struct {
	Results []Owner `json:"results"`
	Paging  *Paging `json:"paging,omitempty"`
}

// After returns the cursor of the next page, "" on the last page.
func (p *OwnerPage) After() string { return p.Paging.after() }

// Owners lists one page of owners (GET /crm/v3/owners).
func (c *Client) Owners(ctx context.Context, q OwnerQuery) (*OwnerPage, error) {
	v := url.Values{}
	if q.Email != "" {
		v.Set("email", q.Email)
	}
	if q.After != "" {
		v.Set("after", q.After)
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.Archived {
		v.Set("archived", "true")
	}
	var out OwnerPage
	if _, err := c.do(ctx, http.MethodGet, "/crm/v3/owners", v.Encode(), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// AllOwners lists every active owner, following pages.
func (c *Client) AllOwners(ctx context.Context) ([]Owner, error) {
	var all []Owner
	q := OwnerQuery{Limit: 500}
	for {
		page, err := c.Owners(ctx, q)
		if err != nil {
			return nil, err
		}
		all = append(all, page.Results...)
		next := page.After()
		if next == "" || next == q.After {
			return all, nil
		}
		q.After = next
	}
}
