package deploy_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/verge-edge/verge/cluster"
	"github.com/verge-edge/verge/deploy"
)

// project writes a one-file worker project that answers text.
func project(t *testing.T, name, text string) string {
	t.Helper()
	dir := t.TempDir()
	write(t, filepath.Join(dir, "verge.toml"), "name = \""+name+"\"\nmain = \"src/index.ts\"\n[dev]\nport = 9999\n[vars]\nA = \"1\"\n")
	write(t, filepath.Join(dir, "src/index.ts"), "const t: string = "+quote(text)+";\nexport default { fetch() { return new Response(t) } }\n")
	return dir
}

func quote(s string) string { return `"` + s + `"` }

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestPackUnpack(t *testing.T) {
	name, art, err := deploy.Pack(context.Background(), project(t, "shop", "hello"))
	if err != nil {
		t.Fatal(err)
	}
	if name != "shop" {
		t.Errorf("name %q", name)
	}
	dir := filepath.Join(t.TempDir(), "a")
	man, err := deploy.Unpack(art, dir)
	if err != nil {
		t.Fatal(err)
	}
	if man.Main != "index.js" || man.SourceMap != "index.js.map" {
		t.Errorf("manifest %+v", man)
	}
	code, _ := os.ReadFile(filepath.Join(dir, "index.js"))
	if !strings.Contains(string(code), `"hello"`) || strings.Contains(string(code), ": string") {
		t.Errorf("main is not the built bundle:\n%s", code)
	}
	toml, _ := os.ReadFile(filepath.Join(dir, "verge.toml"))
	if !strings.Contains(string(toml), `main = "index.js"`) || strings.Contains(string(toml), "9999") || !strings.Contains(string(toml), `A = "1"`) {
		t.Errorf("verge.toml:\n%s", toml)
	}
	if _, err := deploy.Unpack(art, dir); err == nil {
		t.Error("unpacking over an existing folder worked")
	}
}

func TestUnpackRefusesBadArtifacts(t *testing.T) {
	for name, art := range map[string][]byte{
		"empty":     nil,
		"not gzip":  []byte("hello"),
		"truncated": mustPack(t)[:100],
	} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "a")
			if _, err := deploy.Unpack(art, dir); err == nil {
				t.Fatal("no error")
			}
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a failed unpack left %s", dir)
			}
		})
	}
}

func mustPack(t *testing.T) []byte {
	_, art, err := deploy.Pack(context.Background(), project(t, "x", "x"))
	if err != nil {
		t.Fatal(err)
	}
	return art
}

// topo is a hub and one PoP leaf.
type topo struct {
	hub  *cluster.Hub
	leaf *cluster.Leaf
}

func startTopo(t *testing.T) *topo {
	t.Helper()
	ctx := context.Background()
	creds, err := cluster.NewCredentials()
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := creds.PublicKey()
	hub, err := cluster.StartHub(ctx, cluster.HubConfig{LeafListen: "127.0.0.1:0", StoreDir: t.TempDir(), Users: []string{pub}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hub.Close() })
	leaf, err := cluster.StartLeaf(ctx, cluster.LeafConfig{Name: "gru", HubURLs: []string{hub.LeafURL()}, Credentials: creds, StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { leaf.Close() })
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := leaf.WaitConnected(wctx); err != nil {
		t.Fatal(err)
	}
	return &topo{hub, leaf}
}

// sets records what a watcher delivers.
type sets struct {
	mu  sync.Mutex
	got []deploy.Set
}

func (s *sets) add(set deploy.Set) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got = append(s.got, set)
}

