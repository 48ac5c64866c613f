package sandbox

import "github.com/gofiber/fiber/v2"

// routes is the sandbox's route table; paths are HubSpot's, below the base URL.
func (s *Server) routes(app *fiber.App) {
	// Every call: panics become 500 bodies; injected latency; bearer auth (and
	// injected 401/403); rate limits with their headers; injected 5xx and timeouts.
	app.Use(s.recoverer(), s.addLatency, s.authenticate, s.rateLimit, s.injectFaults)

	// CRM objects (v3). {objectType} is a name or an id: contacts or 0-1, deals or 0-3.
	objects := app.Group("/crm/v3/objects/:objectType")
	objects.Get("", s.listObjects)
	objects.Post("", s.createObject)
	objects.Post("/batch/create", s.batchCreate)
	objects.Post("/batch/upsert", s.batchUpsert)
	objects.Post("/batch/read", s.batchRead)
	objects.Post("/batch/update", s.batchUpdate)
	objects.Post("/batch/archive", s.batchArchive)
	objects.Post("/search", s.search)
	objects.Get("/:objectId", s.getObject)
	objects.Patch("/:objectId", s.updateObject)
	objects.Delete("/:objectId", s.archiveObject)

	// Associations (v4).
	app.Put("/crm/v4/objects/:fromType/:fromId/associations/default/:toType/:toId", s.associateDefault)
	app.Put("/crm/v4/objects/:fromType/:fromId/associations/:toType/:toId", s.associateLabelled)
	app.Delete("/crm/v4/objects/:fromType/:fromId/associations/:toType/:toId", s.removeAssociations)
	app.Get("/crm/v4/objects/:fromType/:fromId/associations/:toType", s.listAssociations)
	app.Post("/crm/v4/associations/:fromType/:toType/batch/create", s.batchAssociate)
	app.Post("/crm/v4/associations/:fromType/:toType/batch/associate/default", s.batchAssociateDefault)
	app.Post("/crm/v4/associations/:fromType/:toType/batch/read", s.batchReadAssociations)
	app.Post("/crm/v4/associations/:fromType/:toType/batch/archive", s.batchArchiveAssociations)

	// Owners, pipelines, properties.
	app.Get("/crm/v3/owners", s.listOwners)
	app.Get("/crm/v3/owners/:ownerId", s.showOwner)
	app.Get("/crm/v3/pipelines/:objectType", s.listPipelines)
	app.Get("/crm/v3/pipelines/:objectType/:pipelineId", s.showPipeline)
	app.Get("/crm/v3/pipelines/:objectType/:pipelineId/stages", s.listStages)
	app.Get("/crm/v3/properties/:objectType", s.listProperties)
	app.Post("/crm/v3/properties/:objectType", s.createProperty)
	app.Get("/crm/v3/properties/:objectType/:propertyName", s.showProperty)

	// Anything else under the sandbox: HubSpot's 404 body.
	app.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })
}
