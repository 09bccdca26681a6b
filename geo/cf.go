package geo

import (
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
)

// RequestInfo are the facts about a request that request.cf reports beside
// its location. NewRequestInfo fills them from an *http.Request.
type RequestInfo struct {
	Colo            string // data centre code; "" means DevColo
	HTTPProtocol    string // "HTTP/1.1", "HTTP/2", "HTTP/3" (Go's "HTTP/2.0" is accepted)
	TLSVersion      string // "TLSv1.3"; "" for plain HTTP
	TLSCipher       string // "AEAD-AES128-GCM-SHA256"; "" for plain HTTP
	AcceptEncoding  string // the client's Accept-Encoding
	ClientTCPRTT    int    // round-trip time to the client in milliseconds, 0 if unknown
	RequestPriority string // e.g. "weight=192;exclusive=0"; "" when the client sent none
}

// NewRequestInfo reads the request facts of r: its protocol, its TLS
// version and cipher (named as Cloudflare names them) and its
// Accept-Encoding header. colo is the data centre's code.
func NewRequestInfo(r *http.Request, colo string) RequestInfo {
	info := RequestInfo{Colo: colo, HTTPProtocol: r.Proto, AcceptEncoding: r.Header.Get("Accept-Encoding")}
	if r.TLS != nil {
		info.TLSVersion = TLSVersionName(r.TLS.Version)
		info.TLSCipher = TLSCipherName(r.TLS.CipherSuite)
	}
	return info
}

// TLSVersionName names a TLS version as request.cf.tlsVersion does:
// "TLSv1.3", "TLSv1.2", "TLSv1.1", "TLSv1".
func TLSVersionName(v uint16) string {
	switch v {
	case tls.VersionTLS13:
		return "TLSv1.3"
	case tls.VersionTLS12:
		return "TLSv1.2"
	case tls.VersionTLS11:
		return "TLSv1.1"
	case tls.VersionTLS10:
		return "TLSv1"
	}
	return tls.VersionName(v)
}

// TLSCipherName names a cipher suite as request.cf.tlsCipher does, which
// is BoringSSL's naming: "AEAD-AES128-GCM-SHA256" for TLS 1.3 suites and
// OpenSSL names such as "ECDHE-RSA-AES128-GCM-SHA256" for older ones.
// Suites Cloudflare does not offer get Go's (IANA) name.
func TLSCipherName(id uint16) string {
	switch id {
	case tls.TLS_AES_128_GCM_SHA256:
		return "AEAD-AES128-GCM-SHA256"
	case tls.TLS_AES_256_GCM_SHA384:
		return "AEAD-AES256-GCM-SHA384"
	case tls.TLS_CHACHA20_POLY1305_SHA256:
		return "AEAD-CHACHA20-POLY1305-SHA256"
	case tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256:
		return "ECDHE-ECDSA-AES128-GCM-SHA256"
	case tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384:
		return "ECDHE-ECDSA-AES256-GCM-SHA384"
	case tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256:
		return "ECDHE-ECDSA-CHACHA20-POLY1305"
	case tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256:
		return "ECDHE-RSA-AES128-GCM-SHA256"
	case tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384:
		return "ECDHE-RSA-AES256-GCM-SHA384"
	case tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256:
		return "ECDHE-RSA-CHACHA20-POLY1305"
	case tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA:
		return "ECDHE-ECDSA-AES128-SHA"
	case tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA:
		return "ECDHE-ECDSA-AES256-SHA"
	case tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA:
		return "ECDHE-RSA-AES128-SHA"
	case tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA:
		return "ECDHE-RSA-AES256-SHA"
	case tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256:
		return "ECDHE-ECDSA-AES128-SHA256"
	case tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256:
		return "ECDHE-RSA-AES128-SHA256"
	case tls.TLS_RSA_WITH_AES_128_GCM_SHA256:
		return "AES128-GCM-SHA256"
	case tls.TLS_RSA_WITH_AES_256_GCM_SHA384:
		return "AES256-GCM-SHA384"
	case tls.TLS_RSA_WITH_AES_128_CBC_SHA:
		return "AES128-SHA"
	case tls.TLS_RSA_WITH_AES_256_CBC_SHA:
		return "AES256-SHA"
	case tls.TLS_RSA_WITH_AES_128_CBC_SHA256:
		return "AES128-SHA256"
	}
	return tls.CipherSuiteName(id)
}

// httpProtocol normalises Go's r.Proto to request.cf's spelling.
func httpProtocol(p string) string {
	switch p {
	case "HTTP/2.0":
		return "HTTP/2"
	case "HTTP/3.0":
		return "HTTP/3"
	}
	return p
}

