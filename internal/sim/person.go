package sim

import (
	"strconv"
	"strings"
)

// Person is the contact behind a record: a name and an email derived from it.
type Person struct {
	FirstName, LastName string
	Email               string // unique per simulation and seed, on a reserved example domain
}

var (
	firstNames = []string{"James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
		"William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen",
		"Christopher", "Lisa", "Daniel", "Nancy", "Matthew", "Betty", "Anthony", "Sandra", "Mark", "Margaret",
		"Donald", "Ashley", "Steven", "Kimberly", "Andrew", "Emily", "Paul", "Donna", "Joshua", "Michelle",
		"Kenneth", "Carol", "Kevin", "Amanda", "Brian", "Melissa", "Timothy", "Deborah", "Ronald", "Stephanie",
		"George", "Rebecca", "Jason", "Sharon", "Edward", "Laura", "Jeffrey", "Cynthia", "Ryan", "Amy",
		"Jacob", "Kathleen", "Gary", "Angela", "Nicholas", "Shirley", "Eric", "Brenda", "Jonathan", "Emma",
		"Stephen", "Anna", "Larry", "Pamela", "Justin", "Nicole", "Scott", "Samantha", "Brandon", "Katherine",
		"Priya", "Wei", "Aisha", "Mateo", "Sofia", "Lucas", "Camila", "Noah", "Olivia", "Liam",
		"Yuki", "Hiro", "Fatima", "Omar", "Elena", "Diego", "Ingrid", "Lars", "Chloe", "Rafael"}
	lastNames = []string{"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
		"Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
		"Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
		"Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores",
		"Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts",
		"Patel", "Chen", "Kim", "Singh", "Mueller", "Rossi", "Novak", "Larsen", "Okafor", "Tanaka",
		"Dubois", "Silva", "Kowalski", "Johansson", "Murphy", "O'Brien", "Fischer", "Costa", "Ahmed", "Cohen"}
)

// Email local-part patterns: companies use one for every employee (as real
// mail systems do); consumers pick their own.
const (
	patFirstDotLast   = iota // jane.doe
	patInitialLast           // jdoe
	patFirst                 // jane
	patFirstUnderLast        // jane_doe
	patFirstLast             // janedoe
	patCount
)

func nameAt(seed uint64) (first, last string) {
	return firstNames[seed%uint64(len(firstNames))], lastNames[(seed>>20)%uint64(len(lastNames))]
}

// mailbox turns a name into an email local part.
func mailbox(pattern int, first, last string) string {
	f, l := mailToken(first), mailToken(last)
	switch pattern {
	case patInitialLast:
		return f[:1] + l
	case patFirst:
		return f
	case patFirstUnderLast:
		return f + "_" + l
	case patFirstLast:
		return f + l
	}
	return f + "." + l
}

// mailToken keeps the lower-case letters of a name ("O'Brien" → "obrien").
func mailToken(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// companyStart is the index of company c's first record.
func companyStart(seed int64, r IntRange, c int) int {
	pair := c / 2
	start := pair * companySpan(r)
	if c%2 == 1 {
		start += firstCompanySize(seed, r, pair)
	}
	return start
}

// PersonOf is record index's person. Business contacts get an address at
// their company's domain in the company's pattern (a colleague with the same
// mailbox makes the later one "jane.doe2"); consumers get a personal address
// "<name><index>@<sim tag>.example.<com|org|net>". Both are unique per
// simulation and seed: company domains are, and the index is.
func PersonOf(spec *Spec, index int) Person {
	sc := &spec.Scenario
	first, last := nameAt(hashSeed(spec.Seed, uint64(index), purposeName))
	p := Person{FirstName: first, LastName: last}
	if sc.Consumer {
		h := hashSeed(spec.Seed, uint64(index), purposeMailbox)
		tld := reservedTLDs[(h>>8)%3]
		p.Email = mailbox(int(h%patCount), first, last) + strconv.Itoa(index) + "@" + SimTag(spec.SimID) + ".example." + tld
		return p
	}
	co := CompanyOf(spec, index)
	pattern := int((co.Seed >> 40) % patCount)
	local := mailbox(pattern, first, last)
	dup := 0
	for i := companyStart(spec.Seed, sc.ContactsPerCompany, co.Index); i < index; i++ {
		f, l := nameAt(hashSeed(spec.Seed, uint64(i), purposeName))
		if mailbox(pattern, f, l) == local {
			dup++
		}
	}
	if dup > 0 {
		local += strconv.Itoa(dup + 1)
	}
	p.Email = local + "@" + co.Domain
	return p
}
