package streams_test

import (
	"testing"

	"github.com/verge-edge/verge/webapi/abort"
	"github.com/verge-edge/verge/webapi/events"
	"github.com/verge-edge/verge/webapi/streams"
	"github.com/verge-edge/verge/webapi/webapitest"
)

func TestStreams(t *testing.T) {
	webapitest.RunCases(t, []webapitest.Case{
		{"read all", `const s = new ReadableStream({ start(c) { c.enqueue(1); c.enqueue(2); c.close() } });
			const r = s.getReader(); const out = [];
			for (;;) { const {value, done} = await r.read(); if (done) break; out.push(value) }
			return out`, `[1,2]`},
		{"pull on demand", `let pulls = 0; const s = new ReadableStream({ pull(c) { pulls++; c.enqueue(pulls); if (pulls === 3) c.close() } }, { highWaterMark: 0 });
			const out = []; for await (const v of s) out.push(v); return [out, pulls]`, `[[1,2,3],3]`},
		{"backpressure", `let c0; const s = new ReadableStream({ start(c) { c0 = c } }, { highWaterMark: 2 });
			const a = c0.desiredSize; c0.enqueue("x"); c0.enqueue("y"); return [a, c0.desiredSize]`, `[2,0]`},
		{"locked", `const s = new ReadableStream(); s.getReader(); try { s.getReader() } catch (e) { return [e.name, s.locked] }`, `["TypeError",true]`},
		{"error propagates", `const s = new ReadableStream({ start(c) { c.error(new RangeError("bad")) } });
			try { await s.getReader().read() } catch (e) { return e.name }`, `"RangeError"`},
		{"cancel reaches source", `let why; const s = new ReadableStream({ cancel(r) { why = r } }); await s.cancel("stop"); return why`, `"stop"`},
		{"tee", `const [a, b] = new ReadableStream({ start(c) { c.enqueue("x"); c.enqueue("y"); c.close() } }).tee();
			const all = async (s) => { const o = []; for await (const v of s) o.push(v); return o };
			return [await all(a), await all(b)]`, `[["x","y"],["x","y"]]`},
		{"pipeThrough", `const up = new TransformStream({ transform(ch, c) { c.enqueue(ch.toUpperCase()) }, flush(c) { c.enqueue("!") } });
			const out = []; for await (const v of ReadableStream.from(["a", "b"]).pipeThrough(up)) out.push(v); return out.join("")`, `"AB!"`},
		{"pipeTo abort", `const ac = new AbortController(); const got = [];
			const src = new ReadableStream({ pull(c) { return new Promise(r => setTimeout(() => { c.enqueue(1); r() }, 5)) } });
			const p = src.pipeTo(new WritableStream({ write(v) { got.push(v) } }), { signal: ac.signal });
			setTimeout(() => ac.abort(), 12);
			try { await p } catch (e) { return [e.name, got.length > 0] }`, `["AbortError",true]`},
		{"writable", `const got = []; const w = new WritableStream({ write(v) { got.push(v) } });
			const wr = w.getWriter(); await wr.write("a"); await wr.write("b"); await wr.close(); return got`, `["a","b"]`},
		{"early break cancels", `let canceled = false; const s = new ReadableStream({ pull(c) { c.enqueue(1) }, cancel() { canceled = true } });
			for await (const v of s) break; return canceled`, `true`},
		{"1 MiB through TransformStream", `const chunk = new Uint8Array(65536).fill(7); let n = 0;
			const src = new ReadableStream({ pull(c) { if (n++ < 16) c.enqueue(chunk.slice()); else c.close() } });
			let total = 0, sum = 0; for await (const v of src.pipeThrough(new TransformStream())) { total += v.byteLength; sum += v[0] }
			return [total, sum]`, `[1048576,112]`},
		{"byob not yet", `try { new ReadableStream({type: "bytes"}).getReader({mode: "byob"}) } catch (e) { return e.name }`, `"TypeError"`},
		{"bad type", `try { new ReadableStream({type: "nope"}) } catch (e) { return e.name }`, `"RangeError"`},
		{"brand check", `try { ReadableStream.prototype.getReader.call({}) } catch (e) { return e.name }`, `"TypeError"`},
	}, events.Extension(), abort.Extension(), streams.Extension())
}
