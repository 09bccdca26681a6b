package deploy

import (
	"fmt"
	"regexp"
	"time"
)

// Buckets on the hub.
const (
	DeploymentsBucket = "verge_deployments" // KV: worker name -> Worker
	ArtifactsBucket   = "verge_artifacts"   // Object Store: digest -> artifact
	SecretsBucket     = "verge_secrets"     // KV: worker name -> {secret name: sealed value}
)

// maxVersions bounds the history kept in a worker's record; versions that
// still serve traffic are never dropped.
const maxVersions = 100

var workerName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// CheckName validates a worker name (as verge.toml's name).
func CheckName(name string) error {
	if !workerName.MatchString(name) {
		return fmt.Errorf("invalid worker name %q (want lowercase letters, digits, '-' and '_', at most 63)", name)
	}
	return nil
}

// Worker is a worker's deployment record.
type Worker struct {
	Name string `json:"name"`
	// Split are the versions serving traffic, each with its share; the
	// percentages add up to 100. The first is the newest.
	Split []Split `json:"split"`
	// Versions are every version uploaded, oldest first (the last
	// maxVersions).
	Versions []Version `json:"versions"`
	Updated  time.Time `json:"updated"`
}

// Split is one version's share of a worker's traffic.
type Split struct {
	Version int `json:"version"`
	Percent int `json:"percent"`
}

// Version is one upload of a worker.
type Version struct {
	Number  int       `json:"number"`
	Digest  string    `json:"digest"` // SHA-256 of the artifact
	Size    int64     `json:"size"`
	Created time.Time `json:"created"`
	Message string    `json:"message,omitempty"`
	// By names the API token that uploaded it.
	By string `json:"by,omitempty"`
}

// Version returns the version numbered n.
func (w *Worker) Version(n int) (Version, bool) {
	for _, v := range w.Versions {
		if v.Number == n {
			return v, true
		}
	}
	return Version{}, false
}

// Latest returns the newest version.
func (w *Worker) Latest() Version {
	if len(w.Versions) == 0 {
		return Version{}
	}
	return w.Versions[len(w.Versions)-1]
}

// Serving returns the version with the largest share (the newest on a
// tie), which is what the worker "is" for listings and routes.
func (w *Worker) Serving() int {
	best := Split{}
	for _, s := range w.Split {
		if s.Percent > best.Percent || (s.Percent == best.Percent && s.Version > best.Version) {
			best = s
		}
	}
	return best.Version
}

// checkSplit validates a split against the record's versions.
func (w *Worker) checkSplit(split []Split) error {
	if len(split) == 0 {
		return fmt.Errorf("%s: a split needs at least one version", w.Name)
	}
	sum := 0
	seen := map[int]bool{}
	for _, s := range split {
		if _, ok := w.Version(s.Version); !ok {
			return fmt.Errorf("%s: no version %d", w.Name, s.Version)
		}
		if s.Percent < 0 || s.Percent > 100 {
			return fmt.Errorf("%s: version %d: percent %d is not within 0-100", w.Name, s.Version, s.Percent)
		}
		if seen[s.Version] {
			return fmt.Errorf("%s: version %d is in the split twice", w.Name, s.Version)
		}
		seen[s.Version] = true
		sum += s.Percent
	}
	if sum != 100 {
		return fmt.Errorf("%s: the split adds up to %d%%, not 100%%", w.Name, sum)
	}
	return nil
}

// trim drops the oldest versions beyond maxVersions that serve nothing.
func (w *Worker) trim() {
	for len(w.Versions) > maxVersions {
		drop := -1
		for i, v := range w.Versions {
			serving := false
			for _, s := range w.Split {
				serving = serving || s.Version == v.Number
			}
			if !serving {
				drop = i
				break
			}
		}
		if drop < 0 {
			return
		}
		w.Versions = append(w.Versions[:drop], w.Versions[drop+1:]...)
	}
}
