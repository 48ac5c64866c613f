package sim

import (
	"hash/fnv"
	"math"
	"strconv"
	"strings"
)

// RecordKey is the record's idempotency key, "<simID>-<index>".
func RecordKey(simID string, index int) string { return simID + "-" + strconv.Itoa(index) }

// CompanyKey is the company's idempotency key, "<simID>-co-<company index>".
func CompanyKey(simID string, company int) string { return simID + "-co-" + strconv.Itoa(company) }

var reservedTLDs = [3]string{"com", "org", "net"}

func fnvHash(s string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(s))
	return h.Sum32()
}

// SimTag turns a simulation id into a short DNS label and email-safe token
// ("42" → "s42", "Demo Run" → "demo-run"); long ids keep a prefix and a hash.
func SimTag(simID string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(simID) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	t := strings.TrimRight(b.String(), "-")
	if t == "" {
		t = "sim"
	}
	if t[0] >= '0' && t[0] <= '9' {
		t = "s" + t
	}
	if len(t) > 24 {
		t = strings.TrimRight(t[:15], "-") + "-" + strconv.FormatUint(uint64(fnvHash(simID)), 36)
	}
	return t
}

// companySpan returns the size of a pair of consecutive companies. Companies
// come in pairs whose sizes add up to Min+Max: each size is uniform in
// [Min, Max], and record index → company is O(1) with no prefix sums.
func companySpan(r IntRange) int { return r.Min + r.Max }

func firstCompanySize(seed int64, r IntRange, pair int) int {
	return r.Min + int(hashSeed(seed, uint64(pair), purposeCompanySize)%uint64(r.Max-r.Min+1))
}

// CompanyIndex returns the company of record index and whether the record is
// that company's first contact.
func CompanyIndex(seed int64, sc *Scenario, index int) (company int, first bool) {
	span := companySpan(sc.ContactsPerCompany)
	pair, off := index/span, index%span
	s := firstCompanySize(seed, sc.ContactsPerCompany, pair)
	if off < s {
		return 2 * pair, off == 0
	}
	return 2*pair + 1, off == s
}

// CompanyCount is the number of companies used by records [0, records).
func CompanyCount(seed int64, sc *Scenario, records int) int {
	if records <= 0 {
		return 0
	}
	c, _ := CompanyIndex(seed, sc, records-1)
	return c + 1
}

// Brand syllables: prefix + suffix gives names like "Brightpath" or "Novaforge".
var (
	brandPrefixes = []string{"Nova", "Bright", "Blue", "Clear", "Summit", "North", "Silver", "Iron", "Green", "Peak",
		"True", "Vertex", "Atlas", "Harbor", "Pine", "Cedar", "Swift", "Bold", "Prime", "Lumen",
		"Quanta", "River", "Stone", "Sky", "Echo", "Terra", "Vivid", "Apex", "Core", "Nimbus", "Maple", "Orbit"}
	brandSuffixes = []string{"tek", "lane", "path", "works", "forge", "point", "wave", "field", "gate", "bridge",
		"line", "scope", "labs", "ware", "mark", "leaf", "base", "sight", "ly", "hub", "nest", "loop", "dale", "crest"}
)

// CompanyOf describes the company of record index.
func CompanyOf(spec *Spec, index int) Company {
	c, first := CompanyIndex(spec.Seed, &spec.Scenario, index)
	return companyAt(spec, c, first)
}

// CompanyAt describes company c of the simulation.
func CompanyAt(spec *Spec, c int) Company { return companyAt(spec, c, false) }

func companyAt(spec *Spec, c int, first bool) Company {
	seed := hashSeed(spec.Seed, uint64(c), purposeCompany)
	brand := brandPrefixes[seed%uint64(len(brandPrefixes))] + brandSuffixes[(seed>>16)%uint64(len(brandSuffixes))]
	ind := spec.Scenario.Industries
	industry := ""
	if len(ind) > 0 {
		industry = ind[(seed>>32)%uint64(len(ind))]
	}
	return Company{
		Index:     c,
		Key:       CompanyKey(spec.SimID, c),
		Brand:     brand,
		Domain:    strings.ToLower(brand) + "-" + strconv.Itoa(c) + "." + SimTag(spec.SimID) + ".example.com",
		Industry:  industry,
		Employees: logUniformInt(spec.Scenario.Employees, unitFloat(mix64(seed^0x5bd1e995))),
		Seed:      seed,
		First:     first,
		Scenario:  spec.Scenario.Name,
		Consumer:  spec.Scenario.Consumer,
	}
}

func logUniformInt(r IntRange, u float64) int {
	lo, hi := math.Log(float64(max(r.Min, 1))), math.Log(float64(max(r.Max, r.Min, 1))+1)
	return max(r.Min, min(int(math.Exp(lo+u*(hi-lo))), r.Max))
}
