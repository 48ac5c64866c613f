package hubspottest

import (
	"fmt"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/simcrm/simcrm/internal/hubspot"
)

// Spec adjustments. Each loaded document is changed once, in memory, before
// kin-openapi validates the document and builds routers from it; kin-openapi then
// does all the validating. Schemas are replaced rather than changed in place, so
// an adjustment reaches exactly the schema it names.
//
// Load fixes, which change nothing a request or response may contain:
//   - aliasObjectPaths: the deals spec's /crm/v3/objects/0-3/… paths become
//     /crm/v3/objects/deals/…, the form the other object specs use; requests are
//     mapped the same way (canonicalObjectsPath), so deals, deal and 0-3 all match.
//   - dedupeTags: Associations_v4.json lists the tag "Basic" twice, which
//     kin-openapi's document validation rejects. Tags are documentation only.
//   - Examples are not validated when a document is loaded (several specs give
//     examples that contradict their own schemas, e.g. Error.context as a string).
//
// Deviations, which widen what the specs accept to what HubSpot really does (one
// function per entry of Deviations):
//   - allowSortObjects: PublicObjectSearchRequest.sorts items are anyOf
//     [string (the spec), {propertyName (required), direction ∈ ASCENDING|DESCENDING}].
//   - allowNullPropertyValues: in SimplePublicObject* and SimplePublicUpsertObject*
//     schemas (not the *Input* ones, so requests still send strings) the values of
//     "properties" are nullable strings.
//   - addRateLimitResponse: every operation documents 429 with the body HubSpot
//     sends ({status, message, errorType: RATE_LIMIT, correlationId, policyName,
//     requestId}; no category), instead of falling back to the Error schema.
//   - allowNullLabel: AssociationSpecWithLabel.label is nullable.
func adjust(doc *openapi3.T) error {
	if err := aliasObjectPaths(doc); err != nil {
		return err
	}
	dedupeTags(doc)
	allowSortObjects(doc)
	allowNullPropertyValues(doc)
	allowNullLabel(doc)
	return addRateLimitResponse(doc)
}

func aliasObjectPaths(doc *openapi3.T) error {
	for path, item := range doc.Paths.Map() {
		canon := canonicalObjectsPath(path)
		if canon == path {
			continue
		}
		if doc.Paths.Value(canon) != nil {
			return fmt.Errorf("both %s and %s are in the spec", path, canon)
		}
		doc.Paths.Delete(path)
		doc.Paths.Set(canon, item)
	}
	return nil
}

func dedupeTags(doc *openapi3.T) {
	seen := make(map[string]bool, len(doc.Tags))
	tags := doc.Tags[:0]
	for _, t := range doc.Tags {
		if t == nil || seen[t.Name] {
			continue
		}
		seen[t.Name] = true
		tags = append(tags, t)
	}
	doc.Tags = tags
}

func componentSchema(doc *openapi3.T, name string) *openapi3.Schema {
	if doc.Components == nil {
		return nil
	}
	if ref := doc.Components.Schemas[name]; ref != nil {
		return ref.Value
	}
	return nil
}

// nullable returns a nullable copy of ref's schema.
func nullable(ref *openapi3.SchemaRef) *openapi3.SchemaRef {
	s := *ref.Value
	s.Nullable = true
	return &openapi3.SchemaRef{Value: &s}
}

func allowSortObjects(doc *openapi3.T) {
	s := componentSchema(doc, "PublicObjectSearchRequest")
	if s == nil || s.Properties["sorts"] == nil || s.Properties["sorts"].Value == nil {
		return
	}
	sorts := *s.Properties["sorts"].Value
	sortObject := openapi3.NewObjectSchema().
		WithProperty("propertyName", openapi3.NewStringSchema()).
		WithProperty("direction", openapi3.NewStringSchema().WithEnum("ASCENDING", "DESCENDING")).
		WithRequired([]string{"propertyName"})
	sorts.Items = openapi3.NewAnyOfSchema(openapi3.NewStringSchema(), sortObject).NewRef()
	s.Properties["sorts"] = &openapi3.SchemaRef{Value: &sorts}
}

func allowNullPropertyValues(doc *openapi3.T) {
	if doc.Components == nil {
		return
	}
	for name, ref := range doc.Components.Schemas {
		if !strings.HasPrefix(name, "SimplePublicObject") && !strings.HasPrefix(name, "SimplePublicUpsertObject") ||
			strings.Contains(name, "Input") || ref.Value == nil {
			continue
		}
		props := ref.Value.Properties["properties"]
		if props == nil || props.Value == nil || props.Value.AdditionalProperties.Schema == nil {
			continue
		}
		p := *props.Value
		p.AdditionalProperties.Schema = nullable(p.AdditionalProperties.Schema)
		ref.Value.Properties["properties"] = &openapi3.SchemaRef{Value: &p}
	}
}

func allowNullLabel(doc *openapi3.T) {
	s := componentSchema(doc, "AssociationSpecWithLabel")
	if s == nil || s.Properties["label"] == nil || s.Properties["label"].Value == nil {
		return
	}
	s.Properties["label"] = nullable(s.Properties["label"])
}

// rateLimitName names the schema and the response added for 429.
const rateLimitName = "SimCRMRateLimitError"

func addRateLimitResponse(doc *openapi3.T) error {
	if doc.Components == nil {
		doc.Components = &openapi3.Components{}
	}
	if doc.Components.Schemas == nil {
		doc.Components.Schemas = openapi3.Schemas{}
	}
	if doc.Components.Responses == nil {
		doc.Components.Responses = openapi3.ResponseBodies{}
	}
	if doc.Components.Schemas[rateLimitName] != nil || doc.Components.Responses[rateLimitName] != nil {
		return fmt.Errorf("the spec already has a component named %s", rateLimitName)
	}
	schema := openapi3.NewObjectSchema().
		WithProperty("status", openapi3.NewStringSchema()).
		WithProperty("message", openapi3.NewStringSchema()).
		WithProperty("errorType", openapi3.NewStringSchema().WithEnum("RATE_LIMIT")).
		WithProperty("correlationId", openapi3.NewStringSchema()).
		WithProperty("policyName", openapi3.NewStringSchema().WithEnum(
			hubspot.PolicyTenSecondlyRolling, hubspot.PolicyDaily, hubspot.PolicySecondly)).
		WithProperty("requestId", openapi3.NewStringSchema()).
		WithRequired([]string{"status", "message", "errorType", "correlationId", "policyName"})
	schema.Description = "HubSpot's 429 body (not in its specs; added by SimCRM's hubspottest)"
	schemaRef := openapi3.NewSchemaRef("#/components/schemas/"+rateLimitName, schema)
	doc.Components.Schemas[rateLimitName] = &openapi3.SchemaRef{Value: schema}
	resp := openapi3.NewResponse().WithDescription("Rate limit reached").WithJSONSchemaRef(schemaRef)
	doc.Components.Responses[rateLimitName] = &openapi3.ResponseRef{Value: resp}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.Responses != nil && op.Responses.Value("429") == nil {
				op.Responses.Set("429", &openapi3.ResponseRef{Ref: "#/components/responses/" + rateLimitName, Value: resp})
			}
		}
	}
	return nil
}
