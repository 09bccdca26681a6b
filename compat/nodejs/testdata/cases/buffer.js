// node:buffer: encodings, construction, reading and writing.
import { Buffer } from "node:buffer";

const err = (f) => {
  try {
    return ["ok", f()];
  } catch (e) {
    return [e.name, e.code, e.message];
  }
};
const hex = (b) => b.toString("hex");

export default function run() {
  const s = "héllo wörld €𝄞";
  const out = {};
  for (const enc of ["utf8", "utf-8", "hex", "base64", "base64url", "latin1", "binary", "ascii", "utf16le", "ucs2", "UTF8", "Base64"]) {
    const b = Buffer.from(s, enc === "hex" || enc.startsWith("base64") || enc === "Base64" ? undefined : enc);
    out[enc] = [b.toString(enc), hex(b), Buffer.byteLength(b.toString(enc), enc), Buffer.from(b.toString(enc), enc).equals(b)];
  }
  out.decode = {
    base64: hex(Buffer.from("aGVsbG8gd29ybGQ=", "base64")),
    unpadded: hex(Buffer.from("aGVsbG8gd29ybGQ", "base64")),
    url: hex(Buffer.from("-_8", "base64url")),
    urlInBase64: hex(Buffer.from("-_8", "base64")),
    stdInUrl: hex(Buffer.from("+/8=", "base64url")),
    whitespace: hex(Buffer.from("aGVs\nbG8g d29y\tbGQ=", "base64")),
    junk: hex(Buffer.from("aGV*sbG8", "base64")),
    stopsAtPad: hex(Buffer.from("YQ==YQ==", "base64")),
    lone: hex(Buffer.from("Y", "base64")),
    two: hex(Buffer.from("YQ", "base64")),
    three: hex(Buffer.from("YWI", "base64")),
    empty: hex(Buffer.from("", "base64")),
    badHex: hex(Buffer.from("abzz12", "hex")),
    oddHex: hex(Buffer.from("abc", "hex")),
    upperHex: hex(Buffer.from("ABCDEF", "hex")),
    allBadHex: hex(Buffer.from("zz", "hex")),
    asciiHigh: hex(Buffer.from("é€", "ascii")),
    latin1High: hex(Buffer.from("é€", "latin1")),
    loneSurrogate: hex(Buffer.from("a\ud800b")),
    utf16Odd: Buffer.from([0x61, 0x00, 0x62]).toString("utf16le"),
    invalidUtf8: Buffer.from([0xff, 0xfe, 0x80, 0x61, 0xe2, 0x82]).toString(),
    bom: JSON.stringify(Buffer.from([0xef, 0xbb, 0xbf, 0x41]).toString()),
    asciiStrip: Buffer.from([0xc3, 0xa9, 0x41]).toString("ascii"),
    latin1: Buffer.from([0xc3, 0xa9]).toString("latin1"),
  };
  out.byteLength = [
    Buffer.byteLength("€"), Buffer.byteLength("𝄞"), Buffer.byteLength("\ud800"), Buffer.byteLength("abc", "hex"),
    Buffer.byteLength("aGVsbG8=", "base64"), Buffer.byteLength("aGVsbG8", "base64"), Buffer.byteLength("ab", "utf16le"),
    Buffer.byteLength("é", "latin1"), Buffer.byteLength(new Uint8Array(7)), Buffer.byteLength(new ArrayBuffer(9)),
  ];
  const ab = new Uint8Array([1, 2, 3, 4, 5]).buffer;
  const view = Buffer.from(ab, 1, 3);
  view[0] = 99;
  out.from = {
    array: hex(Buffer.from([1, 255, 256, -1, 3.7, "12"])),
    arrayBufferShares: [hex(view), new Uint8Array(ab)[1]],
    copyOfBuffer: (() => { const a = Buffer.from("ab"); const b = Buffer.from(a); b[0] = 0; return [hex(a), hex(b)]; })(),
    uint16: hex(Buffer.from(new Uint16Array([1, 256, 513]))),
    json: hex(Buffer.from(Buffer.from("hi").toJSON())),
    stringObject: hex(Buffer.from(new String("xyz"))),
    arrayLike: hex(Buffer.from({ length: 2, 0: 7, 1: 8 })),
  };
  const b = Buffer.from("hello world");
  out.methods = {
    isBuffer: [Buffer.isBuffer(b), Buffer.isBuffer(new Uint8Array(1)), b instanceof Uint8Array, b instanceof Buffer],
    subclassing: [Object.getPrototypeOf(Buffer.prototype) === Uint8Array.prototype, b.constructor === Buffer],
    toStringRange: [b.toString("utf8", 6), b.toString("utf8", 0, 5), b.toString("hex", 1, 3), b.toString(undefined, -5, 100), b.toString("utf8", 8, 2), b.toString("utf8", 20)],
    slice: (() => { const s = b.slice(0, 5); s[0] = 72; return [b.toString(), s.toString(), Buffer.isBuffer(s), b.subarray(-5).toString(), Buffer.isBuffer(b.subarray(1))]; })(),
    equals: [b.equals(Buffer.from("Hello world")), b.equals(Buffer.from("x")), b.equals(new Uint8Array(b))],
    compare: [Buffer.compare(Buffer.from("a"), Buffer.from("b")), Buffer.compare(Buffer.from("b"), Buffer.from("a")), Buffer.compare(Buffer.from("a"), Buffer.from("a")), Buffer.compare(Buffer.from("a"), Buffer.from("ab")), b.compare(Buffer.from("world"), 0, 5, 6, 11)],
    sorted: [Buffer.from("b"), Buffer.from("a"), Buffer.from("ab")].sort(Buffer.compare).map(String),
    indexOf: [b.indexOf("o"), b.indexOf("o", 5), b.indexOf(111), b.indexOf(Buffer.from("wor")), b.indexOf("zz"), b.indexOf("o", -3), b.lastIndexOf("o"), b.lastIndexOf("o", 5), b.indexOf(""), b.indexOf("", 3), b.indexOf("", 99), b.indexOf("6f", "hex"), b.indexOf(111 + 256)],
    includes: [b.includes("world"), b.includes("World"), b.includes("l", 10)],
    toJSON: Buffer.from([1, 2, 3]).toJSON(),
    stringify: JSON.stringify({ b: Buffer.from("hi") }),
    concat: [hex(Buffer.concat([Buffer.from("ab"), new Uint8Array([99]), Buffer.from("d")])), hex(Buffer.concat([Buffer.from("abc"), Buffer.from("def")], 4)), hex(Buffer.concat([Buffer.from("a")], 3)), Buffer.concat([]).length],
    alloc: [hex(Buffer.alloc(4)), hex(Buffer.alloc(5, "ab")), hex(Buffer.alloc(3, 257)), hex(Buffer.alloc(4, "6162", "hex")), Buffer.allocUnsafe(3).length, hex(Buffer.alloc(2, Buffer.from([9])))],
    fill: [hex(Buffer.alloc(6).fill("xy", 1, 5)), hex(Buffer.alloc(3).fill(0x41)), hex(Buffer.alloc(4).fill("é"))],
    copy: (() => { const t = Buffer.alloc(6, "."); const n = Buffer.from("abcd").copy(t, 2, 1); return [n, t.toString()]; })(),
    write: (() => {
      const t = Buffer.alloc(8);
      const r = [t.write("hi"), t.write("€€", 2), t.write("abcd", 6), t.write("ffee", 0, "hex"), t.write("zz", 1, 1, "latin1")];
      const u = Buffer.alloc(4);
      r.push(u.write("€€"), hex(u));
      return [r, hex(t)];
    })(),
    isEncoding: [Buffer.isEncoding("UTF-8"), Buffer.isEncoding("hex"), Buffer.isEncoding("nope"), Buffer.isEncoding("")],
    swap16: hex(Buffer.from([1, 2, 3, 4]).swap16()),
    of: hex(Buffer.of(1, 2, 3)),
    newBuffer: hex(new Buffer("ab")),
    poolSize: Buffer.poolSize,
  };
  const n = Buffer.alloc(8);
  out.numbers = {
    writes: [n.writeUInt8(255, 0), n.writeUInt16LE(0x1234, 1), n.writeUInt16BE(0x1234, 3), n.writeUInt32BE(0xdeadbeef, 4)],
    bytes: hex(n),
    reads: [n.readUInt8(0), n.readUInt16LE(1), n.readUInt16BE(3), n.readUInt32BE(4), n.readUInt32LE(4), n.readInt8(0), n.readInt16BE(5), n.readInt32BE(4), n.readUint8(1), n.readUint32LE(0)],
    signed: (() => { const m = Buffer.alloc(7); m.writeInt8(-2, 0); m.writeInt16LE(-300, 1); m.writeInt32BE(-5, 3); return [hex(m), m.readInt8(0), m.readInt16LE(1), m.readInt32BE(3)]; })(),
    floats: (() => { const m = Buffer.alloc(12); m.writeFloatLE(1.5, 0); m.writeDoubleBE(-0.25, 4); return [hex(m), m.readFloatLE(0), m.readDoubleBE(4)]; })(),
    bigints: (() => { const m = Buffer.alloc(8); m.writeBigUInt64BE(2n ** 63n + 5n); return [hex(m), String(m.readBigUInt64BE()), String(m.readBigInt64BE()), String(m.readBigUInt64LE())]; })(),
    coerced: (() => { const m = Buffer.alloc(2); m.writeUInt8("7", 0); m.writeUInt8(1.9, 1); return hex(m); })(),
  };
  out.errors = {
    readPastEnd: err(() => Buffer.from([1]).readUInt8(1)),
    read32PastEnd: err(() => Buffer.from([1, 2, 3, 4]).readUInt32LE(1)),
    readNegative: err(() => Buffer.alloc(4).readUInt16BE(-1)),
    readFraction: err(() => Buffer.from([1]).readUInt8(0.5)),
    readString: err(() => Buffer.from([1]).readUInt8("0")),
    readInfinity: err(() => Buffer.alloc(4).readUInt8(Infinity)),
    readEmpty: err(() => Buffer.alloc(0).readUInt8(0)),
    readShort: err(() => Buffer.alloc(2).readUInt32LE(0)),
    writeTooBig: err(() => Buffer.alloc(4).writeUInt8(256)),
    writeNegative: err(() => Buffer.alloc(4).writeUInt16BE(-1)),
    write32TooBig: err(() => Buffer.alloc(4).writeUInt32LE(2 ** 32)),
    writeInt32TooBig: err(() => Buffer.alloc(4).writeInt32BE(2 ** 31)),
    writeInt8TooSmall: err(() => Buffer.alloc(4).writeInt8(-129)),
    writePastEnd: err(() => Buffer.alloc(4).writeUInt32LE(1, 1)),
    allocNegative: err(() => Buffer.alloc(-1)),
    allocString: err(() => Buffer.alloc("1")),
    fromNumber: err(() => Buffer.from(5)),
    fromObject: err(() => Buffer.from({})),
    fromNull: err(() => Buffer.from(null)),
    unknownEncoding: err(() => Buffer.from("a", "nope")),
    toStringUnknown: err(() => Buffer.alloc(1).toString("nope")),
    writeOffset: err(() => Buffer.alloc(4).write("ab", 5)),
    concatNotArray: err(() => Buffer.concat("x")),
    concatItem: err(() => Buffer.concat([1])),
    arrayBufferOffset: err(() => Buffer.from(new ArrayBuffer(4), 5)),
    arrayBufferLength: err(() => Buffer.from(new ArrayBuffer(4), 1, 5)),
    equalsString: err(() => Buffer.from("x").equals("x")),
    compareString: err(() => Buffer.compare("x", Buffer.from("x"))),
    byteLengthNumber: err(() => Buffer.byteLength(5)),
    swapOdd: err(() => Buffer.alloc(3).swap16()),
  };
  return out;
}
