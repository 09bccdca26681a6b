package geo

import (
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"strconv"
	"strings"

	"github.com/oschwald/maxminddb-golang/v2"
	"github.com/oschwald/maxminddb-golang/v2/mmdbdata"
)

// MMDB is a Locator over a MaxMind DB (.mmdb) file. It understands these
// record layouts, and mixes of them:
//
//   - MaxMind GeoIP2/GeoLite2 City and Country, and DB-IP's City and Country
//     databases: country.iso_code, country.names.en,
//     country.is_in_european_union, city.names.en, continent.code,
//     location.latitude/longitude/time_zone/metro_code, postal.code,
//     subdivisions[0].iso_code and names.en;
//   - MaxMind GeoLite2/GeoIP2 ASN and DB-IP ASN: autonomous_system_number,
//     autonomous_system_organization (also under traits, as in GeoIP2
//     Enterprise);
//   - IPinfo's flat layouts: country_code, country (a name, or a code in the
//     older country_asn database), country_name, continent_code, continent,
//     asn ("AS13335"), as_name, and in location databases city, region,
//     region_code, latitude/lat, longitude/lng, postal_code, timezone.
//
// Fields of other types than expected are ignored rather than failing the
// lookup. An MMDB is safe for concurrent Lookups; Close must not run
// concurrently with them.
type MMDB struct {
	r    *maxminddb.Reader
	path string
}

// OpenMMDB opens a .mmdb file. The file is memory-mapped; do not rewrite it
// in place while it is open (write a new file and rename it over the old).
// The error names the path and says whether the file is missing or is not
// a MaxMind DB.
func OpenMMDB(path string) (*MMDB, error) {
	r, err := maxminddb.Open(path)
	if err != nil {
		var pathErr *fs.PathError
		if errors.As(err, &pathErr) {
			return nil, fmt.Errorf("geo: opening geo database: %w", err)
		}
		return nil, fmt.Errorf("geo: %s is not a valid MaxMind DB (.mmdb) file: %w", path, err)
	}
	return &MMDB{r: r, path: path}, nil
}

// DatabaseType is the type the file declares, e.g. "GeoLite2-City",
// "DBIP-City-Lite" or "ipinfo lite.mmdb".
func (m *MMDB) DatabaseType() string { return m.r.Metadata.DatabaseType }

// Close unmaps the file.
func (m *MMDB) Close() error {
	if err := m.r.Close(); err != nil {
		return fmt.Errorf("geo: closing %s: %w", m.path, err)
	}
	return nil
}

// Lookup finds ip (an IPv4-mapped IPv6 address is looked up as IPv4). ok
// is false when the address is not in the database, when an IPv6 address
// is looked up in an IPv4-only database, when its record is damaged, or
// when the record has none of the fields above.
func (m *MMDB) Lookup(ip netip.Addr) (Location, bool) {
	if !ip.IsValid() {
		return Location{}, false
	}
	res := m.r.Lookup(ip.Unmap())
	if !res.Found() {
		return Location{}, false
	}
	var rec record
	if err := res.Decode(&rec); err != nil {
		return Location{}, false
	}
	loc := rec.location()
	return loc, loc != Location{}
}

// record is one database entry, decoded by hand: vendors disagree on the
// type of the same key (IPinfo's "country" is a string, MaxMind's a map),
// which a struct decoder would reject for the whole record. The cost is
// about that of reflection decoding into a struct: ~1 µs and 3 small
// allocations for a full City record (BenchmarkLookup).
type record struct {
	country, countryName, countryFlat, countryCode string
	eu, euKnown                                    bool
	city                                           string
	continent, continentFlat                       string
	lat, lon                                       string
	postal, metro, timezone                        string
	region, regionCode                             string
	asn                                            uint64
	asOrg                                          string
}

