package encoding_test

import (
	"testing"

	"github.com/verge-edge/verge/webapi/webapitest"
)

func TestEncoding(t *testing.T) {
	webapitest.RunCases(t, []webapitest.Case{
		{"encode", `return Array.from(new TextEncoder().encode("h€\ud83d\ude00"))`, `[104,226,130,172,240,159,152,128]`},
		{"lone surrogate", `return Array.from(new TextEncoder().encode("\ud800"))`, `[239,191,189]`},
		{"encodeInto", `const u = new Uint8Array(4); return new TextEncoder().encodeInto("a€b", u)`, `{"read":2,"written":4}`},
		{"decode", `return new TextDecoder().decode(new Uint8Array([104, 226, 130, 172]))`, `"h€"`},
		{"decode BOM", `return new TextDecoder().decode(new Uint8Array([0xEF,0xBB,0xBF,65])).length`, `1`},
		{"decode replacement", `return new TextDecoder().decode(new Uint8Array([0xE2, 0x82, 0x41, 0xFF]))`, "\"\uFFFDA\uFFFD\""},
		{"fatal", `try { new TextDecoder("utf-8", {fatal: true}).decode(new Uint8Array([0xFF])) } catch (e) { return e.name }`, `"TypeError"`},
		{"stream", `const d = new TextDecoder(); return d.decode(new Uint8Array([226, 130]), {stream: true}) + d.decode(new Uint8Array([172]))`, `"€"`},
		{"utf-16le", `return new TextDecoder("utf-16le").decode(new Uint8Array([104, 0, 105, 0]))`, `"hi"`},
		{"latin1", `return new TextDecoder("latin1").decode(new Uint8Array([0xE9, 0x80]))`, `"é€"`},
		{"bad label", `try { new TextDecoder("nope") } catch (e) { return e.name }`, `"RangeError"`},
		{"btoa atob", `return [btoa("hello"), atob("aGVsbG8="), atob(" aGVs bG8 "), atob("YQ")]`, `["aGVsbG8=","hello","hello","a"]`},
		{"btoa range", `try { btoa("€") } catch (e) { return e.name + ":" + (e instanceof Error) }`, `"InvalidCharacterError:true"`},
		{"atob invalid", `try { atob("a") } catch (e) { return e.name }`, `"InvalidCharacterError"`},
		{"decode views", `const b = new Uint8Array([0, 65, 66, 0]); return new TextDecoder().decode(new DataView(b.buffer, 1, 2))`, `"AB"`},
	})
}