// CF builds request.cf for a request from loc and info, with Cloudflare's
// keys and value types (see IncomingRequestCfProperties in
// @cloudflare/workers-types):
//
//   - always present: asn (number), asOrganization, colo, httpProtocol,
//     requestPriority ("" when none), tlsVersion and tlsCipher ("" over
//     plain HTTP), clientTcpRtt (number), edgeRequestKeepAliveStatus (1,
//     as for a worker with no upstream) and tlsClientAuth (Cloudflare's
//     placeholder object: no client certificate);
//   - present when known: country, isEUCountry ("1"), continent, city,
//     postalCode, latitude and longitude (strings), timezone, region,
//     regionCode, metroCode (a string), clientAcceptEncoding.
//
// botManagement (an Enterprise feature) is left out. The map is new on
// every call; callers may add keys to it (for example ParseCF's extras).
func CF(loc Location, info RequestInfo) map[string]any {
	colo := info.Colo
	if colo == "" {
		colo = DevColo
	}
	cf := make(map[string]any, 26)
	cf["asn"] = loc.ASN
	cf["asOrganization"] = loc.ASOrganization
	cf["colo"] = colo
	cf["httpProtocol"] = httpProtocol(info.HTTPProtocol)
	cf["requestPriority"] = info.RequestPriority
	cf["tlsVersion"] = info.TLSVersion
	cf["tlsCipher"] = info.TLSCipher
	cf["clientTcpRtt"] = info.ClientTCPRTT
	cf["edgeRequestKeepAliveStatus"] = 1
	cf["tlsClientAuth"] = tlsClientAuthPlaceholder()
	if info.AcceptEncoding != "" {
		cf["clientAcceptEncoding"] = info.AcceptEncoding
	}
	for _, f := range geoFields(&loc) {
		if *f.dst != "" {
			cf[f.key] = *f.dst
		}
	}
	if loc.IsEUCountry || inEU(loc.Country) {
		cf["isEUCountry"] = "1"
	}
	return cf
}

// tlsClientAuthPlaceholder is what Cloudflare puts in request.cf.tlsClientAuth
// when no client certificate was presented.
func tlsClientAuthPlaceholder() map[string]any {
	m := map[string]any{"certPresented": "0", "certVerified": "NONE", "certRevoked": "0"}
	for _, k := range []string{"certIssuerDN", "certSubjectDN", "certIssuerDNRFC2253", "certSubjectDNRFC2253",
		"certIssuerDNLegacy", "certSubjectDNLegacy", "certSerial", "certIssuerSerial", "certSKI",
		"certIssuerSKI", "certFingerprintSHA1", "certFingerprintSHA256", "certNotBefore", "certNotAfter"} {
		m[k] = ""
	}
	return m
}

type geoField struct {
	key string
	dst *string
}

// geoFields lists the string fields of loc under their request.cf keys.
func geoFields(loc *Location) [10]geoField {
	return [...]geoField{
		{"country", &loc.Country}, {"continent", &loc.Continent}, {"city", &loc.City},
		{"postalCode", &loc.PostalCode}, {"latitude", &loc.Latitude}, {"longitude", &loc.Longitude},
		{"timezone", &loc.Timezone}, {"region", &loc.Region}, {"regionCode", &loc.RegionCode},
		{"metroCode", &loc.MetroCode},
	}
}

