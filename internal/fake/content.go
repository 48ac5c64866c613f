package fake

import (
	"strconv"

	"github.com/brianvoe/gofakeit/v7"
	"github.com/simcrm/simcrm/internal/sim"
)

// content is what a scenario's data talks about: who the contacts are, how
// companies are named, what is sold and what the activities say. Business
// scenarios sell to companies; consumer scenarios (b2c, ecommerce) sell
// orders and subscriptions to private buyers, who have no job title.
type content struct {
	titles          []string // job titles; nil for consumers
	companySuffixes []string // legal or trade suffixes after the brand
	deals           []dealKind
	leadSources     []string
	topics          []string
	nextSteps       []string
	meetingTypes    []string
	ticketSubjects  []string
	callTitle       string // "%s" is the contact's name
}

// dealKind is one thing a scenario sells. A name with an order number
// ("Order #104233 – …") or the buyer's name replaces the company.
type dealKind struct {
	name  string
	order bool // "Order #<n> – <name>"
	buyer bool // "<First Last> – <name>"
}

func offers(names ...string) []dealKind {
	out := make([]dealKind, len(names))
	for i, n := range names {
		out[i] = dealKind{name: n}
	}
	return out
}

var businessTopics = []string{"pricing for larger teams", "integrations with their current CRM", "the onboarding timeline",
	"a security and compliance review", "volume discounts", "a hands-on product demo", "reporting and dashboards",
	"API access", "migrating from a spreadsheet process", "single sign-on", "data residency", "support SLAs"}

var businessNextSteps = []string{"send a tailored proposal", "book a demo with the wider team", "share two customer references",
	"loop in their IT lead", "follow up after their budget review", "send the security questionnaire",
	"set up a trial workspace", "schedule a pricing call"}

var businessSources = []string{"the website demo form", "a webinar sign-up", "a trade show badge scan", "a whitepaper download",
	"a partner referral", "live chat", "a LinkedIn ad", "an inbound call", "a newsletter reply"}

var businessTickets = []string{"Request for data export after the evaluation", "Question about the quote",
	"Feedback on the evaluation", "Trial workspace still active", "Billing question on the pilot invoice",
	"Complaint about response times during the evaluation"}

