package geo

import (
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// writeCityDB builds a small GeoLite2-City-style database.
func writeCityDB(t testing.TB) string {
	t.Helper()
	tree, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: "GeoLite2-City", RecordSize: 28})
	if err != nil {
		t.Fatal(err)
	}
	rec := mmdbtype.Map{
		"city":      mmdbtype.Map{"names": mmdbtype.Map{"en": mmdbtype.String("Buenos Aires")}},
		"continent": mmdbtype.Map{"code": mmdbtype.String("SA")},
		"country":   mmdbtype.Map{"iso_code": mmdbtype.String("AR"), "names": mmdbtype.Map{"en": mmdbtype.String("Argentina")}},
		"location": mmdbtype.Map{"latitude": mmdbtype.Float64(-34.6037), "longitude": mmdbtype.Float64(-58.3816),
			"time_zone": mmdbtype.String("America/Argentina/Buenos_Aires")},
		"postal":                         mmdbtype.Map{"code": mmdbtype.String("C1000")},
		"subdivisions":                   mmdbtype.Slice{mmdbtype.Map{"iso_code": mmdbtype.String("C"), "names": mmdbtype.Map{"en": mmdbtype.String("Buenos Aires F.D.")}}},
		"autonomous_system_number":       mmdbtype.Uint32(7303),
		"autonomous_system_organization": mmdbtype.String("Telecom Argentina"),
	}
	de := mmdbtype.Map{"country": mmdbtype.Map{"iso_code": mmdbtype.String("DE")}, "continent": mmdbtype.Map{"code": mmdbtype.String("EU")}}
	for cidr, r := range map[string]mmdbtype.Map{"181.0.0.0/12": rec, "2800:40::/32": rec, "5.1.0.0/16": de} {
		_, n, _ := net.ParseCIDR(cidr)
		if err := tree.Insert(n, r); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "city.mmdb")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := tree.WriteTo(f); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestMMDBLookup(t *testing.T) {
	db, err := OpenMMDB(writeCityDB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, ip := range []string{"181.1.2.3", "2800:40::1", "::ffff:181.1.2.3"} {
		loc, ok := db.Lookup(netip.MustParseAddr(ip))
		if !ok {
			t.Fatalf("%s not found", ip)
		}
		want := Location{Country: "AR", CountryName: "Argentina", City: "Buenos Aires", Continent: "SA", Latitude: "-34.60370",
			Longitude: "-58.38160", PostalCode: "C1000", Region: "Buenos Aires F.D.", RegionCode: "C",
			Timezone: "America/Argentina/Buenos_Aires", ASN: 7303, ASOrganization: "Telecom Argentina"}
		if loc != want {
			t.Errorf("%s: %+v", ip, loc)
		}
	}
	if _, ok := db.Lookup(netip.MustParseAddr("127.0.0.1")); ok {
		t.Error("loopback found")
	}
	loc, _ := db.Lookup(netip.MustParseAddr("5.1.9.9"))
	cf := CF(loc, RequestInfo{Colo: "FRA", HTTPProtocol: "HTTP/2"})
	if cf["country"] != "DE" || cf["isEUCountry"] != "1" || cf["colo"] != "FRA" || cf["asn"] != 0 {
		t.Errorf("cf %v", cf)
	}
	if _, err := OpenMMDB(filepath.Join(t.TempDir(), "missing.mmdb")); err == nil {
		t.Error("missing file opened")
	}
	bad := filepath.Join(t.TempDir(), "bad.mmdb")
	os.WriteFile(bad, []byte("not a database"), 0o644)
	if _, err := OpenMMDB(bad); err == nil {
		t.Error("corrupt file opened")
	}
}

func TestHeaders(t *testing.T) {
	loc := Location{Country: "AR", City: "Buenos Aires", RegionCode: "C", Latitude: "-34.6", Longitude: "-58.4", ASN: 7303}
	v := VercelHeaders(loc)
	if v.Get("x-vercel-ip-city") != "Buenos%20Aires" || v.Get("x-vercel-ip-country") != "AR" {
		t.Errorf("vercel %v", v)
	}
	c := CloudFrontHeaders(loc)
	if c.Get("cloudfront-viewer-country") != "AR" || c.Get("cloudfront-viewer-asn") != "7303" {
		t.Errorf("cloudfront %v", c)
	}
}

func TestParseCF(t *testing.T) {
	loc, extra, err := ParseCF(`{"country":"AR","city":"Córdoba","asn":7303,"botManagement":{"score":99}}`)
	if err != nil || loc.Country != "AR" || loc.City != "Córdoba" || loc.ASN != 7303 || loc.Latitude != "" || extra["botManagement"] == nil {
		t.Errorf("%+v %v %v", loc, extra, err)
	}
	for _, bad := range []string{`[]`, `{"country":1}`, `{"asn":"x"}`, `nope`, `null`} {
		if _, _, err := ParseCF(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func FuzzParseCF(f *testing.F) {
	f.Add(`{"country":"AR"}`)
	f.Fuzz(func(t *testing.T, s string) { ParseCF(s) })
}

func BenchmarkLookup(b *testing.B) {
	db, err := OpenMMDB(writeCityDB(b))
	if err != nil {
		b.Fatal(err)
	}
	ip := netip.MustParseAddr("181.1.2.3")
	for i := 0; i < b.N; i++ {
		db.Lookup(ip)
	}
}
