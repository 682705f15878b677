package smpp

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linxGnu/gosmpp/pdu"
	"github.com/rs/zerolog"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/testkit"
	"github.com/vendgate/vendgate/testkit/smsc"
)

// recorder is the service side of a link under test: it keeps what the link hands it and
// answers with fail (nil: taken).
type recorder struct {
	mu       sync.Mutex
	mos      []MO
	receipts [][2]string // message id, state
	fail     error
	got      chan struct{}
}

func newRecorder() *recorder { return &recorder{got: make(chan struct{}, 100)} }

func (r *recorder) mo(_ context.Context, m MO) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	r.mos = append(r.mos, m)
	r.got <- struct{}{}
	return nil
}

func (r *recorder) receipt(_ context.Context, route, id, state string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.receipts = append(r.receipts, [2]string{id, state})
	r.got <- struct{}{}
	return nil
}

func (r *recorder) wait(t *testing.T, n int, what func() int) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		r.mu.Lock()
		have := what()
		r.mu.Unlock()
		if have >= n {
			return
		}
		select {
		case <-r.got:
		case <-deadline:
			t.Fatalf("have %d, waited for %d", have, n)
		}
	}
}

// startLink binds a link to a test SMSC.
func startLink(t *testing.T, srv *smsc.Server, in inbound, b Bind) *Link {
	t.Helper()
	return startLinkAt(t, srv.Addr(), in, b)
}

// startLinkAt binds a link to the SMSC at addr.
func startLinkAt(t *testing.T, addr string, in inbound, b Bind) *Link {
	t.Helper()
	return startLinkWith(t, addr, in, b, NodeThrottle)
}

// startLinkWith binds a link paced by throttles to the SMSC at addr.
func startLinkWith(t *testing.T, addr string, in inbound, b Bind, throttles Throttles) *Link {
	t.Helper()
	if b.Name == "" {
		b = Bind{Name: "test", SystemID: "vendgate", Password: "secret", RebindMin: 20 * time.Millisecond, RebindMax: 100 * time.Millisecond}
	}
	b.Addr = addr
	log, logs := testkit.CaptureLogs(t)
	l := newLink(b, in, throttles, log, time.Now)
	go l.run()
	t.Cleanup(func() {
		l.close()
		// Nothing the link handled (a reply's body with its token, the bind's password) is logged.
		testkit.AssertNoSecrets(t, "the SMPP link's logs", logs.String(), testkit.Secrets{Passwords: []string{b.Password}})
	})
	waitBound(t, l)
	return l
}

