package geo

import (
	"net/http"
	"strconv"
	"strings"
)

// VercelHeaders renders loc as the geolocation request headers Vercel adds
// for Functions and Routing Middleware (@vercel/functions' geolocation()
// reads them): x-vercel-ip-continent, -country, -country-region (the
// ISO 3166-2 region code), -city, -latitude, -longitude, -timezone and
// -postal-code. The city is percent-encoded as JavaScript's
// encodeURIComponent does (geolocation() decodes it with
// decodeURIComponent): "São Paulo" becomes "S%C3%A3o%20Paulo". Unknown
// fields are left out. Header names are in Go's canonical form.
func VercelHeaders(loc Location) http.Header {
	h := make(http.Header, 8)
	vercelFields(loc, func(name, value string) { set(h, name, value) })
	return h
}

func vercelFields(loc Location, set func(name, value string)) {
	set("X-Vercel-Ip-Continent", loc.Continent)
	set("X-Vercel-Ip-Country", loc.Country)
	set("X-Vercel-Ip-Country-Region", loc.RegionCode)
	set("X-Vercel-Ip-City", encodeURIComponent(loc.City))
	if loc.Latitude != "" && loc.Longitude != "" {
		set("X-Vercel-Ip-Latitude", loc.Latitude)
		set("X-Vercel-Ip-Longitude", loc.Longitude)
	}
	set("X-Vercel-Ip-Timezone", loc.Timezone)
	set("X-Vercel-Ip-Postal-Code", loc.PostalCode)
}

// CloudFrontHeaders renders loc as CloudFront's viewer location headers:
// CloudFront-Viewer-Country, -Country-Name, -Country-Region (ISO 3166-2
// region code, up to three characters), -Country-Region-Name, -City,
// -Postal-Code, -Time-Zone, -Latitude, -Longitude, -Metro-Code and -ASN.
// As CloudFront does, non-ASCII characters are percent-encoded (RFC 3986)
// and ASCII is left as is: "São Paulo" becomes "S%C3%A3o Paulo". Unknown
// fields are left out. CloudFront-Viewer-Address (ip:port) is not a
// location and is not set here.
func CloudFrontHeaders(loc Location) http.Header {
	h := make(http.Header, 11)
	cloudFrontFields(loc, func(name, value string) { set(h, name, value) })
	return h
}

func cloudFrontFields(loc Location, set func(name, value string)) {
	set("Cloudfront-Viewer-Country", loc.Country)
	set("Cloudfront-Viewer-Country-Name", encodeNonASCII(loc.CountryName))
	set("Cloudfront-Viewer-Country-Region", loc.RegionCode)
	set("Cloudfront-Viewer-Country-Region-Name", encodeNonASCII(loc.Region))
	set("Cloudfront-Viewer-City", encodeNonASCII(loc.City))
	set("Cloudfront-Viewer-Postal-Code", encodeNonASCII(loc.PostalCode))
	set("Cloudfront-Viewer-Time-Zone", loc.Timezone)
	if loc.Latitude != "" && loc.Longitude != "" {
		set("Cloudfront-Viewer-Latitude", loc.Latitude)
		set("Cloudfront-Viewer-Longitude", loc.Longitude)
	}
	set("Cloudfront-Viewer-Metro-Code", loc.MetroCode)
	if loc.ASN != 0 {
		set("Cloudfront-Viewer-Asn", strconv.Itoa(loc.ASN))
	}
}

// AppendVercelHeaders and AppendCloudFrontHeaders append the headers of
// VercelHeaders and CloudFrontHeaders to dst as tab-separated pairs
// (lowercase names), the form of worker.RequestInfo.Headers: cheaper per
// request than a header map to fill, copy and send.
func AppendVercelHeaders(dst []byte, loc Location) []byte {
	vercelFields(loc, func(name, value string) { dst = AppendHeader(dst, name, value) })
	return dst
}

// AppendCloudFrontHeaders: see AppendVercelHeaders.
func AppendCloudFrontHeaders(dst []byte, loc Location) []byte {
	cloudFrontFields(loc, func(name, value string) { dst = AppendHeader(dst, name, value) })
	return dst
}

// AppendHeader appends one header to tab-separated pairs (see
// AppendVercelHeaders), its name lowercased; an empty value, or one with
// control characters (tabs included), is left out.
func AppendHeader(dst []byte, name, value string) []byte {
	if !sendable(value) {
		return dst
	}
	if len(dst) > 0 {
		dst = append(dst, '\t')
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	dst = append(dst, '\t')
	return append(dst, value...)
}

// set adds a header with a name already in canonical form, skipping empty
// values and any value that could not be sent (control characters).
func set(h http.Header, name, value string) {
	if sendable(value) {
		h[name] = []string{value}
	}
}

func sendable(value string) bool {
	return value != "" && !strings.ContainsFunc(value, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

const upperHex = "0123456789ABCDEF"

// encodeURIComponent escapes s as JavaScript's encodeURIComponent: every
// byte of its UTF-8 form except A-Z a-z 0-9 - _ . ! ~ * ' ( ).
func encodeURIComponent(s string) string {
	return escape(s, func(c byte) bool {
		return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			strings.IndexByte("-_.!~*'()", c) >= 0
	})
}

// encodeNonASCII percent-encodes the bytes of non-ASCII characters and
// control characters, leaving printable ASCII alone.
func encodeNonASCII(s string) string {
	return escape(s, func(c byte) bool { return c >= 0x20 && c < 0x7f })
}

func escape(s string, keep func(byte) bool) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if !keep(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 2*n)
	for i := 0; i < len(s); i++ {
		if c := s[i]; keep(c) {
			b.WriteByte(c)
		} else {
			b.WriteByte('%')
			b.WriteByte(upperHex[c>>4])
			b.WriteByte(upperHex[c&15])
		}
	}
	return b.String()
}
