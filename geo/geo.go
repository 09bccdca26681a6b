// Package geo locates a client IP and renders what edge platforms give a
// worker: Cloudflare's request.cf, Vercel's x-vercel-ip-* headers and
// CloudFront's CloudFront-Viewer-* headers. It reads local .mmdb files
// (MaxMind, DB-IP, IPinfo) and must never call the network.
package geo

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"

	"github.com/oschwald/maxminddb-golang/v2"
)

// Location is what geo data says about an address.
type Location struct {
	Country        string // ISO 3166-1 alpha-2
	CountryName    string
	City           string
	Continent      string // two-letter code, e.g. "EU"
	Latitude       string // strings, as request.cf has them
	Longitude      string
	PostalCode     string
	MetroCode      string
	Region         string
	RegionCode     string
	Timezone       string
	ASN            int
	ASOrganization string
}

// Locator looks up addresses.
type Locator interface {
	Lookup(ip netip.Addr) (Location, bool)
}

// Static is a Locator that returns the same location for every address.
type Static Location

// Lookup returns the static location.
func (s Static) Lookup(netip.Addr) (Location, bool) { return Location(s), true }

// Default is the location verge dev uses when no geo data is configured: a
// fixed, obviously-local place, so request.cf always exists.
func Default() Location {
	return Location{Country: "US", CountryName: "United States", City: "San Francisco", Continent: "NA",
		Latitude: "37.77490", Longitude: "-122.41940", PostalCode: "94107", MetroCode: "807",
		Region: "California", RegionCode: "CA", Timezone: "America/Los_Angeles", ASN: 0, ASOrganization: "Verge Dev"}
}

// MMDB is a Locator over a MaxMind-format database.
type MMDB struct{ r *maxminddb.Reader }

// OpenMMDB opens a .mmdb file: a GeoIP2/GeoLite2 City or Country database,
// an ASN database, DB-IP's equivalents, or IPinfo's (flat) layout.
func OpenMMDB(path string) (*MMDB, error) {
	r, err := maxminddb.Open(path)
	if err != nil {
		return nil, fmt.Errorf("geo: opening %s: %w", path, err)
	}
	return &MMDB{r}, nil
}

// Close releases the database.
func (m *MMDB) Close() error { return m.r.Close() }

type names struct {
	EN string `maxminddb:"en"`
}

// record covers the MaxMind/DB-IP layout and IPinfo's flat one.
type record struct {
	City struct {
		Names names `maxminddb:"names"`
	} `maxminddb:"city"`
	Continent struct {
		Code string `maxminddb:"code"`
	} `maxminddb:"continent"`
	Country struct {
		ISOCode string `maxminddb:"iso_code"`
		Names   names  `maxminddb:"names"`
	} `maxminddb:"country"`
	Location struct {
		Latitude  *float64 `maxminddb:"latitude"`
		Longitude *float64 `maxminddb:"longitude"`
		MetroCode uint     `maxminddb:"metro_code"`
		TimeZone  string   `maxminddb:"time_zone"`
	} `maxminddb:"location"`
	Postal struct {
		Code string `maxminddb:"code"`
	} `maxminddb:"postal"`
	Subdivisions []struct {
		ISOCode string `maxminddb:"iso_code"`
		Names   names  `maxminddb:"names"`
	} `maxminddb:"subdivisions"`
	ASN   uint   `maxminddb:"autonomous_system_number"`
	ASOrg string `maxminddb:"autonomous_system_organization"`
	// IPinfo lite
	CountryCode   string `maxminddb:"country_code"`
	CountryName   string `maxminddb:"country"`
	ContinentCode string `maxminddb:"continent_code"`
	IPinfoASN     string `maxminddb:"asn"`
	ASName        string `maxminddb:"as_name"`
}

// Lookup finds ip in the database.
func (m *MMDB) Lookup(ip netip.Addr) (Location, bool) {
	if !ip.IsValid() {
		return Location{}, false
	}
	res := m.r.Lookup(ip.Unmap())
	if res.Err() != nil || !res.Found() {
		return Location{}, false
	}
	var r record
	if err := res.Decode(&r); err != nil {
		return Location{}, false
	}
	loc := Location{
		Country: r.Country.ISOCode, CountryName: r.Country.Names.EN, City: r.City.Names.EN,
		Continent: r.Continent.Code, PostalCode: r.Postal.Code, Timezone: r.Location.TimeZone,
		ASN: int(r.ASN), ASOrganization: r.ASOrg,
	}
	if r.Location.Latitude != nil && r.Location.Longitude != nil {
		loc.Latitude = strconv.FormatFloat(*r.Location.Latitude, 'f', 5, 64)
		loc.Longitude = strconv.FormatFloat(*r.Location.Longitude, 'f', 5, 64)
	}
	if r.Location.MetroCode != 0 {
		loc.MetroCode = strconv.Itoa(int(r.Location.MetroCode))
	}
	if len(r.Subdivisions) > 0 {
		loc.RegionCode = r.Subdivisions[0].ISOCode
		loc.Region = r.Subdivisions[0].Names.EN
	}
	if loc.Country == "" {
		loc.Country = r.CountryCode
		if loc.CountryName == "" {
			loc.CountryName = r.CountryName
		}
	}
	if loc.Continent == "" {
		loc.Continent = r.ContinentCode
	}
	if loc.ASN == 0 && len(r.IPinfoASN) > 2 {
		n, _ := strconv.Atoi(r.IPinfoASN[2:]) // "AS13335"
		loc.ASN = n
		loc.ASOrganization = r.ASName
	}
	return loc, true
}

