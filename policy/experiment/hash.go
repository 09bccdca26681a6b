package experiment

import (
	"hash/fnv"
	"math/bits"
)

// hashKey hashes a sticky key within a domain (an experiment's or a
// flag's name), so that one client's variants in different experiments
// are independent. The function is part of the contract: changing it
// moves every client not pinned by a cookie to a new variant.
func hashKey(kind, domain, key string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(kind))
	h.Write([]byte{0})
	h.Write([]byte(domain))
	h.Write([]byte{0})
	h.Write([]byte(key))
	return mix(h.Sum64())
}

// mix is MurmurHash3's 64-bit finalizer. FNV-1a's low bits depend only on
// the low bits of the input bytes; mixing spreads every input bit over
// the whole output before it is cut into buckets.
func mix(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// bucket maps h onto [0, n) with Lemire's multiply-shift: no division,
// and a bias of at most n/2^64, far below anything a split could show.
func bucket(h, n uint64) uint64 {
	hi, _ := bits.Mul64(h, n)
	return hi
}

// percent maps h onto [0, 100).
func percent(h uint64) float64 {
	return float64(h>>11) / (1 << 53) * 100
}
