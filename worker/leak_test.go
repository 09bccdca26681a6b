package worker

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestPerRequestResourcesAreReleased: a worker that never reads request
// bodies or subrequest responses must not accumulate host resources (each
// would pin an http.Request) across requests.
func TestPerRequestResourcesAreReleased(t *testing.T) {
	w := newTestWorker(t, `export default { fetch() { return new Response("ignored the body") } }`, Limits{CPU: time.Second}, 1)
	defer w.Close()
	for i := 0; i < 50; i++ {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("POST", "http://x/", strings.NewReader("some body"))
		w.Serve(rec, req, RequestInfo{URL: "http://x/"})
		if rec.Code != 200 {
			t.Fatalf("status %d", rec.Code)
		}
	}
	iso := takeIdle(w)
	n := iso.vm.ResourceCount()
	putIdle(w, iso)
	if n > 0 {
		t.Errorf("%d resources left open after 50 requests", n)
	}
}
