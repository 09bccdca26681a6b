package geo

import (
	"crypto/tls"
	"encoding/json"
	"maps"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

func TestCF(t *testing.T) {
	loc := with(wantAR, 7303, "Telecom Argentina S.A.")
	cf := CF(loc, RequestInfo{Colo: "EZE", HTTPProtocol: "HTTP/2.0", TLSVersion: "TLSv1.3",
		TLSCipher: "AEAD-AES128-GCM-SHA256", AcceptEncoding: "gzip, br", ClientTCPRTT: 12})
	want := map[string]any{
		"asn": 7303, "asOrganization": "Telecom Argentina S.A.", "colo": "EZE", "httpProtocol": "HTTP/2",
		"requestPriority": "", "tlsVersion": "TLSv1.3", "tlsCipher": "AEAD-AES128-GCM-SHA256",
		"clientTcpRtt": 12, "edgeRequestKeepAliveStatus": 1, "clientAcceptEncoding": "gzip, br",
		"country": "AR", "continent": "SA", "city": "Buenos Aires", "postalCode": "C1000",
		"latitude": "-34.60370", "longitude": "-58.38160", "timezone": "America/Argentina/Buenos_Aires",
		"region": "Buenos Aires F.D.", "regionCode": "C",
	}
	auth, _ := cf["tlsClientAuth"].(map[string]any)
	delete(cf, "tlsClientAuth")
	if !reflect.DeepEqual(cf, want) {
		t.Errorf("CF =\n%v\nwant\n%v", cf, want)
	}
	if auth["certPresented"] != "0" || auth["certVerified"] != "NONE" || auth["certRevoked"] != "0" || auth["certSerial"] != "" || len(auth) != 17 {
		t.Errorf("tlsClientAuth = %v", auth)
	}

	// Value types as Cloudflare's: numbers are numbers, coordinates strings.
	b, err := json.Marshal(CF(loc, RequestInfo{}))
	if err != nil {
		t.Fatal(err)
	}
	for _, frag := range []string{`"asn":7303`, `"latitude":"-34.60370"`, `"clientTcpRtt":0`, `"colo":"DEV"`, `"tlsVersion":""`, `"tlsCipher":""`, `"edgeRequestKeepAliveStatus":1`} {
		if !strings.Contains(string(b), frag) {
			t.Errorf("JSON lacks %s: %s", frag, b)
		}
	}
	for _, key := range []string{"metroCode", "isEUCountry", "clientAcceptEncoding", "botManagement"} {
		if strings.Contains(string(b), `"`+key+`"`) {
			t.Errorf("JSON has %s: %s", key, b)
		}
	}

	// Unknown fields are left out; EU membership from the flag or the country.
	cf = CF(Location{Country: "DE"}, RequestInfo{})
	if cf["isEUCountry"] != "1" || cf["country"] != "DE" || cf["asn"] != 0 || cf["asOrganization"] != "" {
		t.Errorf("DE: %v", cf)
	}
	for _, k := range []string{"city", "latitude", "longitude", "region", "metroCode"} {
		if _, ok := cf[k]; ok {
			t.Errorf("DE: %s present", k)
		}
	}
	if cf := CF(Location{Country: "XX", IsEUCountry: true}, RequestInfo{}); cf["isEUCountry"] != "1" {
		t.Errorf("IsEUCountry flag ignored: %v", cf)
	}
	if cf := CF(wantUS, RequestInfo{HTTPProtocol: "HTTP/1.1"}); cf["metroCode"] != "505" || cf["httpProtocol"] != "HTTP/1.1" {
		t.Errorf("US: %v", cf)
	}
	// Every call returns a fresh map.
	a, c := CF(loc, RequestInfo{}), CF(loc, RequestInfo{})
	a["colo"] = "X"
	a["tlsClientAuth"].(map[string]any)["certPresented"] = "1"
	if c["colo"] != "DEV" || c["tlsClientAuth"].(map[string]any)["certPresented"] != "0" {
		t.Error("CF results share state")
	}
}

func TestNewRequestInfo(t *testing.T) {
	r := httptest.NewRequest("GET", "https://example.com/", nil)
	r.Proto = "HTTP/2.0"
	r.Header.Set("Accept-Encoding", "gzip, deflate, br")
	r.TLS = &tls.ConnectionState{Version: tls.VersionTLS13, CipherSuite: tls.TLS_AES_128_GCM_SHA256}
	info := NewRequestInfo(r, "GRU")
	want := RequestInfo{Colo: "GRU", HTTPProtocol: "HTTP/2.0", TLSVersion: "TLSv1.3", TLSCipher: "AEAD-AES128-GCM-SHA256", AcceptEncoding: "gzip, deflate, br"}
	if info != want {
		t.Errorf("NewRequestInfo = %+v", info)
	}
	if cf := CF(Location{}, info); cf["httpProtocol"] != "HTTP/2" {
		t.Errorf("httpProtocol = %v", cf["httpProtocol"])
	}
	plain := NewRequestInfo(httptest.NewRequest("GET", "http://example.com/", nil), "")
	if plain.TLSVersion != "" || plain.TLSCipher != "" || plain.HTTPProtocol != "HTTP/1.1" {
		t.Errorf("plain: %+v", plain)
	}
	for v, name := range map[uint16]string{tls.VersionTLS12: "TLSv1.2", tls.VersionTLS11: "TLSv1.1", tls.VersionTLS10: "TLSv1"} {
		if got := TLSVersionName(v); got != name {
			t.Errorf("TLSVersionName(%x) = %s", v, got)
		}
	}
	if got := TLSCipherName(tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256); got != "ECDHE-RSA-AES128-GCM-SHA256" {
		t.Errorf("TLSCipherName = %s", got)
	}
	if got := TLSCipherName(tls.TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA); got != "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA" {
		t.Errorf("TLSCipherName fallback = %s", got)
	}
}

func TestParseCF(t *testing.T) {
	tests := []struct {
		in   string
		loc  Location
		rest map[string]any
	}{
		{`{}`, Default(), map[string]any{}},
		{`{"colo":"GRU"}`, Default(), map[string]any{"colo": "GRU"}},
		{
			`{"country":"AR","city":"Buenos Aires"}`,
			Location{Country: "AR", City: "Buenos Aires", ASOrganization: "Verge Dev"},
			map[string]any{},
		},
		{
			`{"country":"de","asn":3320,"asOrganization":"Deutsche Telekom AG","botManagement":{"score":99},"foo":[1,"x"]}`,
			Location{Country: "DE", IsEUCountry: true, ASN: 3320, ASOrganization: "Deutsche Telekom AG"},
			map[string]any{"botManagement": map[string]any{"score": 99.0}, "foo": []any{1.0, "x"}},
		},
		{
			`{"city":"Córdoba","latitude":"-31.41350","longitude":"-64.18105","continent":"sa","regionCode":"X","region":"Córdoba","postalCode":"5000","timezone":"America/Argentina/Cordoba","metroCode":"0"}`,
			Location{City: "Córdoba", Latitude: "-31.41350", Longitude: "-64.18105", Continent: "SA", RegionCode: "X", Region: "Córdoba",
				PostalCode: "5000", Timezone: "America/Argentina/Cordoba", MetroCode: "0", ASOrganization: "Verge Dev"},
			map[string]any{},
		},
		{`{"isEUCountry":"1"}`, Location{IsEUCountry: true, ASOrganization: "Verge Dev"}, map[string]any{}},
		{`{"country":"T1","clientTcpRtt":5,"httpProtocol":"HTTP/3","tlsClientAuth":{}}`,
			Location{Country: "T1", ASOrganization: "Verge Dev"},
			map[string]any{"clientTcpRtt": 5.0, "httpProtocol": "HTTP/3", "tlsClientAuth": map[string]any{}}},
	}
	for _, tt := range tests {
		loc, rest, err := ParseCF(tt.in)
		if err != nil {
			t.Errorf("%s: %v", tt.in, err)
			continue
		}
		if loc != tt.loc || !reflect.DeepEqual(rest, tt.rest) {
			t.Errorf("%s:\n got %+v %v\nwant %+v %v", tt.in, loc, rest, tt.loc, tt.rest)
		}
	}
}

func TestParseCFErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{``, "request.cf is not valid JSON"},
		{`nope`, "request.cf is not valid JSON"},
		{`{"country":"AR"`, "request.cf is not valid JSON"},
		{`{"country":"AR"} x`, "request.cf is not valid JSON"},
		{`[]`, "request.cf must be a JSON object, got array"},
		{`"AR"`, "request.cf must be a JSON object, got string"},
		{`null`, "request.cf must be a JSON object, got null"},
		{`{"country":1}`, "country: must be a string, got number 1"},
		{`{"country":"Argentina"}`, `country: must be an ISO 3166-1 alpha-2 code such as "AR", got "Argentina"`},
		{`{"continent":"South America"}`, "continent: must be one of AF, AN, AS, EU, NA, OC, SA"},
		{`{"latitude":-34.6}`, `latitude: must be a string (request.cf has it as a string, e.g. "-34.60370"), got number -34.6`},
		{`{"latitude":"north"}`, `latitude: must be decimal degrees between -90 and 90, got "north"`},
		{`{"longitude":"200"}`, `longitude: must be decimal degrees between -180 and 180, got "200"`},
		{`{"metroCode":635}`, `metroCode: must be a string (request.cf has it as a string, e.g. "635"), got number 635`},
		{`{"city":null}`, "city: must be a string, got null"},
		{`{"isEUCountry":true}`, `isEUCountry: must be "1" (Cloudflare leaves the key out outside the EU), got boolean true`},
		{`{"isEUCountry":"0"}`, `isEUCountry: must be "1"`},
		{`{"asn":"AS13335"}`, `asn: must be an AS number such as 13335, got string "AS13335"`},
		{`{"asn":1.5}`, "asn: must be an AS number such as 13335, got number 1.5"},
		{`{"asn":-1}`, "asn: must be an AS number"},
		{`{"asn":4294967296}`, "asn: must be an AS number"},
		{`{"asOrganization":7}`, "asOrganization: must be a string, got number 7"},
		{`{"colo":["GRU"]}`, "colo: must be a string, got an array"},
		{`{"clientTcpRtt":"5"}`, `clientTcpRtt: must be a number, got string "5"`},
		{`{"botManagement":99}`, "botManagement: must be an object, got number 99"},
	}
	for _, tt := range tests {
		_, _, err := ParseCF(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseCF(%s) error = %v, want %q", tt.in, err, tt.want)
		}
	}
}

