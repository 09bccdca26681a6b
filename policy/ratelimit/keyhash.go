package ratelimit

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"hash/maphash"
	"net/http"

	"github.com/verge-edge/verge/edgeinfo"
)

// keyWriter receives the encoding of a request's key (keySpec.write).
// A per-PoP limiter hashes it with maphash under its own random seed. A
// cluster-scoped one hashes it with SipHash under a key every PoP
// derives from the same secret, since PoPs must agree on a key's hash to
// add up its counts, and maphash's seeds cannot be shared between
// processes. Exactly one of mh and sip is set.
//
// It gathers the small writes in a buffer, so they inline and neither
// hash is reached through an interface (which would also move it to the
// heap). A key that fits in the buffer, as most do, is hashed with one
// call; a longer one is handed to the streaming hash a block at a time.
type keyWriter struct {
	mh      *maphash.Hash
	seed    maphash.Seed // mh's, set on its first block
	sip     *sipHash
	sipKey  sipKey // sip's, for reset
	flushed bool   // a block went to the streaming hash
	n       int
	buf     [128]byte
}

func (w *keyWriter) flush() {
	switch {
	case w.sip != nil:
		w.sip.Write(w.buf[:w.n])
	case !w.flushed:
		w.mh.SetSeed(w.seed)
		fallthrough
	default:
		w.mh.Write(w.buf[:w.n])
	}
	w.flushed = true
	w.n = 0
}

// WriteByte always returns nil; it has io.ByteWriter's signature.
func (w *keyWriter) WriteByte(c byte) error {
	if w.n == len(w.buf) {
		w.flush()
	}
	w.buf[w.n] = c
	w.n++
	return nil
}

func (w *keyWriter) Write(b []byte) {
	if len(b) <= len(w.buf)-w.n {
		w.n += copy(w.buf[w.n:], b)
		return
	}
	w.writeLongBytes(b)
}

func (w *keyWriter) WriteString(s string) {
	if len(s) <= len(w.buf)-w.n {
		w.n += copy(w.buf[w.n:], s)
		return
	}
	w.writeLongString(s)
}

// writeLongBytes and writeLongString are Write and WriteString for
// what does not fit in the buffer. (One function taking a string would
// make Write copy its bytes into a new string.)
func (w *keyWriter) writeLongBytes(b []byte) {
	for len(b) > 0 {
		if w.n == len(w.buf) {
			w.flush()
		}
		k := copy(w.buf[w.n:], b)
		w.n += k
		b = b[k:]
	}
}

func (w *keyWriter) writeLongString(s string) {
	for len(s) > 0 {
		if w.n == len(w.buf) {
			w.flush()
		}
		k := copy(w.buf[w.n:], s)
		w.n += k
		s = s[k:]
	}
}

// reset drops what was written.
func (w *keyWriter) reset() {
	if w.sip != nil {
		*w.sip = newSipHash(w.sipKey)
	} else if w.flushed {
		w.mh.Reset()
	}
	w.n = 0
	w.flushed = false
}

// sum64 returns the hash of everything written. maphash.Bytes of the
// buffer equals streaming the same bytes through a maphash.Hash, so a
// key's hash does not depend on which way it went.
func (w *keyWriter) sum64() uint64 {
	if w.sip != nil {
		w.sip.Write(w.buf[:w.n])
		return w.sip.Sum64()
	}
	if !w.flushed {
		return maphash.Bytes(w.seed, w.buf[:w.n])
	}
	w.mh.Write(w.buf[:w.n])
	return w.mh.Sum64()
}

// keyHashLabel separates the key-hashing key from any other use of the
// secret it is derived from (such as sealing the network's secrets).
const keyHashLabel = "verge ratelimit cluster key hash v1"

// deriveSipKey derives the SipHash key of cluster-scoped limiters from
// the cluster's secret.
func deriveSipKey(secret []byte) sipKey {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(keyHashLabel))
	sum := mac.Sum(nil)
	return sipKey{binary.LittleEndian.Uint64(sum), binary.LittleEndian.Uint64(sum[8:])}
}

// requestHash is the hash r's key is counted under in l.
func (l *Limiter) requestHash(k keySpec, r *http.Request) uint64 {
	if l.cl != nil {
		return k.clusterHash(r, l.cl.key)
	}
	return k.hash(r, l.seed)
}

// clusterHash is keySpec.hash for a cluster-scoped limiter: the same key
// encoding, hashed under the cluster's key.
func (k keySpec) clusterHash(r *http.Request, key sipKey) uint64 {
	info := edgeinfo.From(r.Context())
	h := newSipHash(key)
	w := keyWriter{sip: &h, sipKey: key}
	if err := k.write(&w, r, info); err != nil {
		w.reset()
		writeFallback(&w, r, info)
	}
	return w.sum64()
}

// stringHash hashes a binding's key text under the cluster's key.
func stringHash(key string, k sipKey) uint64 {
	h := newSipHash(k)
	h.WriteString(key)
	return h.Sum64()
}
