package fetch_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/verge-edge/verge/engine"
	"github.com/verge-edge/verge/webapi/abort"
	"github.com/verge-edge/verge/webapi/blob"
	"github.com/verge-edge/verge/webapi/events"
	"github.com/verge-edge/verge/webapi/fetch"
	"github.com/verge-edge/verge/webapi/formdata"
	"github.com/verge-edge/verge/webapi/headers"
	"github.com/verge-edge/verge/webapi/streams"
	"github.com/verge-edge/verge/webapi/url"
	"github.com/verge-edge/verge/webapi/webapitest"
)

func exts() []engine.Extension {
	return []engine.Extension{events.Extension(), abort.Extension(), streams.Extension(), blob.Extension(),
		formdata.Extension(), headers.Extension(), url.Extension(), fetch.Extension()}
}

func TestBodies(t *testing.T) {
	webapitest.RunCases(t, []webapitest.Case{
		{"used body", `const r = new Response("x"); await r.text(); try { await r.text() } catch (e) { return [e.name, r.bodyUsed] }`, `["TypeError",true]`},
		{"clone of used body", `const r = new Response("x"); await r.text(); try { r.clone() } catch (e) { return e.name }`, `"TypeError"`},
		{"clone tees", `const r = new Response(new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode("s")); c.close() } }));
			const c = r.clone(); return [await r.text(), await c.text()]`, `["s","s"]`},
		{"stream body through transform", `const up = new TransformStream({ transform(ch, c) { c.enqueue(new TextEncoder().encode(new TextDecoder().decode(ch).toUpperCase())) } });
			return await new Response(new Response("abc").body.pipeThrough(up)).text()`, `"ABC"`},
		{"json and formData", `const fd = new FormData(); fd.append("a", "1"); fd.append("f", new Blob(["z"]), "z.txt");
			const r = new Response(fd); const ct = r.headers.get("content-type");
			const back = await r.formData();
			return [ct.startsWith("multipart/form-data; boundary="), back.get("a"), back.get("f").name, await new Response('{"k":[1]}').json()]`,
			`[true,"1","z.txt",{"k":[1]}]`},
		{"formData wrong type", `try { await new Response("a=1").formData() } catch (e) { return e.name }`, `"TypeError"`},
		{"statuses", `const e = []; for (const s of [199, 600, 1.5]) { try { new Response("", { status: s }) } catch (x) { e.push(x.name) } } return e`, `["RangeError","RangeError","RangeError"]`},
		{"methods", `return [new Request("https://x/", { method: "post" }).method, new Request("https://x/", { method: "patch" }).method,
			(() => { try { new Request("https://x/", { method: "CONNECT" }) } catch (e) { return e.name } })()]`, `["POST","patch","TypeError"]`},
		{"request from request", `const a = new Request("https://x/a", { method: "PUT", body: "b", headers: { "x-a": "1" } });
			const b = new Request(a, { headers: { "x-b": "2" } }); return [b.method, await b.text(), b.headers.get("x-b"), a.bodyUsed]`, `["PUT","b","2",true]`},
		{"bad url", `try { new Request("/relative") } catch (e) { return e.name }`, `"TypeError"`},
		{"not http", `try { await fetch("file:///etc/passwd") } catch (e) { return e.name }`, `"TypeError"`},
	}, exts()...)
}

func TestFetchAgainstLocalOrigin(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/redirect":
			http.Redirect(w, r, "/target", http.StatusFound)
		case "/target":
			w.Write([]byte("landed"))
		case "/echo":
			b, _ := io.ReadAll(r.Body)
			w.Header().Set("x-method", r.Method)
			w.Header().Add("set-cookie", "a=1")
			w.Header().Add("set-cookie", "b=2")
			w.Write(append([]byte(r.Header.Get("x-in")+":"), b...))
		case "/slow":
			<-r.Context().Done()
		}
	}))
	defer origin.Close()
	host := strings.TrimPrefix(origin.URL, "http://")
	vm := webapitest.New(t, exts()...)
	fetch.SetPolicy(vm.VM, fetch.Policy{AllowHost: func(h string) bool { return h == host }, MaxSubrequests: 8})
	u := origin.URL
	tests := []webapitest.Case{
		{"post echo", `const r = await fetch("` + u + `/echo", { method: "POST", body: "hi", headers: { "x-in": "v" } });
			return [r.status, r.headers.get("x-method"), await r.text(), r.headers.getSetCookie()]`, `[200,"POST","v:hi",["a=1","b=2"]]`},
		{"follow", `const r = await fetch("` + u + `/redirect"); return [r.status, r.redirected, r.url.endsWith("/target"), await r.text()]`, `[200,true,true,"landed"]`},
		{"manual", `const r = await fetch("` + u + `/redirect", { redirect: "manual" }); return [r.status, r.headers.get("location")]`, `[302,"/target"]`},
		{"error mode", `try { await fetch("` + u + `/redirect", { redirect: "error" }) } catch (e) { return e.name }`, `"TypeError"`},
		{"abort", `const ac = new AbortController(); setTimeout(() => ac.abort(), 20);
			try { await fetch("` + u + `/slow", { signal: ac.signal }) } catch (e) { return e.name }`, `"AbortError"`},
		{"refused loopback", `try { await fetch("http://127.0.0.1:9/") } catch (e) { return [e.name, /not allowed/.test(e.message)] }`, `["TypeError",true]`},
		{"refused by name", `try { await fetch("http://localhost:9/") } catch (e) { return [e.name, /not allowed/.test(e.message)] }`, `["TypeError",true]`},
		{"subrequest limit", `let last; for (let i = 0; i < 10; i++) { try { await (await fetch("` + u + `/target")).text() } catch (e) { last = e.message } } return last`, `"Too many subrequests: the limit is 8 per request."`},
	}
	for _, c := range tests {
		t.Run(c[0], func(t *testing.T) {
			fetch.ResetSubrequests(vm.VM)
			if got := vm.Run(t, c[1]); got != c[2] {
				t.Errorf("got  %s\nwant %s", got, c[2])
			}
		})
	}
}

func TestPublic(t *testing.T) {
	for ip, want := range map[string]bool{
		"8.8.8.8": true, "2606:4700::1": true, "127.0.0.1": false, "10.1.2.3": false, "172.16.0.1": false,
		"192.168.1.1": false, "169.254.169.254": false, "100.64.0.1": false, "0.0.0.0": false, "::1": false,
		"fd00::1": false, "fe80::1": false, "::ffff:127.0.0.1": false, "224.0.0.1": false, "255.255.255.255": false,
	} {
		if got := fetch.Public(netip.MustParseAddr(ip)); got != want {
			t.Errorf("Public(%s) = %v", ip, got)
		}
	}
}
