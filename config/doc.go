// Package config reads a project's verge.toml.
//
// The file follows wrangler.toml's shape where it can, so a Workers project
// moves over with few edits:
//
//	name = "shop"                        # default: the folder's name
//	main = "src/index.ts"                # required; relative to verge.toml
//	compatibility_date = "2026-01-01"    # stored, not interpreted yet
//	routes = ["shop.example.com/*", { pattern = "api.example.com/*", zone_name = "example.com" }]
//	origin = "https://origin.example.com"
//
//	[vars]
//	GREETING = "hello"
//	RETRIES = 3                          # see Config.Vars for non-strings
//
//	[[kv_namespaces]]
//	binding = "CACHE"
//	id = "0f2ac74b498b48028cb68387c421e279"
//
//	[limits]
//	cpu_ms = 50
//	memory_mb = 128
//	subrequests = 50
//	wall_ms = 30000
//
//	[dev]
//	port = 8787
//	ip = "127.0.0.1"                     # or host = "..."
//
//	[geo]
//	db = "GeoLite2-City.mmdb"            # or ["GeoLite2-City.mmdb", "GeoLite2-ASN.mmdb"]
//
// [Load] and [Parse] validate everything at load time. Every problem is an
// [*Error] naming the file, the line and the key, such as
//
//	verge.toml:12: limits.cpu_ms: must be a positive integer, got -5
//
// and an unknown key suggests the nearest valid one. All problems in a file
// are reported at once (joined with errors.Join).
//
// What this package must not do: start, listen on or contact anything, read
// files other than verge.toml and the existence of the files it names, or
// apply runtime defaults that belong to other packages (a zero limit means
// "the runtime's default", see package worker).
package config
