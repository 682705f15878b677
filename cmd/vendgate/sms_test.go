package main

import (
	"context"
	"encoding/pem"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vendgate/vendgate/config"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/sts"
	"github.com/vendgate/vendgate/testkit"
	"github.com/vendgate/vendgate/testkit/smsc"
)

// tokenRE finds a token in 4-4-4-4-4 form in a reply.
var tokenRE = regexp.MustCompile(`\b\d{4}-\d{4}-\d{4}-\d{4}-\d{4}\b`)

// tokensIn returns the tokens a reply carries.
func tokensIn(t *testing.T, text string) []sts.Token {
	t.Helper()
	var out []sts.Token
	for _, s := range tokenRE.FindAllString(text, -1) {
		tok, err := sts.ParseToken(strings.ReplaceAll(s, "-", ""))
		if err != nil {
			t.Fatalf("reply token %s: %v", s, err)
		}
		out = append(out, tok)
	}
	return out
}

// smscFor starts a test SMSC with Vendgate's account.
func smscFor(t *testing.T, cfg smsc.Config) *smsc.Server {
	t.Helper()
	cfg.Accounts = map[string]string{"vendgate": "s3cret-smpp"}
	srv, err := smsc.Listen(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

// withSMSC points the server's one environment bind at srv.
func withSMSC(srv *smsc.Server) func(*config.Config) {
	return func(c *config.Config) {
		c.SMPPAddr, c.SMPPSystemID, c.SMPPPassword = srv.Addr(), "vendgate", "s3cret-smpp"
	}
}

// waitFor polls cond until it holds or 10 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	waitWithin(t, 10*time.Second, what, cond)
}

// waitWithin polls cond until it holds or d passes.
func waitWithin(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// submitText is the text of the n-th submit_sm (1-based) once it has arrived.
func submitText(t *testing.T, srv *smsc.Server, n int) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	subs, err := srv.WaitSubmits(ctx, n)
	if err != nil {
		t.Fatalf("waiting for submit_sm %d: %v", n, err)
	}
	text, err := subs[n-1].Text()
	if err != nil {
		t.Fatal(err)
	}
	return text
}

// TestSMSEndToEnd is a customer buying by SMS through the demo operator's short code, over real
// SMPP against the test SMSC: the token comes back by SMS and the virtual meter takes it; the
// SMSC delivering the message again makes no second vend; LAST sends the token again; BUY
// <amount> uses the phone's meter; anything else gets the help text.
func TestSMSEndToEnd(t *testing.T) {
	srv := smscFor(t, smsc.Config{Receipts: smsc.Receipts{Enabled: true, State: smsc.Delivered}})
	m, logs := bootWith(t, withSMSC(srv))
	tel := m.Demo.Telco
	if tel.ShortCode != "40404" || tel.ServiceCode != "*404#" || tel.Route != "smsc" {
		t.Fatalf("demo.json telco: %+v", tel)
	}
	waitFor(t, "the bind", func() bool { return m.sms.Link("smsc").Bound() })
	ctx := context.Background()
	dm := m.Demo.Meters[0]
	mt := demoMeterFor(t, dm)
	const phone = "27821234567"
	balance := func() core.Money {
		a, err := m.DB.Agent(ctx, tel.Agent)
		if err != nil {
			t.Fatal(err)
		}
		return a.Balance
	}
	before := balance()

	d, err := srv.SendText(ctx, phone, "40404", "buy "+dm.Number[:4]+"-"+dm.Number[4:]+" 50")
	if err != nil || d.Status != smsc.StatusOK {
		t.Fatalf("MO: status 0x%X, %v", d.Status, err)
	}
	reply := submitText(t, srv, 1)
	toks := tokensIn(t, reply)
	if len(toks) != 1 || !strings.Contains(reply, "kWh") {
		t.Fatalf("reply %q: want one token and the kWh", reply)
	}
	if r := mt.Enter(toks[0].String()); !r.Code.OK() || r.Added == 0 {
		t.Fatalf("the virtual meter took the SMS token as %v", r)
	}
	if got := before - balance(); got != 4950 { // R50.00 less the operator's 1% commission
		t.Errorf("the operator's account moved by %d, want 4950", got)
	}
	subs := srv.Submits()
	if subs[0].Dest.Addr != phone || subs[0].Source.Addr != "40404" {
		t.Errorf("the reply went from %s to %s", subs[0].Source.Addr, subs[0].Dest.Addr)
	}

	// The SMSC did not get our deliver_sm_resp and delivers the message again.
	if d2, err := srv.Redeliver(ctx, d); err != nil || d2.Status != smsc.StatusOK {
		t.Fatalf("redelivery: %+v, %v", d2, err)
	}
	again := tokensIn(t, submitText(t, srv, 2))
	if len(again) != 1 || again[0] != toks[0] {
		t.Fatalf("the redelivered message got tokens %v, want the first vend's %v", again, toks)
	}
	vends, err := m.DB.VendsByMeter(ctx, dm.Number, tel.Agent, 10)
	if err != nil || len(vends) != 1 {
		t.Fatalf("%d vends (%v) after a redelivery, want 1", len(vends), err)
	}

	if _, err := srv.SendText(ctx, phone, "40404", "LAST"); err != nil {
		t.Fatal(err)
	}
	lastText := submitText(t, srv, 3)
	if last := tokensIn(t, lastText); len(last) != 1 || last[0] != toks[0] {
		t.Logf("LAST reply: %q", lastText)
		t.Fatalf("LAST sent %v, want %v", last, toks)
	}

	if _, err := srv.SendText(ctx, phone, "40404", "BUY 20"); err != nil {
		t.Fatal(err)
	}
	second := tokensIn(t, submitText(t, srv, 4))
	if len(second) != 1 || second[0] == toks[0] {
		t.Fatalf("BUY 20 on the phone's meter: tokens %v", second)
	}
	if r := mt.Enter(second[0].String()); !r.Code.OK() {
		t.Fatalf("the virtual meter took the second token as %v", r)
	}

	for i, text := range []string{"HELP", "what is this"} {
		if _, err := srv.SendText(ctx, phone, "40404", text); err != nil {
			t.Fatal(err)
		}
		if help := submitText(t, srv, 5+i); !strings.Contains(strings.ToUpper(help), "BUY") {
			t.Errorf("%q got %q, want the help text", text, help)
		}
	}

	// Every reply was taken by the SMSC and its receipt recorded.
	defer func() {
		if !t.Failed() {
			return
		}
		rs, _ := m.DB.RepliesByStatus(ctx, core.ReplyDelivered, 100)
		for _, r := range rs {
			t.Logf("reply %d: %s ext %q receipt %q", r.ID, r.Status, r.ExternalID, r.ReceiptStatus)
		}
		t.Log(logs.String())
	}()
	waitFor(t, "the delivery receipts", func() bool {
		rs, err := m.DB.RepliesByStatus(ctx, core.ReplyDelivered, 100)
		if err != nil || len(rs) != 6 {
			return false
		}
		for _, r := range rs {
			if r.ReceiptStatus != "DELIVRD" {
				return false
			}
		}
		return true
	})
	assertLogsClean(t, m, logs, toks[0].String(), second[0].String())
}

// ussdCallback posts one aggregator callback to the server and returns the screen.
func ussdCallback(t *testing.T, m *Main, session, phone, text string) string {
	t.Helper()
	form := url.Values{"sessionId": {session}, "serviceCode": {"*404#"}, "phoneNumber": {phone}, "text": {text}}
	res, err := http.PostForm("http://"+m.Addr()+"/v1/ussd", form)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("callback %q: %d %s %q", text, res.StatusCode, res.Header.Get("Content-Type"), b)
	}
	return string(b)
}

