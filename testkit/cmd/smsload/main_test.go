package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linxGnu/gosmpp"
	"github.com/linxGnu/gosmpp/data"
	"github.com/linxGnu/gosmpp/pdu"

	"github.com/vendgate/vendgate/testkit/smsc"
)

const token = "1234-5678-9012-3456-7890"

// reply is an accepted submit_sm of ASCII text to phone; parts gives a concatenation UDH
// (reference 7, part of total).
func reply(phone, text string, part, total byte) smsc.Submit {
	s := smsc.Submit{Dest: smsc.Address{Addr: phone}, DataCoding: 1, ShortMessage: []byte(text), Status: smsc.StatusOK, MessageID: "1"}
	if total > 0 {
		s.EsmClass, s.UDH = 0x40, []byte{5, 0, 3, 7, total, part}
	}
	return s
}

// The tracker counts what the final check reads: a reply with a token answers its MO once; a
// second reply, a reply without a token, a reply to an unknown phone and a missing reply are each
// caught; a refused submit answers nothing.
func TestTrackerChecksEveryMOGotExactlyOneReply(t *testing.T) {
	clock := time.Unix(1_700_000_000, 0)
	tr := newTracker(func() time.Time { return clock })
	sent := clock.Add(-250 * time.Millisecond)
	for _, p := range []string{"27700000001", "27700000002", "27700000003", "27700000004", "27700000005"} {
		tr.expect(p, sent)
	}
	throttled := reply("27700000001", "Token "+token, 0, 0)
	throttled.Status, throttled.MessageID = smsc.StatusThrottled, ""
	for _, s := range []smsc.Submit{
		throttled, // refused: no answer yet
		reply("27700000001", "Token "+token, 0, 0), // answered
		reply("27700000002", "Token "+token, 0, 0), // answered ...
		reply("27700000002", "Token "+token, 0, 0), // ... twice
		reply("27700000003", "Sorry, try later", 0, 0),
		reply("27700000004", "Token 1234-5678-9012-", 1, 2), // a token split over two parts
		reply("27700000004", "3456-7890 for R50", 2, 2),
		reply("27799999999", "Token "+token, 0, 0), // no MO from this phone
	} {
		tr.submit(s)
	}
	got := tr.counts()
	want := counts{MOs: 5, Answered: 3, Missing: 2, Duplicates: 1, NoToken: 1, Refused: 1, Stray: 1}
	if got != want {
		t.Errorf("counts: got %+v, want %+v", got, want)
	}
	if got.ok() {
		t.Error("the check passed with a duplicate, a missing and a stray reply")
	}
	if lat := tr.latencies(); len(lat) != 3 || lat[0] != 250*time.Millisecond {
		t.Errorf("latencies: got %v, want three of 250ms", lat)
	}

	clean := newTracker(time.Now)
	clean.expect("27700000001", time.Now())
	clean.submit(reply("27700000001", "Token "+token, 0, 0))
	if c := clean.counts(); !c.ok() {
		t.Errorf("one MO, one reply: got %+v, want the check to pass", c)
	}
	if c := newTracker(time.Now).counts(); c.ok() {
		t.Error("no MO at all: got the check passing, want it failing")
	}
}

func TestPercentileAndDrain(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	for _, c := range []struct {
		perMille int
		want     time.Duration
	}{{500, 50 * time.Millisecond}, {990, 99 * time.Millisecond}, {1000, 100 * time.Millisecond}} {
		if got := percentile(d, c.perMille); got != c.want {
			t.Errorf("percentile %d‰: got %v, want %v", c.perMille, got, c.want)
		}
	}
	if got := percentile(nil, 500); got != 0 {
		t.Errorf("percentile of nothing: got %v, want 0", got)
	}

	back := time.Unix(1_700_000_000, 0)
	arrivals := []time.Time{back.Add(-time.Second)} // got through before the SMSC returned
	for i := range 501 {                            // 500 replies/s for a second, from 10 s after
		arrivals = append(arrivals, back.Add(10*time.Second+time.Duration(i)*2*time.Millisecond))
	}
	got := drainOf(arrivals, back)
	if got.n != 501 || got.first != 10*time.Second || got.total != 11*time.Second || got.rate < 499.9 || got.rate > 500.1 ||
		got.mid < 499.9 || got.mid > 500.1 {
		t.Errorf("drain: got %+v, want 501 replies from 10 s to 11 s after the return at 500/s", got)
	}
}

