package iso8583_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vendgate/vendgate/testkit"

	iso "github.com/vendgate/vendgate/adapters/iso8583"
	"github.com/vendgate/vendgate/testkit/memstore"
)

// TestInteropNodeISO8583 drives the real TCP server with the npm package iso_8583 (2.6.7), an
// implementation Vendgate did not write. It needs node and npm (npm install reaches the npm
// registry the first time); without them it skips loudly, and fails when VENDGATE_REQUIRE_NODE=1.
func TestInteropNodeISO8583(t *testing.T) {
	dir := filepath.Join("testdata", "interop")
	node := testkit.Node(t, dir, "iso_8583", "npm iso_8583")

	ts := MustServe(t, iso.Config{SecondaryBitmap: true})
	before := ts.fake.Balance(t, ts.fake.BankAgent.ID)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "interop.js", ts.addr, memstore.BankCode, memstore.MeterOK)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node interop.js: %v\nstdout:\n%s\nstderr:\n%s\nserver logs:\n%s", err, out, stderr.String(), ts.logs)
	}

	type step struct {
		Step, MTI, STAN, RC, F48, F63, Error string
		Done                                 bool
	}
	got := map[string]step{}
	done := false
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var s step
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			t.Fatalf("node output %q: %v", sc.Text(), err)
		}
		if s.Error != "" {
			t.Fatalf("node: %s", s.Error)
		}
		done = done || s.Done
		got[s.Step] = s
	}
	if !done {
		t.Fatalf("node did not finish its script:\n%s", out)
	}
	want := []struct{ step, mti, stan string }{
		{"signon", "0810", "000100"},
		{"lookup", "0110", "000200"},
		{"purchase", "0210", "000301"},
		{"repeat", "0210", "000301"},
		{"reversal", "0430", "000303"},
		{"echo", "0810", "000400"},
	}
	for _, w := range want {
		s := got[w.step]
		if s.MTI != w.mti || s.STAN != w.stan || s.RC != "00" {
			t.Errorf("%s: got %s STAN %s rc %s, want %s STAN %s rc 00", w.step, s.MTI, s.STAN, s.RC, w.mti, w.stan)
		}
	}
	if f48 := got["lookup"].F48; !strings.Contains(f48, "Thandi Mokoena") {
		t.Errorf("lookup field 48: got %q, want the customer's name", f48)
	}
	p, r := got["purchase"].F63, got["repeat"].F63
	if len(p) < 22 || p[:2] != "01" || strings.Trim(p[2:22], "0123456789") != "" {
		t.Errorf("purchase field 63: got %d characters, want 01 and a 20-digit token first", len(p))
	}
	if p != r {
		t.Errorf("repeat field 63: got a different answer from the purchase's, want the same token")
	}
	if got := ts.fake.Balance(t, ts.fake.BankAgent.ID); got != before {
		t.Errorf("balance after purchase and reversal: got %d, want %d", got, before)
	}
}
