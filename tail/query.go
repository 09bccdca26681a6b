package tail

import (
	"fmt"
	"net/url"
	"strconv"
)

// ParseQuery reads a Filter from the query parameters of the tail
// endpoints (a node's GET /tail, the control API's GET /v1/tail): worker,
// status, method, search and sampling.
func ParseQuery(q url.Values) (Filter, error) {
	f := Filter{Worker: q.Get("worker"), Status: q.Get("status"), Method: q.Get("method"), Search: q.Get("search")}
	switch f.Status {
	case "", "ok", "error":
	default:
		// A typo would otherwise select nothing, silently.
		if n, err := strconv.Atoi(f.Status); err != nil || n < 100 || n > 599 {
			return Filter{}, fmt.Errorf("status: %q is not ok, error or a status code", f.Status)
		}
	}
	if v := q.Get("sampling"); v != "" {
		var err error
		if f.Sampling, err = strconv.ParseFloat(v, 64); err != nil || !(f.Sampling > 0 && f.Sampling <= 1) {
			return Filter{}, fmt.Errorf("sampling: %q is not a number in (0, 1]", v)
		}
	}
	return f, nil
}