// ParseCF reads a request.cf object given by hand, as with
// verge dev --cf '{"country":"AR","city":"Buenos Aires"}'.
//
// The geographic keys (country, isEUCountry, continent, city, postalCode,
// latitude, longitude, timezone, region, regionCode, metroCode) fill the
// returned Location. When any of them is given the others start empty, so
// a city given alone is not placed in Default's country; when none is
// given, the Location is Default's. asn and asOrganization replace
// Default's when given. isEUCountry follows the country unless given.
//
// Every other key, known to Cloudflare (colo, httpProtocol, botManagement,
// ...) or not, is returned in rest to be merged over CF's result, so it
// reaches the worker as given. Values are checked against Cloudflare's
// types: geographic values and colo, httpProtocol, tlsVersion, tlsCipher,
// requestPriority and clientAcceptEncoding are strings (coordinates too,
// as on Cloudflare), asn and clientTcpRtt are numbers, botManagement and
// tlsClientAuth are objects. Formats are checked too: country is a
// two-letter code and continent one of Cloudflare's seven (both
// upper-cased), coordinates are decimal degrees within range, asn fits in
// 32 bits, isEUCountry is "1". Errors name the key and what was expected.
func ParseCF(s string) (loc Location, rest map[string]any, err error) {
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return Location{}, nil, fmt.Errorf("request.cf must be a JSON object, got %s", typeErr.Value)
		}
		return Location{}, nil, fmt.Errorf("request.cf is not valid JSON: %w", err)
	}
	if m == nil {
		return Location{}, nil, errors.New("request.cf must be a JSON object, got null")
	}

	loc = Default()
	fields := geoFields(&loc)
	anyGeo := false
	for _, f := range fields {
		if _, ok := m[f.key]; ok {
			anyGeo = true
		}
	}
	if _, ok := m["isEUCountry"]; ok {
		anyGeo = true
	}
	if anyGeo {
		asn, org := loc.ASN, loc.ASOrganization
		loc = Location{ASN: asn, ASOrganization: org}
	}
	for _, f := range fields {
		v, ok := m[f.key]
		if !ok {
			continue
		}
		s, err := cfString(f.key, v)
		if err != nil {
			return Location{}, nil, err
		}
		if s, err = checkGeo(f.key, s); err != nil {
			return Location{}, nil, err
		}
		*f.dst = s
	}
	if anyGeo {
		loc.IsEUCountry = inEU(loc.Country)
	}
	if v, ok := m["isEUCountry"]; ok {
		if v != "1" {
			return Location{}, nil, fmt.Errorf(`isEUCountry: must be "1" (Cloudflare leaves the key out outside the EU), got %s`, describeJSON(v))
		}
		loc.IsEUCountry = true
	}
	if v, ok := m["asn"]; ok {
		n, isNum := v.(float64)
		if !isNum || n != math.Trunc(n) || n < 0 || n > math.MaxUint32 {
			return Location{}, nil, fmt.Errorf("asn: must be an AS number such as 13335, got %s", describeJSON(v))
		}
		loc.ASN = int(n)
	}
	if v, ok := m["asOrganization"]; ok {
		if loc.ASOrganization, err = cfString("asOrganization", v); err != nil {
			return Location{}, nil, err
		}
	}

	rest = make(map[string]any)
	for k, v := range m {
		switch k {
		case "country", "continent", "city", "postalCode", "latitude", "longitude", "timezone",
			"region", "regionCode", "metroCode", "isEUCountry", "asn", "asOrganization":
			continue
		case "colo", "httpProtocol", "tlsVersion", "tlsCipher", "requestPriority", "clientAcceptEncoding":
			if _, err := cfString(k, v); err != nil {
				return Location{}, nil, err
			}
		case "clientTcpRtt", "edgeRequestKeepAliveStatus", "clientTrustScore":
			if _, ok := v.(float64); !ok {
				return Location{}, nil, fmt.Errorf("%s: must be a number, got %s", k, describeJSON(v))
			}
		case "botManagement", "tlsClientAuth", "tlsExportedAuthenticator":
			if _, ok := v.(map[string]any); !ok {
				return Location{}, nil, fmt.Errorf("%s: must be an object, got %s", k, describeJSON(v))
			}
		}
		rest[k] = v
	}
	return loc, rest, nil
}

func cfString(key string, v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		hint := ""
		switch key {
		case "latitude", "longitude", "metroCode":
			hint = " (request.cf has it as a string, e.g. \"-34.60370\")"
			if key == "metroCode" {
				hint = " (request.cf has it as a string, e.g. \"635\")"
			}
		}
		return "", fmt.Errorf("%s: must be a string%s, got %s", key, hint, describeJSON(v))
	}
	return s, nil
}

// checkGeo validates the format of a geographic value and normalises the
// case of codes.
func checkGeo(key, s string) (string, error) {
	switch key {
	case "country":
		u := strings.ToUpper(s)
		if !isCode(u) {
			return "", fmt.Errorf(`country: must be an ISO 3166-1 alpha-2 code such as "AR", got %q`, s)
		}
		return u, nil
	case "continent":
		u := strings.ToUpper(s)
		switch u {
		case "AF", "AN", "AS", "EU", "NA", "OC", "SA":
			return u, nil
		}
		return "", fmt.Errorf(`continent: must be one of AF, AN, AS, EU, NA, OC, SA, got %q`, s)
	case "latitude", "longitude":
		limit := 90.0
		if key == "longitude" {
			limit = 180
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) || math.Abs(f) > limit {
			return "", fmt.Errorf("%s: must be decimal degrees between -%g and %g, got %q", key, limit, limit, s)
		}
	}
	return s, nil
}

// describeJSON names a decoded JSON value for an error message.
func describeJSON(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return "string " + strconv.Quote(v)
	case float64:
		return "number " + strconv.FormatFloat(v, 'g', -1, 64)
	case bool:
		return "boolean " + strconv.FormatBool(v)
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}
