// node:querystring through CommonJS require of the bare name, as AWS's
// Lambda@Edge examples do.
const querystring = require("querystring");
const qs2 = require("node:querystring");

const plain = (o) => ({ proto: Object.getPrototypeOf(o) === null, entries: Object.entries(o) });

module.exports = function run() {
  return {
    same: querystring === qs2,
    parse: [
      "a=1&b=2&a=3",
      "foo=bar&abc=xyz&abc=123",
      "x=%20y+z&%E2%82%AC=euro",
      "bad=%E0%A4%A&ok=%41",
      "bare&empty=&=v&&q=1=2",
      "w=%zz&v=%",
      "__proto__=1&constructor=2",
      "",
      "a[]=1&a[]=2",
      "plus+key=plus+value",
    ].map((s) => plain(querystring.parse(s))),
    custom: [
      plain(querystring.parse("a:1;b:2", ";", ":")),
      plain(querystring.parse("a=1&b=2&c=3", null, null, { maxKeys: 2 })),
      plain(querystring.parse("a=1&b=2", "&", "=", { maxKeys: 0 })),
      plain(querystring.decode("k=v")),
    ],
    stringify: [
      querystring.stringify({ a: 1, b: [2, 3], c: "x y", d: true, e: null, f: undefined, g: {}, h: NaN, i: 10n, "k k": "é€" }),
      querystring.stringify({ w: "a&b=c", x: "!'()*-._~" }, ";", ":"),
      querystring.stringify("nope"),
      querystring.stringify({ a: "b" }, null, null, { encodeURIComponent: (s) => s.toUpperCase() }),
      querystring.encode({ big: 1e21, small: 1e-7 }),
    ],
    escape: [querystring.escape("a b&c/d?é"), querystring.escape(12), querystring.unescape("a%20b+c"), querystring.unescape("%E0%A4%A"), querystring.unescape("%zz%41")],
    unescapeBuffer: querystring.unescapeBuffer("a%41+b", true).toString(),
    escapeLoneSurrogate: (() => {
      try {
        return querystring.escape("\ud800");
      } catch (e) {
        return [e.name, e.code, e.message];
      }
    })(),
    // AWS's query-string normalisation example (sorted, lower-cased keys).
    normalised: (() => {
      const params = querystring.parse("Zeta=1&alpha=B&Mid=x%20y&alpha=a");
      const out = {};
      for (const k of Object.keys(params).sort()) out[k.toLowerCase()] = params[k];
      return querystring.stringify(out);
    })(),
  };
};