// FuzzParseCF checks that ParseCF never panics and that whatever it
// accepts survives a round trip through CF: rendering the Location and the
// rest, then parsing that, gives the same Location back.
func FuzzParseCF(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"country":"AR","city":"Buenos Aires"}`, `{"asn":13335,"colo":"GRU"}`,
		`{"latitude":"1.5","longitude":"-2","isEUCountry":"1"}`, `{"botManagement":{"score":1}}`,
		`{"country":"de","continent":"eu","metroCode":"1"}`, `[]`, `null`, `{"a":{"b":[1,2,{"c":null}]}}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		loc, rest, err := ParseCF(s)
		if err != nil {
			return
		}
		cf := CF(loc, RequestInfo{})
		maps.Copy(cf, rest)
		b, err := json.Marshal(cf)
		if err != nil {
			t.Fatalf("marshal %v: %v", cf, err)
		}
		loc2, _, err := ParseCF(string(b))
		if err != nil {
			t.Fatalf("re-parse of %s: %v", b, err)
		}
		// A Location with no geographic field renders no geographic key,
		// which reads back as Default's place; and request.cf has no
		// country name.
		empty := loc
		empty.ASN, empty.ASOrganization, empty.CountryName = 0, "", ""
		if empty == (Location{}) {
			return
		}
		loc.CountryName, loc2.CountryName = "", ""
		if loc.IsEUCountry || inEU(loc.Country) {
			loc.IsEUCountry = true
		}
		if loc != loc2 {
			t.Fatalf("round trip of %s:\n%+v\n%+v", s, loc, loc2)
		}
	})
}
