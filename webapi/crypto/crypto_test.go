package crypto_test

import (
	"testing"

	"github.com/verge-edge/verge/webapi/abort"
	"github.com/verge-edge/verge/webapi/crypto"
	"github.com/verge-edge/verge/webapi/events"
	"github.com/verge-edge/verge/webapi/webapitest"
)

const hex = `const hex = (b) => [...new Uint8Array(b)].map(x => x.toString(16).padStart(2, "0")).join("");
	const enc = new TextEncoder(); `

func TestSubtle(t *testing.T) {
	webapitest.RunCases(t, []webapitest.Case{
		{"sha-256 abc", hex + `return hex(await crypto.subtle.digest("sha-256", enc.encode("abc")))`, `"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"`},
		{"hmac RFC 4231 case 2", hex + `const k = await crypto.subtle.importKey("raw", enc.encode("Jefe"), {name: "HMAC", hash: "SHA-256"}, false, ["sign"]);
			return hex(await crypto.subtle.sign("HMAC", k, enc.encode("what do ya want for nothing?")))`, `"5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"`},
		{"pbkdf2 RFC 6070", hex + `const k = await crypto.subtle.importKey("raw", enc.encode("password"), "PBKDF2", false, ["deriveBits"]);
			return hex(await crypto.subtle.deriveBits({name: "PBKDF2", hash: "SHA-1", salt: enc.encode("salt"), iterations: 2}, k, 160))`, `"ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957"`},
		{"hkdf RFC 5869 case 1", hex + `const ikm = new Uint8Array(22).fill(0x0b);
			const k = await crypto.subtle.importKey("raw", ikm, "HKDF", false, ["deriveBits"]);
			const salt = Uint8Array.from({length: 13}, (_, i) => i), info = Uint8Array.from({length: 10}, (_, i) => 0xf0 + i);
			return hex(await crypto.subtle.deriveBits({name: "HKDF", hash: "SHA-256", salt, info}, k, 336))`,
			`"3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"`},
		{"hmac jwk export", `const k = await crypto.subtle.generateKey({name: "HMAC", hash: "SHA-256"}, true, ["sign", "verify"]);
			const j = await crypto.subtle.exportKey("jwk", k); return [j.kty, j.alg, j.ext, j.key_ops, k.algorithm.length]`, `["oct","HS256",true,["sign","verify"],512]`},
		{"aes-gcm round trip and tamper", `const k = await crypto.subtle.generateKey({name: "AES-GCM", length: 128}, false, ["encrypt", "decrypt"]);
			const iv = new Uint8Array(12); const ct = new Uint8Array(await crypto.subtle.encrypt({name: "AES-GCM", iv}, k, new TextEncoder().encode("hi")));
			const pt = new TextDecoder().decode(await crypto.subtle.decrypt({name: "AES-GCM", iv}, k, ct));
			ct[0] ^= 1; let e; try { await crypto.subtle.decrypt({name: "AES-GCM", iv}, k, ct) } catch (x) { e = x.name }
			return [pt, ct.length, e]`, `["hi",18,"OperationError"]`},
		{"aes-cbc and ctr", `const out = [];
			for (const [name, p] of [["AES-CBC", {iv: new Uint8Array(16)}], ["AES-CTR", {counter: new Uint8Array(16), length: 64}]]) {
				const k = await crypto.subtle.generateKey({name, length: 256}, false, ["encrypt", "decrypt"]);
				const ct = await crypto.subtle.encrypt({name, ...p}, k, new TextEncoder().encode("sixteen bytes!!!x"));
				out.push(new TextDecoder().decode(await crypto.subtle.decrypt({name, ...p}, k, ct)));
			} return out`, `["sixteen bytes!!!x","sixteen bytes!!!x"]`},
		{"rsa-oaep and pss", `const o = await crypto.subtle.generateKey({name: "RSA-OAEP", modulusLength: 1024, publicExponent: new Uint8Array([1,0,1]), hash: "SHA-256"}, false, ["encrypt", "decrypt"]);
			const ct = await crypto.subtle.encrypt({name: "RSA-OAEP"}, o.publicKey, new Uint8Array([1,2,3]));
			const pt = [...new Uint8Array(await crypto.subtle.decrypt({name: "RSA-OAEP"}, o.privateKey, ct))];
			const s = await crypto.subtle.generateKey({name: "RSA-PSS", modulusLength: 1024, publicExponent: new Uint8Array([1,0,1]), hash: "SHA-256"}, true, ["sign", "verify"]);
			const sig = await crypto.subtle.sign({name: "RSA-PSS", saltLength: 32}, s.privateKey, new Uint8Array([9]));
			const spki = await crypto.subtle.exportKey("spki", s.publicKey);
			const pub = await crypto.subtle.importKey("spki", spki, {name: "RSA-PSS", hash: "SHA-256"}, true, ["verify"]);
			return [pt, await crypto.subtle.verify({name: "RSA-PSS", saltLength: 32}, pub, sig, new Uint8Array([9])), pub.algorithm.modulusLength]`, `[[1,2,3],true,1024]`},
		{"ecdsa jwk round trip", `const k = await crypto.subtle.generateKey({name: "ECDSA", namedCurve: "P-384"}, true, ["sign", "verify"]);
			const sig = await crypto.subtle.sign({name: "ECDSA", hash: "SHA-384"}, k.privateKey, new Uint8Array([1]));
			const jwk = await crypto.subtle.exportKey("jwk", k.publicKey);
			const pub = await crypto.subtle.importKey("jwk", jwk, {name: "ECDSA", namedCurve: "P-384"}, true, ["verify"]);
			return [sig.byteLength, jwk.crv, await crypto.subtle.verify({name: "ECDSA", hash: "SHA-384"}, pub, sig, new Uint8Array([1]))]`, `[96,"P-384",true]`},
		{"ecdh agreement", hex + `const a = await crypto.subtle.generateKey({name: "ECDH", namedCurve: "P-256"}, false, ["deriveBits"]);
			const b = await crypto.subtle.generateKey({name: "ECDH", namedCurve: "P-256"}, false, ["deriveBits"]);
			const s1 = await crypto.subtle.deriveBits({name: "ECDH", public: b.publicKey}, a.privateKey, 256);
			const s2 = await crypto.subtle.deriveBits({name: "ECDH", public: a.publicKey}, b.privateKey, 256);
			return [hex(s1) === hex(s2), s1.byteLength]`, `[true,32]`},
		{"ed25519", `const k = await crypto.subtle.generateKey("Ed25519", false, ["sign", "verify"]);
			const sig = await crypto.subtle.sign("Ed25519", k.privateKey, new Uint8Array([7]));
			return [sig.byteLength, await crypto.subtle.verify("Ed25519", k.publicKey, sig, new Uint8Array([7])), await crypto.subtle.verify("Ed25519", k.publicKey, sig, new Uint8Array([8]))]`, `[64,true,false]`},
		{"aes-kw wrapKey", `const kek = await crypto.subtle.generateKey({name: "AES-KW", length: 128}, false, ["wrapKey", "unwrapKey"]);
			const k = await crypto.subtle.generateKey({name: "AES-GCM", length: 256}, true, ["encrypt"]);
			const wrapped = await crypto.subtle.wrapKey("raw", k, kek, "AES-KW");
			const back = await crypto.subtle.unwrapKey("raw", wrapped, kek, "AES-KW", "AES-GCM", true, ["encrypt"]);
			return [wrapped.byteLength, back.algorithm.length]`, `[40,256]`},
		{"errors", `const hmac = await crypto.subtle.importKey("raw", new Uint8Array(8), {name: "HMAC", hash: "SHA-256"}, false, ["sign"]);
			const name = async (p) => { try { await p; return "ok" } catch (e) { return e.name } };
			return [
				await name(crypto.subtle.encrypt({name: "AES-GCM", iv: new Uint8Array(12)}, hmac, new Uint8Array(1))),
				await name(crypto.subtle.digest("MD4", new Uint8Array(1))),
				await name(crypto.subtle.exportKey("raw", hmac)),
				await name(crypto.subtle.importKey("raw", new Uint8Array(8), {name: "HMAC", hash: "SHA-256"}, false, [])),
				await name(crypto.subtle.importKey("jwk", {kty: "RSA"}, {name: "HMAC", hash: "SHA-256"}, false, ["sign"])),
				await name(crypto.subtle.importKey("raw", new Uint8Array(5), "AES-GCM", false, ["encrypt"])),
				await name(crypto.subtle.verify("HMAC", hmac, new Uint8Array(32), new Uint8Array(1))),
				await name(crypto.subtle.sign("HMAC", {}, new Uint8Array(1))),
			]`, `["InvalidAccessError","NotSupportedError","InvalidAccessError","SyntaxError","DataError","DataError","InvalidAccessError","TypeError"]`},
		{"random", `const a = crypto.getRandomValues(new Uint8Array(16)); let e1, e2;
			try { crypto.getRandomValues(new Uint8Array(65537)) } catch (e) { e1 = e.name }
			try { crypto.getRandomValues(new Float32Array(4)) } catch (e) { e2 = e.name }
			return [a.some(x => x !== 0), e1, e2, /^[0-9a-f-]{36}$/.test(crypto.randomUUID())]`, `[true,"QuotaExceededError","TypeMismatchError",true]`},
	}, events.Extension(), abort.Extension(), crypto.Extension())
}