func waitBound(t *testing.T, l *Link) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !l.Bound() {
		if time.Now().After(deadline) {
			t.Fatal("the link did not bind in 10 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func newSMSC(t *testing.T, cfg smsc.Config) *smsc.Server {
	t.Helper()
	if cfg.Accounts == nil {
		cfg.Accounts = map[string]string{"vendgate": "secret"}
	}
	srv, err := smsc.Listen(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

func ctx10(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestLinkMessagesIn(t *testing.T) {
	srv := newSMSC(t, smsc.Config{})
	rec := newRecorder()
	startLink(t, srv, rec, Bind{})
	ctx := ctx10(t)

	d, err := srv.SendText(ctx, "27821234567", "40404", "BUY 01234567897 50")
	if err != nil || d.Status != smsc.StatusOK {
		t.Fatalf("MO: status 0x%X, %v", d.Status, err)
	}
	long := strings.Repeat("BUY 01234567897 50 and then some words, ", 6)
	ds, err := srv.SendConcat(ctx, "27821234567", "40404", long, smsc.Concat{Order: []int{2, 1}, Duplicate: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.Status != smsc.StatusOK {
			t.Fatalf("concatenated part: status 0x%X", d.Status)
		}
	}
	uni := "ACHAT 01234567897 50 é ñ 電"
	if _, err := srv.SendText(ctx, "27821234567", "40404", uni); err != nil {
		t.Fatal(err)
	}
	rec.wait(t, 3, func() int { return len(rec.mos) })
	want := []string{"BUY 01234567897 50", long, uni}
	for i, m := range rec.mos {
		if m.Text != want[i] || m.From != "27821234567" || m.To != "40404" || m.Route != "test" {
			t.Errorf("message %d: %+v, want text %q", i, m, want[i])
		}
	}
	if rec.mos[1].Ref == "" {
		t.Errorf("a concatenated message has no reference")
	}

	// The service cannot take a message (its database is down): the SMSC is told to try again.
	rec.mu.Lock()
	rec.fail = errors.New("database down")
	rec.mu.Unlock()
	d, err = srv.SendText(ctx, "27821234567", "40404", "BUY 01234567897 60")
	if err != nil || d.Status != uint32(statusTryLater) {
		t.Errorf("a message not taken: status 0x%X (%v), want 0x%X", d.Status, err, statusTryLater)
	}
}

func TestLinkDeliversRepliesAndReceipts(t *testing.T) {
	srv := newSMSC(t, smsc.Config{Receipts: smsc.Receipts{Enabled: true, Delay: 10 * time.Millisecond, State: smsc.Delivered}})
	rec := newRecorder()
	l := startLink(t, srv, rec, Bind{})
	ctx := ctx10(t)

	short := "Token 1234-5678-9012-3456-7890 12.5 kWh ZAR 50.00 Ref V123"
	id, err := l.Deliver(ctx, core.Reply{ID: 1, Sender: "40404", Recipient: "27821234567", Body: short})
	if err != nil || id == "" {
		t.Fatalf("Deliver: %q, %v", id, err)
	}
	long := strings.Repeat("Key token 1/2: 1111-2222-3333-4444-5555 ", 6) + "€"
	ids, err := l.Deliver(ctx, core.Reply{ID: 2, Sender: "40404", Recipient: "27821234567", Body: long})
	if err != nil {
		t.Fatal(err)
	}
	subs, err := srv.WaitSubmits(ctx, 1+len(strings.Fields(ids)))
	if err != nil {
		t.Fatal(err)
	}
	if text, err := subs[0].Text(); err != nil || text != short || subs[0].Dest.Addr != "27821234567" || subs[0].Source.Addr != "40404" {
		t.Errorf("first submit: %q (%v) from %s to %s", text, err, subs[0].Source.Addr, subs[0].Dest.Addr)
	}
	parts := subs[1:]
	if len(parts) < 2 {
		t.Fatalf("a %d-character reply went as %d part(s)", len(long), len(parts))
	}
	sort.Slice(parts, func(i, j int) bool {
		_, _, a, _ := parts[i].Concat()
		_, _, b, _ := parts[j].Concat()
		return a < b
	})
	var whole strings.Builder
	for _, p := range parts {
		if _, total, _, ok := p.Concat(); !ok || total != len(parts) {
			t.Fatalf("part without a concatenation header for %d parts", len(parts))
		}
		text, err := p.Text()
		if err != nil {
			t.Fatal(err)
		}
		whole.WriteString(text)
	}
	if whole.String() != long {
		t.Errorf("the parts join to %q, want %q", whole.String(), long)
	}
	rec.wait(t, 1+len(parts), func() int { return len(rec.receipts) })
	seen := map[string]string{}
	for _, r := range rec.receipts {
		seen[r[0]] = r[1]
	}
	for _, m := range append([]string{id}, strings.Fields(ids)...) {
		if seen[m] != "DELIVRD" {
			t.Errorf("message %s: receipt %q, want DELIVRD", m, seen[m])
		}
	}
}

func TestLinkSubmitFailures(t *testing.T) {
	srv := newSMSC(t, smsc.Config{})
	l := startLink(t, srv, newRecorder(), Bind{})
	ctx := ctx10(t)
	reply := core.Reply{ID: 1, Sender: "40404", Recipient: "27821234567", Body: "hello"}

	srv.SetFaults(smsc.Faults{SubmitStatus: smsc.StatusThrottled})
	_, err := l.Deliver(ctx, reply)
	if core.ErrorCode(err) != core.CodeUnavailable {
		t.Errorf("throttled: %v, want a transient error", err)
	}
	srv.SetFaults(smsc.Faults{SubmitStatus: 0x0B}) // ESME_RINVDSTADR
	_, err = l.Deliver(ctx, reply)
	if core.ErrorCode(err) != core.CodeInvalid {
		t.Errorf("invalid destination: %v, want a permanent error", err)
	}
	srv.SetFaults(smsc.Faults{DropSubmits: true})
	l.cfg.SubmitTimeout = 100 * time.Millisecond
	_, err = l.Deliver(ctx, reply)
	if core.ErrorCode(err) != core.CodeUnavailable || !strings.Contains(err.Error(), "did not answer") {
		t.Errorf("unanswered: %v, want a transient error", err)
	}
	srv.SetFaults(smsc.Faults{})
	if _, err := l.Deliver(ctx, reply); err != nil {
		t.Errorf("after the faults: %v", err)
	}
}

// TestLinkRebinds: the SMSC crashes and comes back; the link binds again by itself and delivers.
func TestLinkRebinds(t *testing.T) {
	srv := newSMSC(t, smsc.Config{})
	l := startLink(t, srv, newRecorder(), Bind{})
	ctx := ctx10(t)
	srv.Kill()
	deadline := time.Now().Add(10 * time.Second)
	for l.Bound() && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	_, err := l.Deliver(ctx, core.Reply{ID: 1, Sender: "40404", Recipient: "27821234567", Body: "while down"})
	if core.ErrorCode(err) != core.CodeUnavailable {
		t.Errorf("delivering while the SMSC is down: %v, want a transient error", err)
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	waitBound(t, l)
	if _, err := l.Deliver(ctx, core.Reply{ID: 2, Sender: "40404", Recipient: "27821234567", Body: "after"}); err != nil {
		t.Fatalf("after the restart: %v", err)
	}
}

// TestLinkSequenceClash: a deliver_sm reusing the sequence number of a pending submit_sm is a
// customer's message, not the submit's answer.
func TestLinkSequenceClash(t *testing.T) {
	srv := newSMSC(t, smsc.Config{})
	rec := newRecorder()
	l := startLink(t, srv, rec, Bind{})
	ctx := ctx10(t)
	srv.SetFaults(smsc.Faults{SequenceClash: true, ClashText: "BUY 01234567897 70", SubmitDelay: 50 * time.Millisecond})
	id, err := l.Deliver(ctx, core.Reply{ID: 1, Sender: "40404", Recipient: "27821234567", Body: "hello"})
	if err != nil || id == "" {
		t.Fatalf("Deliver during a clash: %q, %v", id, err)
	}
	rec.wait(t, 1, func() int { return len(rec.mos) })
	if rec.mos[0].Text != "BUY 01234567897 70" {
		t.Errorf("the clashing message reads %q", rec.mos[0].Text)
	}
}

func TestLinkBadPassword(t *testing.T) {
	srv := newSMSC(t, smsc.Config{})
	b := Bind{Name: "test", Addr: srv.Addr(), SystemID: "vendgate", Password: "wrong", RebindMin: 10 * time.Millisecond, RebindMax: 20 * time.Millisecond}
	var logs syncLog
	l := newLink(b, newRecorder(), NodeThrottle, zerolog.New(&logs), time.Now)
	go l.run()
	defer l.close()
	deadline := time.Now().Add(10 * time.Second)
	for strings.Count(logs.String(), "the SMSC refused the bind") < 3 { // several refused binds
		if time.Now().After(deadline) {
			t.Fatalf("no refused binds logged: %s", logs.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if l.Bound() {
		t.Fatal("bound with a wrong password")
	}
	if strings.Contains(logs.String(), "wrong") {
		t.Errorf("the password is in the log: %s", logs.String())
	}
}

// TestLinkTLS binds over TLS (to a TLS front of the SMSC) and exchanges a message and a reply.
func TestLinkTLS(t *testing.T) {
	srv := newSMSC(t, smsc.Config{})
	cert := testkit.SelfSigned(t)
	roots := x509.NewCertPool()
	roots.AddCert(cert.Leaf)
	rec := newRecorder()
	b := Bind{Name: "tls", SystemID: "vendgate", Password: "secret", RebindMin: 20 * time.Millisecond,
		TLS: &tls.Config{RootCAs: roots, ServerName: "localhost", MinVersion: tls.VersionTLS12}}
	front := testkit.TLSFront(t, cert, srv.Addr())
	l := startLinkAt(t, front, rec, b)
	ctx := ctx10(t)
	if _, err := srv.SendText(ctx, "27821234567", "40404", "HELP"); err != nil {
		t.Fatal(err)
	}
	rec.wait(t, 1, func() int { return len(rec.mos) })
	if _, err := l.Deliver(ctx, core.Reply{ID: 1, Sender: "40404", Recipient: "27821234567", Body: "over TLS"}); err != nil {
		t.Fatalf("Deliver over TLS: %v", err)
	}

	// A bind to a front whose certificate it does not trust never comes up.
	b.Name, b.TLS = "untrusted", &tls.Config{MinVersion: tls.VersionTLS12}
	b.Addr = front
	var logs syncLog
	u := newLink(b, rec, NodeThrottle, zerolog.New(&logs), time.Now)
	go u.run()
	defer u.close()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logs.String(), "certificate") {
		if time.Now().After(deadline) {
			t.Fatalf("no refused bind logged: %s", logs.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if u.Bound() || srv.Sessions() != 1 {
		t.Errorf("a link that does not trust the SMSC's certificate bound (%d sessions)", srv.Sessions())
	}
}

// syncLog collects log lines written from several goroutines.
type syncLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestLinkRefusesUnparsableMessage: a deliver_sm whose user data header runs past the message is
// refused for good (ESME_RX_P_APPN) on a bind that stays up, and the next message is taken.
func TestLinkRefusesUnparsableMessage(t *testing.T) {
	srv := newSMSC(t, smsc.Config{})
	rec := newRecorder()
	startLink(t, srv, rec, Bind{})
	ctx := ctx10(t)
	d, err := srv.SendMO(ctx, "27821234567", "40404", []byte{0x09, 0x00, 0x03, 'A'}, 0, smsc.WithEsmClass(0x40))
	if err != nil || d.Status != uint32(statusCorrupted) {
		t.Fatalf("a header longer than the message: status 0x%X, %v; want 0x%X on the same bind", d.Status, err, statusCorrupted)
	}
	if d, err := srv.SendText(ctx, "27821234567", "40404", "HELP"); err != nil || d.Status != smsc.StatusOK {
		t.Fatalf("the next message: status 0x%X, %v", d.Status, err)
	}
	rec.wait(t, 1, func() int { return len(rec.mos) })
	if srv.Sessions() != 1 {
		t.Errorf("%d sessions: the bind was dropped", srv.Sessions())
	}
}

// TestGuardAnswersWhatGosmppCannotRead: a query_sm with optional parameters (on which gosmpp
// v0.3.1's parser panics) gets a generic_nack from the guard, and the deliver_sm after it reaches
// gosmpp.
func TestGuardAnswersWhatGosmppCannotRead(t *testing.T) {
	querySM := []byte("\x00\x00\x000\x00\x00\x00\x0300000000\x0000\x0000\x00\x0100000000000000000000000000000000")
	querySM = querySM[:binary.BigEndian.Uint32(querySM)] // the PDU its length names
	conn := &streamConn{r: bytes.NewReader(append(querySM, deliverPDU(0, 0, []byte("HELP"))...))}
	var refused []uint32
	g := newGuardConn(conn, func(id, _ uint32, _ error) { refused = append(refused, id) })
	p, err := pdu.Parse(g)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := p.(*pdu.DeliverSM); !ok {
		t.Fatalf("gosmpp read a %T, want the deliver_sm", p)
	}
	w := conn.w.Bytes()
	if len(refused) != 1 || refused[0] != 3 || len(w) != 16 ||
		binary.BigEndian.Uint32(w[4:]) != cmdGenericNack || binary.BigEndian.Uint32(w[8:]) != statusBadCommand ||
		binary.BigEndian.Uint32(w[12:]) != binary.BigEndian.Uint32(querySM[12:]) {
		t.Errorf("refused %v, answered % x; want one generic_nack with the query_sm's sequence number", refused, w)
	}
}
