// Package fake turns planned records (package sim) into realistic,
// deterministic CRM data: the same record always yields the same names,
// texts and property maps, keyed by HubSpot property names.
//
// Contacts and companies:
//
//	fake.ContactProperties(rec)          // email, firstname, lastname, phone, company, jobtitle, lifecyclestage, hs_lead_status
//	fake.CompanyProperties(rec.Company)  // name, domain, industry, numberofemployees, city
//	fake.StepProperties(step)            // lifecycle updates for later phases
//
// Deals, tickets and engagements:
//
//	fake.DealProperties(rec)             // nil when the record has no deal
//	fake.ActivityProperties(rec, act)    // note, call, task, meeting or ticket properties
//
// Emails and company domains come from package sim and are always on
// example.com, example.org or example.net; phone numbers use the fictional
// 555-01xx range.
package fake

import (
	"math/rand/v2"
	"strconv"
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
	FirstName, LastName, Email, Phone, JobTitle string
}

// Name is "First Last".
func (c Contact) Name() string { return c.FirstName + " " + c.LastName }

var jobTitles = []string{
	"VP of Sales", "Sales Director", "Account Executive", "Head of Marketing", "Marketing Manager",
	"Demand Generation Manager", "Chief Executive Officer", "Chief Financial Officer", "Chief Technology Officer",
	"Head of Operations", "Operations Manager", "Procurement Lead", "IT Director", "Product Manager",
	"Customer Success Manager", "Office Manager", "Founder", "Engineering Manager", "Finance Controller",
	"HR Business Partner", "Growth Lead", "Revenue Operations Analyst", "Purchasing Manager", "Project Manager",
}

// ContactOf returns the record's person.
func ContactOf(rec sim.Record) Contact {
	f := newFaker(rec.Seed, saltContact)
	return Contact{
		FirstName: f.FirstName(),
		LastName:  f.LastName(),
		Email:     rec.Email,
		Phone:     phone(f),
		JobTitle:  jobTitles[f.IntN(len(jobTitles))],
	}
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

var companySuffixes = []string{"Inc", "LLC", "Group", "Labs", "Systems", "Partners", "Co", "Solutions", "Technologies", "Holdings", "Studio", "Corp"}

// CompanyName is the company's display name, built on its brand.
func CompanyName(c sim.Company) string {
	return c.Brand + " " + companySuffixes[(c.Seed>>48)%uint64(len(companySuffixes))]
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

// ContactProperties are the HubSpot contact properties at creation.
func ContactProperties(rec sim.Record) map[string]string {
	c := ContactOf(rec)
	p := map[string]string{
		"email":     c.Email,
		"firstname": c.FirstName,
		"lastname":  c.LastName,
		"phone":     c.Phone,
		"company":   CompanyName(rec.Company),
		"jobtitle":  c.JobTitle,
	}
	if len(rec.Steps) > 0 {
		addStep(p, rec.Steps[0])
	}
	return p
}

// StepProperties are the contact properties a lifecycle step changes.
func StepProperties(s sim.Step) map[string]string {
	p := make(map[string]string, 2)
	addStep(p, s)
	return p
}

func addStep(p map[string]string, s sim.Step) {
	if s.LifecycleStage != "" {
		p["lifecyclestage"] = s.LifecycleStage
	}
	if s.LeadStatus != "" {
		p["hs_lead_status"] = s.LeadStatus
	}
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
