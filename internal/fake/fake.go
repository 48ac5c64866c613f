// Package fake turns planned records (package sim) into realistic,
// deterministic CRM data: the same record always yields the same names,
// texts and property maps, keyed by HubSpot property names.
//
// Contacts and companies:
//
//	fake.ContactProperties(rec)          // email, firstname, lastname, phone, lifecyclestage, hs_lead_status (+ company, jobtitle for business contacts)
//	fake.CompanyProperties(rec.Company)  // name, domain, industry, numberofemployees, city
//	fake.UpdateProperties(u, historical) // a planned lifecycle, lead status or deal stage change
//	fake.CreatedDates(kind, rec, at)     // createdate (and first stage date) for backfills
//
// Deals, tickets and engagements:
//
//	fake.DealProperties(rec)             // nil when the record has no deal
//	fake.ActivityProperties(rec, act, asOf) // note, call, task, meeting or ticket properties
//
// Content follows the record's scenario (content.go): personas and job
// titles, company naming, what is sold. Consumers (b2c, ecommerce) have no
// job title and buy orders and subscriptions. Names and emails come from
// package sim and are always on reserved example domains; phone numbers use
// the fictional 555-01xx range.
package fake

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/brianvoe/gofakeit/v7"
	"github.com/simcrm/simcrm/internal/sim"
)

// Salts keep the random streams of one seed apart.
const (
	saltContact uint64 = 0x243f6a8885a308d3
	saltCompany uint64 = 0x13198a2e03707344
	saltDeal    uint64 = 0xa4093822299f31d0
	saltText    uint64 = 0x082efa98ec4e6c89
)

func newFaker(seed, salt uint64) *gofakeit.Faker {
	return gofakeit.NewFaker(rand.NewPCG(seed, seed^salt), false)
}

// Contact is the person behind a record.
type Contact struct {
	FirstName, LastName, Email, Phone string
	JobTitle                          string // "" for consumers
}

// Name is "First Last".
func (c Contact) Name() string { return c.FirstName + " " + c.LastName }

// ContactOf returns the record's person: name and email from package sim, a
// phone number and (for business contacts) a title from the scenario's
// personas.
func ContactOf(rec sim.Record) Contact {
	f := newFaker(rec.Seed, saltContact)
	c := Contact{FirstName: rec.FirstName, LastName: rec.LastName, Email: rec.Email, Phone: phone(f)}
	if titles := contentOf(rec.Scenario, rec.Consumer).titles; len(titles) > 0 {
		c.JobTitle = titles[f.IntN(len(titles))]
	}
	return c
}

// phone is a North American number in the fictional 555-0100…0199 range.
func phone(f *gofakeit.Faker) string {
	return "+1-" + strconv.Itoa(f.IntRange(201, 989)) + "-555-01" + twoDigits(f.IntN(100))
}

