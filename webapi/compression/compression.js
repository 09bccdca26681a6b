// CompressionStream, DecompressionStream, TextEncoderStream and
// TextDecoderStream: TransformStreams whose work is done by Go ops
// (compression) or TextEncoder/TextDecoder in stream mode.
(function (verge) {
  "use strict";
  const { ops } = verge;

  function chunkBytes(chunk) {
    if (chunk instanceof ArrayBuffer || ArrayBuffer.isView(chunk)) return chunk;
    throw new TypeError("The chunk must be an ArrayBuffer or ArrayBufferView");
  }

  function codec(format, decompress) {
    format = String(format);
    const id = ops.compress_new(format, decompress);
    let done = false;
    const ts = new TransformStream({
      transform(chunk, c) {
        const out = ops.compress_write(id, chunkBytes(chunk));
        if (out.byteLength) c.enqueue(new Uint8Array(out));
      },
      flush(c) {
        done = true;
        const out = ops.compress_finish(id);
        if (out.byteLength) c.enqueue(new Uint8Array(out));
      },
      cancel() { if (!done) ops.compress_close(id); },
    });
    return ts;
  }

  class CompressionStream {
    #ts;
    constructor(format) { this.#ts = codec(format, false); }
    get readable() { return this.#ts.readable; }
    get writable() { return this.#ts.writable; }
    get [Symbol.toStringTag]() { return "CompressionStream"; }
  }
  class DecompressionStream {
    #ts;
    constructor(format) { this.#ts = codec(format, true); }
    get readable() { return this.#ts.readable; }
    get writable() { return this.#ts.writable; }
    get [Symbol.toStringTag]() { return "DecompressionStream"; }
  }

  class TextEncoderStream {
    #ts;
    constructor() {
      const enc = new TextEncoder();
      let pending = ""; // a high surrogate waiting for its pair
      this.#ts = new TransformStream({
        transform(chunk, c) {
          let s = pending + String(chunk);
          pending = "";
          const last = s.charCodeAt(s.length - 1);
          if (last >= 0xd800 && last <= 0xdbff) { pending = s.slice(-1); s = s.slice(0, -1); }
          if (s) c.enqueue(enc.encode(s));
        },
        flush(c) { if (pending) c.enqueue(enc.encode(pending)); },
      });
    }
    get encoding() { return "utf-8"; }
    get readable() { return this.#ts.readable; }
    get writable() { return this.#ts.writable; }
    get [Symbol.toStringTag]() { return "TextEncoderStream"; }
  }
  class TextDecoderStream {
    #ts; #dec;
    constructor(label = "utf-8", options = {}) {
      const dec = new TextDecoder(label, options);
      this.#dec = dec;
      this.#ts = new TransformStream({
        transform(chunk, c) { const s = dec.decode(chunkBytes(chunk), { stream: true }); if (s) c.enqueue(s); },
        flush(c) { const s = dec.decode(); if (s) c.enqueue(s); },
      });
    }
    get encoding() { return this.#dec.encoding; }
    get fatal() { return this.#dec.fatal; }
    get ignoreBOM() { return this.#dec.ignoreBOM; }
    get readable() { return this.#ts.readable; }
    get writable() { return this.#ts.writable; }
    get [Symbol.toStringTag]() { return "TextDecoderStream"; }
  }

  verge.expose({ CompressionStream, DecompressionStream, TextEncoderStream, TextDecoderStream });
})(globalThis.__verge);
