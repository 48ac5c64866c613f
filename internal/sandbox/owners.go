package sandbox

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/internal/hubspot"
)

type teamJSON struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Primary bool   `json:"primary"`
}

type ownerJSON struct {
	ID                      string     `json:"id"`
	Email                   string     `json:"email"`
	FirstName               string     `json:"firstName"`
	LastName                string     `json:"lastName"`
	UserID                  int        `json:"userId"`
	UserIDIncludingInactive int        `json:"userIdIncludingInactive"`
	Type                    string     `json:"type"`
	Teams                   []teamJSON `json:"teams"`
	Archived                bool       `json:"archived"`
	CreatedAt               string     `json:"createdAt"`
	UpdatedAt               string     `json:"updatedAt"`
}

func ownerOut(o owner) ownerJSON {
	at := isoTime(sandboxEpoch)
	return ownerJSON{
		ID: o.ID, Email: o.Email, FirstName: o.FirstName, LastName: o.LastName,
		UserID: o.UserID, UserIDIncludingInactive: o.UserID, Type: "PERSON",
		Teams:     []teamJSON{{ID: o.TeamID, Name: o.Team, Primary: true}},
		CreatedAt: at, UpdatedAt: at,
	}
}

// listOwners answers GET /crm/v3/owners (email filter, limit, after).
func (s *Server) listOwners(c *fiber.Ctx) error {
	limit := c.QueryInt("limit", 100)
	if limit < 1 || limit > 500 {
		return validationError("limit must be between 1 and 500, got %d", limit)
	}
	start, err := queryAfter(c)
	if err != nil {
		return err
	}
	results := []ownerJSON{}
	if !c.QueryBool("archived") {
		email := strings.ToLower(c.Query("email"))
		for i := start; i < int64(len(owners)); i++ {
			if email != "" && owners[i].Email != email {
				continue
			}
			if len(results) == limit {
				return c.JSON(fiber.Map{"results": results, "paging": nextPage(strconv.FormatInt(i, 10))})
			}
			results = append(results, ownerOut(owners[i]))
		}
	}
	return c.JSON(fiber.Map{"results": results})
}

// showOwner answers GET /crm/v3/owners/{ownerId}.
func (s *Server) showOwner(c *fiber.Ctx) error {
	id := param(c, "ownerId")
	for _, o := range owners {
		if o.ID == id || (c.Query("idProperty") == "userId" && strconv.Itoa(o.UserID) == id) {
			return c.JSON(ownerOut(o))
		}
	}
	return notFound("No owner with id %s exists", id)
}

type stageJSON struct {
	ID           string            `json:"id"`
	Label        string            `json:"label"`
	DisplayOrder int               `json:"displayOrder"`
	Metadata     map[string]string `json:"metadata"`
	Archived     bool              `json:"archived"`
	CreatedAt    string            `json:"createdAt"`
	UpdatedAt    string            `json:"updatedAt"`
}

type pipelineJSON struct {
	ID           string      `json:"id"`
	Label        string      `json:"label"`
	DisplayOrder int         `json:"displayOrder"`
	Stages       []stageJSON `json:"stages"`
	Archived     bool        `json:"archived"`
	CreatedAt    string      `json:"createdAt"`
	UpdatedAt    string      `json:"updatedAt"`
}

// Default pipelines and their stages have createdAt 0, as in HubSpot.
var epochZero = isoTime(time.Unix(0, 0))

func stagesOut(p pipeline) []stageJSON {
	out := make([]stageJSON, len(p.Stages))
	for i, st := range p.Stages {
		out[i] = stageJSON{ID: st.ID, Label: st.Label, DisplayOrder: i, Metadata: st.Metadata, CreatedAt: epochZero, UpdatedAt: epochZero}
	}
	return out
}

func pipelineOut(p pipeline, order int) pipelineJSON {
	return pipelineJSON{ID: p.ID, Label: p.Label, DisplayOrder: order, Stages: stagesOut(p), CreatedAt: epochZero, UpdatedAt: epochZero}
}

// listPipelines answers GET /crm/v3/pipelines/{objectType}.
func (s *Server) listPipelines(c *fiber.Ctx) error {
	t, err := pathType(c, "objectType")
	if err != nil {
		return err
	}
	results := []pipelineJSON{}
	for i, p := range pipelines[t] {
		results = append(results, pipelineOut(p, i))
	}
	return c.JSON(fiber.Map{"results": results})
}

func pathPipeline(c *fiber.Ctx) (hubspot.ObjectType, pipeline, int, error) {
	t, err := pathType(c, "objectType")
	if err != nil {
		return "", pipeline{}, 0, err
	}
	id := param(c, "pipelineId")
	for i, p := range pipelines[t] {
		if p.ID == id {
			return t, p, i, nil
		}
	}
	return "", pipeline{}, 0, notFound("No %s pipeline with id %s exists", t.Singular(), id)
}

// showPipeline answers GET /crm/v3/pipelines/{objectType}/{pipelineId}.
func (s *Server) showPipeline(c *fiber.Ctx) error {
	_, p, i, err := pathPipeline(c)
	if err != nil {
		return err
	}
	return c.JSON(pipelineOut(p, i))
}

// listStages answers GET /crm/v3/pipelines/{objectType}/{pipelineId}/stages.
func (s *Server) listStages(c *fiber.Ctx) error {
	_, p, _, err := pathPipeline(c)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"results": stagesOut(p)})
}
