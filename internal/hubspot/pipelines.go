package hubspot

import (
	"context"
	"net/http"
	"time"
)

// Pipeline is a deal or ticket pipeline with its stages.
type Pipeline struct {
	ID           string          `json:"id"`
	Label        string          `json:"label"`
	DisplayOrder int             `json:"displayOrder"`
	Stages       []PipelineStage `json:"stages"`
	Archived     bool            `json:"archived"`
	ArchivedAt   *time.Time      `json:"archivedAt,omitempty"`
	CreatedAt    time.Time       `json:"createdAt"`
	UpdatedAt    time.Time       `json:"updatedAt"`
}

// PipelineStage is one stage. Metadata holds "probability" ("0.2") for deal stages
// and "isClosed" ("true"/"false") for ticket stages, as strings.
type PipelineStage struct {
	ID               string            `json:"id"`
	Label            string            `json:"label"`
	DisplayOrder     int               `json:"displayOrder"`
	Metadata         map[string]string `json:"metadata"`
	Archived         bool              `json:"archived"`
	ArchivedAt       *time.Time        `json:"archivedAt,omitempty"`
	CreatedAt        time.Time         `json:"createdAt"`
	UpdatedAt        time.Time         `json:"updatedAt"`
	WritePermissions string            `json:"writePermissions,omitempty"`
}

// Pipelines lists the pipelines of an object type, deals or tickets (GET
// /crm/v3/pipelines/{objectType}).
func (c *Client) Pipelines(ctx context.Context, t ObjectType) ([]Pipeline, error) {
	var out struct {
		Results []Pipeline `json:"results"`
	}
	if _, err := c.do(ctx, http.MethodGet, "/crm/v3/pipelines/"+segment(string(t)), "", nil, &out); err != nil {
		return nil, err
	}
	return out.Results, nil
}
