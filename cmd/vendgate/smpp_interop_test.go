package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vendgate/vendgate/config"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/testkit"
)

// nodeEvent is one line the npm SMSC (testdata/smpp-interop/smsc.js) prints.
type nodeEvent struct {
	Event              string `json:"event"`
	Ref                string `json:"ref"`
	SystemID           string `json:"system_id"`
	MessageID          string `json:"message_id"`
	Source             string `json:"source"`
	Dest               string `json:"dest"`
	Text               string `json:"text"`
	UDH                string `json:"udh"` // the information elements, hex, without the length octet
	Error              string `json:"error"`
	Status             int    `json:"status"`
	SourceTON          int    `json:"source_ton"`
	DestTON            int    `json:"dest_ton"`
	EsmClass           int    `json:"esm_class"`
	DataCoding         int    `json:"data_coding"`
	RegisteredDelivery int    `json:"registered_delivery"`
	Port               int    `json:"port"`
}

// nodeSMSC is the npm smpp package running as an SMSC in a node process.
type nodeSMSC struct {
	stdin io.WriteCloser

	mu      sync.Mutex
	events  []nodeEvent
	changed chan struct{} // closed and replaced at each event
	output  strings.Builder
}

// startNodeSMSC runs smsc.js with one account, installing npm smpp first when it is missing. It
// needs node and npm: without them the test skips loudly, and fails when VENDGATE_REQUIRE_NODE=1.
func startNodeSMSC(t *testing.T, systemID, password string) *nodeSMSC {
	t.Helper()
	dir := filepath.Join("testdata", "smpp-interop")
	node := testkit.Node(t, dir, "smpp", "npm smpp as the SMSC")
	cmd := exec.Command(node, "smsc.js", systemID, password)
	cmd.Dir = dir
	n := &nodeSMSC{changed: make(chan struct{})}
	cmd.Stderr = &n.output
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if n.stdin, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	read := make(chan struct{})
	go func() {
		defer close(read)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var e nodeEvent
			err := json.Unmarshal(sc.Bytes(), &e)
			n.mu.Lock()
			n.output.WriteString(sc.Text() + "\n")
			if err != nil {
				e = nodeEvent{Event: "error", Error: fmt.Sprintf("line %q: %v", sc.Text(), err)}
			}
			n.events = append(n.events, e)
			close(n.changed)
			n.changed = make(chan struct{})
			n.mu.Unlock()
		}
	}()
	t.Cleanup(func() { // closing stdin ends the script
		_ = n.stdin.Close()
		done := make(chan error, 1)
		go func() { <-read; done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("node smsc.js: %v\n%s", err, n.log())
			}
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("node smsc.js did not stop\n%s", n.log())
		}
		for _, e := range n.all("error") {
			t.Errorf("npm SMSC: %s", e.Error)
		}
	})
	return n
}

func (n *nodeSMSC) log() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.output.String()
}

// all returns the events of one kind so far.
func (n *nodeSMSC) all(kind string) []nodeEvent {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []nodeEvent
	for _, e := range n.events {
		if e.Event == kind {
			out = append(out, e)
		}
	}
	return out
}

// wait returns the i-th (1-based) event of a kind that matches, waiting up to 10 s for it.
func (n *nodeSMSC) wait(t *testing.T, kind string, i int, match func(nodeEvent) bool) nodeEvent {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		n.mu.Lock()
		changed, seen := n.changed, 0
		for _, e := range n.events {
			if e.Event == kind && (match == nil || match(e)) {
				if seen++; seen == i {
					n.mu.Unlock()
					return e
				}
			}
		}
		n.mu.Unlock()
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("waited 10 s for %s %d from the npm SMSC; it printed:\n%s", kind, i, n.log())
		}
	}
}

// send writes one command to the script.
func (n *nodeSMSC) send(t *testing.T, cmd map[string]any) {
	t.Helper()
	b, _ := json.Marshal(cmd)
	if _, err := n.stdin.Write(append(b, '\n')); err != nil {
		t.Fatalf("command to the npm SMSC: %v", err)
	}
}

