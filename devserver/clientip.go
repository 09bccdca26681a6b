package devserver

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// clientIP is the address geo looks up: CF-Connecting-IP or the first
// X-Forwarded-For hop when given (dev only: it lets a developer try real
// locations from localhost), else the peer address.
func clientIP(r *http.Request) netip.Addr {
	for _, h := range []string{r.Header.Get("CF-Connecting-IP"), r.Header.Get("X-Forwarded-For")} {
		first, _, _ := strings.Cut(h, ",")
		if ip, err := netip.ParseAddr(strings.TrimSpace(first)); err == nil {
			return ip.Unmap()
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip, _ := netip.ParseAddr(host)
	return ip.Unmap()
}
