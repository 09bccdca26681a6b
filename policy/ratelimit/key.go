package ratelimit

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"net/http"
	"net/netip"
	"strconv"
	"strings"

	"github.com/verge-edge/verge/edgeinfo"
	"golang.org/x/net/http/httpguts"
)

type partKind byte

// The kinds are written into the key's hash, so each must stay distinct;
// fallbackKey keeps the IP fallback apart from an "ip" key part.
const (
	partIP partKind = iota + 1
	partHeader
	partClaim
	partPath
	fallbackKey
)

type keyPart struct {
	kind partKind
	name string // header (canonical) or claim name
}

// keySpec is a parsed rate_limit.key.
type keySpec []keyPart

func parseKey(s string) (keySpec, error) {
	if s == "" {
		s = "ip"
	}
	var spec keySpec
	seen := make(map[string]bool)
	for raw := range strings.SplitSeq(s, "+") {
		p := strings.TrimSpace(raw)
		var part keyPart
		switch kind, name, hasName := strings.Cut(p, ":"); {
		case p == "ip":
			part.kind = partIP
		case p == "path":
			part.kind = partPath
		case hasName && kind == "header":
			if !httpguts.ValidHeaderFieldName(name) {
				return nil, fmt.Errorf("%q: %q is not a valid header name", p, name)
			}
			part = keyPart{kind: partHeader, name: http.CanonicalHeaderKey(name)}
		case hasName && kind == "claim":
			if name == "" {
				return nil, fmt.Errorf("%q: claim name is empty", p)
			}
			part = keyPart{kind: partClaim, name: name}
		case p == "":
			return nil, fmt.Errorf("%q has an empty part", s)
		default:
			return nil, fmt.Errorf("%q is not ip, path, header:NAME or claim:NAME", p)
		}
		id := strconv.Itoa(int(part.kind)) + part.name
		if seen[id] {
			return nil, fmt.Errorf("%q appears twice", p)
		}
		seen[id] = true
		spec = append(spec, part)
	}
	return spec, nil
}

// errNoKey means a request lacks a part of the key.
var errNoKey = errors.New("key part missing")

// hash returns the hash of r's key under seed. A request whose key cannot
// be built (the header is absent, the claim is not set) is counted under
// its client address in a bucket of its own kind, so a client cannot
// drain another's fallback bucket by sending that client's address as a
// header value.
//
// Parts are written with their kind and length, so "a"+"bc" and "ab"+"c"
// are different keys. The key itself is never stored, only this 64-bit
// hash: per-key memory does not grow with header length, and with a
// random per-limiter seed a client cannot aim for a collision.
func (k keySpec) hash(r *http.Request, seed maphash.Seed) uint64 {
	info := edgeinfo.From(r.Context())
	var h maphash.Hash
	w := keyWriter{mh: &h, seed: seed}
	if err := k.write(&w, r, info); err != nil {
		w.reset()
		writeFallback(&w, r, info)
	}
	return w.sum64()
}

// writeFallback writes the key of a request whose own key is missing.
func writeFallback(h *keyWriter, r *http.Request, info *edgeinfo.Info) {
	h.WriteByte(byte(fallbackKey))
	writeAddr(h, clientIP(r, info))
}

func (k keySpec) write(h *keyWriter, r *http.Request, info *edgeinfo.Info) error {
	for _, p := range k {
		h.WriteByte(byte(p.kind))
		switch p.kind {
		case partIP:
			writeAddr(h, clientIP(r, info))
		case partPath:
			writeString(h, r.URL.Path)
		case partHeader:
			vals := r.Header.Values(p.name)
			if !hasNonEmpty(vals) {
				return errNoKey
			}
			// Every value counts: picking the first would let a client
			// choose its bucket by adding a second header line.
			writeLen(h, len(vals))
			for _, v := range vals {
				writeString(h, v)
			}
		case partClaim:
			if info == nil {
				return errNoKey
			}
			v, ok := claimText(info.Claims[p.name])
			if !ok {
				return errNoKey
			}
			writeString(h, v)
		}
	}
	return nil
}

func hasNonEmpty(vals []string) bool {
	for _, v := range vals {
		if v != "" {
			return true
		}
	}
	return false
}

// claimText turns a scalar claim into key text. Objects and arrays are
// refused: they are not identities, and their JSON form is not unique.
func claimText(v any) (string, bool) {
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case float64: // encoding/json's number
		s = strconv.FormatFloat(x, 'f', -1, 64)
	case json.Number:
		s = x.String()
	case int:
		s = strconv.Itoa(x)
	case int64:
		s = strconv.FormatInt(x, 10)
	case bool:
		s = strconv.FormatBool(x)
	}
	return s, s != ""
}

// clientIP is the address the front determined, or the connection's peer
// when no front ran (as in tests and direct use). Requests without either
// share the zero address's bucket.
func clientIP(r *http.Request, info *edgeinfo.Info) netip.Addr {
	if info != nil && info.ClientIP.IsValid() {
		return info.ClientIP
	}
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		return ap.Addr()
	}
	a, _ := netip.ParseAddr(r.RemoteAddr)
	return a
}

// writeAddr writes the key of a client address: an IPv4 address as is,
// an IPv6 address as its /64. An IPv6 client is usually given a whole /64
// and can pick any address in it, so keying single IPv6 addresses would
// give each client 2^64 buckets and fill the key table at will.
func writeAddr(h *keyWriter, a netip.Addr) {
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64) // cannot fail for an IPv6 address and 64
		a = p.Addr()
	}
	b := a.As16()
	h.WriteByte(byte(a.BitLen() / 8)) // 4, 16 or 0: families never collide
	h.Write(b[:])
}

func writeString(h *keyWriter, s string) {
	writeLen(h, len(s))
	h.WriteString(s)
}

func writeLen(h *keyWriter, n int) {
	var buf [binary.MaxVarintLen64]byte
	h.Write(binary.AppendUvarint(buf[:0], uint64(n)))
}
