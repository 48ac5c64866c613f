package jobs

import (
	"strconv"
	"testing"
)

func TestUpdateBatches(t *testing.T) {
	// 250 objects: object k has k%7 updates (0…6), 744 updates in all.
	type item struct {
		obj string
		n   int
	}
	var items []item
	for k := 0; k < 250; k++ {
		for n := 0; n < k%7; n++ {
			items = append(items, item{"o" + strconv.Itoa(k), n})
		}
	}
	batches := updateBatches(len(items), func(i int) string { return items[i].obj }, 100)
	seen := map[string]int{}
	total := 0
	for bi, b := range batches {
		if len(b) > 100 {
			t.Fatalf("batch %d: %d inputs", bi, len(b))
		}
		inBatch := map[string]bool{}
		for _, i := range b {
			it := items[i]
			if inBatch[it.obj] {
				t.Fatalf("batch %d names %s twice", bi, it.obj)
			}
			inBatch[it.obj] = true
			if seen[it.obj] != it.n {
				t.Fatalf("%s: update %d before update %d", it.obj, it.n, seen[it.obj])
			}
			seen[it.obj]++
			total++
		}
	}
	if total != len(items) {
		t.Fatalf("want %d updates sent, got %d", len(items), total)
	}
	// Longest chains first: as few calls as the busiest objects allow.
	if want := (len(items) + 99) / 100; len(batches) > want+1 {
		t.Errorf("calls: want at most %d, got %d", want+1, len(batches))
	}
	if updateBatches(0, nil, 100) != nil {
		t.Error("no updates: want no batches")
	}
}
