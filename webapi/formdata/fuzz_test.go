package formdata_test

import (
	"errors"
	"testing"
	"time"

	"github.com/verge-edge/verge/engine"
	"github.com/verge-edge/verge/webapi/webapitest"
)

// FuzzParseMultipart checks that any body either parses or throws a
// TypeError, quickly: never another exception, never a hang.
func FuzzParseMultipart(f *testing.F) {
	f.Add([]byte("--X\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n--X--"), "multipart/form-data; boundary=X")
	f.Add([]byte("--X\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a\"\r\nContent-Type: text/plain\r\n\r\n\r\n--X\r\n--X--"), "multipart/form-data; boundary=X")
	f.Add([]byte("pre\r\n--X \r\nContent-Disposition: form-data; name=a; filename*=UTF-8''%41\r\n\r\n\r\n--X--\r\n"), "multipart/form-data; boundary=\"X\"")
	f.Add([]byte("--X--"), "multipart/form-data; boundary=X; charset=utf-8")
	vm := webapitest.New(f, exts()...)
	if _, err := vm.Eval(`globalThis.parse = (u8, ct) => {
		try { const fd = __internals.formdata.parseMultipart(u8, ct); for (const [k, v] of fd) { if (typeof k !== "string") throw new Error("bad name") } return "ok" }
		catch (e) { if (e instanceof TypeError) return "TypeError"; throw e }
	}`, "fuzz.js"); err != nil {
		f.Fatal(err)
	}
	g := vm.Global()
	parse, _ := g.Get("parse")
	g.Free()
	f.Cleanup(parse.Free)
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		u8, err := vm.NewUint8Array(body)
		if err != nil {
			t.Fatal(err)
		}
		defer u8.Free()
		ct := vm.NewString(contentType)
		defer ct.Free()
		vm.SetDeadline(time.Now().Add(2 * time.Second))
		defer vm.SetDeadline(time.Time{})
		r, err := parse.Call(vm.Undefined(), u8, ct)
		if errors.Is(err, engine.ErrDeadline) {
			t.Fatalf("parse hung on %q", body)
		}
		if err != nil {
			t.Fatalf("parse threw %v on %q (content type %q)", err, body, contentType)
		}
		r.Free()
	})
}
