package routing

// scratchSize is how many targets the ranking strategies handle with
// stack-allocated scratch space; larger routers allocate per decision.
const scratchSize = 16

// sortByKey stably sorts idx (target indices) by key[target], ascending.
// It is an insertion sort: routers have a handful of targets, it allocates
// nothing, and stability keeps ties in the order idx arrived in.
func sortByKey(idx []int, key []float64) {
	for i := 1; i < len(idx); i++ {
		v := idx[i]
		j := i
		for j > 0 && key[idx[j-1]] > key[v] {
			idx[j] = idx[j-1]
			j--
		}
		idx[j] = v
	}
}

// listed appends every target index in config order: the degraded order a
// strategy falls back to when its input is missing.
func listed(n int, p *Plan) {
	for i := 0; i < n; i++ {
		p.Order = append(p.Order, i)
	}
}
