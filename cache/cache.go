// Package cache is the PoP's HTTP cache: it stores origin (and worker)
// responses as a shared cache per RFC 9111 and serves them again. It
// honours Cache-Control (s-maxage, max-age, no-store, private, no-cache,
// must-revalidate), Expires and heuristic freshness, Vary, revalidation
// with ETag and Last-Modified, stale-while-revalidate and stale-if-error
// (RFC 5861); concurrent misses for one key make one origin request
// (collapsing). Entries live in a size-bounded memory tier that spills to
// an optional disk tier, and can be purged by URL, prefix, host or
// Cache-Tag. The Workers Cache API (caches.default, caches.open) uses the
// same store.
//
// Every response through the cache carries CF-Cache-Status, as on
// Cloudflare: HIT, MISS, EXPIRED (stale, refetched), REVALIDATED (stale,
// confirmed by a 304), UPDATING (stale, served while revalidating in the
// background), STALE (served because the origin failed), BYPASS (the
// request cannot use the cache) or DYNAMIC (the response may not be
// stored).
package cache

import (
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Options configure a Cache.
type Options struct {
	// MemoryBytes bounds the memory tier (default 256 MiB).
	MemoryBytes int64
	// DiskDir enables the disk tier; DiskBytes bounds it (default 10 GiB).
	DiskDir   string
	DiskBytes int64
	// MaxObjectBytes is the largest body stored (default 512 MiB, as
	// Cloudflare's free plans); larger responses pass through.
	MaxObjectBytes int64
	// RevalidateTimeout bounds background revalidations (default 30s).
	RevalidateTimeout time.Duration
	Log               *slog.Logger
	// Now is the clock (tests); default time.Now.
	Now func() time.Time
}

// Cache is a shared HTTP cache. It is safe for concurrent use.
type Cache struct {
	opts    Options
	log     *slog.Logger
	store   *store
	flights flights
	// background counts revalidations running after their request ended.
	background sync.WaitGroup
}

// Close waits for background revalidations to finish.
func (c *Cache) Close() {
	c.background.Wait()
}

// New makes a cache; with DiskDir it opens (and indexes) the disk tier.
func New(opts Options) (*Cache, error) {
	if opts.MemoryBytes <= 0 {
		opts.MemoryBytes = 256 << 20
	}
	if opts.DiskBytes <= 0 {
		opts.DiskBytes = 10 << 30
	}
	if opts.MaxObjectBytes <= 0 {
		opts.MaxObjectBytes = 512 << 20
	}
	if opts.RevalidateTimeout <= 0 {
		opts.RevalidateTimeout = 30 * time.Second
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	var d *disk
	if opts.DiskDir != "" {
		var err error
		if d, err = openDisk(opts.DiskDir, opts.DiskBytes, opts.Log); err != nil {
			return nil, err
		}
	}
	return &Cache{
		opts:    opts,
		log:     opts.Log,
		store:   newStore(opts.MemoryBytes, d, opts.Log),
		flights: flights{m: map[string]*flight{}},
	}, nil
}

// Purge selects entries to remove, in the shape of Cloudflare's purge API:
// exact URLs (files), URL prefixes, hosts and Cache-Tag values.
type Purge struct {
	Everything bool     `json:"purge_everything"`
	Files      []string `json:"files"`
	Prefixes   []string `json:"prefixes"`
	Hosts      []string `json:"hosts"`
	Tags       []string `json:"tags"`
}

// Purge removes the selected entries from both tiers and returns how many
// it removed.
func (c *Cache) Purge(p Purge) (int, error) {
	m := matcher{all: p.Everything, urls: map[string]bool{}, tags: map[string]bool{}, hosts: map[string]bool{}}
	for _, f := range p.Files {
		k, err := urlKeyString(f, false)
		if err != nil {
			return 0, fmt.Errorf("purge files: %w", err)
		}
		m.urls[k] = true
	}
	for _, f := range p.Prefixes {
		k, err := urlKeyString(f, false)
		if err != nil {
			return 0, fmt.Errorf("purge prefixes: %w", err)
		}
		m.prefixes = append(m.prefixes, k)
	}
	for _, h := range p.Hosts {
		m.hosts[toLower(h)] = true
	}
	for _, t := range p.Tags {
		m.tags[toLower(t)] = true
	}
	if !m.all && len(m.urls)+len(m.prefixes)+len(m.hosts)+len(m.tags) == 0 {
		return 0, fmt.Errorf("purge: name files, prefixes, hosts, tags or purge_everything")
	}
	return c.store.purge(m), nil
}

// Stats describe the tiers.
type Stats struct {
	MemoryEntries int   `json:"memory_entries"`
	MemoryBytes   int64 `json:"memory_bytes"`
	DiskEntries   int   `json:"disk_entries"`
	DiskBytes     int64 `json:"disk_bytes"`
}

// Stats returns the tiers' current sizes.
func (c *Cache) Stats() Stats {
	var s Stats
	s.MemoryEntries, s.MemoryBytes, s.DiskEntries, s.DiskBytes = c.store.stats()
	return s
}
