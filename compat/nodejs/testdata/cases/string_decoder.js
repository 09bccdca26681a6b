// node:string_decoder: characters split across chunks.
import { StringDecoder } from "node:string_decoder";
import { Buffer } from "node:buffer";

function feed(enc, bytes, sizes) {
  const d = new StringDecoder(enc);
  const out = [];
  let i = 0;
  for (const n of sizes) {
    out.push(d.write(Buffer.from(bytes.slice(i, i + n))));
    i += n;
  }
  out.push(d.end(i < bytes.length ? Buffer.from(bytes.slice(i)) : undefined));
  return out;
}

export default function run() {
  const euro = [...Buffer.from("a€b𝄞")];
  const u16 = [...Buffer.from("a𝄞b", "utf16le")];
  const b64 = [...Buffer.from("hello!!")];
  return {
    encoding: [new StringDecoder().encoding, new StringDecoder("UTF-8").encoding, new StringDecoder("ucs2").encoding, new StringDecoder("binary").encoding],
    utf8: [feed("utf8", euro, [1, 1, 1, 1, 1, 2, 1]), feed("utf8", euro, [2, 5]), feed("utf8", [0xe2, 0x82], [2]), feed("utf8", [0xff, 0x61, 0xc3], [1, 1, 1])],
    utf16le: [[1, 2, 1, 1, 1], [4, 2], [2, 2, 2], [3, 1, 2], [2, 1, 1, 2], [1, 3, 2], [2, 2, 1, 1], [3]].map((sizes) => feed("utf16le", u16, sizes)).concat([feed("utf16le", [0x61], [1])]),
    base64: [feed("base64", b64, [1, 1, 4]), feed("base64", b64, [7])],
    hex: feed("hex", [1, 2, 255], [1, 1]),
    latin1: feed("latin1", [0xe9, 0x41], [1]),
    stringPassThrough: new StringDecoder().write("plain"),
    unknown: (() => { try { new StringDecoder("nope"); return "ok"; } catch (e) { return [e.name, e.code]; } })(),
  };
}
