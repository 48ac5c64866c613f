package sim

import (
	"math"
	"slices"
	"strconv"
	"time"
)

// Range is an inclusive interval; for delays and gaps the unit is minutes.
type Range struct{ Min, Max float64 }

// Jittered is mean ± jitter, drawn uniformly; the unit is minutes.
type Jittered struct{ Mean, Jitter float64 }

// IntRange is an inclusive integer interval.
type IntRange struct{ Min, Max int }

// Delays between a phase and the activity it triggers (minutes, simulated
// time). The pace scales them for the run; the activity's own timestamp
// always keeps them.
type Delays struct {
	Note    Range    // contact created → initial note
	Call    Jittered // MQL → call, and between call attempts
	Task    Range    // MQL without a call → follow-up task; meeting → follow-up task
	Nurture Range    // regression → nurture note
	PostWin Range    // deal won → post-win note
	Ticket  Range    // deal lost → ticket
	Meeting Range    // deal created (or previous meeting) → meeting
}

// Gaps between lifecycle phases (minutes, simulated time).
type Gaps struct {
	MQL        Range // contact created → MQL
	Deal       Range // MQL → deal created
	Regression Range // MQL → regression back to lead (no deal)
	Close      Range // last meeting (or deal creation) → deal won or lost
}

func (g Gaps) regressionMax() time.Duration { return minutes(g.Regression.Max) }

// Scenario is the data that shapes every record journey of a simulation.
// Scenarios are values: ApplyOverrides returns a modified copy.
type Scenario struct {
	Name        string
	Label       string
	Description string

	VolumeMultiplier   float64  // effective total = requested × multiplier
	ContactsPerCompany IntRange // contacts sharing one company
	Consumer           bool     // contacts are private buyers: personal emails, no job title, orders instead of B2B deals
	InitialStage       string   // lifecycle stage at contact creation

	PMQL        float64 // contact becomes a marketing qualified lead
	PDeal       float64 // an MQL gets a deal
	PRegression float64 // an MQL without a deal regresses to lead
	POpenDeal   float64 // a deal is still open at the end of its journey
	WinRate     float64 // a closed deal is won (else lost)

	PInitialNote      float64 // note when the contact is created
	PCallOnMQL        float64 // call on MQL
	PCallRetry        float64 // each further call attempt after a call
	PTaskIfNoCall     float64 // follow-up task on MQL when there was no call
	PNurtureNote      float64 // nurture note on regression
	PPostWinNote      float64 // note after a won deal
	PTicketOnLost     float64 // ticket after a lost deal
	PMeeting          float64 // each meeting while a deal is in progress
	PTaskAfterMeeting float64 // follow-up task after a meeting

	Caps    Counts // per record
	Budgets Counts // per simulation; records in index order come first

	Delays Delays
	Gaps   Gaps

	Employees    IntRange   // company head count, drawn log-uniformly
	DealAmount   Range      // currency units, drawn log-uniformly
	StageWeights [5]float64 // weights of OpenDealStages for deals that stay open
	Industries   []string   // HubSpot industry enum values
}

// Deal stages of HubSpot's default pipeline.
const (
	StageWon  = "closedwon"
	StageLost = "closedlost"
)

// OpenDealStages are the default pipeline's open stages, in pipeline order.
var OpenDealStages = [5]string{"appointmentscheduled", "qualifiedtobuy", "presentationscheduled", "decisionmakerboughtin", "contractsent"}

// Lifecycle stages (HubSpot contact property lifecyclestage).
const (
	LifecycleSubscriber  = "subscriber"
	LifecycleLead        = "lead"
	LifecycleMQL         = "marketingqualifiedlead"
	LifecycleSQL         = "salesqualifiedlead"
	LifecycleOpportunity = "opportunity"
	LifecycleCustomer    = "customer"
)