func twoDigits(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// Company is the fake company behind sim.Company.
type Company struct {
	Name, Domain, Industry, City string
	Employees                    int
}

// CompanyName is the company's display name: its brand and a suffix that
// fits the scenario ("Brightpath Solutions", "Atlas Holdings", "Pine Bakery"),
// never one that repeats the brand ("Swiftlabs Labs").
func CompanyName(c sim.Company) string {
	suffixes := contentOf(c.Scenario, c.Consumer).companySuffixes
	i := int((c.Seed >> 48) % uint64(len(suffixes)))
	brand := strings.ToLower(c.Brand)
	for range suffixes {
		s := strings.ToLower(suffixes[i])
		if !strings.HasSuffix(brand, s) && !strings.Contains(s, brand[max(0, len(brand)-4):]) {
			break
		}
		i = (i + 1) % len(suffixes)
	}
	return c.Brand + " " + suffixes[i]
}

// CompanyOf returns the company's fake data; the domain is sim's.
func CompanyOf(c sim.Company) Company {
	f := newFaker(c.Seed, saltCompany)
	return Company{
		Name:      CompanyName(c),
		Domain:    c.Domain,
		Industry:  c.Industry,
		City:      f.City(),
		Employees: c.Employees,
	}
}

// ContactProperties are the HubSpot contact properties at creation. Business
// contacts carry their company and job title; consumers carry neither.
func ContactProperties(rec sim.Record) map[string]string {
	c := ContactOf(rec)
	p := map[string]string{
		"email":     c.Email,
		"firstname": c.FirstName,
		"lastname":  c.LastName,
		"phone":     c.Phone,
	}
	if !rec.Consumer {
		p["company"] = CompanyName(rec.Company)
		p["jobtitle"] = c.JobTitle
	}
	if len(rec.Steps) > 0 {
		s := rec.Steps[0]
		p["lifecyclestage"] = s.LifecycleStage
		p["hs_lead_status"] = s.LeadStatus
	}
	return p
}

// LifecycleDateProperty is the contact property holding when the contact
// entered a lifecycle stage ("Became a customer date").
func LifecycleDateProperty(stage string) string { return "hs_lifecyclestage_" + stage + "_date" }

// StageDateProperty is the deal property holding when the deal entered a
// stage (HubSpot calculates it; the engine sends it only where it is writable).
func StageDateProperty(stage string) string { return "hs_date_entered_" + stage }

// CreatedDates are the historical date properties of an object created at
// at: createdate, and for a contact the date it entered its first stage.
func CreatedDates(kind sim.Kind, rec sim.Record, at time.Time) map[string]string {
	p := map[string]string{"createdate": ms(at)}
	switch kind {
	case sim.KindContact:
		if len(rec.Steps) > 0 && rec.Steps[0].LifecycleStage != "" {
			p[LifecycleDateProperty(rec.Steps[0].LifecycleStage)] = ms(at)
		}
	case sim.KindDeal:
		if rec.Deal != nil && len(rec.Deal.Path) > 0 {
			p[StageDateProperty(rec.Deal.Path[0].Stage)] = ms(at)
		}
	}
	return p
}

// UpdateProperties are the properties a planned update changes. A contact
// gets its lifecycle stage and lead status; a deal its stage, and on closing
// its close date (the planned moment). With historical, the dates of the
// change go along (the stage's "became" or "date entered" property), so a
// backfill reads as if it happened at the planned time.
func UpdateProperties(u sim.Update, historical bool) map[string]string {
	p := make(map[string]string, 3)
	switch u.Kind {
	case sim.KindContactUpdate:
		if u.LifecycleStage != "" {
			p["lifecyclestage"] = u.LifecycleStage
			if historical {
				p[LifecycleDateProperty(u.LifecycleStage)] = ms(u.At)
			}
		}
		if u.LeadStatus != "" {
			p["hs_lead_status"] = u.LeadStatus
		}
	case sim.KindDealUpdate:
		p["dealstage"] = u.DealStage
		if u.Closed {
			p["closedate"] = ms(u.At)
		}
		if historical {
			p[StageDateProperty(u.DealStage)] = ms(u.At)
		}
	}
	return p
}

// HistoricalDate reports whether a property only carries a planned date for
// backfills (createdate, the stage-entered dates, a task's completion date):
// a target that refuses it still gets the rest of the object.
func HistoricalDate(name string) bool {
	return name == "createdate" || name == "hs_task_completion_date" ||
		strings.HasPrefix(name, "hs_lifecyclestage_") && strings.HasSuffix(name, "_date") ||
		strings.HasPrefix(name, "hs_date_entered_")
}

// CompanyProperties are the HubSpot company properties.
func CompanyProperties(c sim.Company) map[string]string {
	fc := CompanyOf(c)
	return map[string]string{
		"name":              fc.Name,
		"domain":            fc.Domain,
		"industry":          fc.Industry,
		"numberofemployees": strconv.Itoa(fc.Employees),
		"city":              fc.City,
	}
}

// ms is a HubSpot datetime value: Unix milliseconds.
func ms(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }
