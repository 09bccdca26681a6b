package experiment

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/verge-edge/verge/edgeinfo"
)

// stickyKind is what a client's sticky key comes from.
type stickyKind uint8

const (
	stickyCookie stickyKind = iota // an id cookie we issue (experiments only)
	stickyIP
	stickyClaim
	stickyHeader
	stickyReadCookie // an existing cookie we only read (flags only)
)

type sticky struct {
	kind stickyKind
	name string // the claim, header or cookie name
}

// parseSticky parses an experiment's (forFlag false) or a flag's sticky.
func parseSticky(s string, forFlag bool) (sticky, error) {
	kind, name, hasName := strings.Cut(s, ":")
	switch {
	case s == "" && forFlag, s == "ip":
		return sticky{kind: stickyIP}, nil
	case s == "" || s == "cookie" && !forFlag:
		return sticky{kind: stickyCookie}, nil
	case hasName && kind == "claim" && name != "":
		return sticky{kind: stickyClaim, name: name}, nil
	case hasName && kind == "header" && validToken(name):
		return sticky{kind: stickyHeader, name: http.CanonicalHeaderKey(name)}, nil
	case hasName && kind == "cookie" && forFlag && validToken(name):
		return sticky{kind: stickyReadCookie, name: name}, nil
	}
	if forFlag {
		return sticky{}, fmt.Errorf("unknown kind %q (want ip, claim:NAME, header:NAME or cookie:NAME)", s)
	}
	return sticky{}, fmt.Errorf("unknown kind %q (want cookie, ip, claim:NAME or header:NAME)", s)
}

// key returns the request's sticky key for the kinds other than
// stickyCookie, or "" when it has none. info may be nil.
func (s sticky) key(r *http.Request, info *edgeinfo.Info) string {
	switch s.kind {
	case stickyIP:
		return ipKey(r, info)
	case stickyClaim:
		if info != nil {
			return claimString(info.Claims[s.name])
		}
	case stickyHeader:
		return r.Header.Get(s.name)
	case stickyReadCookie:
		if c, err := r.Cookie(s.name); err == nil {
			return c.Value
		}
	}
	return ""
}

// ipKey is the client's address; for IPv6, its /64, because a client
// rotates the interface half of its address (RFC 8981) and would
// otherwise change variants every few hours.
func ipKey(r *http.Request, info *edgeinfo.Info) string {
	var ip netip.Addr
	if info != nil && info.ClientIP.IsValid() {
		ip = info.ClientIP
	} else if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		// Without the front's edgeinfo, the connection's peer.
		ip, _ = netip.ParseAddr(host)
	}
	ip = ip.Unmap()
	if !ip.IsValid() {
		return ""
	}
	if ip.Is6() {
		ip = netip.PrefixFrom(ip.WithZone(""), 64).Masked().Addr()
	}
	return ip.String()
}
