package sim

import "math/rand/v2"

// purpose separates the random streams of one record so that adding a draw to
// one concern never shifts the values of another.
type purpose uint64

const (
	purposeJourney purpose = iota + 1
	purposeCallRetries
	purposeMeetings
	purposeDelays
	purposeCompanySize
	purposeCompany
	purposeData
	purposeActivity
	purposeJitter
	purposeBursts
	purposeTrickle
	purposeSimTag
	purposeCallDelays
	purposeMeetingDelays
	purposeName
	purposeMailbox
	purposeOutcome
	purposeStageTimes
)

// mix64 is the SplitMix64 finalizer.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// hashSeed derives a 64-bit value from (simulation seed, index, purpose).
func hashSeed(seed int64, index uint64, p purpose) uint64 {
	h := mix64(uint64(seed) + 0x9e3779b97f4a7c15)
	h = mix64(h ^ (index + 0x632be59bd9b4e019))
	return mix64(h ^ (uint64(p) * 0xd6e8feb86659fd93))
}

// stream is a cheap seeded PCG; it lives on the stack.
type stream struct{ pcg rand.PCG }

func newStream(seed int64, index uint64, p purpose) stream {
	h := hashSeed(seed, index, p)
	var s stream
	s.pcg.Seed(h, mix64(h^0xa0761d6478bd642f))
	return s
}

// float returns a uniform value in [0, 1).
func (s *stream) float() float64 { return float64(s.pcg.Uint64()>>11) * 0x1p-53 }

// intn returns a uniform value in [0, n); n > 0.
func (s *stream) intn(n int) int { return int((s.pcg.Uint64() >> 1) % uint64(n)) }

// between returns a uniform value in [lo, hi].
func (s *stream) between(lo, hi float64) float64 { return lo + (hi-lo)*s.float() }

// unitFloat maps a hash to [0, 1).
func unitFloat(h uint64) float64 { return float64(h>>11) * 0x1p-53 }
