// UTF-8 helpers shared by blob, formdata and later areas:
// internals.utf8.encode(string) -> Uint8Array and
// internals.utf8.decode(bytes) -> string, both as WHATWG Encoding's
// "UTF-8 encode" / "UTF-8 decode without BOM" (lone surrogates and invalid
// bytes become U+FFFD). They use the encoding extension's Go ops when the
// VM has them, and pure JavaScript otherwise.
(function (verge) {
  "use strict";
  const { ops, internals } = verge;
  const fromCharCode = String.fromCharCode;

  function jsEncode(str) {
    const n = str.length;
    const out = new Uint8Array(n * 3);
    let j = 0;
    for (let i = 0; i < n; i++) {
      let c = str.charCodeAt(i);
      if (c < 0x80) {
        out[j++] = c;
      } else if (c < 0x800) {
        out[j++] = 0xc0 | (c >> 6);
        out[j++] = 0x80 | (c & 63);
      } else {
        if (c >= 0xd800 && c <= 0xdfff) {
          const d = i + 1 < n ? str.charCodeAt(i + 1) : 0;
          if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
            const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
            out[j++] = 0xf0 | (cp >> 18);
            out[j++] = 0x80 | ((cp >> 12) & 63);
            out[j++] = 0x80 | ((cp >> 6) & 63);
            out[j++] = 0x80 | (cp & 63);
            i++;
            continue;
          }
          c = 0xfffd;
        }
        out[j++] = 0xe0 | (c >> 12);
        out[j++] = 0x80 | ((c >> 6) & 63);
        out[j++] = 0x80 | (c & 63);
      }
    }
    return out.slice(0, j);
  }

  // jsDecode is the WHATWG UTF-8 decoder (replacement mode).
  function jsDecode(bytes) {
    const n = bytes.length;
    let s = "";
    let units = [];
    let cp = 0, needed = 0, seen = 0, lower = 0x80, upper = 0xbf;
    const push = (u) => {
      if (u > 0xffff) {
        u -= 0x10000;
        units.push(0xd800 + (u >> 10), 0xdc00 + (u & 0x3ff));
      } else {
        units.push(u);
      }
      if (units.length >= 8192) {
        s += fromCharCode.apply(null, units);
        units = [];
      }
    };
    for (let i = 0; i < n; i++) {
      const b = bytes[i];
      if (needed === 0) {
        if (b < 0x80) push(b);
        else if (b >= 0xc2 && b <= 0xdf) { needed = 1; cp = b & 0x1f; }
        else if (b >= 0xe0 && b <= 0xef) {
          if (b === 0xe0) lower = 0xa0;
          if (b === 0xed) upper = 0x9f;
          needed = 2; cp = b & 0xf;
        } else if (b >= 0xf0 && b <= 0xf4) {
          if (b === 0xf0) lower = 0x90;
          if (b === 0xf4) upper = 0x8f;
          needed = 3; cp = b & 0x7;
        } else push(0xfffd);
        continue;
      }
      if (b < lower || b > upper) {
        cp = needed = seen = 0; lower = 0x80; upper = 0xbf;
        push(0xfffd);
        i--; // reprocess this byte
        continue;
      }
      lower = 0x80; upper = 0xbf;
      cp = (cp << 6) | (b & 0x3f);
      if (++seen === needed) {
        push(cp);
        cp = needed = seen = 0;
      }
    }
    if (needed !== 0) push(0xfffd);
    return s + fromCharCode.apply(null, units);
  }

  let encode = jsEncode;
  let decode = jsDecode;
  if (typeof ops.utf8_encode === "function") {
    encode = (str) => new Uint8Array(ops.utf8_encode(str));
  }
  if (typeof ops.utf8_decode === "function") {
    decode = (bytes) => ops.utf8_decode(bytes, false, false)[0];
  }

  internals.utf8 = {
    encode,
    decode,
    // decodeStripBOM is WHATWG "UTF-8 decode" (drops one leading BOM), as
    // Blob.text() and Body.text() use.
    decodeStripBOM(bytes) {
      const s = decode(bytes);
      return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
    },
    jsEncode,
    jsDecode,
  };
})(globalThis.__verge);