// UnmarshalMaxMindDBCursor implements mmdbdata.CursorUnmarshaler.
func (r *record) UnmarshalMaxMindDBCursor(c mmdbdata.Cursor) (mmdbdata.Cursor, error) {
	return eachKey(c, func(key []byte, v mmdbdata.Cursor) (mmdbdata.Cursor, error) {
		switch string(key) {
		case "country":
			if kind(v) == mmdbdata.KindMap {
				return r.readCountry(v)
			}
			return readString(v, &r.countryFlat)
		case "country_code":
			return readString(v, &r.countryCode)
		case "country_name":
			return readString(v, &r.countryName)
		case "city":
			if kind(v) == mmdbdata.KindMap {
				return readNamed(v, nil, &r.city)
			}
			return readString(v, &r.city)
		case "continent":
			if kind(v) == mmdbdata.KindMap {
				return eachKey(v, func(key []byte, v mmdbdata.Cursor) (mmdbdata.Cursor, error) {
					if string(key) == "code" {
						return readString(v, &r.continent)
					}
					return v.Skip()
				})
			}
			return readString(v, &r.continentFlat)
		case "continent_code":
			return readString(v, &r.continent)
		case "location":
			return r.readLocation(v)
		case "postal":
			return eachKey(v, func(key []byte, v mmdbdata.Cursor) (mmdbdata.Cursor, error) {
				if string(key) == "code" {
					return readString(v, &r.postal)
				}
				return v.Skip()
			})
		case "postal_code":
			return readString(v, &r.postal)
		case "subdivisions":
			return r.readSubdivisions(v)
		case "region":
			return readString(v, &r.region)
		case "region_code":
			return readString(v, &r.regionCode)
		case "latitude", "lat":
			return readCoord(v, &r.lat)
		case "longitude", "lng":
			return readCoord(v, &r.lon)
		case "timezone":
			return readString(v, &r.timezone)
		case "autonomous_system_number":
			return readUint(v, &r.asn)
		case "autonomous_system_organization", "as_name":
			return readString(v, &r.asOrg)
		case "asn":
			if kind(v) == mmdbdata.KindString {
				var s string
				next, err := readString(v, &s)
				if n, perr := strconv.ParseUint(strings.TrimPrefix(strings.ToUpper(s), "AS"), 10, 32); perr == nil {
					r.asn = n
				}
				return next, err
			}
			return readUint(v, &r.asn)
		case "traits":
			return eachKey(v, func(key []byte, v mmdbdata.Cursor) (mmdbdata.Cursor, error) {
				switch string(key) {
				case "autonomous_system_number":
					return readUint(v, &r.asn)
				case "autonomous_system_organization":
					return readString(v, &r.asOrg)
				}
				return v.Skip()
			})
		}
		return v.Skip()
	})
}

func (r *record) readCountry(c mmdbdata.Cursor) (mmdbdata.Cursor, error) {
	return eachKey(c, func(key []byte, v mmdbdata.Cursor) (mmdbdata.Cursor, error) {
		switch string(key) {
		case "iso_code":
			return readString(v, &r.country)
		case "names":
			return readEnglish(v, &r.countryName)
		case "is_in_european_union":
			if kind(v) != mmdbdata.KindBool {
				return v.Skip()
			}
			b, next, err := v.ReadBool()
			r.eu, r.euKnown = b, err == nil
			return next, err
		}
		return v.Skip()
	})
}

func (r *record) readLocation(c mmdbdata.Cursor) (mmdbdata.Cursor, error) {
	return eachKey(c, func(key []byte, v mmdbdata.Cursor) (mmdbdata.Cursor, error) {
		switch string(key) {
		case "latitude":
			return readCoord(v, &r.lat)
		case "longitude":
			return readCoord(v, &r.lon)
		case "time_zone":
			return readString(v, &r.timezone)
		case "metro_code":
			var n uint64
			next, err := readUint(v, &n)
			if n != 0 {
				r.metro = strconv.FormatUint(n, 10)
			}
			return next, err
		}
		return v.Skip()
	})
}

// readSubdivisions reads the first (broadest) subdivision, which is what
// request.cf calls the region.
func (r *record) readSubdivisions(c mmdbdata.Cursor) (mmdbdata.Cursor, error) {
	if kind(c) != mmdbdata.KindSlice {
		return c.Skip()
	}
	s, err := c.Slice()
	if err != nil {
		return mmdbdata.Cursor{}, err
	}
	var next mmdbdata.Cursor
	for i, v, ok := s.Next(next); ok; i, v, ok = s.Next(next) {
		if i == 0 && kind(v) == mmdbdata.KindMap {
			next, err = readNamed(v, &r.regionCode, &r.region)
		} else {
			next, err = v.Skip()
		}
		if err != nil {
			return mmdbdata.Cursor{}, err
		}
	}
	return s.End()
}