var contents = map[string]*content{
	"b2b": {
		titles: []string{"VP of Sales", "Sales Director", "Account Executive", "Head of Marketing", "Marketing Manager",
			"Demand Generation Manager", "Chief Executive Officer", "Chief Financial Officer", "Head of Operations",
			"Operations Manager", "Procurement Lead", "IT Director", "Customer Success Manager", "Finance Controller",
			"Revenue Operations Analyst", "Purchasing Manager", "Project Manager"},
		companySuffixes: []string{"Inc", "LLC", "Group", "Partners", "Solutions", "Technologies", "Co"},
		deals: offers("Annual subscription", "Pilot", "Platform license", "Professional services", "Support package",
			"Team rollout", "Expansion"),
		leadSources: businessSources, topics: businessTopics, nextSteps: businessNextSteps,
		meetingTypes: []string{"Product demo", "Technical deep dive", "Pricing review", "Stakeholder alignment",
			"Contract walkthrough", "Implementation planning"},
		ticketSubjects: businessTickets,
		callTitle:      "Discovery call with %s",
	},
	"enterprise": {
		titles: []string{"Chief Information Officer", "Chief Operating Officer", "VP of Procurement", "Director of IT Security",
			"Enterprise Architect", "Head of Global Operations", "VP Finance", "Director of Strategic Sourcing",
			"Data Protection Officer", "Program Director", "SVP Digital Transformation", "Head of Vendor Management"},
		companySuffixes: []string{"Corporation", "Holdings", "Group", "International", "Industries", "Global"},
		deals: offers("Enterprise agreement (3 years)", "Global rollout", "Security and compliance add-on",
			"Multi-year renewal", "Data platform license", "Regional expansion", "Premier support"),
		leadSources: []string{"an executive briefing", "an analyst referral", "a partner introduction", "an RFP invitation",
			"a customer advisory board", "an industry conference"},
		topics: []string{"a security and compliance review", "data residency", "single sign-on and SCIM", "a procurement timeline",
			"global support SLAs", "a reference architecture", "master services agreement terms"},
		nextSteps: []string{"send the security questionnaire", "schedule the procurement review", "prepare the MSA redlines",
			"book an executive sponsor call", "run the proof of concept", "present to the steering committee"},
		meetingTypes: []string{"Executive briefing", "Security review", "Steering committee", "Proof of concept kickoff",
			"Procurement review", "Architecture workshop"},
		ticketSubjects: []string{"Request for the proof-of-concept report", "Questions on the security assessment",
			"Follow-up on the RFP outcome", "Data deletion request after the evaluation"},
		callTitle: "Executive introduction with %s",
	},
	"mid_market": {
		titles: []string{"Owner", "General Manager", "Operations Manager", "Office Manager", "Sales Manager", "Marketing Manager",
			"IT Manager", "Finance Manager", "Team Lead", "Head of Customer Service"},
		companySuffixes: []string{"Inc", "LLC", "Co", "Group", "Associates"},
		deals: offers("Team plan (25 seats)", "Implementation package", "Growth bundle", "Annual plan", "Add-on: reporting",
			"Training package"),
		leadSources: businessSources, topics: businessTopics, nextSteps: businessNextSteps,
		meetingTypes:   []string{"Product demo", "Pricing review", "Implementation planning", "Team walkthrough"},
		ticketSubjects: businessTickets,
		callTitle:      "Intro call with %s",
	},
	"saas": {
		titles: []string{"Product Manager", "Head of Growth", "Engineering Manager", "Chief Technology Officer", "Founder",
			"Head of Customer Success", "RevOps Manager", "Data Analyst", "Software Engineer", "VP of Engineering"},
		companySuffixes: []string{"Inc", "HQ", "Software", "Cloud", "Technologies"},
		deals: offers("Pro plan – annual", "Business plan – monthly", "Seat expansion (+10 seats)", "Onboarding package",
			"Enterprise plan upgrade", "API add-on"),
		leadSources: []string{"a free trial sign-up", "the pricing page", "a product hunt launch", "a G2 review",
			"an in-app upgrade prompt", "a developer docs sign-up"},
		topics: []string{"usage limits on the trial", "API rate limits", "SSO on the business plan", "onboarding their team",
			"migrating their data", "annual versus monthly billing", "the product roadmap"},
		nextSteps: []string{"extend the trial by a week", "set up a guided onboarding", "send the annual plan quote",
			"invite their admins", "share the API docs", "schedule a roadmap call"},
		meetingTypes: []string{"Onboarding session", "Product walkthrough", "Trial check-in", "Upgrade review"},
		ticketSubjects: []string{"Trial workspace still active", "Question about data export", "Billing question on the trial",
			"Feedback on the onboarding"},
		callTitle: "Trial check-in with %s",
	},
	"b2c": {
		companySuffixes: []string{"Bakery", "Dental", "Fitness", "Studio", "Family Practice", "Garden Center", "Cafe"},
		deals: []dealKind{{name: "Premium membership (annual)", buyer: true}, {name: "Family plan subscription", buyer: true},
			{name: "Monthly subscription", buyer: true}, {name: "Gift card", order: true}, {name: "Home delivery bundle", order: true}},
		leadSources: []string{"an Instagram ad", "the newsletter sign-up", "a referral code", "a product review site",
			"a giveaway entry", "the mobile app"},
		topics: []string{"membership benefits", "delivery options", "the family plan", "a discount code",
			"cancelling anytime", "gift options"},
		nextSteps: []string{"send a welcome offer", "email the membership comparison", "send a discount code",
			"remind them before the trial ends"},
		meetingTypes: []string{"Personal consultation", "Store appointment", "Membership walkthrough"},
		ticketSubjects: []string{"Refund request", "Subscription cancellation", "Delivery delayed",
			"Charged twice", "Change of address"},
		callTitle: "Customer call with %s",
	},
	"ecommerce": {
		companySuffixes: []string{"Boutique", "Market", "Outfitters", "Supply", "Goods", "Kitchen"},
		deals: []dealKind{{name: "Running shoes", order: true}, {name: "Wireless earbuds", order: true},
			{name: "Skincare set", order: true}, {name: "Coffee grinder", order: true}, {name: "Winter jacket", order: true},
			{name: "Yoga mat and blocks", order: true}, {name: "Subscribe & save: coffee beans", buyer: true}},
		leadSources: []string{"an abandoned cart email", "a Google Shopping ad", "the spring sale newsletter",
			"a TikTok video", "the checkout newsletter opt-in", "a marketplace listing"},
		topics: []string{"sizing", "shipping times", "the return policy", "a bundle discount", "gift wrapping", "restock dates"},
		nextSteps: []string{"send the size guide", "email a free-shipping code", "notify them on restock",
			"send the return label"},
		meetingTypes: []string{"Styling appointment", "Video product demo"},
		ticketSubjects: []string{"Return request", "Where is my order?", "Wrong size delivered", "Refund not received",
			"Damaged item"},
		callTitle: "Order follow-up call with %s",
	},
}

// contentOf picks the record's scenario content; an unknown scenario falls
// back to b2c for consumers and b2b otherwise.
func contentOf(scenario string, consumer bool) *content {
	if c, ok := contents[scenario]; ok {
		return c
	}
	if consumer {
		return contents["b2c"]
	}
	return contents["b2b"]
}

// orderNumber is a stable six-digit order number.
func orderNumber(f *gofakeit.Faker) string { return "#" + strconv.Itoa(f.IntRange(100000, 999999)) }

// DealName is the deal's display name: "<Company> – <offer>" for businesses,
// "Order #<n> – <items>" or "<Buyer> – <subscription>" for consumers.
func DealName(rec sim.Record) string {
	f := newFaker(rec.Seed, saltDeal)
	c := contentOf(rec.Scenario, rec.Consumer)
	d := c.deals[f.IntN(len(c.deals))]
	switch {
	case d.order:
		return "Order " + orderNumber(f) + " – " + d.name
	case d.buyer:
		return rec.FirstName + " " + rec.LastName + " – " + d.name
	}
	return CompanyName(rec.Company) + " – " + d.name
}

// BusinessWords lists every job title and B2B deal offer of the business
// scenarios: consumer data must contain none of them.
func BusinessWords() []string {
	var out []string
	for _, name := range []string{"b2b", "enterprise", "mid_market", "saas"} {
		c := contents[name]
		out = append(out, c.titles...)
		for _, d := range c.deals {
			out = append(out, d.name)
		}
	}
	return out
}