var scenarios = []Scenario{
	{
		Name: "b2b", Label: "B2B sales",
		Description:        "Companies with several contacts, sales calls and meetings, mid-sized deals.",
		VolumeMultiplier:   0.8,
		ContactsPerCompany: IntRange{3, 6},
		InitialStage:       LifecycleLead,
		PMQL:               0.55, PDeal: 0.45, PRegression: 0.30, POpenDeal: 0.30, WinRate: 0.60,
		PInitialNote: 1.0, PCallOnMQL: 0.65, PCallRetry: 0.40, PTaskIfNoCall: 0.5,
		PNurtureNote: 0.35, PPostWinNote: 0.55, PTicketOnLost: 0.15,
		PMeeting: 0.60, PTaskAfterMeeting: 0.50,
		Caps:    Counts{Notes: 5, Calls: 3, Tasks: 6, Meetings: 4, Tickets: 1},
		Budgets: Counts{Notes: 5000, Calls: 2500, Tasks: 4000, Meetings: 2000, Tickets: 500},
		Delays: Delays{
			Note: Range{1, 5}, Call: Jittered{15, 10}, Task: Range{30, 180},
			Nurture: Range{5, 25}, PostWin: Range{2, 10}, Ticket: Range{3, 20}, Meeting: Range{120, 1440},
		},
		Gaps:         Gaps{MQL: Range{30, 240}, Deal: Range{60, 480}, Regression: Range{240, 1440}, Close: Range{240, 2880}},
		Employees:    IntRange{20, 2000},
		DealAmount:   Range{5000, 120000},
		StageWeights: [5]float64{0.30, 0.25, 0.20, 0.15, 0.10},
		Industries: []string{"COMPUTER_SOFTWARE", "INFORMATION_TECHNOLOGY_AND_SERVICES", "FINANCIAL_SERVICES",
			"MARKETING_AND_ADVERTISING", "MANAGEMENT_CONSULTING", "TELECOMMUNICATIONS", "HOSPITAL_HEALTH_CARE", "ACCOUNTING"},
	},
	{
		Name: "b2c", Label: "B2C consumers",
		Description:        "Many individual buyers, light sales touch, small purchases.",
		VolumeMultiplier:   1.8,
		Consumer:           true,
		ContactsPerCompany: IntRange{1, 2},
		InitialStage:       LifecycleSubscriber,
		PMQL:               0.45, PDeal: 0.50, PRegression: 0.35, POpenDeal: 0.20, WinRate: 0.42,
		PInitialNote: 0.9, PCallOnMQL: 0.3, PCallRetry: 0.20, PTaskIfNoCall: 0.25,
		PNurtureNote: 0.25, PPostWinNote: 0.4, PTicketOnLost: 0.05,
		PMeeting: 0.20, PTaskAfterMeeting: 0.30,
		Caps:    Counts{Notes: 3, Calls: 1, Tasks: 3, Meetings: 1, Tickets: 1},
		Budgets: Counts{Notes: 8000, Calls: 1200, Tasks: 5000, Meetings: 400, Tickets: 300},
		Delays: Delays{
			Note: Range{0.5, 3}, Call: Jittered{8, 6}, Task: Range{15, 90},
			Nurture: Range{3, 15}, PostWin: Range{1, 6}, Ticket: Range{2, 12}, Meeting: Range{30, 240},
		},
		Gaps:         Gaps{MQL: Range{10, 120}, Deal: Range{30, 240}, Regression: Range{120, 720}, Close: Range{60, 720}},
		Employees:    IntRange{1, 50},
		DealAmount:   Range{50, 2000},
		StageWeights: [5]float64{0.35, 0.30, 0.20, 0.10, 0.05},
		Industries: []string{"RETAIL", "CONSUMER_SERVICES", "CONSUMER_GOODS", "HEALTH_WELLNESS_AND_FITNESS",
			"LEISURE_TRAVEL_TOURISM", "ENTERTAINMENT", "E_LEARNING", "APPAREL_FASHION"},
	},
	{
		Name: "enterprise", Label: "Enterprise",
		Description:        "Large accounts with buying committees, long cycles, big deals and many meetings.",
		VolumeMultiplier:   0.4,
		ContactsPerCompany: IntRange{5, 12},
		InitialStage:       LifecycleLead,
		PMQL:               0.50, PDeal: 0.50, PRegression: 0.25, POpenDeal: 0.40, WinRate: 0.35,
		PInitialNote: 1.0, PCallOnMQL: 0.8, PCallRetry: 0.50, PTaskIfNoCall: 0.6,
		PNurtureNote: 0.5, PPostWinNote: 0.7, PTicketOnLost: 0.25,
		PMeeting: 0.75, PTaskAfterMeeting: 0.60,
		Caps:    Counts{Notes: 8, Calls: 5, Tasks: 10, Meetings: 6, Tickets: 2},
		Budgets: Counts{Notes: 6000, Calls: 3000, Tasks: 6000, Meetings: 3000, Tickets: 800},
		Delays: Delays{
			Note: Range{2, 10}, Call: Jittered{30, 20}, Task: Range{60, 480},
			Nurture: Range{15, 60}, PostWin: Range{5, 30}, Ticket: Range{10, 60}, Meeting: Range{240, 2880},
		},
		Gaps:         Gaps{MQL: Range{120, 1440}, Deal: Range{240, 2880}, Regression: Range{720, 4320}, Close: Range{1440, 10080}},
		Employees:    IntRange{1000, 100000},
		DealAmount:   Range{50000, 750000},
		StageWeights: [5]float64{0.20, 0.20, 0.25, 0.20, 0.15},
		Industries: []string{"FINANCIAL_SERVICES", "BANKING", "INSURANCE", "TELECOMMUNICATIONS",
			"AVIATION_AEROSPACE", "PHARMACEUTICALS", "AUTOMOTIVE", "INFORMATION_TECHNOLOGY_AND_SERVICES"},
	},
	{
		Name: "mid_market", Label: "Mid-market",
		Description:        "Small teams per account, a call or two, moderate deals that close quickly.",
		VolumeMultiplier:   1.0,
		ContactsPerCompany: IntRange{2, 5},
		InitialStage:       LifecycleLead,
		PMQL:               0.50, PDeal: 0.40, PRegression: 0.30, POpenDeal: 0.30, WinRate: 0.50,
		PInitialNote: 1.0, PCallOnMQL: 0.55, PCallRetry: 0.30, PTaskIfNoCall: 0.45,
		PNurtureNote: 0.3, PPostWinNote: 0.5, PTicketOnLost: 0.10,
		PMeeting: 0.50, PTaskAfterMeeting: 0.40,
		Caps:    Counts{Notes: 4, Calls: 2, Tasks: 5, Meetings: 3, Tickets: 1},
		Budgets: Counts{Notes: 6000, Calls: 2000, Tasks: 4500, Meetings: 1500, Tickets: 400},
		Delays: Delays{
			Note: Range{1, 5}, Call: Jittered{12, 8}, Task: Range{20, 120},
			Nurture: Range{5, 20}, PostWin: Range{2, 8}, Ticket: Range{3, 15}, Meeting: Range{60, 720},
		},
		Gaps:         Gaps{MQL: Range{20, 180}, Deal: Range{60, 360}, Regression: Range{180, 1440}, Close: Range{180, 1440}},
		Employees:    IntRange{100, 1000},
		DealAmount:   Range{2000, 40000},
		StageWeights: [5]float64{0.25, 0.25, 0.20, 0.15, 0.15},
		Industries: []string{"COMPUTER_SOFTWARE", "MARKETING_AND_ADVERTISING", "MANAGEMENT_CONSULTING", "HOSPITAL_HEALTH_CARE",
			"CONSTRUCTION", "REAL_ESTATE", "ACCOUNTING", "EDUCATION_MANAGEMENT"},
	},
	{
		Name: "ecommerce", Label: "E-commerce",
		Description:        "High volume shoppers, almost no sales calls, small baskets, support tickets.",
		VolumeMultiplier:   2.5,
		Consumer:           true,
		ContactsPerCompany: IntRange{1, 3},
		InitialStage:       LifecycleSubscriber,
		PMQL:               0.40, PDeal: 0.60, PRegression: 0.35, POpenDeal: 0.15, WinRate: 0.70,
		PInitialNote: 0.6, PCallOnMQL: 0.1, PCallRetry: 0.10, PTaskIfNoCall: 0.2,
		PNurtureNote: 0.2, PPostWinNote: 0.3, PTicketOnLost: 0.08,
		PMeeting: 0.10, PTaskAfterMeeting: 0.20,
		Caps:    Counts{Notes: 2, Calls: 1, Tasks: 2, Meetings: 1, Tickets: 1},
		Budgets: Counts{Notes: 10000, Calls: 600, Tasks: 4000, Meetings: 200, Tickets: 600},
		Delays: Delays{
			Note: Range{0.5, 3}, Call: Jittered{5, 4}, Task: Range{10, 60},
			Nurture: Range{2, 10}, PostWin: Range{1, 4}, Ticket: Range{1, 8}, Meeting: Range{30, 180},
		},
		Gaps:         Gaps{MQL: Range{5, 60}, Deal: Range{10, 120}, Regression: Range{60, 480}, Close: Range{15, 240}},
		Employees:    IntRange{1, 200},
		DealAmount:   Range{20, 600},
		StageWeights: [5]float64{0.40, 0.30, 0.15, 0.10, 0.05},
		Industries: []string{"RETAIL", "APPAREL_FASHION", "CONSUMER_ELECTRONICS", "COSMETICS",
			"FOOD_BEVERAGES", "LUXURY_GOODS_JEWELRY", "CONSUMER_GOODS", "HEALTH_WELLNESS_AND_FITNESS"},
	},
	{
		Name: "saas", Label: "SaaS",
		Description:        "Trial sign-ups, product-led nurturing, subscriptions and onboarding tickets.",
		VolumeMultiplier:   1.2,
		ContactsPerCompany: IntRange{2, 4},
		InitialStage:       LifecycleSubscriber,
		PMQL:               0.60, PDeal: 0.35, PRegression: 0.40, POpenDeal: 0.35, WinRate: 0.30,
		PInitialNote: 0.95, PCallOnMQL: 0.5, PCallRetry: 0.35, PTaskIfNoCall: 0.6,
		PNurtureNote: 0.45, PPostWinNote: 0.6, PTicketOnLost: 0.20,
		PMeeting: 0.55, PTaskAfterMeeting: 0.45,
		Caps:    Counts{Notes: 4, Calls: 2, Tasks: 5, Meetings: 3, Tickets: 2},
		Budgets: Counts{Notes: 7000, Calls: 2000, Tasks: 5000, Meetings: 1800, Tickets: 700},
		Delays: Delays{
			Note: Range{1, 4}, Call: Jittered{10, 7}, Task: Range{20, 150},
			Nurture: Range{10, 40}, PostWin: Range{3, 12}, Ticket: Range{2, 15}, Meeting: Range{60, 1440},
		},
		Gaps:         Gaps{MQL: Range{60, 720}, Deal: Range{120, 1440}, Regression: Range{360, 2880}, Close: Range{720, 4320}},
		Employees:    IntRange{10, 500},
		DealAmount:   Range{1200, 60000},
		StageWeights: [5]float64{0.30, 0.25, 0.20, 0.15, 0.10},
		Industries: []string{"COMPUTER_SOFTWARE", "INTERNET", "INFORMATION_TECHNOLOGY_AND_SERVICES", "COMPUTER_NETWORK_SECURITY",
			"E_LEARNING", "MARKETING_AND_ADVERTISING", "FINANCIAL_SERVICES", "HUMAN_RESOURCES"},
	},
}

