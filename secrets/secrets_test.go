package secrets

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestStore(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Put("api", "TOKEN", "s3cret-value"); err != nil {
		t.Fatal(err)
	}
	if err := s.Put("api", "OTHER", "x"); err != nil {
		t.Fatal(err)
	}
	// Encrypted at rest: the value is nowhere in the folder.
	files, _ := os.ReadDir(dir)
	for _, f := range files {
		b, _ := os.ReadFile(filepath.Join(dir, f.Name()))
		if bytes.Contains(b, []byte("s3cret-value")) {
			t.Errorf("%s holds the plaintext", f.Name())
		}
		if st, _ := os.Stat(filepath.Join(dir, f.Name())); st.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v", f.Name(), st.Mode().Perm())
		}
	}
	// A reopened store (same key file) reads them back.
	s2, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	v, err := s2.Values("api")
	if err != nil || v["TOKEN"] != "s3cret-value" || v["OTHER"] != "x" {
		t.Fatalf("values %v %v", v, err)
	}
	if names, _ := s2.Names("api"); strings.Join(names, ",") != "OTHER,TOKEN" {
		t.Errorf("names %v", names)
	}
	// A value moved into another worker's file does not decrypt.
	b, _ := os.ReadFile(filepath.Join(dir, "api.json"))
	os.WriteFile(filepath.Join(dir, "web.json"), b, 0o600)
	if _, err := s2.Values("web"); err == nil || !strings.Contains(err.Error(), "does not decrypt") {
		t.Errorf("a copied file: %v", err)
	}
	if err := s2.Delete("api", "OTHER"); err != nil {
		t.Fatal(err)
	}
	if err := s2.Delete("api", "OTHER"); err == nil {
		t.Error("deleting a missing secret succeeded")
	}
	for _, c := range []struct{ worker, name, value string }{
		{"API", "X", "v"}, {"api", "1X", "v"}, {"api", "X-Y", "v"}, {"api", "X", strings.Repeat("v", MaxValue+1)},
	} {
		if err := s2.Put(c.worker, c.name, c.value); err == nil {
			t.Errorf("Put(%q, %q, %d bytes) succeeded", c.worker, c.name, len(c.value))
		}
	}
}