// TestUSSDEndToEnd is a customer buying through the demo operator's USSD menu: the token shows
// on the final screen and comes by SMS too, the virtual meter takes it, and the aggregator
// repeating the final callback makes no second vend.
func TestUSSDEndToEnd(t *testing.T) {
	srv := smscFor(t, smsc.Config{})
	m, logs := bootWith(t, withSMSC(srv))
	waitFor(t, "the bind", func() bool { return m.sms.Link("smsc").Bound() })
	dm := m.Demo.Meters[1]
	const phone, session = "27831112222", "ATsid-0001"
	steps := []struct{ text, want string }{
		{"", "CON "},
		{"1", "CON "},
		{"1*" + dm.Number, dm.Customer},
		{"1*" + dm.Number + "*1", "CON "},
		{"1*" + dm.Number + "*1*75", "75.00"},
		{"1*" + dm.Number + "*1*75*1", "END "},
	}
	var final string
	for _, s := range steps {
		screen := ussdCallback(t, m, session, phone, s.text)
		if !strings.Contains(screen, s.want) || len([]rune(screen)) > 182 {
			t.Fatalf("after %q: screen %q, want it to show %q within 182 characters", s.text, screen, s.want)
		}
		final = screen
	}
	if again := ussdCallback(t, m, session, phone, steps[len(steps)-1].text); again != final {
		t.Errorf("the repeated final callback got %q, want %q", again, final)
	}
	sms := tokensIn(t, submitText(t, srv, 1))
	if len(sms) != 1 {
		t.Fatalf("the SMS after the USSD purchase carries %d tokens", len(sms))
	}
	if onScreen := tokensIn(t, final); len(onScreen) != 1 || onScreen[0] != sms[0] {
		t.Errorf("the final screen shows tokens %v, want the SMS's %v", onScreen, sms)
	}
	if r := demoMeterFor(t, dm).Enter(sms[0].String()); !r.Code.OK() || r.Added == 0 {
		t.Fatalf("the virtual meter took the USSD token as %v", r)
	}
	vends, err := m.DB.VendsByMeter(context.Background(), dm.Number, m.Demo.Telco.Agent, 10)
	if err != nil || len(vends) != 1 || vends[0].Breakdown.Paid != 7500 {
		t.Fatalf("vends after the session: %d (%v), want one of 7500", len(vends), err)
	}
	// The session's screens hold the token: none of them, nor the phone's purchase, reaches a log line.
	assertLogsClean(t, m, logs, sms[0].String())
}

