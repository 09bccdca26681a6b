package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/verge-edge/verge/devserver"
)

// reactorSource is a Go reactor whose greeting the test edits. It counts
// visits per country in KV.
const reactorSource = `package main

import (
	"fmt"
	"net/http"
	"strconv"

	verge "github.com/verge-edge/verge/sdk/go"
)

const greeting = "GREETING"

func init() {
	verge.ServeFunc(func(w http.ResponseWriter, r *http.Request) {
		country := verge.Geo(r).Country
		kv := verge.KV("VISITS")
		v, _, err := kv.Get(country)
		n, _ := strconv.Atoi(string(v))
		if err == nil {
			err = kv.Put(country, []byte(strconv.Itoa(n+1)))
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, "%s from %s, visit %d", greeting, country, n+1)
	})
}

func main() {}
`

// TestWasmBuildInDev: verge dev on a Go project whose verge.toml builds
// its .wasm main: the real go command builds it at start and after every
// edit, the reactor uses KV (kept across reloads) and geo, and a broken
// edit prints the compiler's error while the last good version serves.
func TestWasmBuildInDev(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go build")
	}
	sdk, err := filepath.Abs(filepath.Join("..", "..", "sdk", "go"))
	if err != nil {
		t.Fatal(err)
	}
	dir := writeWorker(t, map[string]string{
		"verge.toml": "name = \"go-app\"\nmain = \"app.wasm\"\n" +
			"build = \"GOOS=wasip1 GOARCH=wasm GOWORK=off go build -buildmode=c-shared -o app.wasm ./\"\n" +
			"kv_namespaces = [{ binding = \"VISITS\", id = \"visits\" }]\n",
		"go.mod": "module example.com/app\n\ngo 1.24\n\nrequire github.com/verge-edge/verge/sdk/go v0.0.0\n\n" +
			"replace github.com/verge-edge/verge/sdk/go => " + sdk + "\n",
		"main.go": strings.Replace(reactorSource, "GREETING", "hola", 1),
	})
	d := start(t, devserver.Options{Entry: dir, CF: `{"country":"AR"}`, Watch: true})
	if r := get(t, d.URL()+"/"); r.status != 200 || r.body != "hola from AR, visit 1" {
		t.Fatalf("%d %q\n%s", r.status, r.body, d.out.String())
	}

	edit := func(greeting string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(strings.Replace(reactorSource, "GREETING", greeting, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// waitFor bounds a go build by a minute, against a hang only.
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s\n%s", what, d.out.String())
			}
		}
	}
	edit("hello")
	waitFor("the rebuild", func() bool { return d.Builds() >= 2 })
	if r := get(t, d.URL()+"/"); r.body != "hello from AR, visit 2" {
		t.Errorf("after the edit: %d %q", r.status, r.body)
	}

	edit(`hello" + `) // a syntax error
	waitFor("the failed build", func() bool { return strings.Contains(d.out.String(), "still serving the last good version") })
	if out := d.out.String(); !strings.Contains(out, "✘ build \"GOOS=wasip1") || !strings.Contains(out, "main.go:") {
		t.Errorf("the compiler's error is not shown:\n%s", out)
	}
	if r := get(t, d.URL()+"/"); r.body != "hello from AR, visit 3" {
		t.Errorf("after the broken edit: %d %q", r.status, r.body)
	}
}
