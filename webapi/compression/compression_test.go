package compression_test

import (
	"bytes"
	"compress/gzip"
	"testing"

	"github.com/verge-edge/verge/webapi/abort"
	"github.com/verge-edge/verge/webapi/compression"
	"github.com/verge-edge/verge/webapi/events"
	"github.com/verge-edge/verge/webapi/streams"
	"github.com/verge-edge/verge/webapi/webapitest"
)

func TestCompression(t *testing.T) {
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write([]byte("from go"))
	w.Close()
	goGzip := "[" + func() string {
		s := ""
		for i, b := range gz.Bytes() {
			if i > 0 {
				s += ","
			}
			s += itoa(int(b))
		}
		return s
	}() + "]"
	webapitest.RunCases(t, []webapitest.Case{
		{"round trips", `
			const all = async (s) => { const o = []; let n = 0; for await (const c of s) { o.push(c); n += c.byteLength } const u = new Uint8Array(n); let off = 0; for (const c of o) { u.set(c, off); off += c.byteLength } return u };
			const data = new Uint8Array(300000).map((_, i) => (i * 31) % 251);
			const out = [];
			for (const f of ["gzip", "deflate", "deflate-raw"]) {
				const src = new ReadableStream({ start(c) { for (let i = 0; i < data.length; i += 10000) c.enqueue(data.slice(i, i + 10000)); c.close() } });
				const back = await all(src.pipeThrough(new CompressionStream(f)).pipeThrough(new DecompressionStream(f)));
				out.push(back.length === data.length && back.every((b, i) => b === data[i]));
			}
			return out`, `[true,true,true]`},
		{"go interop", `const src = new ReadableStream({ start(c) { c.enqueue(new Uint8Array(` + goGzip + `)); c.close() } });
			const r = src.pipeThrough(new DecompressionStream("gzip")).pipeThrough(new TextDecoderStream()).getReader();
			let s = ""; for (;;) { const { value, done } = await r.read(); if (done) break; s += value } return s`, `"from go"`},
		{"corrupt", `const src = new ReadableStream({ start(c) { c.enqueue(new Uint8Array([1,2,3,4,5,6,7,8,9,10])); c.close() } });
			try { for await (const x of src.pipeThrough(new DecompressionStream("gzip"))); return "no error" } catch (e) { return e.name }`, `"TypeError"`},
		{"bad format", `try { new CompressionStream("zip") } catch (e) { return e.name }`, `"TypeError"`},
		{"text encoder stream splits pairs", `const r = ReadableStream.from(["a\ud83d", "\ude00b"]).pipeThrough(new TextEncoderStream());
			const out = []; for await (const c of r) out.push(...c); return out`, `[97,240,159,152,128,98]`},
	}, events.Extension(), abort.Extension(), streams.Extension(), compression.Extension())
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	s := ""
	for ; n > 0; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return s
}
