package e2e

import (
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"

	"github.com/verge-edge/verge/devserver"
)

// TestGeoDBThroughDev builds a City-style .mmdb, runs the geo-pricing
// example with --geo-db, and checks request.cf follows the client address.
func TestGeoDBThroughDev(t *testing.T) {
	tree, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: "GeoLite2-City", RecordSize: 28})
	if err != nil {
		t.Fatal(err)
	}
	for cidr, cc := range map[string]string{"181.0.0.0/12": "AR", "2.16.0.0/13": "DE", "2400:4000::/22": "JP"} {
		_, n, _ := net.ParseCIDR(cidr)
		if err := tree.Insert(n, mmdbtype.Map{"country": mmdbtype.Map{"iso_code": mmdbtype.String(cc)}}); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "geo.mmdb")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tree.WriteTo(f); err != nil {
		t.Fatal(err)
	}
	f.Close()

	d := start(t, devserver.Options{Entry: "../../examples/geo-pricing/worker.js", GeoDB: path})
	for ip, currency := range map[string]string{"181.5.6.7": "ARS", "2.17.1.1": "EUR", "2400:4001::5": "JPY", "9.9.9.9": "USD"} {
		r := do(t, "GET", d.URL()+"/", nil, map[string]string{"CF-Connecting-IP": ip})
		if got := r.json(t)["currency"]; got != currency {
			t.Errorf("%s: currency %v, want %s", ip, got, currency)
		}
	}
	// Without a forwarded address the peer (127.0.0.1) is not in the
	// database: the documented default location applies.
	if got := get(t, d.URL()+"/").json(t)["country"]; got != "US" {
		t.Errorf("loopback peer: country %v", got)
	}
}