func (r *record) location() Location {
	loc := Location{
		Country: r.country, CountryName: r.countryName, City: r.city, Continent: r.continent,
		Latitude: r.lat, Longitude: r.lon, PostalCode: r.postal, MetroCode: r.metro,
		Region: r.region, RegionCode: r.regionCode, Timezone: r.timezone,
		ASOrganization: r.asOrg,
	}
	if r.asn <= 1<<32-1 {
		loc.ASN = int(r.asn)
	}
	if loc.Country == "" {
		loc.Country = r.countryCode
	}
	// A flat "country" is IPinfo's: a name in IPinfo Lite (beside
	// country_code), a code in the older country_asn database.
	if r.countryFlat != "" {
		if loc.Country == "" && isCode(r.countryFlat) {
			loc.Country = r.countryFlat
		} else if loc.CountryName == "" && !isCode(r.countryFlat) {
			loc.CountryName = r.countryFlat
		}
	}
	if loc.Continent == "" && isCode(r.continentFlat) {
		loc.Continent = r.continentFlat
	}
	if r.lat == "" || r.lon == "" {
		loc.Latitude, loc.Longitude = "", ""
	}
	if r.euKnown {
		loc.IsEUCountry = r.eu
	} else {
		loc.IsEUCountry = inEU(loc.Country)
	}
	return loc
}

// isCode reports whether s looks like a two-letter country or continent
// code rather than a name.
func isCode(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && (s[1] >= 'A' && s[1] <= 'Z' || s[1] >= '0' && s[1] <= '9')
}

// kind is the kind of the value at c, or KindExtended when it cannot be
// read (the following read then reports the error).
func kind(c mmdbdata.Cursor) mmdbdata.Kind {
	k, err := c.Kind()
	if err != nil {
		return mmdbdata.KindExtended
	}
	return k
}

// eachKey calls f for each entry of the map at c; f must consume the value
// and return its successor. A value that is not a map is skipped.
func eachKey(c mmdbdata.Cursor, f func(key []byte, v mmdbdata.Cursor) (mmdbdata.Cursor, error)) (mmdbdata.Cursor, error) {
	m, err := c.Map()
	if err != nil {
		return c.Skip() // not a map: ignore it (Skip reports real damage)
	}
	var next mmdbdata.Cursor
	for key, v, ok := m.Next(next); ok; key, v, ok = m.Next(next) {
		if next, err = f(key, v); err != nil {
			return mmdbdata.Cursor{}, err
		}
	}
	return m.End()
}

func readString(c mmdbdata.Cursor, dst *string) (mmdbdata.Cursor, error) {
	s, next, err := c.ReadString()
	if err != nil {
		return c.Skip() // not a string: ignore it (Skip reports real damage)
	}
	*dst = s
	return next, nil
}

func readUint(c mmdbdata.Cursor, dst *uint64) (mmdbdata.Cursor, error) {
	n, signed, next, err := c.ReadInteger()
	if err != nil {
		// Not an integer: ignore the field, but keep reading the record.
		return c.Skip()
	}
	if !signed || int64(n) >= 0 {
		*dst = n
	}
	return next, nil
}

// readCoord reads a latitude or longitude, a double in MaxMind's and
// DB-IP's layouts (formatted with 5 decimals, as request.cf and CloudFront
// show them) or a string in some of IPinfo's (kept as is).
func readCoord(c mmdbdata.Cursor, dst *string) (mmdbdata.Cursor, error) {
	switch kind(c) {
	case mmdbdata.KindFloat64, mmdbdata.KindFloat32:
		f, next, err := c.ReadFloat()
		if err == nil {
			*dst = strconv.FormatFloat(f, 'f', 5, 64)
		}
		return next, err
	case mmdbdata.KindString:
		var s string
		next, err := readString(c, &s)
		if _, perr := strconv.ParseFloat(s, 64); perr == nil {
			*dst = s
		}
		return next, err
	}
	return c.Skip()
}

// readNamed reads a {iso_code, names: {en}} map.
func readNamed(c mmdbdata.Cursor, code, name *string) (mmdbdata.Cursor, error) {
	return eachKey(c, func(key []byte, v mmdbdata.Cursor) (mmdbdata.Cursor, error) {
		switch string(key) {
		case "iso_code":
			if code != nil {
				return readString(v, code)
			}
		case "names":
			return readEnglish(v, name)
		}
		return v.Skip()
	})
}

func readEnglish(c mmdbdata.Cursor, dst *string) (mmdbdata.Cursor, error) {
	return eachKey(c, func(key []byte, v mmdbdata.Cursor) (mmdbdata.Cursor, error) {
		if string(key) == "en" {
			return readString(v, dst)
		}
		return v.Skip()
	})
}
