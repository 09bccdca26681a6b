package hostpool

import (
	"hash/fnv"
	"slices"
)

// rendezvous orders n hosts for a worker by highest-random-weight hashing:
// each (worker, host) pair gets a pseudo-random score and the worker goes
// to the highest. Adding or removing a host moves only the workers whose
// best host it was, so VMs stay warm where they are. The hash has no random
// seed, so every process agrees on the order.
func rendezvous(id string, n int) []int {
	f := fnv.New64a()
	f.Write([]byte(id))
	base := f.Sum64()
	type scored struct {
		host  int
		score uint64
	}
	s := make([]scored, n)
	for i := range n {
		s[i] = scored{i, mix(base ^ (uint64(i)+1)*0x9e3779b97f4a7c15)}
	}
	slices.SortFunc(s, func(a, b scored) int {
		switch {
		case a.score > b.score:
			return -1
		case a.score < b.score:
			return 1
		}
		return a.host - b.host
	})
	order := make([]int, n)
	for i, e := range s {
		order[i] = e.host
	}
	return order
}

// mix is splitmix64's finalizer: FNV alone barely changes its high bits
// for inputs that differ only at the end.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}
