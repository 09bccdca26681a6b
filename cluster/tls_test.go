package cluster_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/verge-edge/verge/cluster"
)

// writeCA makes a CA and a certificate for 127.0.0.1 signed by it, as PEM
// files in dir.
func writeCA(t *testing.T, dir string) (caFile, certFile, keyFile string) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "verge test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "hub"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	caFile, certFile, keyFile = filepath.Join(dir, "ca.pem"), filepath.Join(dir, "hub.pem"), filepath.Join(dir, "hub.key")
	os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o644)
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600)
	return caFile, certFile, keyFile
}

// TestTLSLink: a hub with TLS takes a leaf that trusts its CA, and a
// mirror works across the encrypted link; a leaf that does not trust it
// never links.
func TestTLSLink(t *testing.T) {
	caFile, certFile, keyFile := writeCA(t, t.TempDir())
	creds, _ := cluster.NewCredentials()
	pub, _ := creds.PublicKey()
	hub := startHub(t, cluster.HubConfig{LeafListen: "127.0.0.1:0", StoreDir: t.TempDir(), Users: []string{pub},
		TLS: &cluster.TLSFiles{CertFile: certFile, KeyFile: keyFile}, Logger: testLogger(t)})
	if !strings.HasPrefix(hub.LeafURL(), "tls://") {
		t.Fatalf("leaf URL %q", hub.LeafURL())
	}
	ctx := ctxT(t, 30*time.Second)
	leaf, err := cluster.StartLeaf(ctx, cluster.LeafConfig{Name: "gru", HubURLs: []string{hub.LeafURL()}, Credentials: creds,
		StoreDir: t.TempDir(), TLS: &cluster.TLSFiles{CAFile: caFile}, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { leaf.Close() })
	if err := leaf.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}

	// Without the CA the hub's certificate is not trusted.
	stranger, err := cluster.StartLeaf(ctx, cluster.LeafConfig{Name: "fra", HubURLs: []string{hub.LeafURL()}, Credentials: creds,
		StoreDir: t.TempDir(), Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stranger.Close() })
	wctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := stranger.WaitConnected(wctx); err == nil {
		t.Fatal("a leaf without the CA linked to the TLS hub")
	}
	if n := hub.Server().NumLeafNodes(); n != 1 {
		t.Fatalf("hub has %d leaf nodes, want 1", n)
	}
}
