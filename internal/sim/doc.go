// Package sim is SimCRM's pure, deterministic simulation model: scenarios,
// distributions, record journeys and pace. It imports only the standard
// library; everything random is seeded from (simulation seed, record
// index, purpose), so the same simulation always plans the same records.
//
// # Scenarios
//
// Scenarios are data ([Scenario]); [ScenarioByName] and [ScenarioNames] give
// the built-ins (b2b, b2c, enterprise, mid_market, ecommerce, saas).
// [ApplyOverrides] / [ApplyOverridesJSON] return a validated copy with a
// boss's overrides applied; keys are listed by [Parameters] ("win_rate",
// "budget.notes", "delay.call_mean", ...). Errors are *[ValidationError]
// naming the key. Store [Overrides.JSON] with a version; plan every job with
// the version it was created under.
//
// Kinds: [Kind] covers contact, company, deal and the activity kinds note,
// call, task, meeting, ticket. [Kind.Plural] is the only singular→plural
// mapping; metric keys come from [MetricKey] ("notes_scheduled") and parse
// back with [ParseMetricKey]. [Counts] holds one number per activity kind.
//
// # Distributions
//
// [NewPlanner] validates a [PlanInput] and tabulates the distribution's CDF
// (one cell per minute for long windows, finer for short ones; about 1-5 ms
// and 350 KB for 30 days). Record i is placed at the inverse CDF of
// (i+0.5)/N, optionally with seeded jitter that keeps order. The engine uses:
//
//	pl.At(i)                       // timestamp of record i, about 100 ns
//	first, end := pl.IndexRange(segStart, segEnd) // records in [segStart, segEnd): indices first ≤ i < end
//	pl.Times(first, end)           // their timestamps in one sweep
//	pl.Histogram(bins)             // expected counts per bin, for previews
//	pl.Expected(from, to)          // expected count in a range
//
// [Plan] returns all N timestamps at once.
//
// # Records
//
// A [Spec] bundles simulation id, seed, scenario, planner and the deals'
// [Pipeline] (zero: HubSpot's default). A record is one contact journey
// planned by [PlanRecord], in named phases that read top to bottom: create
// (the contact in the scenario's initial stage, lead status NEW), qualify
// (subscriber → lead → marketing qualified lead, calls or a follow-up task),
// then sell (sales qualified, opportunity with a deal, meetings, the deal
// entering its pipeline's stages in order up to closed won — the contact
// becomes a customer — or closed lost) or stall (an MQL without a deal stays
// or falls back to lead). Every change is a timed [Step] of the contact or a
// [DealStep] of the deal's Path; [Record.Updates] lists them as the [Update]s
// the engine sends after creation, with ledger keys [UpdateKey]
// ("<object key>-upd-<n>"). [UpdateCounts] counts them without planning.
// [Funnel] is the expected share of contacts per final lifecycle stage
// ([Record.FinalStage]).
//
// Keys are deterministic: [RecordKey], [CompanyKey], activity keys
// "<record key>-<kind>-<ordinal>". [PersonOf] names the contact and derives
// the email: business contacts at their company's domain in the company's
// mailbox pattern ("jane.doe@brightpath-12.s42.example.com"), consumers
// (Scenario.Consumer) a personal mailbox ("jdoe1234@s42.example.org"); both
// unique per simulation and seed, on reserved example domains.
//
// Simulation budgets are enforced in record index order. The engine computes
// used counts once as prefix sums of [Candidates] (about 100 ns per record,
// no allocations) and passes them to PlanRecord:
//
//	var used sim.Counts
//	for i := 0; i < first; i++ { used = used.Plus(sim.Candidates(spec, i)) }
//	for i := first; i < end; i++ {
//		rec, err := sim.PlanRecord(spec, i, used)
//		used = used.Plus(sim.Candidates(spec, i))
//		...
//	}
//
// [EffectiveTotal] is requested × volume multiplier (completion counts
// against it). [ExpectedTotals] estimates totals per object type instantly;
// [CountTotals] computes them exactly (well under a second per million records).
//
// # Pace
//
// [Pace] maps simulated time to run time: [Pace.RunAt] for any simulated
// instant (activities included, so their delays scale with the pace) and
// [Pace.RunDelay] for a bare delay. Object timestamps always stay simulated.
package sim
