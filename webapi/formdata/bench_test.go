package formdata_test

import (
	"testing"

	"github.com/verge-edge/verge/webapi/webapitest"
)

func BenchmarkParseMultipart1MiB(b *testing.B) {
	vm := webapitest.New(b, exts()...)
	vm.Run(b, `const F = __internals.formdata; const fd = new FormData(); fd.append("big", new Blob([new Uint8Array(1 << 20).fill(45)])); fd.append("after", "x");
		const {body, contentType} = F.serializeMultipart(fd); globalThis.bench = () => F.parseMultipart(body, contentType); return 0`)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		vm.Run(b, `bench(); return 0`)
	}
}

func BenchmarkSerializeMultipart(b *testing.B) {
	vm := webapitest.New(b, exts()...)
	vm.Run(b, `const F = __internals.formdata; const fd = new FormData(); for (let i = 0; i < 10; i++) fd.append("field" + i, "value " + i); fd.append("f", new Blob(["x".repeat(10000)]), "f.txt");
		globalThis.bench = () => F.serializeMultipart(fd); return 0`)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		vm.Run(b, `bench(); return 0`)
	}
}
