package geo

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
)

func TestVercelHeaders(t *testing.T) {
	loc := Location{Country: "BR", City: "São Paulo", Continent: "SA", RegionCode: "SP", Region: "São Paulo",
		Latitude: "-23.55020", Longitude: "-46.63330", PostalCode: "01000-000", Timezone: "America/Sao_Paulo", ASN: 28573}
	want := http.Header{
		"X-Vercel-Ip-Continent":      {"SA"},
		"X-Vercel-Ip-Country":        {"BR"},
		"X-Vercel-Ip-Country-Region": {"SP"},
		"X-Vercel-Ip-City":           {"S%C3%A3o%20Paulo"},
		"X-Vercel-Ip-Latitude":       {"-23.55020"},
		"X-Vercel-Ip-Longitude":      {"-46.63330"},
		"X-Vercel-Ip-Timezone":       {"America/Sao_Paulo"},
		"X-Vercel-Ip-Postal-Code":    {"01000-000"},
	}
	if got := VercelHeaders(loc); !reflect.DeepEqual(got, want) {
		t.Errorf("VercelHeaders =\n%v\nwant\n%v", got, want)
	}
	if h := VercelHeaders(Location{Country: "AR", City: "Buenos Aires", Latitude: "1"}); len(h) != 2 ||
		h.Get("x-vercel-ip-city") != "Buenos%20Aires" || h.Get("x-vercel-ip-latitude") != "" {
		t.Errorf("partial: %v", h)
	}
	if h := VercelHeaders(Location{}); len(h) != 0 {
		t.Errorf("empty location: %v", h)
	}
}

func TestCloudFrontHeaders(t *testing.T) {
	loc := Location{Country: "US", CountryName: "United States", City: "Ann Arbor", Region: "Michigan", RegionCode: "MI",
		PostalCode: "48105", Timezone: "America/Detroit", Latitude: "42.30680", Longitude: "-83.70590", MetroCode: "505",
		ASN: 36375, ASOrganization: "University of Michigan", Continent: "NA"}
	// The values of AWS's own example.
	want := http.Header{
		"Cloudfront-Viewer-Country":             {"US"},
		"Cloudfront-Viewer-Country-Name":        {"United States"},
		"Cloudfront-Viewer-Country-Region":      {"MI"},
		"Cloudfront-Viewer-Country-Region-Name": {"Michigan"},
		"Cloudfront-Viewer-City":                {"Ann Arbor"},
		"Cloudfront-Viewer-Postal-Code":         {"48105"},
		"Cloudfront-Viewer-Time-Zone":           {"America/Detroit"},
		"Cloudfront-Viewer-Latitude":            {"42.30680"},
		"Cloudfront-Viewer-Longitude":           {"-83.70590"},
		"Cloudfront-Viewer-Metro-Code":          {"505"},
		"Cloudfront-Viewer-Asn":                 {"36375"},
	}
	got := CloudFrontHeaders(loc)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("CloudFrontHeaders =\n%v\nwant\n%v", got, want)
	}
	if got.Get("CloudFront-Viewer-ASN") != "36375" {
		t.Error("Get with AWS's spelling fails")
	}
	h := CloudFrontHeaders(Location{Country: "DE", CountryName: "Deutschland", City: "Köln", Region: "Nordrhein-Westfalen"})
	if h.Get("CloudFront-Viewer-City") != "K%C3%B6ln" || h.Get("CloudFront-Viewer-Country-Region-Name") != "Nordrhein-Westfalen" || len(h) != 4 {
		t.Errorf("non-ASCII: %v", h)
	}
}

func TestEncoders(t *testing.T) {
	for in, want := range map[string]string{
		"":                     "",
		"Zürich":               "Z%C3%BCrich",
		"A-Z_a.z!~*'()0":       "A-Z_a.z!~*'()0",
		"a b/c?d&e=f+g#h%i,j;": "a%20b%2Fc%3Fd%26e%3Df%2Bg%23h%25i%2Cj%3B",
		"東京":                   "%E6%9D%B1%E4%BA%AC",
	} {
		if got := encodeURIComponent(in); got != want {
			t.Errorf("encodeURIComponent(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"Ann Arbor":   "Ann Arbor",
		"São Paulo":   "S%C3%A3o Paulo",
		"a\nb":        "a%0Ab",
		"100% (sure)": "100% (sure)",
	} {
		if got := encodeNonASCII(in); got != want {
			t.Errorf("encodeNonASCII(%q) = %q, want %q", in, got, want)
		}
	}
	h := http.Header{}
	set(h, "X-A", "bad\r\nvalue")
	if len(h) != 0 {
		t.Error("control characters sent")
	}
}

// TestAppendHeaders: the tab-separated forms carry the same headers as the
// maps, names lowercased.
func TestAppendHeaders(t *testing.T) {
	loc := Location{Country: "BR", City: "São Paulo", Continent: "SA", RegionCode: "SP", Region: "São Paulo",
		Latitude: "-23.55020", Longitude: "-46.63330", PostalCode: "01000-000", Timezone: "America/Sao_Paulo", ASN: 28573}
	for name, c := range map[string]struct {
		flat []byte
		want http.Header
	}{
		"vercel":     {AppendVercelHeaders(nil, loc), VercelHeaders(loc)},
		"cloudfront": {AppendCloudFrontHeaders([]byte("a\tb"), loc), CloudFrontHeaders(loc)},
	} {
		got := http.Header{}
		parts := strings.Split(string(c.flat), "\t")
		if len(parts)%2 != 0 {
			t.Fatalf("%s: odd number of fields: %q", name, c.flat)
		}
		for i := 0; i < len(parts); i += 2 {
			if parts[i] != strings.ToLower(parts[i]) {
				t.Errorf("%s: name %q not lowercase", name, parts[i])
			}
			got.Add(parts[i], parts[i+1])
		}
		if name == "cloudfront" {
			c.want.Set("a", "b")
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s:\n%v\nwant\n%v", name, got, c.want)
		}
	}
	if b := AppendHeader(nil, "X-A", "with\ttab"); len(b) != 0 {
		t.Errorf("a value with a tab was appended: %q", b)
	}
	if b := AppendHeader(nil, "X-A", ""); len(b) != 0 {
		t.Errorf("an empty value was appended: %q", b)
	}
}