// wait waits for a delivered set that satisfies ok.
func (s *sets) wait(t *testing.T, what string, ok func(deploy.Set) bool) deploy.Set {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		var last deploy.Set
		if n := len(s.got); n > 0 {
			last = s.got[n-1]
		}
		s.mu.Unlock()
		if last != nil && ok(last) {
			return last
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no set with %s", what)
	return nil
}

func splitIs(set deploy.Set, name string, want ...deploy.Split) bool {
	d, ok := set[name]
	if !ok || len(d.Worker.Split) != len(want) {
		return false
	}
	for i, s := range want {
		if d.Worker.Split[i] != s || d.Dirs[s.Version] == "" {
			return false
		}
	}
	return true
}

func TestDeployToPoP(t *testing.T) {
	tp := startTopo(t)
	ctx := context.Background()
	store, err := deploy.OpenStore(ctx, tp.hub.Conn())
	if err != nil {
		t.Fatal(err)
	}
	var got sets
	popDir := t.TempDir()
	w, err := deploy.Watch(ctx, deploy.WatchConfig{Conn: tp.leaf.Conn(), Dir: popDir, OnChange: got.add})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	got.wait(t, "nothing deployed", func(s deploy.Set) bool { return len(s) == 0 })

	_, a1, _ := deploy.Pack(context.Background(), project(t, "shop", "v1"))
	_, a2, _ := deploy.Pack(context.Background(), project(t, "shop", "v2"))
	if _, v, err := store.Upload(ctx, a1, deploy.UploadOptions{Message: "first"}); err != nil || v.Number != 1 {
		t.Fatal(v, err)
	}
	set := got.wait(t, "v1", func(s deploy.Set) bool { return splitIs(s, "shop", deploy.Split{Version: 1, Percent: 100}) })
	if code, _ := os.ReadFile(filepath.Join(set["shop"].Dirs[1], "index.js")); !strings.Contains(string(code), `"v1"`) {
		t.Errorf("PoP's copy of v1:\n%s", code)
	}

	if _, _, err := store.Upload(ctx, a2, deploy.UploadOptions{Percent: 10}); err != nil {
		t.Fatal(err)
	}
	got.wait(t, "10% on v2", func(s deploy.Set) bool {
		return splitIs(s, "shop", deploy.Split{Version: 2, Percent: 10}, deploy.Split{Version: 1, Percent: 90})
	})
	if _, err := store.Promote(ctx, "shop"); err != nil {
		t.Fatal(err)
	}
	got.wait(t, "v2 promoted", func(s deploy.Set) bool { return splitIs(s, "shop", deploy.Split{Version: 2, Percent: 100}) })
	if _, err := store.Rollback(ctx, "shop", 0); err != nil {
		t.Fatal(err)
	}
	got.wait(t, "rolled back to v1", func(s deploy.Set) bool { return splitIs(s, "shop", deploy.Split{Version: 1, Percent: 100}) })

	for _, bad := range [][]deploy.Split{
		{{Version: 1, Percent: 50}},
		{{Version: 3, Percent: 100}},
		{{Version: 1, Percent: 50}, {Version: 1, Percent: 50}},
		{{Version: 1, Percent: 150}, {Version: 2, Percent: -50}},
		nil,
	} {
		if _, err := store.SetSplit(ctx, "shop", bad); err == nil {
			t.Errorf("split %v accepted", bad)
		}
	}
	if _, _, err := store.Upload(ctx, []byte("junk"), deploy.UploadOptions{}); err == nil {
		t.Error("junk artifact accepted")
	}

	if err := store.Delete(ctx, "shop"); err != nil {
		t.Fatal(err)
	}
	got.wait(t, "shop deleted", func(s deploy.Set) bool { _, ok := s["shop"]; return !ok })
	if err := store.Delete(ctx, "shop"); !errors.Is(err, deploy.ErrNotFound) {
		t.Errorf("deleting twice: %v", err)
	}
	// A new deploy after a delete starts again.
	if _, v, err := store.Upload(ctx, a2, deploy.UploadOptions{}); err != nil || v.Number != 1 {
		t.Fatal(v, err)
	}
	got.wait(t, "shop redeployed", func(s deploy.Set) bool { return splitIs(s, "shop", deploy.Split{Version: 1, Percent: 100}) })
}

// TestPoPRestartWithoutHub: a PoP that restarts while the hub is down
// serves its last deployments from its mirror and local store.
func TestPoPRestartWithoutHub(t *testing.T) {
	ctx := context.Background()
	creds, _ := cluster.NewCredentials()
	pub, _ := creds.PublicKey()
	hub, err := cluster.StartHub(ctx, cluster.HubConfig{LeafListen: "127.0.0.1:0", StoreDir: t.TempDir(), Users: []string{pub}})
	if err != nil {
		t.Fatal(err)
	}
	defer hub.Close()
	leafCfg := cluster.LeafConfig{Name: "gru", HubURLs: []string{hub.LeafURL()}, Credentials: creds, StoreDir: t.TempDir()}
	leaf, err := cluster.StartLeaf(ctx, leafCfg)
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := leaf.WaitConnected(wctx); err != nil {
		t.Fatal(err)
	}
	store, err := deploy.OpenStore(ctx, hub.Conn())
	if err != nil {
		t.Fatal(err)
	}
	_, art, _ := deploy.Pack(context.Background(), project(t, "shop", "v1"))
	if _, _, err := store.Upload(ctx, art, deploy.UploadOptions{}); err != nil {
		t.Fatal(err)
	}
	popDir := t.TempDir()
	var got sets
	w, err := deploy.Watch(ctx, deploy.WatchConfig{Conn: leaf.Conn(), Dir: popDir, OnChange: got.add})
	if err != nil {
		t.Fatal(err)
	}
	got.wait(t, "v1", func(s deploy.Set) bool { return splitIs(s, "shop", deploy.Split{Version: 1, Percent: 100}) })
	w.Close()
	leaf.Close()
	hub.Close()

	leaf, err = cluster.StartLeaf(ctx, leafCfg)
	if err != nil {
		t.Fatal(err)
	}
	defer leaf.Close()
	var again sets
	w, err = deploy.Watch(ctx, deploy.WatchConfig{Conn: leaf.Conn(), Dir: popDir, OnChange: again.add})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	again.wait(t, "v1 without the hub", func(s deploy.Set) bool { return splitIs(s, "shop", deploy.Split{Version: 1, Percent: 100}) })
}

// TestBadArtifacts: a config that fails validation is refused at upload,
// and an artifact tampered with in the Object Store is refused by the PoP,
// which keeps serving the version it had.
func TestBadArtifacts(t *testing.T) {
	tp := startTopo(t)
	ctx := context.Background()
	store, err := deploy.OpenStore(ctx, tp.hub.Conn())
	if err != nil {
		t.Fatal(err)
	}
	// An artifact whose verge.toml is invalid (packed by hand: Pack
	// itself validates).
	bad := repack(t, mustPack(t), "verge.toml", "name = \"x\"\nmain = \"index.js\"\n[limits]\ncpu_ms = -5\n")
	if _, _, err := store.Upload(ctx, bad, deploy.UploadOptions{}); err == nil || !strings.Contains(err.Error(), "cpu_ms") {
		t.Errorf("invalid config: %v", err)
	}

	var got sets
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	w, err := deploy.Watch(ctx, deploy.WatchConfig{Conn: tp.leaf.Conn(), Dir: t.TempDir(), OnChange: got.add, Retry: 50 * time.Millisecond, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	_, a1, _ := deploy.Pack(context.Background(), project(t, "shop", "v1"))
	_, a2, _ := deploy.Pack(context.Background(), project(t, "shop", "v2"))
	if _, _, err := store.Upload(ctx, a1, deploy.UploadOptions{}); err != nil {
		t.Fatal(err)
	}
	got.wait(t, "v1", func(s deploy.Set) bool { return splitIs(s, "shop", deploy.Split{Version: 1, Percent: 100}) })
	// Someone with access to the hub's store swaps v2's bytes.
	js, _ := jetstream.New(tp.hub.Conn())
	objs, err := js.ObjectStore(ctx, deploy.ArtifactsBucket)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := objs.PutBytes(ctx, deploy.Digest(a2), a1); err != nil {
		t.Fatal(err)
	}
	if _, _, err := store.Upload(ctx, a2, deploy.UploadOptions{}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logs.String(), "does not match its digest") {
		if time.Now().After(deadline) {
			t.Fatalf("the PoP never refused the tampered artifact:\n%s", logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	got.mu.Lock()
	last := got.got[len(got.got)-1]
	got.mu.Unlock()
	if !splitIs(last, "shop", deploy.Split{Version: 1, Percent: 100}) {
		t.Errorf("after a tampered v2 the PoP has %+v, want v1 still", last["shop"].Worker.Split)
	}
}

// repack returns artifact with one file replaced.
func repack(t *testing.T, artifact []byte, name, content string) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(artifact))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		if h.Name == name {
			b = []byte(content)
		}
		h.Size = int64(len(b))
		tw.WriteHeader(h)
		tw.Write(b)
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
