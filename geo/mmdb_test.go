package geo

import (
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

type str = mmdbtype.String

func names(en string) mmdbtype.Map {
	return mmdbtype.Map{"en": str(en), "es": str(en + " (es)")}
}

// cityRecord is a full GeoLite2-City record.
var cityRecord = mmdbtype.Map{
	"city":      mmdbtype.Map{"geoname_id": mmdbtype.Uint32(3435910), "names": names("Buenos Aires")},
	"continent": mmdbtype.Map{"code": str("SA"), "geoname_id": mmdbtype.Uint32(6255150), "names": names("South America")},
	"country":   mmdbtype.Map{"iso_code": str("AR"), "geoname_id": mmdbtype.Uint32(3865483), "names": names("Argentina")},
	"location": mmdbtype.Map{
		"accuracy_radius": mmdbtype.Uint16(20),
		"latitude":        mmdbtype.Float64(-34.6037),
		"longitude":       mmdbtype.Float64(-58.3816),
		"time_zone":       str("America/Argentina/Buenos_Aires"),
	},
	"postal":             mmdbtype.Map{"code": str("C1000")},
	"registered_country": mmdbtype.Map{"iso_code": str("AR"), "names": names("Argentina")},
	"subdivisions": mmdbtype.Slice{
		mmdbtype.Map{"iso_code": str("C"), "names": names("Buenos Aires F.D.")},
		mmdbtype.Map{"iso_code": str("X"), "names": names("Second level")},
	},
}

var usRecord = mmdbtype.Map{
	"city":      mmdbtype.Map{"names": names("Ann Arbor")},
	"continent": mmdbtype.Map{"code": str("NA")},
	"country":   mmdbtype.Map{"iso_code": str("US"), "names": names("United States")},
	"location": mmdbtype.Map{"latitude": mmdbtype.Float64(42.3068), "longitude": mmdbtype.Float64(-83.7059),
		"metro_code": mmdbtype.Uint16(505), "time_zone": str("America/Detroit")},
	"postal":       mmdbtype.Map{"code": str("48105")},
	"subdivisions": mmdbtype.Slice{mmdbtype.Map{"iso_code": str("MI"), "names": names("Michigan")}},
}

var deRecord = mmdbtype.Map{
	"continent": mmdbtype.Map{"code": str("EU")},
	"country": mmdbtype.Map{"iso_code": str("DE"), "names": names("Germany"),
		"is_in_european_union": mmdbtype.Bool(true)},
}

// writeDB builds an .mmdb in a temp dir from CIDR -> record.
func writeDB(t testing.TB, opts mmdbwriter.Options, records map[string]mmdbtype.Map) string {
	t.Helper()
	tree, err := mmdbwriter.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	for cidr, rec := range records {
		_, n, err := net.ParseCIDR(cidr)
		if err != nil {
			t.Fatal(err)
		}
		if err := tree.Insert(n, rec); err != nil {
			t.Fatalf("insert %s: %v", cidr, err)
		}
	}
	path := filepath.Join(t.TempDir(), strings.ReplaceAll(opts.DatabaseType, " ", "-")+".mmdb")
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

func cityDB(t testing.TB) string {
	return writeDB(t, mmdbwriter.Options{DatabaseType: "GeoLite2-City", Languages: []string{"en", "es"}}, map[string]mmdbtype.Map{
		"181.0.0.0/12":   cityRecord,
		"2800:40::/32":   cityRecord,
		"35.0.0.0/16":    usRecord,
		"5.1.0.0/16":     deRecord,
		"2a02:8100::/27": deRecord,
	})
}

func asnDB(t testing.TB) string {
	as := func(n uint32, org string) mmdbtype.Map {
		return mmdbtype.Map{"autonomous_system_number": mmdbtype.Uint32(n), "autonomous_system_organization": str(org)}
	}
	return writeDB(t, mmdbwriter.Options{DatabaseType: "GeoLite2-ASN"}, map[string]mmdbtype.Map{
		"181.0.0.0/12": as(7303, "Telecom Argentina S.A."),
		"2800:40::/32": as(7303, "Telecom Argentina S.A."),
		"35.0.0.0/16":  as(36375, "University of Michigan"),
		"9.9.9.0/24":   as(19281, "Quad9"),
	})
}

var (
	wantAR = Location{
		Country: "AR", CountryName: "Argentina", City: "Buenos Aires", Continent: "SA",
		Latitude: "-34.60370", Longitude: "-58.38160", PostalCode: "C1000",
		Region: "Buenos Aires F.D.", RegionCode: "C", Timezone: "America/Argentina/Buenos_Aires",
	}
	wantUS = Location{
		Country: "US", CountryName: "United States", City: "Ann Arbor", Continent: "NA",
		Latitude: "42.30680", Longitude: "-83.70590", PostalCode: "48105", MetroCode: "505",
		Region: "Michigan", RegionCode: "MI", Timezone: "America/Detroit",
	}
	wantDE = Location{Country: "DE", CountryName: "Germany", Continent: "EU", IsEUCountry: true}
)

func with(l Location, asn int, org string) Location {
	l.ASN, l.ASOrganization = asn, org
	return l
}

func open(t testing.TB, path string) *MMDB {
	t.Helper()
	db, err := OpenMMDB(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

type lookupCase struct {
	ip   string
	want Location
	ok   bool
}

func checkLookups(t *testing.T, l Locator, cases []lookupCase) {
	t.Helper()
	for _, c := range cases {
		got, ok := l.Lookup(netip.MustParseAddr(c.ip))
		if ok != c.ok || got != c.want {
			t.Errorf("Lookup(%s) = %+v, %v\nwant %+v, %v", c.ip, got, ok, c.want, c.ok)
		}
	}
}

func TestMMDBCity(t *testing.T) {
	db := open(t, cityDB(t))
	if db.DatabaseType() != "GeoLite2-City" {
		t.Errorf("DatabaseType = %q", db.DatabaseType())
	}
	checkLookups(t, db, []lookupCase{
		{"181.1.2.3", wantAR, true},
		{"181.15.255.255", wantAR, true},
		{"::ffff:181.1.2.3", wantAR, true}, // IPv4-mapped
		{"2800:40::1", wantAR, true},
		{"2800:40:ffff::1", wantAR, true},
		{"35.0.1.1", wantUS, true},
		{"5.1.9.9", wantDE, true},
		{"2a02:8100::1", wantDE, true},
		{"181.16.0.1", Location{}, false}, // just past the network
		{"127.0.0.1", Location{}, false},
		{"10.1.2.3", Location{}, false},
		{"::1", Location{}, false},
		{"2001:db8::1", Location{}, false},
	})
	if _, ok := db.Lookup(netip.Addr{}); ok {
		t.Error("zero Addr found")
	}
}

func TestMMDBASN(t *testing.T) {
	db := open(t, asnDB(t))
	checkLookups(t, db, []lookupCase{
		{"181.1.2.3", Location{ASN: 7303, ASOrganization: "Telecom Argentina S.A."}, true},
		{"2800:40::1", Location{ASN: 7303, ASOrganization: "Telecom Argentina S.A."}, true},
		{"9.9.9.9", Location{ASN: 19281, ASOrganization: "Quad9"}, true},
		{"8.8.8.8", Location{}, false},
	})
}

func TestMerge(t *testing.T) {
	m := Merge(open(t, cityDB(t)), open(t, asnDB(t)))
	checkLookups(t, m, []lookupCase{
		{"181.1.2.3", with(wantAR, 7303, "Telecom Argentina S.A."), true},
		{"2800:40::1", with(wantAR, 7303, "Telecom Argentina S.A."), true},
		{"35.0.1.1", with(wantUS, 36375, "University of Michigan"), true},
		{"5.1.9.9", wantDE, true}, // only in the City database
		{"9.9.9.9", Location{ASN: 19281, ASOrganization: "Quad9"}, true}, // only in the ASN database
		{"127.0.0.1", Location{}, false},
	})
	// Earlier locators win; later ones only fill gaps.
	s := Merge(Static(Location{Country: "US", City: "Detroit"}), Static(wantUS))
	got, _ := s.Lookup(netip.MustParseAddr("1.2.3.4"))
	want := wantUS
	want.City = "Detroit"
	if got != want {
		t.Errorf("merge precedence: %+v", got)
	}
	// A source for another country adds no place, only the AS.
	s = Merge(Static(Location{Country: "AR", City: "Rosario"}), Static(with(wantUS, 1, "x")))
	if got, _ := s.Lookup(netip.MustParseAddr("1.2.3.4")); got != (Location{Country: "AR", City: "Rosario", ASN: 1, ASOrganization: "x"}) {
		t.Errorf("merge across countries: %+v", got)
	}
	if _, ok := Merge().Lookup(netip.MustParseAddr("1.2.3.4")); ok {
		t.Error("empty Merge found an address")
	}
}

func TestMMDBOtherLayouts(t *testing.T) {
	tests := []struct {
		name   string
		opts   mmdbwriter.Options
		record mmdbtype.Map
		want   Location
	}{
		{
			// DB-IP City Lite: MaxMind-like, subdivisions without iso_code,
			// no postal code or time zone.
			name: "dbip-city-lite",
			opts: mmdbwriter.Options{DatabaseType: "DBIP-City-Lite"},
			record: mmdbtype.Map{
				"city":         mmdbtype.Map{"names": names("Córdoba")},
				"continent":    mmdbtype.Map{"code": str("SA"), "names": names("South America")},
				"country":      mmdbtype.Map{"iso_code": str("AR"), "is_in_european_union": mmdbtype.Bool(false), "names": names("Argentina")},
				"location":     mmdbtype.Map{"latitude": mmdbtype.Float64(-31.4135), "longitude": mmdbtype.Float64(-64.18105)},
				"subdivisions": mmdbtype.Slice{mmdbtype.Map{"names": names("Córdoba")}},
			},
			want: Location{Country: "AR", CountryName: "Argentina", City: "Córdoba", Continent: "SA",
				Latitude: "-31.41350", Longitude: "-64.18105", Region: "Córdoba"},
		},
		{
			name: "dbip-asn-lite",
			opts: mmdbwriter.Options{DatabaseType: "DBIP-ASN-Lite (compat=GeoLite2-ASN)"},
			record: mmdbtype.Map{"autonomous_system_number": mmdbtype.Uint32(13335),
				"autonomous_system_organization": str("Cloudflare, Inc.")},
			want: Location{ASN: 13335, ASOrganization: "Cloudflare, Inc."},
		},
		{
			name: "ipinfo-lite",
			opts: mmdbwriter.Options{DatabaseType: "ipinfo lite.mmdb"},
			record: mmdbtype.Map{"asn": str("AS3320"), "as_name": str("Deutsche Telekom AG"), "as_domain": str("telekom.com"),
				"country": str("Germany"), "country_code": str("DE"), "continent": str("Europe"), "continent_code": str("EU")},
			want: Location{Country: "DE", CountryName: "Germany", Continent: "EU", IsEUCountry: true,
				ASN: 3320, ASOrganization: "Deutsche Telekom AG"},
		},
		{
			name: "ipinfo-country-asn",
			opts: mmdbwriter.Options{DatabaseType: "ipinfo country_asn.mmdb"},
			record: mmdbtype.Map{"asn": str("AS7303"), "as_name": str("Telecom Argentina S.A."), "country": str("AR"),
				"country_name": str("Argentina"), "continent": str("SA"), "continent_name": str("South America")},
			want: Location{Country: "AR", CountryName: "Argentina", Continent: "SA", ASN: 7303, ASOrganization: "Telecom Argentina S.A."},
		},
		{
			name: "ipinfo-location",
			opts: mmdbwriter.Options{DatabaseType: "ipinfo standard_location.mmdb"},
			record: mmdbtype.Map{"city": str("Mountain View"), "region": str("California"), "region_code": str("CA"),
				"country": str("US"), "lat": str("37.4056"), "lng": str("-122.0775"), "postal_code": str("94043"),
				"timezone": str("America/Los_Angeles")},
			want: Location{Country: "US", City: "Mountain View", Region: "California", RegionCode: "CA",
				Latitude: "37.4056", Longitude: "-122.0775", PostalCode: "94043", Timezone: "America/Los_Angeles"},
		},
		{
			name: "geoip2-enterprise-traits",
			opts: mmdbwriter.Options{DatabaseType: "GeoIP2-Enterprise"},
			record: mmdbtype.Map{"country": mmdbtype.Map{"iso_code": str("FR")},
				"traits": mmdbtype.Map{"autonomous_system_number": mmdbtype.Uint32(3215), "autonomous_system_organization": str("Orange"),
					"isp": str("Orange")}},
			want: Location{Country: "FR", IsEUCountry: true, ASN: 3215, ASOrganization: "Orange"},
		},
		{
			// Unexpected types are ignored field by field.
			name: "odd-types",
			opts: mmdbwriter.Options{DatabaseType: "Odd"},
			record: mmdbtype.Map{
				"city":                     mmdbtype.Uint32(7),
				"country":                  mmdbtype.Map{"iso_code": mmdbtype.Uint32(1), "names": str("x"), "is_in_european_union": str("yes")},
				"location":                 mmdbtype.Map{"latitude": str("north"), "metro_code": str("x")},
				"subdivisions":             mmdbtype.Map{"iso_code": str("C")},
				"autonomous_system_number": str("many"),
				"continent_code":           str("EU"),
				"asn":                      str("ASx"),
				"postal":                   mmdbtype.Slice{str("1")},
			},
			want: Location{Continent: "EU", Latitude: "", Longitude: ""},
		},
		{
			name:   "no-known-fields",
			opts:   mmdbwriter.Options{DatabaseType: "GeoIP2-Anonymous-IP"},
			record: mmdbtype.Map{"is_anonymous": mmdbtype.Bool(true), "is_tor_exit_node": mmdbtype.Bool(true)},
			want:   Location{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := open(t, writeDB(t, tt.opts, map[string]mmdbtype.Map{"190.0.0.0/16": tt.record, "2800:1000::/24": tt.record}))
			for _, ip := range []string{"190.0.1.2", "2800:1000::5"} {
				got, ok := db.Lookup(netip.MustParseAddr(ip))
				if ok != (tt.want != Location{}) || got != tt.want {
					t.Errorf("Lookup(%s) = %+v, %v\nwant %+v", ip, got, ok, tt.want)
				}
			}
		})
	}
}

func TestMMDBIPv4Only(t *testing.T) {
	db := open(t, writeDB(t, mmdbwriter.Options{DatabaseType: "GeoLite2-Country", IPVersion: 4, RecordSize: 24},
		map[string]mmdbtype.Map{"5.1.0.0/16": deRecord}))
	checkLookups(t, db, []lookupCase{
		{"5.1.2.3", wantDE, true},
		{"::ffff:5.1.2.3", wantDE, true},
		{"2a02:8100::1", Location{}, false}, // IPv6 in an IPv4-only database
	})
}

func TestOpenMMDBErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.mmdb")
	_, err := OpenMMDB(missing)
	if err == nil || !strings.Contains(err.Error(), missing) || !os.IsNotExist(unwrapAll(err)) {
		t.Errorf("missing file: %v", err)
	}

	garbage := filepath.Join(dir, "garbage.mmdb")
	os.WriteFile(garbage, []byte(strings.Repeat("not a database ", 100)), 0o644)
	empty := filepath.Join(dir, "empty.mmdb")
	os.WriteFile(empty, nil, 0o644)
	good, _ := os.ReadFile(cityDB(t))
	truncated := filepath.Join(dir, "truncated.mmdb")
	os.WriteFile(truncated, good[:len(good)/2], 0o644)
	for _, path := range []string{garbage, empty, truncated} {
		_, err := OpenMMDB(path)
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "not a valid MaxMind DB") {
			t.Errorf("%s: %v", filepath.Base(path), err)
		}
	}
	if _, err := OpenMMDB(dir); err == nil {
		t.Error("a folder opened as a database")
	}
}

func unwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok || u.Unwrap() == nil {
			return err
		}
		err = u.Unwrap()
	}
}