func TestPhonesAndTexts(t *testing.T) {
	p := phones{prefix: "277", start: 86_399_000}
	seen := map[string]bool{}
	for i := range int64(5000) {
		n := p.phone(i)
		if len(n) != 11 || strings.Trim(n, "0123456789") != "" || seen[n] {
			t.Fatalf("phone %d: got %q, want 11 digits, new", i, n)
		}
		seen[n] = true
	}
	meters := []string{"07000000015", "07000000023"}
	if got := moText(meters, "50", 3); got != "BUY 07000000023 50" {
		t.Errorf("moText: got %q", got)
	}
}

func TestReadAgentsFile(t *testing.T) {
	dir := t.TempDir()
	bench := filepath.Join(dir, "agents.json")
	raw := `[{"api_key":"k1","meters":["07000000015"]},{"short_code":"40404","route":"smsc","meters":["07000000015","07000000023"]}]`
	if err := os.WriteFile(bench, []byte(raw), 0o600); err != nil {
		t.Fatal(err)
	}
	code, meters, err := readAgentsFile(bench)
	if err != nil || code != "40404" || len(meters) != 2 {
		t.Errorf("bench file: got %q %v %v, want 40404 and two meters", code, meters, err)
	}
	old := filepath.Join(dir, "old.json")
	if err := os.WriteFile(old, []byte(`[{"api_key":"k1","meters":["07000000015"]}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := readAgentsFile(old); err == nil || !strings.Contains(err.Error(), "short_code") {
		t.Errorf("a file without the telco: got %v, want an error naming short_code", err)
	}
	if _, err := parseOptions([]string{"--agents-file", bench, "--backlog", "10", "--rate", "5"}, time.Now()); err == nil {
		t.Error("--backlog with --rate: got no error")
	}
}

// esme is Vendgate's part in miniature: it binds to smsload's SMSC and answers every MO with one
// token reply (twice to the MO from twice, if set).
func esme(t *testing.T, addr, twice string) {
	t.Helper()
	var mu sync.Mutex
	var sess *gosmpp.Session
	settings := gosmpp.Settings{ReadTimeout: 30 * time.Second, WriteTimeout: 5 * time.Second,
		OnAllPDU: func(p pdu.PDU) (pdu.PDU, bool) {
			d, ok := p.(*pdu.DeliverSM)
			if !ok {
				return nil, false
			}
			from := d.SourceAddr.Address()
			go func() {
				mu.Lock()
				s := sess
				mu.Unlock()
				n := 1
				if from == twice {
					n = 2
				}
				for range n {
					sm := pdu.NewSubmitSM().(*pdu.SubmitSM)
					sm.SourceAddr, _ = pdu.NewAddressWithTonNpiAddr(0, 1, "40404")
					sm.DestAddr, _ = pdu.NewAddressWithTonNpiAddr(1, 1, from)
					_ = sm.Message.SetMessageWithEncoding("Meter token "+token, data.ASCII)
					_ = s.Transceiver().Submit(sm)
				}
			}()
			return d.GetResponse(), false
		}}
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		s, err := gosmpp.NewSession(gosmpp.TRXConnector(gosmpp.NonTLSDialer, gosmpp.Auth{SMSC: addr, SystemID: "vendgate", Password: "pw"}), settings, 0)
		if err == nil {
			sess = s
			mu.Unlock()
			t.Cleanup(func() { _ = s.Close() })
			return
		}
		mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatalf("binding to smsload: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// smsload end to end against a miniature ESME: it counts every reply, and its check fails (exit 1)
// when one customer gets two replies.
func TestRunCountsRepliesAndCatchesADuplicate(t *testing.T) {
	for _, c := range []struct {
		name  string
		twice string
		code  int
		check string
	}{
		{"OK", "", 0, "check ok: 20 MOs, 20 answered with a token, 0 without reply, 0 with more than one reply"},
		{"Duplicate", "27700000004", 1, "check FAILED: 20 MOs, 20 answered with a token, 0 without reply, 1 with more than one reply"},
	} {
		t.Run(c.name, func(t *testing.T) {
			addr := freeAddr(t)
			var out, errb bytes.Buffer
			done := make(chan int, 1)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			go func() {
				done <- run(ctx, []string{"--listen", addr, "--short-code", "40404", "--meters", "07000000015,07000000023",
					"--count", "20", "--inflight", "4", "--phone-start", "0", "--settle", "200ms", "--reply-timeout", "5s"}, &out, &errb)
			}()
			esme(t, addr, c.twice)
			code := <-done
			if code != c.code || !strings.Contains(out.String(), c.check) || !strings.Contains(out.String(), "20 MOs sent") {
				t.Errorf("exit %d, output:\n%s%s\nwant exit %d and %q", code, out.String(), errb.String(), c.code, c.check)
			}
		})
	}
}
