package smsc_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/vendgate/vendgate/testkit"
	"github.com/vendgate/vendgate/testkit/smsc"
)

// TestInteropNodeSMPP drives the SMSC with the npm package smpp (0.5.1), an SMPP client Vendgate
// did not write: bind_transceiver, enquire_link, submit_sm with a receipt asked for, an MO
// deliver_sm and the receipt, unbind. It needs node and npm (npm ci reaches the npm registry the
// first time); without them it skips loudly, and fails when VENDGATE_REQUIRE_NODE=1.
func TestInteropNodeSMPP(t *testing.T) {
	dir := filepath.Join("testdata", "interop")
	node := testkit.Node(t, dir, "smpp", "npm smpp")

	srv := MustListen(t, smsc.Config{Receipts: smsc.Receipts{Enabled: true, Delay: 10 * time.Millisecond}})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "interop.js", srv.Addr(), account, password)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	subs, err := srv.WaitSubmits(ctx, 1)
	if err != nil {
		t.Fatalf("waiting for node's submit_sm: %v", err)
	}
	mo, moErr := srv.SendText(ctx, "27821234567", "32123", "BUY 01234567897 50")
	if err := <-exited; err != nil {
		t.Fatalf("node interop.js: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	if moErr != nil || mo.Status != smsc.StatusOK {
		t.Errorf("MO to node: got status 0x%X, %v, want ESME_ROK", mo.Status, moErr)
	}

	type step struct {
		Step, SystemID, MessageID, Source, Destination, Text, ID, Error string
		Status, State, DataCoding                                       int
		Done                                                            bool
	}
	got := map[string]step{}
	done := false
	sc := bufio.NewScanner(&stdout)
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
		t.Fatalf("node did not finish its script:\n%s", stdout.String())
	}
	if got["bind"].SystemID != "vendgate-smsc" {
		t.Errorf("bind_transceiver_resp system_id as node read it: got %q", got["bind"].SystemID)
	}
	for _, name := range []string{"bind", "enquire_link", "submit", "unbind"} {
		if s, ok := got[name]; !ok || s.Status != 0 {
			t.Errorf("%s: got %+v, want status 0", name, s)
		}
	}
	if m := subs[0]; got["submit"].MessageID != m.MessageID || m.Dest.Addr != "27821234567" || m.RegisteredDelivery != 1 || m.DataCoding != 1 {
		t.Errorf("submit: node got message id %q, SMSC recorded %+v", got["submit"].MessageID, m)
	}
	if text, _ := subs[0].Text(); text != "Token 1234 5678 9012 3456 7890" {
		t.Errorf("submit text: got %q", text)
	}
	if m := got["mo"]; m.Source != "27821234567" || m.Destination != "32123" || m.Text != "BUY 01234567897 50" {
		t.Errorf("MO as node read it: got %+v", m)
	}
	if r := got["receipt"]; r.ID != subs[0].MessageID || r.State != 2 {
		t.Errorf("receipt as node read it: got %+v, want id %q state 2", r, subs[0].MessageID)
	} else if f, err := smsc.ParseReceipt(r.Text); err != nil || f["stat"] != "DELIVRD" {
		t.Errorf("receipt text as node read it: got %q (%v)", r.Text, err)
	}
}