// TestSMPPInteropNodeSMSC is vendgate serve's SMS channel bound to an SMSC Vendgate did not
// write, the npm package smpp (0.5.1) as the server: Vendgate binds as a transceiver with its
// system_id and password and answers the SMSC's enquire_link; a customer's "BUY <meter> 50" to the
// demo short code comes as a deliver_sm, the token goes back as a submit_sm the npm SMSC decodes,
// and the virtual meter takes it; the same deliver_sm delivered again makes no second vend; a
// message in UCS-2 and one in two concatenated parts are understood; a reply too long for one SMS
// goes in two concatenated parts; the npm SMSC's delivery receipts, with their TLVs and without,
// are recorded on the replies; and Vendgate unbinds when it stops.
func TestSMPPInteropNodeSMSC(t *testing.T) {
	const systemID, password = "vendgate", "s3cret-smpp"
	smsc := startNodeSMSC(t, systemID, password)
	port := smsc.wait(t, "listening", 1, nil).Port
	t.Cleanup(func() { // after the server has stopped (cleanups run last first)
		if len(smsc.all("bind")) > 0 && !t.Failed() {
			smsc.wait(t, "unbind", 1, nil) // Vendgate unbinds when it stops
		}
	})
	m, logs := bootWith(t, func(c *config.Config) {
		c.SMPPAddr, c.SMPPSystemID, c.SMPPPassword = fmt.Sprintf("127.0.0.1:%d", port), systemID, password
	})
	ctx := context.Background()
	defer func() {
		if t.Failed() {
			t.Logf("npm SMSC:\n%s\nserver logs:\n%s", smsc.log(), logs.String())
		}
	}()

	if b := smsc.wait(t, "bind", 1, nil); b.SystemID != systemID || b.Status != 0 {
		t.Fatalf("bind_transceiver as the npm SMSC read it: %+v", b)
	}
	waitFor(t, "the bind", func() bool { return m.sms.Link("smsc").Bound() })
	smsc.send(t, map[string]any{"op": "enquire_link"})
	if e := smsc.wait(t, "enquire_link_resp", 1, nil); e.Status != 0 {
		t.Errorf("enquire_link_resp from Vendgate: status %d", e.Status)
	}

	tel := m.Demo.Telco
	dm := m.Demo.Meters[0]
	mt := demoMeterFor(t, dm)
	const phone = "27821234567"
	// submit is the n-th submit_sm to the phone and the token it carries.
	submit := func(n int) (nodeEvent, string) {
		t.Helper()
		s := smsc.wait(t, "submit", n, func(e nodeEvent) bool { return e.Dest == phone })
		toks := tokensIn(t, s.Text)
		if len(toks) != 1 || !strings.Contains(s.Text, "kWh") {
			t.Fatalf("submit_sm %d as the npm SMSC decoded it: %q (data_coding %d), want one token and the kWh", n, s.Text, s.DataCoding)
		}
		return s, toks[0].String()
	}
	moOK := func(ref string, i int) {
		t.Helper()
		if r := smsc.wait(t, "mo_resp", i, func(e nodeEvent) bool { return e.Ref == ref }); r.Status != 0 {
			t.Fatalf("deliver_sm_resp %d for %s: status 0x%X", i, ref, r.Status)
		}
	}

	smsc.send(t, map[string]any{"op": "mo", "ref": "buy", "from": phone, "to": tel.ShortCode, "text": "BUY " + dm.Number + " 50", "data_coding": 0})
	moOK("buy", 1)
	first, tok := submit(1)
	if r := mt.Enter(tok); !r.Code.OK() || r.Added == 0 {
		t.Fatalf("the virtual meter took the token as %v", r)
	}
	if first.Source != tel.ShortCode || first.SourceTON != 3 || first.DestTON != 1 || first.RegisteredDelivery != 1 || first.DataCoding != 0 || first.UDH != "" {
		t.Errorf("the reply's submit_sm: %+v", first)
	}

	// The SMSC missed the deliver_sm_resp and sends the same deliver_sm again.
	smsc.send(t, map[string]any{"op": "again", "ref": "buy"})
	moOK("buy", 2)
	if _, again := submit(2); again != tok {
		t.Errorf("the redelivered message got token %s, want the first vend's %s", again, tok)
	}
	vends, err := m.DB.VendsByMeter(ctx, dm.Number, tel.Agent, 10)
	if err != nil || len(vends) != 1 {
		t.Fatalf("%d vends (%v) after the redelivery, want 1", len(vends), err)
	}

	// A phone that writes in UCS-2 (data_coding 8); the phone's meter is remembered.
	smsc.send(t, map[string]any{"op": "mo", "ref": "ucs2", "from": phone, "to": tel.ShortCode, "text": "Buy 20", "data_coding": 8})
	moOK("ucs2", 1)
	_, tok2 := submit(3)
	if r := mt.Enter(tok2); !r.Code.OK() || r.Added == 0 {
		t.Fatalf("the virtual meter took the UCS-2 message's token as %v", r)
	}

	// A message in two concatenated parts (8-bit reference UDH) under the data_coding npm smpp
	// picks itself (0x01, IA5), answered with text-only receipts.
	smsc.send(t, map[string]any{"op": "receipts", "tlv": false})
	smsc.send(t, map[string]any{"op": "mo", "ref": "concat", "from": phone, "to": tel.ShortCode, "parts": []string{"BUY " + dm.Number[:6], dm.Number[6:] + " 30"}})
	for i := 1; i <= 2; i++ {
		if s := smsc.wait(t, "mo_sent", i, func(e nodeEvent) bool { return e.Ref == "concat" }); s.DataCoding != 1 || s.EsmClass != 0x40 {
			t.Errorf("part %d of the concatenated message went with data_coding %d esm_class 0x%X, want 1 and 0x40", i, s.DataCoding, s.EsmClass)
		}
		moOK("concat", i)
	}
	_, tok3 := submit(4)
	if r := mt.Enter(tok3); !r.Code.OK() || r.Added == 0 {
		t.Fatalf("the concatenated message's token: the virtual meter took it as %v", r)
	}
	vends, err = m.DB.VendsByMeter(ctx, dm.Number, tel.Agent, 10)
	if err != nil || len(vends) != 3 {
		t.Fatalf("%d vends (%v), want 3", len(vends), err)
	}

	// A key change pending on a meter with free basic electricity: two key change tokens, the
	// credit and the free token make a reply too long for one SMS, sent in two concatenated parts
	// (8-bit reference UDH) that the npm SMSC decodes and a handset joins.
	dm3 := m.Demo.Meters[2]
	mt3 := demoMeterFor(t, dm3)
	mv, err := m.DB.MeterByNumber(ctx, dm3.Number)
	if err != nil {
		t.Fatal(err)
	}
	next := mv.Meter.Key
	next.TI = 8
	if err := m.DB.SetPendingKeyChange(ctx, mv.Meter.ID, &next, false); err != nil {
		t.Fatal(err)
	}
	smsc.send(t, map[string]any{"op": "mo", "ref": "long", "from": phone, "to": tel.ShortCode, "text": "BUY " + dm3.Number + " 40"})
	moOK("long", 1)
	var parts [2]nodeEvent
	for i := range parts {
		p := smsc.wait(t, "submit", 5+i, func(e nodeEvent) bool { return e.Dest == phone })
		// 00 03 ref total seq: the concatenation element, two parts
		if len(p.UDH) != 10 || p.UDH[:4] != "0003" || p.UDH[6:8] != "02" || p.EsmClass&0x40 == 0 || (p.UDH[8:] != "01" && p.UDH[8:] != "02") {
			t.Fatalf("part %d of the long reply: UDH %q esm_class 0x%X, want one of two parts (UDHI set)", i+1, p.UDH, p.EsmClass)
		}
		parts[p.UDH[9]-'1'] = p
	}
	if parts[0].UDH[4:6] != parts[1].UDH[4:6] || parts[0].DataCoding != 0 || parts[1].DataCoding != 0 {
		t.Errorf("the long reply's parts: %+v", parts)
	}
	long := tokensIn(t, parts[0].Text+parts[1].Text)
	if len(long) != 4 {
		t.Fatalf("the long reply %q carries %d tokens, want 2 key change tokens, the credit and the free token", parts[0].Text+parts[1].Text, len(long))
	}
	for i, tok := range long {
		if r := mt3.Enter(tok.String()); !r.Code.OK() {
			t.Fatalf("the virtual meter took token %d of the long reply as %v", i+1, r)
		}
	}

	// Every reply was taken by the npm SMSC and its receipts recorded (the long one's two).
	for i := 1; i <= 6; i++ {
		if r := smsc.wait(t, "receipt_resp", i, nil); r.Status != 0 {
			t.Errorf("deliver_sm_resp for receipt %d (%s): status 0x%X", i, r.MessageID, r.Status)
		}
	}
	ids := map[string]bool{}
	for _, s := range smsc.all("submit") {
		ids[s.MessageID] = true
	}
	waitFor(t, "the delivery receipts on the replies", func() bool {
		rs, err := m.DB.RepliesByStatus(ctx, core.ReplyDelivered, 100)
		if err != nil || len(rs) != 5 {
			return false
		}
		for _, r := range rs {
			for _, id := range strings.Fields(r.ExternalID) {
				if !ids[id] {
					return false
				}
			}
			if r.ReceiptStatus != "DELIVRD" {
				return false
			}
		}
		return true
	})
	assertLogsClean(t, m, logs, tok, tok2, tok3, long[2].String())
	testkit.AssertNoSecrets(t, "the server's logs", logs.String(), testkit.Secrets{Passwords: []string{password}})
}