// ScenarioNames lists the built-in scenarios in display order.
func ScenarioNames() []string {
	names := make([]string, len(scenarios))
	for i, s := range scenarios {
		names[i] = s.Name
	}
	return names
}

// Scenarios returns copies of the built-in scenarios in display order.
func Scenarios() []Scenario {
	out := make([]Scenario, len(scenarios))
	for i, s := range scenarios {
		out[i] = s.clone()
	}
	return out
}

// ScenarioByName returns a copy of a built-in scenario.
func ScenarioByName(name string) (Scenario, error) {
	for _, s := range scenarios {
		if s.Name == name {
			return s.clone(), nil
		}
	}
	return Scenario{}, invalid("scenario", ErrUnknownScenario, strconv.Quote(name))
}

func (s Scenario) clone() Scenario {
	s.Industries = slices.Clone(s.Industries)
	return s
}

// Validate checks every parameter against its allowed range and the
// cross-field rules (min ≤ max, jitter < mean, ...). The error names the
// parameter by its override key.
func (s Scenario) Validate() error {
	for _, f := range parameters {
		v := f.get(&s)
		if math.IsNaN(v) || v < f.min || v > f.max {
			return invalid(f.key, ErrScenario, "must be between "+fmtNum(f.min)+" and "+fmtNum(f.max)+", got "+fmtNum(v))
		}
	}
	for _, p := range rangePairs {
		lo, hi := p.lo.get(&s), p.hi.get(&s)
		if lo > hi {
			return invalid(p.hi.key, ErrScenario, "must not be below "+p.lo.key+" ("+fmtNum(lo)+"), got "+fmtNum(hi))
		}
	}
	if s.Delays.Call.Jitter >= s.Delays.Call.Mean {
		return invalid("delay.call_jitter", ErrScenario, "must be below delay.call_mean so calls keep a positive delay")
	}
	sum := 0.0
	for _, w := range s.StageWeights {
		sum += w
	}
	if sum <= 0 {
		return invalid("stage_weight", ErrScenario, "at least one open stage weight must be positive")
	}
	if len(s.Industries) == 0 {
		return invalid("industries", ErrScenario, "at least one industry is required")
	}
	switch s.InitialStage {
	case LifecycleSubscriber, LifecycleLead:
	default:
		return invalid("initial_stage", ErrScenario, "must be subscriber or lead")
	}
	return nil
}

// MaxJourney bounds how long after a contact's creation its last activity
// can happen (simulated time): the engine may treat a simulation as finished
// once window end + MaxJourney has been run.
func (s Scenario) MaxJourney() time.Duration {
	d := s.Delays
	g := s.Gaps
	early := math.Max(d.Note.Max, g.MQL.Max+math.Max(
		float64(max(s.Caps.Calls, 1))*(d.Call.Mean+d.Call.Jitter)+d.Task.Max,
		g.Regression.Max+d.Nurture.Max))
	deal := g.MQL.Max + g.Deal.Max + float64(s.Caps.Meetings)*d.Meeting.Max +
		math.Max(d.Task.Max, g.Close.Max+math.Max(d.PostWin.Max, d.Ticket.Max))
	return minutes(math.Max(early, deal))
}

func fmtNum(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
