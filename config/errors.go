package config

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Error is a problem found in a verge.toml. Load and Parse return one
// *Error, or several joined with errors.Join (use errors.As to get the
// first). Its text is "FILE:LINE: KEY: MESSAGE", for example
//
//	verge.toml:7: limits.cpu_ms: must be a positive integer, got -5
//
// with LINE left out when the problem has no line (a required key that is
// missing) and KEY left out for TOML syntax errors without one.
type Error struct {
	File string // the file as given to Load; "verge.toml" from Parse
	Line int    // 1-based line of the key, or 0
	Key  string // the offending key, e.g. "limits.cpu_ms", "routes[1].pattern", "kv_namespaces[0].binding"
	Msg  string // what is wrong and, where it helps, what to write instead
	Err  error  // the underlying error, if any (a file system error, a TOML syntax error)
}

// Error formats e as "FILE:LINE: KEY: MESSAGE".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(e.Line))
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	if e.Key != "" {
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// err returns the collected problems with their lines resolved, or nil.
func (p *parser) err() error {
	if len(p.errs) == 0 {
		return nil
	}
	lines := keyLines(p.src)
	for _, e := range p.errs {
		e.File = p.file
		if e.Line == 0 && e.Key != "" {
			e.Line = lineOf(lines, e.Key)
		}
	}
	sort.SliceStable(p.errs, func(i, j int) bool {
		if p.errs[i].Line != p.errs[j].Line {
			return p.errs[i].Line < p.errs[j].Line
		}
		return p.errs[i].Key < p.errs[j].Key
	})
	if len(p.errs) == 1 {
		return p.errs[0]
	}
	errs := make([]error, len(p.errs))
	for i, e := range p.errs {
		errs[i] = e
	}
	return errors.Join(errs...)
}

func (p *parser) errorf(key, format string, args ...any) {
	p.errs = append(p.errs, &Error{Key: key, Msg: fmt.Sprintf(format, args...)})
}

// describe names a decoded TOML value for an error message: integers as
// themselves, other values with their type.
func describe(v any) string {
	switch v := v.(type) {
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return "float " + strconv.FormatFloat(v, 'g', -1, 64)
	case string:
		return "string " + strconv.Quote(v)
	case bool:
		return "boolean " + strconv.FormatBool(v)
	case time.Time:
		switch v.Location().String() { // BurntSushi/toml's zones for local values
		case "date-local":
			return "date " + v.Format(time.DateOnly)
		case "datetime-local":
			return "date-time " + v.Format("2006-01-02T15:04:05.999999999")
		case "time-local":
			return "time " + v.Format("15:04:05.999999999")
		}
		return "date-time " + v.Format(time.RFC3339Nano)
	case []any, []map[string]any:
		return "an array"
	case map[string]any:
		return "a table"
	}
	return fmt.Sprintf("%T", v)
}

// unknownKey reports key (a key of table, "" for the top level) as
// unknown, with the nearest valid key when one is close.
func (p *parser) unknownKey(table, key string) {
	full := joinKey(table, key)
	if table == "" && wranglerOnly(key) {
		p.errorf(full, "wrangler's %s is not supported by verge; remove it", key)
		return
	}
	if table == "dev" && wranglerOnlyDev(key) {
		p.errorf(full, "wrangler's dev.%s is not supported by verge; remove it", key)
		return
	}
	p.errorf(full, "unknown key%s", suggest(table, key))
}

// suggest returns " (did you mean ...?)" naming the valid key nearest to
// key in table, or a valid key elsewhere that it matches, or "".
func suggest(table, key string) string {
	valid := tableKeys(table)
	norm := normalize(key)
	for _, k := range valid {
		if normalize(k) == norm {
			return fmt.Sprintf(" (did you mean %q?)", k)
		}
	}
	// The right key in the wrong table: "cpu_ms" at the top level, or
	// "main" written after a [table] header.
	for _, t := range []string{"", "limits", "dev", "geo"} {
		if t == table {
			continue
		}
		for _, k := range tableKeys(t) {
			if normalize(k) != norm {
				continue
			}
			if t == "" {
				return fmt.Sprintf(" (%q is a top-level key: keys after a [%s] header belong to that table, so move it above the first [table])", k, table)
			}
			return fmt.Sprintf(" (did you mean %q under [%s]?)", k, t)
		}
	}
	// A shortened key: "cpu" for "cpu_ms", "memory" for "memory_mb".
	var prefixed []string
	for _, k := range valid {
		if len(norm) >= 3 && strings.HasPrefix(normalize(k), norm) {
			prefixed = append(prefixed, k)
		}
	}
	if len(prefixed) == 1 {
		return fmt.Sprintf(" (did you mean %q?)", prefixed[0])
	}
	best, bestD := "", maxDistance(key)+1
	for _, k := range valid {
		if d := distance(key, k); d < bestD {
			best, bestD = k, d
		}
	}
	if best != "" {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	if table != "" && table != "vars" {
		return "; valid keys: " + strings.Join(valid, ", ")
	}
	return ""
}

// tableKeys lists the valid keys of a table of verge.toml.
func tableKeys(table string) []string {
	switch table {
	case "":
		return []string{"name", "main", "build", "compatibility_date", "compatibility_flags", "route", "routes",
			"vars", "kv_namespaces", "ratelimits", "limits", "origin", "fetch_allow", "dev", "geo", "flags"}
	case "limits":
		return []string{"cpu_ms", "memory_mb", "subrequests", "wall_ms", "startup_ms", "request_body_mb", "response_body_mb"}
	case "dev":
		return []string{"port", "ip", "host"}
	case "geo":
		return []string{"db"}
	case "flags":
		return []string{"binding"}
	case "kv_namespaces":
		return []string{"binding", "id", "preview_id"}
	case "ratelimits":
		return []string{"name", "namespace_id", "simple"}
	case "ratelimits.simple":
		return []string{"limit", "period"}
	case "routes":
		return []string{"pattern", "zone_name", "zone_id", "custom_domain"}
	}
	return nil
}

// wranglerOnly reports whether key is a top-level wrangler.toml key that
// verge does not support.
func wranglerOnly(key string) bool {
	switch key {
	case "account_id", "workers_dev", "preview_urls", "usage_model", "send_metrics", "minify",
		"node_compat", "keep_vars", "logpush", "upload_source_maps", "no_bundle",
		"find_additional_modules", "base_dir", "preserve_file_names", "rules", "tsconfig",
		"jsx_factory", "jsx_fragment", "build", "site", "assets", "env", "triggers", "placement",
		"observability", "durable_objects", "r2_buckets", "d1_databases", "services", "queues",
		"analytics_engine_datasets", "vectorize", "ai", "browser", "hyperdrive", "mtls_certificates",
		"dispatch_namespaces", "tail_consumers", "unsafe", "migrations", "wasm_modules", "text_blobs",
		"data_blobs", "define", "alias", "secrets_store_secrets", "workflows", "containers",
		"version_metadata", "images", "send_email", "pipelines", "legacy_env",
		"zone_id", "webpack_config", "type":
		return true
	}
	return false
}

// wranglerOnlyDev reports whether key is a wrangler [dev] key verge does
// not support.
func wranglerOnlyDev(key string) bool {
	switch key {
	case "local_protocol", "upstream_protocol", "inspector_port", "live_reload", "persist",
		"container_engine", "enable_containers", "generate_types":
		return true
	}
	return false
}

// normalize folds case and drops '_' and '-', so that cpuMs, CPU-MS and
// cpu_ms compare equal.
func normalize(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '_' || r == '-' {
			return -1
		}
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}

// maxDistance is how many edits make a typo rather than another word.
func maxDistance(key string) int {
	switch n := len(key); {
	case n <= 3:
		return 1
	case n <= 7:
		return 2
	}
	return 3
}

// distance is the optimal string alignment distance between a and b:
// insertions, deletions, substitutions and swaps of adjacent bytes.
func distance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 1 << 20 // not a typo of any key
	}
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
