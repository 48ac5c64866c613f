package sim

// Funnel is the expected share of contacts ending in each lifecycle stage,
// derived from the scenario's probabilities as PlanRecord plays them out:
// contacts that never qualify keep the initial stage; MQLs without a deal stay
// MQL or fall back to lead; contacts with a deal end as opportunity (open, or
// lost and kept), customer (won) or lead (lost and recycled). The shares add
// up to 1.
func Funnel(sc Scenario) map[string]float64 {
	pm, pd := sc.PMQL, sc.PDeal
	closed := 1 - sc.POpenDeal
	lost := pm * pd * closed * (1 - sc.WinRate)
	f := map[string]float64{
		sc.InitialStage:      1 - pm,
		LifecycleMQL:         pm * (1 - pd) * (1 - sc.PRegression),
		LifecycleOpportunity: pm*pd*sc.POpenDeal + lost*(1-sc.PRegression),
		LifecycleCustomer:    pm * pd * closed * sc.WinRate,
	}
	f[LifecycleLead] += pm*(1-pd)*sc.PRegression + lost*sc.PRegression
	return f
}

// FinalStage is the lifecycle stage the record's contact ends in.
func (r *Record) FinalStage() string {
	stage := ""
	for _, s := range r.Steps {
		if s.LifecycleStage != "" {
			stage = s.LifecycleStage
		}
	}
	return stage
}
