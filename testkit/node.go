package testkit

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// Node returns the node binary for an interoperability test whose npm project is dir, running
// `npm ci` there first when node_modules lacks module. Without node and npm the test skips
// loudly, and fails when VENDGATE_REQUIRE_NODE=1 (CI sets it). what names the test's peer in the
// skip message.
func Node(tb testing.TB, dir, module, what string) string {
	tb.Helper()
	node, err := exec.LookPath("node")
	npm, err2 := exec.LookPath("npm")
	if err != nil || err2 != nil {
		if os.Getenv("VENDGATE_REQUIRE_NODE") == "1" {
			tb.Fatalf("node and npm are required (VENDGATE_REQUIRE_NODE=1): %v %v", err, err2)
		}
		tb.Skipf("SKIPPED LOUDLY: node or npm not found, the interoperability test with %s did not run (%v %v)", what, err, err2)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", module, "package.json")); err != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			tb.Fatalf("npm ci in %s: %v\n%s", dir, err, out)
		}
	}
	return node
}
