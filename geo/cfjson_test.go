package geo

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestAppendCFMatchesCF: the hand-written encoding decodes to what
// encoding/json makes of CF's map, for a full location, an empty one and
// hostile strings.
func TestAppendCFMatchesCF(t *testing.T) {
	full := Location{Country: "DE", Continent: "EU", City: "München", PostalCode: "80331", Latitude: "48.1", Longitude: "11.5",
		Timezone: "Europe/Berlin", Region: "Bavaria", RegionCode: "BY", MetroCode: "1", ASN: 3320, ASOrganization: "Deutsche Telekom AG"}
	hostile := Location{City: "a\"b\\c\x00\x1f<script>&\u2028", ASOrganization: "bad \xff utf8", Country: "US"}
	infos := []RequestInfo{
		{},
		{Colo: "FRA", HTTPProtocol: "HTTP/2.0", TLSVersion: "TLSv1.3", TLSCipher: "AEAD-AES128-GCM-SHA256", AcceptEncoding: "gzip, br", ClientTCPRTT: 12, RequestPriority: "weight=192;exclusive=0"},
	}
	for _, loc := range []Location{full, {}, hostile} {
		for _, info := range infos {
			want, _ := json.Marshal(CF(loc, info))
			got := AppendCF(nil, loc, info)
			var w, g map[string]any
			if err := json.Unmarshal(want, &w); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(got, &g); err != nil {
				t.Fatalf("AppendCF made invalid JSON: %v\n%s", err, got)
			}
			if !reflect.DeepEqual(w, g) {
				t.Errorf("AppendCF:\n%s\nCF:\n%s", got, want)
			}
		}
	}
	got := AppendCF(nil, Location{}, RequestInfo{}, RawField{"flags", []byte(`{"beta":true}`)}, RawField{"experiments", []byte(`{"x":"a"}`)})
	var m map[string]any
	if err := json.Unmarshal(got, &m); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m["flags"], map[string]any{"beta": true}) || !reflect.DeepEqual(m["experiments"], map[string]any{"x": "a"}) {
		t.Errorf("extra fields: %s", got)
	}
}

func BenchmarkCFJSON(b *testing.B) {
	loc := Location{Country: "DE", Continent: "EU", City: "Munich", Latitude: "48.1", Longitude: "11.5", Timezone: "Europe/Berlin", ASN: 3320, ASOrganization: "DTAG"}
	info := RequestInfo{Colo: "FRA", HTTPProtocol: "HTTP/1.1", AcceptEncoding: "gzip"}
	b.Run("encoding/json of CF", func(b *testing.B) {
		for b.Loop() {
			json.Marshal(CF(loc, info))
		}
	})
	b.Run("AppendCF", func(b *testing.B) {
		buf := make([]byte, 0, 1024)
		for b.Loop() {
			buf = AppendCF(buf[:0], loc, info)
		}
	})
}