// RequestInfo are request facts request.cf reports beside geo.
type RequestInfo struct {
	Colo           string
	HTTPProtocol   string
	TLSVersion     string
	TLSCipher      string
	AcceptEncoding string
	ClientTCPRTT   int
}

var euCountries = map[string]bool{"AT": true, "BE": true, "BG": true, "HR": true, "CY": true, "CZ": true, "DK": true, "EE": true, "FI": true, "FR": true, "DE": true, "GR": true, "HU": true, "IE": true, "IT": true, "LV": true, "LT": true, "LU": true, "MT": true, "NL": true, "PL": true, "PT": true, "RO": true, "SK": true, "SI": true, "ES": true, "SE": true}

// CF renders request.cf, with Cloudflare's key names and value types.
// Fields with no value are left out, as Cloudflare does.
func CF(loc Location, info RequestInfo) map[string]any {
	cf := map[string]any{
		"colo":                 info.Colo,
		"httpProtocol":         info.HTTPProtocol,
		"requestPriority":      "",
		"clientAcceptEncoding": info.AcceptEncoding,
		"clientTcpRtt":         info.ClientTCPRTT,
		"asn":                  loc.ASN,
		"asOrganization":       loc.ASOrganization,
	}
	if info.TLSVersion != "" {
		cf["tlsVersion"] = info.TLSVersion
		cf["tlsCipher"] = info.TLSCipher
	}
	str := map[string]string{
		"country": loc.Country, "city": loc.City, "continent": loc.Continent, "latitude": loc.Latitude,
		"longitude": loc.Longitude, "postalCode": loc.PostalCode, "metroCode": loc.MetroCode,
		"region": loc.Region, "regionCode": loc.RegionCode, "timezone": loc.Timezone,
	}
	for k, v := range str {
		if v != "" {
			cf[k] = v
		}
	}
	if euCountries[loc.Country] {
		cf["isEUCountry"] = "1"
	}
	return cf
}

// ParseCF reads a --cf JSON object: known geo keys fill the Location (with
// type checks), and every key is also returned to be merged into
// request.cf as given.
func ParseCF(s string) (Location, map[string]any, error) {
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return Location{}, nil, fmt.Errorf("not a JSON object: %w", err)
	}
	if m == nil {
		return Location{}, nil, errors.New("not a JSON object")
	}
	loc := Default()
	fields := map[string]*string{
		"country": &loc.Country, "city": &loc.City, "continent": &loc.Continent, "latitude": &loc.Latitude,
		"longitude": &loc.Longitude, "postalCode": &loc.PostalCode, "metroCode": &loc.MetroCode,
		"region": &loc.Region, "regionCode": &loc.RegionCode, "timezone": &loc.Timezone, "asOrganization": &loc.ASOrganization,
	}
	for k, v := range m {
		if dst, ok := fields[k]; ok {
			s, ok := v.(string)
			if !ok {
				return Location{}, nil, fmt.Errorf("%s: must be a string, got %v", k, v)
			}
			*dst = s
		}
		if k == "asn" {
			n, ok := v.(float64)
			if !ok || n != float64(int(n)) {
				return Location{}, nil, fmt.Errorf("asn: must be an integer, got %v", v)
			}
			loc.ASN = int(n)
		}
	}
	if _, ok := m["country"]; ok {
		// A country given without the other fields must not keep the
		// default's city in San Francisco.
		for _, k := range []string{"city", "latitude", "longitude", "postalCode", "metroCode", "region", "regionCode", "timezone", "continent"} {
			if _, given := m[k]; !given {
				*fields[k] = ""
			}
		}
		loc.CountryName = ""
	}
	return loc, m, nil
}

// VercelHeaders renders Vercel's geolocation request headers.
func VercelHeaders(loc Location) http.Header {
	h := http.Header{}
	set := func(k, v string) {
		if v != "" {
			h.Set(k, v)
		}
	}
	set("X-Vercel-Ip-Country", loc.Country)
	set("X-Vercel-Ip-Country-Region", loc.RegionCode)
	set("X-Vercel-Ip-City", url.PathEscape(loc.City)) // decodeURIComponent-compatible: a space is %20
	set("X-Vercel-Ip-Latitude", loc.Latitude)
	set("X-Vercel-Ip-Longitude", loc.Longitude)
	set("X-Vercel-Ip-Timezone", loc.Timezone)
	set("X-Vercel-Ip-Postal-Code", loc.PostalCode)
	return h
}

// CloudFrontHeaders renders CloudFront's viewer geolocation headers.
func CloudFrontHeaders(loc Location) http.Header {
	h := http.Header{}
	set := func(k, v string) {
		if v != "" {
			h.Set(k, v)
		}
	}
	set("CloudFront-Viewer-Country", loc.Country)
	set("CloudFront-Viewer-Country-Name", loc.CountryName)
	set("CloudFront-Viewer-Country-Region", loc.RegionCode)
	set("CloudFront-Viewer-Country-Region-Name", loc.Region)
	set("CloudFront-Viewer-City", loc.City)
	set("CloudFront-Viewer-Postal-Code", loc.PostalCode)
	set("CloudFront-Viewer-Time-Zone", loc.Timezone)
	set("CloudFront-Viewer-Latitude", loc.Latitude)
	set("CloudFront-Viewer-Longitude", loc.Longitude)
	set("CloudFront-Viewer-Metro-Code", loc.MetroCode)
	if loc.ASN != 0 {
		h.Set("CloudFront-Viewer-ASN", strconv.Itoa(loc.ASN))
	}
	return h
}
