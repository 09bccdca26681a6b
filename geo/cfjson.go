package geo

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"
)

// RawField is an extra request.cf key with its value already in JSON.
type RawField struct {
	Key  string
	JSON []byte
}

// tlsClientAuthJSON is tlsClientAuthPlaceholder encoded once.
var tlsClientAuthJSON = func() []byte {
	b, _ := json.Marshal(tlsClientAuthPlaceholder())
	return b
}()

// AppendCF appends request.cf as CF builds it, encoded as a JSON object,
// then the extra fields. It is what the front sends to the isolate hosts
// with every request: encoding CF's map with encoding/json cost ~38 µs a
// request (reflection and sorted keys of two maps), a third of the
// front's own work for a hello-world worker.
func AppendCF(dst []byte, loc Location, info RequestInfo, extra ...RawField) []byte {
	colo := info.Colo
	if colo == "" {
		colo = DevColo
	}
	dst = append(dst, `{"asn":`...)
	dst = strconv.AppendInt(dst, int64(loc.ASN), 10)
	dst = appendStringField(dst, "asOrganization", loc.ASOrganization)
	dst = appendStringField(dst, "colo", colo)
	dst = appendStringField(dst, "httpProtocol", httpProtocol(info.HTTPProtocol))
	dst = appendStringField(dst, "requestPriority", info.RequestPriority)
	dst = appendStringField(dst, "tlsVersion", info.TLSVersion)
	dst = appendStringField(dst, "tlsCipher", info.TLSCipher)
	dst = append(dst, `,"clientTcpRtt":`...)
	dst = strconv.AppendInt(dst, int64(info.ClientTCPRTT), 10)
	dst = append(dst, `,"edgeRequestKeepAliveStatus":1,"tlsClientAuth":`...)
	dst = append(dst, tlsClientAuthJSON...)
	if info.AcceptEncoding != "" {
		dst = appendStringField(dst, "clientAcceptEncoding", info.AcceptEncoding)
	}
	for _, f := range geoFields(&loc) {
		if *f.dst != "" {
			dst = appendStringField(dst, f.key, *f.dst)
		}
	}
	if loc.IsEUCountry || inEU(loc.Country) {
		dst = append(dst, `,"isEUCountry":"1"`...)
	}
	for _, f := range extra {
		dst = append(dst, ',')
		dst = appendJSONString(dst, f.Key)
		dst = append(dst, ':')
		dst = append(dst, f.JSON...)
	}
	return append(dst, '}')
}

func appendStringField(dst []byte, key, value string) []byte {
	dst = append(dst, ',', '"')
	dst = append(dst, key...) // keys are ours: plain ASCII
	dst = append(dst, '"', ':')
	return appendJSONString(dst, value)
}

// appendJSONString appends s as a JSON string. Invalid UTF-8 (a database
// could hold any bytes) becomes U+FFFD, as encoding/json does.
func appendJSONString(dst []byte, s string) []byte {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		default: // control characters, and <>& escaped as encoding/json does
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
