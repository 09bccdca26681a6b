package geo

import "net/netip"

// Location is what geo data says about an address: the fields of
// Cloudflare's request.cf that come from geolocation, plus the country's
// name (which CloudFront reports and request.cf does not). An empty field
// means "not known"; renderers leave such fields out, as the platforms do.
type Location struct {
	Country     string // ISO 3166-1 alpha-2 code, e.g. "AR" ("T1" is Tor on Cloudflare)
	CountryName string // English name, e.g. "Argentina"; CloudFront-Viewer-Country-Name only
	IsEUCountry bool   // an EU member state; request.cf.isEUCountry is "1" or absent
	City        string // English name, e.g. "Buenos Aires"
	Continent   string // two-letter code: AF, AN, AS, EU, NA, OC or SA
	Latitude    string // decimal degrees as a string, e.g. "-34.60370", as request.cf has them
	Longitude   string
	PostalCode  string
	MetroCode   string // US DMA code, e.g. "807"
	Region      string // first-level subdivision name, e.g. "California"
	RegionCode  string // its ISO 3166-2 code without the country prefix, e.g. "CA"
	Timezone    string // IANA time zone, e.g. "America/Los_Angeles"

	ASN            int    // autonomous system number; 0 when unknown
	ASOrganization string // the AS's organization, e.g. "Telecom Argentina S.A."
}

// Locator finds where an address is. ok is false when the address is not
// in the data (loopback and private addresses usually are not); callers
// then fall back to something else, such as Default. Implementations are
// safe for concurrent use.
type Locator interface {
	Lookup(ip netip.Addr) (loc Location, ok bool)
}

// Static is a Locator that places every address at the same Location. verge
// dev uses it for --cf and when no database is configured.
type Static Location

// Lookup returns the static location for any address.
func (s Static) Lookup(netip.Addr) (Location, bool) { return Location(s), true }

// DevColo is request.cf.colo on a development server. It is not an IATA
// airport code, so worker code that branches on the colo can tell it apart
// from a real data centre.
const DevColo = "DEV"

// Default is the location verge dev reports when no geo data is configured
// or the client's address is not in the database (as with 127.0.0.1):
//
//	country US, city San Francisco, region California (CA), continent NA,
//	latitude "37.77490", longitude "-122.41940", postal code 94107,
//	metro code 807, time zone America/Los_Angeles,
//	ASN 0, AS organization "Verge Dev".
//
// It is a real, ordinary place so that worker code keyed on request.cf runs
// its common path; ASN 0 is reserved (RFC 7607) and never seen from a real
// client, which makes the default easy to recognise in logs. Pair it with
// DevColo.
func Default() Location {
	return Location{
		Country: "US", CountryName: "United States", City: "San Francisco", Continent: "NA",
		Latitude: "37.77490", Longitude: "-122.41940", PostalCode: "94107", MetroCode: "807",
		Region: "California", RegionCode: "CA", Timezone: "America/Los_Angeles",
		ASN: 0, ASOrganization: "Verge Dev",
	}
}

// Merge returns a Locator that asks each locator in order and fills every
// empty field of the result from the first one that knows it; ok is true
// when any of them found the address. Place fields (city, region,
// coordinates...) are only taken from a locator that agrees on the country
// or has none, so a result never mixes two countries. Use it to pair a City
// database with an ASN database (MaxMind and DB-IP ship them separately):
//
//	geo.Merge(city, asn)
func Merge(locators ...Locator) Locator {
	return merged(append([]Locator(nil), locators...))
}

type merged []Locator

func (m merged) Lookup(ip netip.Addr) (Location, bool) {
	var loc Location
	found := false
	for _, l := range m {
		next, ok := l.Lookup(ip)
		if !ok {
			continue
		}
		if !found {
			loc, found = next, true
			continue
		}
		fill(&loc, next)
	}
	return loc, found
}

// fill copies into dst the fields it lacks from src. Places are only
// completed from a source that agrees on the country (or has none), so a
// city is never paired with another country's name.
func fill(dst *Location, src Location) {
	str := func(d *string, s string) {
		if *d == "" {
			*d = s
		}
	}
	if dst.Country == "" || src.Country == "" || src.Country == dst.Country {
		if dst.Country == "" {
			dst.Country, dst.IsEUCountry = src.Country, src.IsEUCountry
		}
		str(&dst.CountryName, src.CountryName)
		str(&dst.City, src.City)
		str(&dst.Continent, src.Continent)
		if dst.Latitude == "" || dst.Longitude == "" {
			dst.Latitude, dst.Longitude = src.Latitude, src.Longitude
		}
		str(&dst.PostalCode, src.PostalCode)
		str(&dst.MetroCode, src.MetroCode)
		if dst.Region == "" && dst.RegionCode == "" {
			dst.Region, dst.RegionCode = src.Region, src.RegionCode
		}
		str(&dst.Timezone, src.Timezone)
	}
	if dst.ASN == 0 && src.ASN != 0 {
		dst.ASN, dst.ASOrganization = src.ASN, src.ASOrganization
	}
	if dst.ASOrganization == "" && (src.ASN == dst.ASN || src.ASN == 0) {
		dst.ASOrganization = src.ASOrganization
	}
}

// inEU reports whether an ISO 3166-1 alpha-2 code is an EU member state
// (27 states since 2020). Databases that carry is_in_european_union are
// trusted over this list.
func inEU(country string) bool {
	switch country {
	case "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
		"IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK":
		return true
	}
	return false
}
