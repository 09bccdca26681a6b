package transform

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/verge-edge/verge/edgeinfo"
)

// partKind says what one piece of a header value template stands for.
type partKind uint8

const (
	partLiteral partKind = iota
	partClientIP
	partCountry
	partColo
	partHost
	partPath
	partClaim
)

// part is a literal or a placeholder; text is the literal or the claim's
// name.
type part struct {
	kind partKind
	text string
}

// template is a parsed header value. Parsing at load time keeps the
// per-request work to appending strings.
type template []part

// parseTemplate parses a header value with {placeholders}.
func parseTemplate(s string) (template, error) {
	if !validHeaderValue(s) {
		return nil, fmt.Errorf("%q contains a control character", s)
	}
	var t template
	var lit strings.Builder
	for s != "" {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			lit.WriteString(s)
			break
		}
		lit.WriteString(s[:i])
		s = s[i+1:]
		if strings.HasPrefix(s, "{") {
			lit.WriteByte('{')
			s = s[1:]
			continue
		}
		name, rest, ok := strings.Cut(s, "}")
		if !ok {
			return nil, fmt.Errorf("unclosed placeholder {%s (write {{ for a literal {)", s)
		}
		p, err := placeholder(name)
		if err != nil {
			return nil, err
		}
		if lit.Len() > 0 {
			t = append(t, part{kind: partLiteral, text: lit.String()})
			lit.Reset()
		}
		t = append(t, p)
		s = rest
	}
	if lit.Len() > 0 || len(t) == 0 {
		t = append(t, part{kind: partLiteral, text: lit.String()})
	}
	return t, nil
}

func placeholder(name string) (part, error) {
	switch name {
	case "client_ip":
		return part{kind: partClientIP}, nil
	case "country":
		return part{kind: partCountry}, nil
	case "colo":
		return part{kind: partColo}, nil
	case "host":
		return part{kind: partHost}, nil
	case "path":
		return part{kind: partPath}, nil
	}
	if claim, ok := strings.CutPrefix(name, "claim."); ok && claim != "" && !strings.Contains(claim, "{") {
		return part{kind: partClaim, text: claim}, nil
	}
	return part{}, fmt.Errorf("unknown placeholder {%s} (want client_ip, country, colo, host, path or claim.NAME)", name)
}

// reqData is what placeholders are filled from: the request as the client
// sent it (before rewrites) and the front's edgeinfo, which may be nil.
type reqData struct {
	r    *http.Request
	info *edgeinfo.Info
}

// expand renders t for one request.
func (t template) expand(d *reqData) string {
	if len(t) == 1 && t[0].kind == partLiteral {
		return t[0].text
	}
	var b strings.Builder
	for _, p := range t {
		if p.kind == partLiteral {
			b.WriteString(p.text)
			continue
		}
		// Request data is the client's to choose; a value a header cannot
		// carry is left out rather than sent mangled.
		if v := d.value(p); validHeaderValue(v) {
			b.WriteString(v)
		}
	}
	return b.String()
}

func (d *reqData) value(p part) string {
	switch p.kind {
	case partClientIP:
		if d.info != nil && d.info.ClientIP.IsValid() {
			return d.info.ClientIP.String()
		}
		// Without the front's edgeinfo (a unit test, a bare handler) the
		// connection's peer is the best we know.
		if host, _, err := net.SplitHostPort(d.r.RemoteAddr); err == nil {
			return host
		}
	case partCountry:
		if d.info != nil {
			return d.info.Location.Country
		}
	case partColo:
		if d.info != nil {
			return d.info.Colo
		}
	case partHost:
		return d.r.Host
	case partPath:
		return d.r.URL.EscapedPath()
	case partClaim:
		if d.info != nil {
			return claimString(d.info.Claims[p.text])
		}
	}
	return ""
}

// claimString renders a claim as jwtauth's forward_claims do: strings as
// they are, other values as JSON.
func claimString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}