// TestSMSOverTLS binds over TLS to an SMSC whose certificate a private CA file vouches for
// (VENDGATE_SMPP_TLS, VENDGATE_SMPP_TLS_CA), and sells a token through it.
func TestSMSOverTLS(t *testing.T) {
	srv := smscFor(t, smsc.Config{})
	cert := testkit.SelfSigned(t)
	ca := filepath.Join(t.TempDir(), "smsc-ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), 0o600); err != nil {
		t.Fatal(err)
	}
	front := testkit.TLSFront(t, cert, srv.Addr())
	m, _ := bootWith(t, func(c *config.Config) {
		withSMSC(srv)(c)
		c.SMPPAddr, c.SMPPTLS, c.SMPPTLSCA = front, true, ca
	})
	waitFor(t, "the bind over TLS", func() bool { return m.sms.Link("smsc").Bound() })
	dm := m.Demo.Meters[0]
	if d, err := srv.SendText(context.Background(), "27821230000", "40404", "BUY "+dm.Number+" 30"); err != nil || d.Status != smsc.StatusOK {
		t.Fatalf("MO: status 0x%X, %v", d.Status, err)
	}
	if toks := tokensIn(t, submitText(t, srv, 1)); len(toks) != 1 || !demoMeterFor(t, dm).Enter(toks[0].String()).Code.OK() {
		t.Fatalf("the reply over TLS: tokens %v", toks)
	}
}
