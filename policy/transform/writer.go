package transform

import "net/http"

// responseWriter applies the response header operations and CORS headers
// once, just before the header is written, which is the last moment they
// can change and the first at which the handler behind has set its own.
type responseWriter struct {
	http.ResponseWriter
	t           *Transform
	d           *reqData
	cors        bool   // add the CORS headers of an actual response
	origin      string // the request's Origin
	wroteHeader bool
}

func (w *responseWriter) WriteHeader(code int) {
	// 1xx responses other than 101 are informational and may come several
	// times before the real one; they leave the header alone.
	if !w.wroteHeader && (code < 100 || code > 199 || code == http.StatusSwitchingProtocols) {
		w.wroteHeader = true
		h := w.ResponseWriter.Header()
		w.t.respOps.apply(h, w.d)
		if w.cors {
			w.t.cors.respond(h, w.origin)
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *responseWriter) Write(b []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Flush implements http.Flusher, which streaming handlers (server-sent
// events, chunked worker responses) look for by type assertion.
func (w *responseWriter) Flush() {
	w.FlushError()
}

// FlushError is what http.ResponseController.Flush calls, so that it can
// report a flush that failed.
func (w *responseWriter) FlushError() error {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	return http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap gives http.ResponseController the writer underneath, for the
// features this one does not implement (deadlines, hijacking).
func (w *responseWriter) Unwrap() http.ResponseWriter {
	return w.ResponseWriter
}
