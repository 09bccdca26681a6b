// Streams: ReadableStream, WritableStream, TransformStream and the queuing
// strategies, following the WHATWG Streams Standard's model (queues with
// sizes, desiredSize and backpressure, pull on demand, cancellation and
// error propagation). Byte streams (type: "bytes") are accepted and behave
// as default streams of Uint8Array chunks; BYOB readers are not provided
// yet (getReader({mode: "byob"}) throws a TypeError saying so).
(function (verge) {
  "use strict";
  const { internals } = verge;

  const resolved = (v) => Promise.resolve(v);
  function deferred() {
    let resolve, reject;
    const promise = new Promise((a, b) => { resolve = a; reject = b; });
    promise.catch(() => {});
    return { promise, resolve, reject };
  }
  function hwmOf(strategy, dflt) {
    const h = strategy?.highWaterMark;
    if (h === undefined) return dflt;
    const n = Number(h);
    if (Number.isNaN(n) || n < 0) throw new RangeError("highWaterMark must be a non-negative number");
    return n;
  }
  function sizeOf(strategy) {
    const s = strategy?.size;
    if (s === undefined) return () => 1;
    if (typeof s !== "function") throw new TypeError("size must be a function");
    return s;
  }

  // A queue with a moving head, so dequeue is O(1).
  class Queue {
    constructor() { this.items = []; this.head = 0; this.total = 0; }
    get length() { return this.items.length - this.head; }
    push(v, size) { this.items.push([v, size]); this.total += size; }
    shift() {
      const [v, size] = this.items[this.head];
      this.items[this.head++] = undefined;
      this.total -= size;
      if (this.head > 1024 && this.head * 2 > this.items.length) { this.items = this.items.slice(this.head); this.head = 0; }
      if (this.length === 0) this.total = 0;
      return v;
    }
    clear() { this.items = []; this.head = 0; this.total = 0; }
  }

  // ---- ReadableStream ----
  const R = verge.privateState(); // stream -> state
  const RS = (s) => { const st = R.get(s); if (!st) throw new TypeError("Illegal invocation"); return st; };

  class ReadableStreamDefaultController {
    #st;
    constructor(key, st) { if (key !== R) throw new TypeError("Illegal constructor"); this.#st = st; }
    get desiredSize() {
      const st = this.#st;
      if (st.state === "errored") return null;
      if (st.state === "closed") return 0;
      return st.hwm - st.queue.total;
    }
    enqueue(chunk) {
      const st = this.#st;
      if (st.closeRequested || st.state !== "readable") throw new TypeError("Cannot enqueue: the stream is closed or closing.");
      if (st.type === "bytes" && !ArrayBuffer.isView(chunk)) throw new TypeError("Chunk must be an ArrayBufferView for a byte stream.");
      if (st.reader && st.reader.requests.length) {
        st.reader.requests.shift().resolve({ value: chunk, done: false });
      } else {
        let size;
        try { size = st.size(chunk); } catch (e) { rsError(st, e); throw e; }
        if (!(size >= 0) || size === Infinity) { const e = new RangeError("Invalid chunk size"); rsError(st, e); throw e; }
        st.queue.push(chunk, size);
      }
      pullIfNeeded(st);
    }
    close() {
      const st = this.#st;
      if (st.closeRequested || st.state !== "readable") throw new TypeError("Cannot close: the stream is closed or closing.");
      st.closeRequested = true;
      if (st.queue.length === 0) rsClose(st);
    }
    error(e) { if (this.#st.state === "readable") rsError(this.#st, e); }
    get byobRequest() { return null; }
    get [Symbol.toStringTag]() { return "ReadableStreamDefaultController"; }
  }

  function pullIfNeeded(st) {
    if (st.state !== "readable" || st.closeRequested || !st.started) return;
    const wantsData = (st.reader && st.reader.requests.length > 0) || st.hwm - st.queue.total > 0;
    if (!wantsData || !st.pull) return;
    if (st.pulling) { st.pullAgain = true; return; }
    st.pulling = true;
    let p;
    try { p = resolved(st.pull(st.controller)); } catch (e) { p = Promise.reject(e); }
    p.then(() => {
      st.pulling = false;
      if (st.pullAgain) { st.pullAgain = false; pullIfNeeded(st); }
    }, (e) => rsError(st, e));
  }

  function rsClose(st) {
    if (st.state !== "readable") return;
    st.state = "closed";
    if (st.reader) {
      for (const r of st.reader.requests.splice(0)) r.resolve({ value: undefined, done: true });
      st.reader.closed.resolve(undefined);
    }
    release(st);
  }
  // release drops what a finished stream no longer calls (its controller
  // and source), so that its objects, which point at each other, are freed
  // by reference counting instead of waiting for a full GC.
  function release(st) {
    st.controller = null;
    st.pull = null;
    st.cancel = null;
  }
  function rsError(st, e) {
    if (st.state !== "readable") return;
    st.state = "errored";
    st.storedError = e;
    st.queue.clear();
    if (st.reader) {
      for (const r of st.reader.requests.splice(0)) r.reject(e);
      st.reader.closed.reject(e);
    }
    release(st);
  }
  function rsCancel(st, reason) {
    st.disturbed = true;
    if (st.state === "closed") return resolved();
    if (st.state === "errored") return Promise.reject(st.storedError);
    const cancel = st.cancel;
    st.queue.clear();
    rsClose(st);
    let p;
    try { p = resolved(cancel ? cancel(reason) : undefined); } catch (e) { p = Promise.reject(e); }
    return p.then(() => undefined);
  }
  function rsRead(st) {
    st.disturbed = true;
    if (st.state === "closed") return resolved({ value: undefined, done: true });
    if (st.state === "errored") return Promise.reject(st.storedError);
    if (st.queue.length > 0) {
      const value = st.queue.shift();
      if (st.closeRequested && st.queue.length === 0) rsClose(st);
      else pullIfNeeded(st);
      return resolved({ value, done: false });
    }
    const d = deferred();
    st.reader.requests.push(d);
    pullIfNeeded(st);
    return d.promise;
  }

  class ReadableStreamDefaultReader {
    #st = null; #me;
    constructor(stream) {
      const st = RS(stream);
      if (st.reader) throw new TypeError("ReadableStream is locked to a reader.");
      this.#me = { requests: [], closed: deferred() };
      this.#st = st;
      st.reader = this.#me;
      if (st.state === "closed") this.#me.closed.resolve(undefined);
      else if (st.state === "errored") this.#me.closed.reject(st.storedError);
    }
    get closed() { return this.#me.closed.promise; }
    read() {
      if (!this.#st) return Promise.reject(new TypeError("This reader was released."));
      return rsRead(this.#st);
    }
    cancel(reason) {
      if (!this.#st) return Promise.reject(new TypeError("This reader was released."));
      return rsCancel(this.#st, reason);
    }
    releaseLock() {
      const st = this.#st;
      if (!st) return;
      const e = new TypeError("Reader was released.");
      for (const r of this.#me.requests.splice(0)) r.reject(e);
      if (st.state === "readable") this.#me.closed.reject(e);
      else { this.#me.closed = deferred(); this.#me.closed.reject(e); }
      st.reader = null;
      this.#st = null;
    }
    get [Symbol.toStringTag]() { return "ReadableStreamDefaultReader"; }
  }

  class ReadableStream {
    constructor(source = undefined, strategy = undefined) {
      source = source ?? {};
      const type = source.type === undefined ? undefined : String(source.type);
      if (type !== undefined && type !== "bytes") throw new RangeError(`Invalid stream type: ${type}`);
      const st = {
        state: "readable", reader: null, queue: new Queue(), disturbed: false, storedError: undefined,
        closeRequested: false, pulling: false, pullAgain: false, started: false, type,
        hwm: hwmOf(strategy, type === "bytes" ? 0 : 1), size: type === "bytes" ? () => 1 : sizeOf(strategy),
        pull: typeof source.pull === "function" ? (c) => source.pull(c) : null,
        cancel: typeof source.cancel === "function" ? (r) => source.cancel(r) : null,
        controller: null,
      };
      R.set(this, st);
      st.controller = new ReadableStreamDefaultController(R, st);
      let p;
      try { p = resolved(typeof source.start === "function" ? source.start(st.controller) : undefined); } catch (e) { throw e; }
      p.then(() => { st.started = true; pullIfNeeded(st); }, (e) => rsError(st, e));
    }
    static from(iterable) {
      const it = iterable?.[Symbol.asyncIterator] ? iterable[Symbol.asyncIterator]() : iterable?.[Symbol.iterator]?.();
      if (!it) throw new TypeError("ReadableStream.from: argument is not iterable");
      return new ReadableStream({
        async pull(c) { const { value, done } = await it.next(); if (done) c.close(); else c.enqueue(await value); },
        async cancel(r) { await it.return?.(r); },
      }, { highWaterMark: 0 });
    }
    get locked() { return RS(this).reader !== null; }
    cancel(reason) {
      const st = RS(this);
      if (st.reader) return Promise.reject(new TypeError("Cannot cancel a locked stream."));
      return rsCancel(st, reason);
    }
    getReader(options = undefined) {
      RS(this);
      if (options?.mode !== undefined) {
        if (String(options.mode) === "byob") throw new TypeError("BYOB readers are not supported yet; use the default reader.");
        throw new TypeError(`Invalid reader mode: ${options.mode}`);
      }
      return new ReadableStreamDefaultReader(this);
    }
    tee() {
      const reader = this.getReader();
      let canceled = 0, reasons = [];
      const cancelAll = deferred();
      let reading = false;
      const branches = [];
      const pull = async () => {
        if (reading) return;
        reading = true;
        try {
          const { value, done } = await reader.read();
          for (const b of branches) {
            if (b.canceled) continue;
            if (done) b.c.close(); else b.c.enqueue(value);
          }
        } catch (e) {
          for (const b of branches) b.c.error(e);
        } finally { reading = false; }
      };
      for (let i = 0; i < 2; i++) {
        const b = { canceled: false, c: null };
        branches.push(b);
        b.stream = new ReadableStream({
          start(c) { b.c = c; },
          pull,
          cancel(reason) {
            b.canceled = true; reasons[i] = reason;
            if (++canceled === 2) reader.cancel(reasons).then(cancelAll.resolve, cancelAll.reject);
            return cancelAll.promise;
          },
        });
      }
      return [branches[0].stream, branches[1].stream];
    }
    async pipeTo(dest, options = {}) {
      const src = RS(this);
      if (src.reader) throw new TypeError("The source stream is locked.");
      if (!(dest instanceof WritableStream)) throw new TypeError("pipeTo: destination is not a WritableStream");
      if (dest.locked) throw new TypeError("The destination stream is locked.");
      const { preventClose = false, preventAbort = false, preventCancel = false, signal } = options ?? {};
      const reader = this.getReader();
      const writer = dest.getWriter();
      let aborted = null;
      const onAbort = () => { aborted = signal.reason; reader.cancel(aborted).catch(() => {}); };
      if (signal) {
        if (signal.aborted) onAbort();
        else signal.addEventListener("abort", onAbort, { once: true });
      }
      try {
        for (;;) {
          if (aborted !== null) throw aborted;
          const { value, done } = await reader.read();
          if (aborted !== null) throw aborted;
          if (done) { if (!preventClose) await writer.close(); return; }
          await writer.ready;
          await writer.write(value);
        }
      } catch (e) {
        if (aborted !== null) {
          if (!preventAbort) await writer.abort(aborted).catch(() => {});
          throw aborted;
        }
        const srcErrored = src.state === "errored";
        if (srcErrored) { if (!preventAbort) await writer.abort(e).catch(() => {}); }
        else if (!preventCancel) await reader.cancel(e).catch(() => {});
        throw e;
      } finally {
        if (signal) signal.removeEventListener("abort", onAbort);
        reader.releaseLock();
        writer.releaseLock();
      }
    }
    pipeThrough(transform, options = undefined) {
      if (!transform || !(transform.readable instanceof ReadableStream) || !(transform.writable instanceof WritableStream)) {
        throw new TypeError("pipeThrough: argument must be {readable, writable}");
      }
      if (this.locked) throw new TypeError("The source stream is locked.");
      this.pipeTo(transform.writable, options).catch(() => {});
      return transform.readable;
    }
    values(options = undefined) {
      const reader = this.getReader();
      const preventCancel = Boolean(options?.preventCancel);
      return {
        next() { return reader.read().then((r) => { if (r.done) reader.releaseLock(); return r; }); },
        async return(value) {
          if (!preventCancel) await reader.cancel(value);
          reader.releaseLock();
          return { value, done: true };
        },
        [Symbol.asyncIterator]() { return this; },
      };
    }
    [Symbol.asyncIterator](options) { return this.values(options); }
    get [Symbol.toStringTag]() { return "ReadableStream"; }
  }

  // ---- WritableStream ----
  const W = verge.privateState();
  const WS = (s) => { const st = W.get(s); if (!st) throw new TypeError("Illegal invocation"); return st; };

  class WritableStreamDefaultController {
    #st;
    constructor(key, st) { if (key !== W) throw new TypeError("Illegal constructor"); this.#st = st; }
    error(e) { wsError(this.#st, e); }
    get signal() { return this.#st.abort.signal; }
    get [Symbol.toStringTag]() { return "WritableStreamDefaultController"; }
  }
  function wsError(st, e) {
    if (st.state !== "writable") return;
    st.state = "errored";
    st.storedError = e;
    for (const w of st.queue.splice(0)) w.d.reject(e);
    st.closeD?.reject(e);
    if (st.writer) { st.writer.closed.reject(e); st.writer.readyReject(e); }
  }
  function desired(st) { return st.hwm - st.queued; }
  function updateReady(st) {
    if (!st.writer) return;
    if (desired(st) > 0) st.writer.readyResolve(); else st.writer.readyPending();
  }
  async function wsProcess(st) {
    if (st.processing || !st.started) return;
    st.processing = true;
    while (st.queue.length && st.state === "writable") {
      const w = st.queue[0];
      try {
        await st.write(w.chunk, st.controller);
        st.queue.shift();
        st.queued -= w.size;
        w.d.resolve();
        updateReady(st);
      } catch (e) {
        wsError(st, e);
      }
    }
    st.processing = false;
    if (st.state === "writable" && st.closeD && st.queue.length === 0 && !st.closing) {
      st.closing = true;
      try {
        await st.close(st.controller);
        st.state = "closed";
        st.closeD.resolve();
        st.writer?.closed.resolve();
      } catch (e) { wsError(st, e); }
    }
  }

  class WritableStreamDefaultWriter {
    #st; #me;
    constructor(stream) {
      const st = WS(stream);
      if (st.writer) throw new TypeError("WritableStream is locked to a writer.");
      const closed = deferred();
      const me = { closed, ready: null, readyResolve: null, readyReject: null, readyPending: null };
      let rd = deferred();
      me.ready = rd.promise;
      me.readyResolve = () => rd.resolve();
      me.readyReject = (e) => { rd = deferred(); rd.reject(e); me.ready = rd.promise; };
      me.readyPending = () => { rd = deferred(); me.ready = rd.promise; };
      this.#st = st; this.#me = me; st.writer = me;
      if (st.state === "errored") { closed.reject(st.storedError); me.readyReject(st.storedError); }
      else if (st.state === "closed") closed.resolve();
      else updateReady(st);
    }
    get closed() { return this.#me.closed.promise; }
    get ready() { return this.#me.ready; }
    get desiredSize() { const st = this.#need(); return st.state === "errored" ? null : st.state === "closed" ? 0 : desired(st); }
    #need() { if (!this.#st) throw new TypeError("This writer was released."); return this.#st; }
    write(chunk) {
      let st;
      try { st = this.#need(); } catch (e) { return Promise.reject(e); }
      if (st.state === "errored") return Promise.reject(st.storedError);
      if (st.state !== "writable" || st.closeD) return Promise.reject(new TypeError("The stream is closing or closed."));
      let size;
      try { size = st.size(chunk); } catch (e) { wsError(st, e); return Promise.reject(e); }
      const d = deferred();
      st.queue.push({ chunk, size, d });
      st.queued += size;
      updateReady(st);
      wsProcess(st);
      return d.promise;
    }
    close() {
      let st;
      try { st = this.#need(); } catch (e) { return Promise.reject(e); }
      return wsClose(st);
    }
    abort(reason) {
      let st;
      try { st = this.#need(); } catch (e) { return Promise.reject(e); }
      return wsAbort(st, reason);
    }
    releaseLock() {
      const st = this.#st;
      if (!st) return;
      const e = new TypeError("Writer was released.");
      if (st.state === "writable") { this.#me.closed.reject(e); }
      this.#me.readyReject(e);
      st.writer = null;
      this.#st = null;
    }
    get [Symbol.toStringTag]() { return "WritableStreamDefaultWriter"; }
  }
  function wsClose(st) {
    if (st.state === "closed" || st.closeD) return Promise.reject(new TypeError("The stream is already closing or closed."));
    if (st.state === "errored") return Promise.reject(st.storedError);
    st.closeD = deferred();
    wsProcess(st);
    return st.closeD.promise;
  }
  async function wsAbort(st, reason) {
    if (st.state === "closed" || st.state === "errored") return;
    st.abort.abort(reason);
    const e = reason;
    wsError(st, e);
    if (st.abortFn) await st.abortFn(reason);
  }

  class WritableStream {
    constructor(sink = undefined, strategy = undefined) {
      sink = sink ?? {};
      if (sink.type !== undefined) throw new RangeError("Invalid type for a WritableStream");
      const st = {
        state: "writable", writer: null, queue: [], queued: 0, processing: false, started: false, closing: false,
        closeD: null, storedError: undefined, hwm: hwmOf(strategy, 1), size: sizeOf(strategy),
        write: typeof sink.write === "function" ? (c, ctl) => sink.write(c, ctl) : () => {},
        close: typeof sink.close === "function" ? () => sink.close() : () => {},
        abortFn: typeof sink.abort === "function" ? (r) => sink.abort(r) : null,
        abort: typeof AbortController === "function" ? new AbortController() : { abort() {}, signal: null },
        controller: null,
      };
      W.set(this, st);
      st.controller = new WritableStreamDefaultController(W, st);
      resolved(typeof sink.start === "function" ? sink.start(st.controller) : undefined)
        .then(() => { st.started = true; wsProcess(st); }, (e) => wsError(st, e));
    }
    get locked() { return WS(this).writer !== null; }
    getWriter() { WS(this); return new WritableStreamDefaultWriter(this); }
    close() {
      const st = WS(this);
      if (st.writer) return Promise.reject(new TypeError("Cannot close a locked stream."));
      return wsClose(st);
    }
    abort(reason) {
      const st = WS(this);
      if (st.writer) return Promise.reject(new TypeError("Cannot abort a locked stream."));
      return wsAbort(st, reason);
    }
    get [Symbol.toStringTag]() { return "WritableStream"; }
  }

  // ---- TransformStream ----
  class TransformStreamDefaultController {
    #rc; #onTerminate; #afterEnqueue;
    constructor(rc, onTerminate, afterEnqueue) { this.#rc = rc; this.#onTerminate = onTerminate; this.#afterEnqueue = afterEnqueue; }
    get desiredSize() { return this.#rc.desiredSize; }
    enqueue(chunk) { this.#rc.enqueue(chunk); this.#afterEnqueue(); }
    error(e) { this.#rc.error(e); this.#onTerminate(e); }
    terminate() { try { this.#rc.close(); } catch {} this.#onTerminate(new TypeError("The transform stream was terminated.")); }
    get [Symbol.toStringTag]() { return "TransformStreamDefaultController"; }
  }

  class TransformStream {
    #readable; #writable;
    constructor(transformer = undefined, writableStrategy = undefined, readableStrategy = undefined) {
      transformer = transformer ?? {};
      if (transformer.readableType !== undefined || transformer.writableType !== undefined) throw new RangeError("Invalid transformer type");
      let rc, ctl, writableCtl;
      // Backpressure, as the spec's [[backpressure]] flag: set while the
      // readable side is full (initially, with its highWaterMark of 0),
      // cleared by pull.
      let backpressure = true;
      let change = deferred();
      const setBackpressure = (on) => {
        if (on === backpressure) return;
        backpressure = on;
        if (!on) change.resolve(); else change = deferred();
      };
      const onTerminate = (e) => writableCtl?.error(e);
      this.#readable = new ReadableStream({
        start(c) { rc = c; },
        pull() { setBackpressure(false); },
        cancel(reason) {
          writableCtl?.error(reason);
          return transformer.cancel ? transformer.cancel(reason) : undefined;
        },
      }, readableStrategy ?? { highWaterMark: 0 });
      ctl = new TransformStreamDefaultController(rc, onTerminate, () => {
        if (rc.desiredSize !== null && rc.desiredSize <= 0) setBackpressure(true);
      });
      const transform = typeof transformer.transform === "function"
        ? (chunk) => transformer.transform(chunk, ctl)
        : (chunk) => ctl.enqueue(chunk);
      this.#writable = new WritableStream({
        start(c) { writableCtl = c; },
        async write(chunk) {
          while (backpressure) await change.promise;
          try { await transform(chunk); } catch (e) { try { rc.error(e); } catch {} throw e; }
        },
        async close() {
          try {
            if (typeof transformer.flush === "function") await transformer.flush(ctl);
          } catch (e) { try { rc.error(e); } catch {} throw e; }
          try { rc.close(); } catch {}
        },
        abort(reason) { rc.error(reason); },
      }, writableStrategy);
      if (typeof transformer.start === "function") {
        const p = transformer.start(ctl);
        if (p && typeof p.then === "function") p.catch((e) => ctl.error(e));
      }
    }
    get readable() { return this.#readable; }
    get writable() { return this.#writable; }
    get [Symbol.toStringTag]() { return "TransformStream"; }
  }

  class ByteLengthQueuingStrategy {
    #hwm;
    constructor(init) { this.#hwm = Number(init?.highWaterMark); }
    get highWaterMark() { return this.#hwm; }
    get size() { return (chunk) => chunk.byteLength; }
  }
  class CountQueuingStrategy {
    #hwm;
    constructor(init) { this.#hwm = Number(init?.highWaterMark); }
    get highWaterMark() { return this.#hwm; }
    get size() { return () => 1; }
  }

  // workerd's non-standard streams of bytes.
  class IdentityTransformStream extends TransformStream {
    constructor() { super({ transform(chunk, c) { c.enqueue(chunk instanceof ArrayBuffer ? new Uint8Array(chunk) : chunk); } }); }
  }
  class FixedLengthStream extends TransformStream {
    constructor(length) {
      let n = 0;
      length = Number(length);
      super({
        transform(chunk, c) {
          n += chunk.byteLength;
          if (n > length) throw new TypeError("Attempt to write too many bytes through a FixedLengthStream.");
          c.enqueue(chunk);
        },
        flush() { if (n < length) throw new TypeError("FixedLengthStream did not see all expected bytes before close()."); },
      });
    }
  }

  verge.expose({
    ReadableStream, ReadableStreamDefaultReader, ReadableStreamDefaultController,
    WritableStream, WritableStreamDefaultWriter, WritableStreamDefaultController,
    TransformStream, TransformStreamDefaultController,
    ByteLengthQueuingStrategy, CountQueuingStrategy, IdentityTransformStream, FixedLengthStream,
  });

  internals.streams = {
    isReadableStream: (x) => R.has(x),
    isDisturbed: (s) => R.get(s)?.disturbed ?? false,
    isLocked: (s) => R.get(s)?.reader != null,
    fromBytes: (u8) => new ReadableStream({ type: "bytes", start(c) { if (u8.byteLength) c.enqueue(u8); c.close(); } }),
    async readAll(stream) {
      const reader = stream.getReader();
      const chunks = [];
      let total = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        let u;
        if (value instanceof ArrayBuffer) u = new Uint8Array(value);
        else if (ArrayBuffer.isView(value)) u = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
        else throw new TypeError("This ReadableStream did not return bytes.");
        chunks.push(u);
        total += u.byteLength;
      }
      if (chunks.length === 1) return chunks[0].slice();
      const out = new Uint8Array(total);
      let off = 0;
      for (const c of chunks) { out.set(c, off); off += c.byteLength; }
      return out;
    },
  };
})(globalThis.__verge);
