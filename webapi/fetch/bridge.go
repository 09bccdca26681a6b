package fetch

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/verge-edge/verge/engine"
)

// NewRequest makes the JS Request for an incoming HTTP request. The body is
// not read here: the worker's stream pulls it from r.Body in chunks. extra
// are more headers, tab-separated pairs (see worker.RequestInfo.Headers).
// cf is borrowed and becomes request.cf.
func NewRequest(vm *engine.VM, r *http.Request, url, extra string, cf engine.Value) (engine.Value, error) {
	st := getState(vm)
	if st.fns[0].IsUndefined() {
		return engine.Value{}, errors.New("fetch: the prelude lacks the fetch extension")
	}
	buf := appendFlat(st.flatBuf[:0], r.Header)
	if r.Host != "" {
		// net/http moves Host out of the header map; workers see it.
		buf = appendFlatPair(buf, "host", r.Host)
	}
	if extra != "" {
		if len(buf) > 0 {
			buf = append(buf, 0)
		}
		buf = appendTabsAsNUL(buf, extra)
	}
	st.flatBuf = buf
	flat := vm.NewStringBytes(buf)
	defer flat.Free()
	rid := 0
	if r.Body != nil && r.Body != http.NoBody && r.Method != http.MethodGet && r.Method != http.MethodHead {
		rid = vm.AddResource(&bodyResource{r: r.Body})
		rs := requestState(vm)
		rs.bodies = append(rs.bodies, rid)
	}
	method, u := vm.NewString(r.Method), vm.NewString(url)
	ridV := vm.NewInt(int64(rid))
	defer method.Free()
	defer u.Free()
	return st.fns[0].Call(vm.Undefined(), method, u, flat, ridV, cf)
}

// WriteResponse writes the JS Response resp (borrowed) to w: status,
// headers, then the body, streaming it chunk by chunk (and flushing) when
// it is a stream. It runs the VM's event loop until the body is done.
func WriteResponse(ctx context.Context, vm *engine.VM, resp engine.Value, w http.ResponseWriter) error {
	st := getState(vm)
	parts, err := st.fns[1].Call(vm.Undefined(), resp)
	if err != nil {
		return err
	}
	defer parts.Free()
	get := func(i int) engine.Value {
		v, _ := parts.Index(i)
		return v
	}
	statusV := get(0)
	status, _ := statusV.Int()
	statusV.Free()
	hv := get(1)
	dst := w.Header()
	err = addFlatHeaders(dst, hv)
	hv.Free()
	if err != nil {
		return err
	}
	bytesV := get(2)
	defer bytesV.Free()
	if !bytesV.IsNullish() {
		b, err := bytesV.Bytes()
		if err != nil {
			return err
		}
		if dst.Get("Content-Length") == "" {
			dst.Set("Content-Length", strconv.Itoa(len(b)))
		}
		// b is a copy: the VM's other requests may run meanwhile.
		vm.Unlocked(func() {
			w.WriteHeader(int(status))
			_, err = w.Write(b)
		})
		return err
	}
	ridV := get(4)
	rid, _ := ridV.Int()
	ridV.Free()
	if rid > 0 {
		return copyOut(ctx, vm, int(rid), int(status), w)
	}
	pumpV := get(3)
	defer pumpV.Free()
	if pumpV.IsNullish() {
		w.WriteHeader(int(status))
		return nil
	}
	// A streamed body: the length is unknown unless the worker set it.
	w.WriteHeader(int(status))
	wr := &writerResource{w: w}
	wid := vm.AddResource(wr)
	defer vm.CloseResource(wid)
	widV := vm.NewInt(int64(wid))
	p, err := pumpV.Call(vm.Undefined(), widV)
	if err != nil {
		return err
	}
	defer p.Free()
	err = vm.RunUntil(ctx, func() bool { return p.PromiseState() != engine.PromisePending })
	if err != nil {
		// A write may be in flight to a client that stopped reading; it
		// must end before the handler returns, so cut it short.
		http.NewResponseController(w).SetWriteDeadline(time.Now())
	}
	vm.Unlocked(wr.busy.Wait)
	if err != nil {
		return err
	}
	if p.PromiseState() == engine.PromiseRejected {
		reason := p.PromiseResult()
		defer reason.Free()
		// The head is out: the only honest signal left is to abort the
		// connection, so the client sees a truncated body, not a short one.
		err := vm.ErrorFrom(reason)
		return &StreamError{Err: err}
	}
	return nil
}

// StreamError is a response body stream that failed after the head was
// sent.
type StreamError struct{ Err error }

func (e *StreamError) Error() string { return "response body stream failed: " + e.Err.Error() }

// Unwrap returns the stream's error.
func (e *StreamError) Unwrap() error { return e.Err }

// copyOut writes the body resource rid, a body the worker passed on
// without reading it, to w from Go, with the VM's lock released: proxying
// costs no JavaScript per chunk. Chunks are flushed as they come when the
// length is unknown (a stream, such as server-sent events).
func copyOut(ctx context.Context, vm *engine.VM, rid, status int, w http.ResponseWriter) error {
	r, _ := vm.Resource(rid)
	br, ok := r.(*bodyResource)
	if !ok {
		return errors.New("the response body was closed before it was sent")
	}
	defer vm.CloseResource(rid)
	flush := w.Header().Get("Content-Length") == ""
	w.WriteHeader(status)
	var err error
	vm.Unlocked(func() {
		stop := context.AfterFunc(ctx, func() { br.Close() })
		defer stop()
		bufp := chunkPool.Get().(*[]byte)
		defer chunkPool.Put(bufp)
		br.mu.Lock()
		defer br.mu.Unlock()
		f, _ := w.(http.Flusher)
		for {
			n, rerr := br.r.Read(*bufp)
			if n > 0 {
				if _, err = w.Write((*bufp)[:n]); err != nil {
					return
				}
				if flush && f != nil {
					f.Flush()
				}
			}
			if rerr == io.EOF {
				return
			}
			if rerr != nil {
				err = rerr
				if ctx.Err() != nil {
					err = ctx.Err()
				}
				return
			}
		}
	})
	if err != nil {
		return &StreamError{Err: err}
	}
	return nil
}