// TestMMDBDamagedData flips bytes all over a valid database: lookups may
// fail, but must not panic or hang.
func TestMMDBDamagedData(t *testing.T) {
	good, err := os.ReadFile(cityDB(t))
	if err != nil {
		t.Fatal(err)
	}
	ips := []netip.Addr{netip.MustParseAddr("181.1.2.3"), netip.MustParseAddr("2800:40::1"), netip.MustParseAddr("35.0.1.1"), netip.MustParseAddr("5.1.1.1")}
	meta := strings.LastIndex(string(good), "\xAB\xCD\xEFMaxMind.com")
	for step := 1; step < 17; step++ {
		bad := append([]byte(nil), good...)
		for i := step; i < meta; i += 17 {
			bad[i] ^= byte(0x55 + step)
		}
		path := filepath.Join(t.TempDir(), "damaged.mmdb")
		os.WriteFile(path, bad, 0o644)
		db, err := OpenMMDB(path)
		if err != nil {
			continue
		}
		for _, ip := range ips {
			db.Lookup(ip)
		}
		db.Close()
	}
}

func TestMMDBConcurrent(t *testing.T) {
	db := open(t, cityDB(t))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 500 {
				if loc, ok := db.Lookup(netip.MustParseAddr("181.1.2.3")); !ok || loc != wantAR {
					t.Errorf("concurrent lookup: %+v %v", loc, ok)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestStaticAndDefault(t *testing.T) {
	d := Default()
	if d.Country != "US" || d.Continent != "NA" || d.ASN != 0 || d.Latitude == "" || d.IsEUCountry {
		t.Errorf("Default() = %+v", d)
	}
	loc, ok := Static(wantAR).Lookup(netip.MustParseAddr("::1"))
	if !ok || loc != wantAR {
		t.Errorf("Static lookup = %+v %v", loc, ok)
	}
}

func BenchmarkLookup(b *testing.B) {
	db := open(b, cityDB(b))
	for _, ip := range []string{"181.1.2.3", "2800:40::1", "127.0.0.1"} {
		addr := netip.MustParseAddr(ip)
		b.Run(ip, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				db.Lookup(addr)
			}
		})
	}
	b.Run("merged-parallel", func(b *testing.B) {
		m := Merge(db, open(b, asnDB(b)))
		addr := netip.MustParseAddr("181.1.2.3")
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				m.Lookup(addr)
			}
		})
	})
}
