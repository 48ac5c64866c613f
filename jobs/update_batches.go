package jobs

import "sort"

// updateBatches packs one object type's pending updates into batch calls of at
// most size inputs. A batch names each object once (HubSpot refuses duplicate ids)
// and an object's updates go out in their order, one batch after another; objects
// with the most updates left go first, so the last batches are not a long tail
// of one object each. items[i] belongs to object objectOf(i); items of one object
// must be given in their order.
func updateBatches(n int, objectOf func(i int) string, size int) [][]int {
	if n == 0 {
		return nil
	}
	queues := map[string][]int{}
	var objects []string
	for i := 0; i < n; i++ {
		o := objectOf(i)
		if _, ok := queues[o]; !ok {
			objects = append(objects, o)
		}
		queues[o] = append(queues[o], i)
	}
	var out [][]int
	for len(objects) > 0 {
		sort.SliceStable(objects, func(a, b int) bool { return len(queues[objects[a]]) > len(queues[objects[b]]) })
		take := min(size, len(objects))
		batch := make([]int, 0, take)
		for _, o := range objects[:take] {
			batch = append(batch, queues[o][0])
			queues[o] = queues[o][1:]
		}
		out = append(out, batch)
		kept := objects[:0]
		for _, o := range objects {
			if len(queues[o]) > 0 {
				kept = append(kept, o)
			}
		}
		objects = kept
	}
	return out
}
