package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestWrongMasterKeyStopsStart: a data folder started once, then given another master key, does
// not start and says which key is wrong (it started, answered ready, and every vend failed with
// 500); admin refuses likewise, before sealing anything under the wrong key.
func TestWrongMasterKeyStopsStart(t *testing.T) {
	dir := t.TempDir()
	_, stop := startServeStop(t, dir)
	stop()
	keyFile := filepath.Join(dir, "master.key")
	if err := os.WriteFile(keyFile, []byte(strings.Repeat("5a", 32)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	want := "the master key in " + keyFile + " does not match this database"

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	args, environ := serveArgs(dir)
	var stdout, stderr bytes.Buffer
	if code := run(ctx, args, environ, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), want) {
		t.Fatalf("serve with a wrong master key: exit %d, stderr %q; want 1 and %q", code, stderr.String(), want)
	}
	stdout.Reset()
	stderr.Reset()
	code := run(ctx, []string{"admin", "utility", "create", "--data-dir", dir, "--name", "X", "--currency", "ZAR", "--tax-rate", "0.15"},
		nil, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), want) || stdout.Len() != 0 {
		t.Fatalf("admin with a wrong master key: exit %d, stdout %q, stderr %q; want 1 and %q", code, stdout.String(), stderr.String(), want)
	}
}
