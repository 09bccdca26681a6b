package server

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/verge-edge/verge/tail"
)

// outcomes maps the error codes in a worker's 5xx body to the outcome
// names Cloudflare's tail uses.
var outcomes = map[string]string{
	"verge-1101": "exception", "verge-1102": "exceededCpu", "verge-1103": "exceededMemory",
	"verge-1104": "exceededWallTime", "verge-1105": "exception", "verge-1109": "hostFailed", "verge-1110": "noHost",
}

// tailWriter notes a response's status and outcome for the tail.
type tailWriter struct {
	http.ResponseWriter
	status  int
	outcome string
}

func (w *tailWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *tailWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if w.outcome == "" && w.status >= 500 && len(p) >= 10 {
		w.outcome = outcomes[string(p[:10])]
	}
	return w.ResponseWriter.Write(p)
}

func (w *tailWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *tailWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// hostLog turns a host's log records into tail events: workers' console
// lines, and the errors logged about a worker (uncaught exceptions).
func (s *Server) hostLog(rec map[string]any) {
	if !s.tail.Watched() {
		return
	}
	worker, _ := rec["worker"].(string)
	if worker == "" {
		return
	}
	msg, _ := rec["msg"].(string)
	e := tail.Event{Worker: worker, Colo: s.state.Load().cfg.Colo, Message: msg}
	if kind, _ := rec["kind"].(string); kind == "console" {
		e.Kind = "console"
		e.Level, _ = rec["level"].(string)
		if lvl, ok := rec["consoleLevel"].(string); ok {
			e.Level = lvl
		}
	} else if lvl, _ := rec["level"].(string); lvl == "ERROR" || (lvl == "WARN" && rec["code"] != nil) {
		// An uncaught exception, or a limit that ended a request.
		e.Kind, e.Level = "exception", strings.ToLower(lvl)
		for _, k := range []string{"detail", "err"} {
			if v, ok := rec[k].(string); ok {
				e.Message = msg + ": " + v
				break
			}
		}
	} else {
		return
	}
	s.tail.Publish(e)
}

// tailAdmin streams events as JSON lines: GET /tail?worker=&status=&method=&search=&sampling=
func (s *Server) tailAdmin(mux *http.ServeMux) {
	mux.HandleFunc("GET /tail", func(rw http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		f := tail.Filter{Worker: q.Get("worker"), Status: q.Get("status"), Method: q.Get("method"), Search: q.Get("search")}
		if v := q.Get("sampling"); v != "" {
			var err error
			if f.Sampling, err = strconv.ParseFloat(v, 64); err != nil || f.Sampling <= 0 || f.Sampling > 1 {
				writeJSON(rw, http.StatusBadRequest, map[string]any{"success": false, "error": "sampling: a number in (0, 1]"})
				return
			}
		}
		sub := s.tail.Subscribe(f)
		defer s.tail.Unsubscribe(sub)
		rw.Header().Set("Content-Type", "application/x-ndjson")
		rw.WriteHeader(http.StatusOK)
		flush := http.NewResponseController(rw).Flush
		flush()
		enc := json.NewEncoder(rw)
		keepalive := time.NewTicker(15 * time.Second)
		defer keepalive.Stop()
		for {
			select {
			case <-r.Context().Done():
				return
			case <-keepalive.C:
				rw.Write([]byte("\n")) // keeps proxies from closing an idle stream
			case e := <-sub.C:
				if err := enc.Encode(e); err != nil {
					return
				}
			}
			if flush() != nil {
				return
			}
		}
	})
}
