package ussd_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vendgate/vendgate/adapters/ussd"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
	"github.com/vendgate/vendgate/sts/meter"
)

func TestUSSD(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB) {
		f := seed(t, db)
		m := f.meter.Number
		var bought string // the token of the purchase of FullHistory

		t.Run("FullHistory", func(t *testing.T) {
			before := f.balance(t)
			wantPrefix(t, f.dial(t, "s1", ""), "CON ", "City Power\n1. Buy token")
			wantPrefix(t, f.dial(t, "s1", "1"), "CON ", "meter number")
			wantPrefix(t, f.dial(t, "s1", "1*"+m), "CON ", "Thandi Mokoena\n1. Correct")
			wantPrefix(t, f.dial(t, "s1", "1*"+m+"*1"), "CON ", "amount in ZAR")
			wantPrefix(t, f.dial(t, "s1", "1*"+m+"*1*50"), "CON ", "Buy ZAR 50.00 for meter "+m)
			final := f.dial(t, "s1", "1*"+m+"*1*50*1")
			wantPrefix(t, final, "END ", "Also sent by SMS")
			bought = tokenOf(t, final)
			vm := virtualMeter(t, f.meter.Key)
			if r := vm.Enter(bought); r.Code != meter.Accepted || r.Added == 0 {
				t.Fatalf("the meter did not accept the token of the final screen: %v", r)
			}
			if got := f.vendCount(t, m); got != 1 {
				t.Fatalf("%d vends, want 1", got)
			}
			if got := f.balance(t); got != before-50_00 {
				t.Errorf("telco balance %d, want %d", got, before-50_00)
			}
			req := f.vendor.reqs[len(f.vendor.reqs)-1]
			if req.Channel != core.ChannelUSSD || req.IdempotencyKey != "*404#:s1" || req.AgentID != f.telco.ID || req.Amount != 50_00 {
				t.Errorf("vend request %+v, want channel ussd, key *404#:s1, the telco, 5000", req)
			}
			r := req.Reply
			if r == nil || r.Route != "mtn" || r.Sender != shortCode || r.Recipient != phone {
				t.Fatalf("reply %+v, want route mtn, sender 40404, recipient %s", r, phone)
			}
			v, err := f.db.Vend(context.Background(), f.handlerVendID(t, "s1"))
			must(t, err)
			if !strings.Contains(r.Render(v), bought) {
				t.Errorf("the SMS %q does not carry the token", r.Render(v))
			}
		})
		t.Run("AmountAboveTheMaximumRefusedBeforeConfirm", func(t *testing.T) {
			// Refused only after the customer confirmed, before the fix.
			f.vendor.v.MaxAmount = 1000_00
			t.Cleanup(func() { f.vendor.v.MaxAmount = 0 })
			f.dial(t, "max1", "1")
			f.dial(t, "max1", "1*"+m)
			f.dial(t, "max1", "1*"+m+"*1")
			screen := f.dial(t, "max1", "1*"+m+"*1*5000")
			wantPrefix(t, screen, "CON ", "")
			if strings.Contains(screen, "Buy ZAR 5000.00") || !strings.Contains(screen, "amount in ZAR") {
				t.Errorf("an amount over the maximum got %q: want it refused and the amount asked again", screen)
			}
			wantPrefix(t, f.dial(t, "max1", "1*"+m+"*1*5000*50"), "CON ", "Buy ZAR 50.00 for meter")
		})
		t.Run("RepeatedFinalCallback", func(t *testing.T) {
			before := f.balance(t)
			first := f.dial(t, "s1", "1*"+m+"*1*50*1")
			again := f.dial(t, "s1", "1*"+m+"*1*50*1")
			if first != again || tokenOf(t, again) != bought {
				t.Errorf("repeated final callback answered %q, then %q; want the first final screen", first, again)
			}
			if got := f.vendCount(t, m); got != 1 {
				t.Errorf("%d vends, want 1", got)
			}
			if got := f.balance(t); got != before {
				t.Errorf("telco balance moved from %d to %d", before, got)
			}
		})
		t.Run("OtherPhone", func(t *testing.T) {
			// The session of FullHistory, its final screen with the token, asked for by another
			// number: nothing of it, and no vend.
			status, body := f.post(t, url.Values{"sessionId": {"s1"}, "serviceCode": {ussdCode}, "phoneNumber": {"27830000000"},
				"text": {"1*" + m + "*1*50*1"}})
			if status != 200 || !strings.HasPrefix(body, "END ") || strings.Contains(body, bought) {
				t.Errorf("another phone on the session got %d %q, want END without the token", status, body)
			}
			if got := f.vendCount(t, m); got != 1 {
				t.Errorf("%d vends, want 1", got)
			}
		})
		t.Run("RefusedInputStopsTheRest", func(t *testing.T) {
			// "abc" is refused as an amount; the "1*1" after it were typed for other questions.
			screen := f.dial(t, "s-refused", "1*"+m+"*1*abc*1*1")
			if !strings.HasPrefix(screen, "CON ") || !strings.Contains(screen, "amount") {
				t.Errorf("got %q, want the amount asked again", screen)
			}
			if got := f.vendCount(t, m); got != 1 {
				t.Errorf("%d vends, want 1: nothing bought without its confirmation", got)
			}
		})
		t.Run("NotAnAggregator", func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, ussd.Path, strings.NewReader(url.Values{"sessionId": {"x"},
				"serviceCode": {ussdCode}, "phoneNumber": {phone}, "text": {""}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.RemoteAddr = "203.0.113.5:40000"
			rec := httptest.NewRecorder()
			f.handler.ServeHTTP(rec, req)
			if rec.Code != http.StatusForbidden {
				t.Errorf("a callback from outside the allowed networks: %d %q, want 403", rec.Code, rec.Body.String())
			}
		})
		t.Run("LastInputOnly", func(t *testing.T) {
			f.dial(t, "s2", "")
			f.dial(t, "s2", "1")
			f.dial(t, "s2", m)
			f.dial(t, "s2", "1")
			wantPrefix(t, f.dial(t, "s2", "1"), "CON ", "Buy ZAR 1.00 for meter")
			final := f.dial(t, "s2", "1")
			if r := virtualMeter(t, f.meter.Key).Enter(tokenOf(t, final)); r.Code != meter.Accepted {
				t.Fatalf("the meter did not accept the token: %v", r)
			}
			if again := f.dial(t, "s2", "1"); again != final {
				t.Errorf("repeated final callback answered %q, want %q", again, final)
			}
			if got := f.vendCount(t, m); got != 2 {
				t.Errorf("%d vends, want 2", got)
			}
		})
		t.Run("WrongMeterThenRight", func(t *testing.T) {
			blocked := f.newMeter(t, core.MeterBlocked)
			f.dial(t, "s3", "")
			f.dial(t, "s3", "1")
			wantPrefix(t, f.dial(t, "s3", "1*01234567890"), "CON ", "not valid")
			wantPrefix(t, f.dial(t, "s3", "1*01234567890*"+meterNumber(t, 999)), "CON ", "not registered")
			wantPrefix(t, f.dial(t, "s3", "1*01234567890*"+meterNumber(t, 999)+"*"+blocked.Number), "CON ", "blocked")
			got := f.dial(t, "s3", "1*01234567890*"+meterNumber(t, 999)+"*"+blocked.Number+"*"+m)
			wantPrefix(t, got, "CON ", "Thandi Mokoena")
		})
		t.Run("InvalidChoice", func(t *testing.T) {
			f.dial(t, "s4", "")
			wantPrefix(t, f.dial(t, "s4", "9"), "CON ", "Invalid choice. Please try again.\nCity Power\n1. Buy")
			wantPrefix(t, f.dial(t, "s4", "9*1"), "CON ", "meter number")
		})
		t.Run("Cancel", func(t *testing.T) {
			n := f.vendCount(t, m)
			for _, text := range []string{"", "1", "1*" + m, "1*" + m + "*1", "1*" + m + "*1*20"} {
				f.dial(t, "s5", text)
			}
			wantPrefix(t, f.dial(t, "s5", "1*"+m+"*1*20*2"), "END ", "Thank you")
			if got := f.vendCount(t, m); got != n {
				t.Errorf("%d vends after a cancel, want %d", got, n)
			}
		})
		t.Run("Expiry", func(t *testing.T) {
			f.dial(t, "s6", "")
			f.dial(t, "s6", "1")
			f.advance(3*time.Minute + time.Second)
			wantPrefix(t, f.dial(t, "s6", "1*"+m), "END ", "expired")
			// A late retry of the whole history is still the expired session's, not a new one.
			before := f.vendCount(t, m)
			wantPrefix(t, f.dial(t, "s6", "1*"+m+"*1*50*1"), "END ", "expired")
			if got := f.vendCount(t, m); got != before {
				t.Errorf("a late retry of an expired session bought: %d vends, want %d", got, before)
			}
			// A session within its timeout lives on; the sweep deletes it once it has expired.
			f.dial(t, "s7", "")
			f.advance(2 * time.Minute)
			wantPrefix(t, f.dial(t, "s7", "1"), "CON ", "meter number")
			if _, err := f.handler.Sweep(context.Background()); err != nil {
				t.Fatalf("Sweep: %v", err)
			}
			if _, err := f.db.USSDSession(context.Background(), "*404#:s7"); err != nil {
				t.Errorf("the live session after a sweep: %v", err)
			}
			f.advance(4 * time.Minute)
			if _, err := f.handler.Sweep(context.Background()); err != nil {
				t.Fatalf("Sweep: %v", err)
			}
			if _, err := f.db.USSDSession(context.Background(), "*404#:s7"); err != nil {
				t.Errorf("an expired session within the sweep's grace: %v, want it kept", err)
			}
			f.advance(ussd.ExpiredKept)
			if n, err := f.handler.Sweep(context.Background()); err != nil || n < 1 {
				t.Errorf("Sweep: %d, %v; want the expired sessions deleted", n, err)
			}
			if _, err := f.db.USSDSession(context.Background(), "*404#:s7"); !errors.Is(err, core.ErrNotFound) {
				t.Errorf("the swept session: got %v, want core.ErrNotFound", err)
			}
		})
		t.Run("LastToken", func(t *testing.T) {
			f.replies.sent = nil
			f.dial(t, "s8", "")
			got := f.dial(t, "s8", "2")
			wantPrefix(t, got, "END ", "Last purchase")
			vs, err := f.db.VendsByMeter(context.Background(), m, f.telco.ID, 1)
			must(t, err)
			tok := vs[0].Tokens[0].Token.Display()
			if !strings.Contains(got, tok) {
				t.Errorf("screen %q, want the last token %s", got, tok)
			}
			if len(f.replies.sent) != 1 {
				t.Fatalf("%d SMS queued, want 1", len(f.replies.sent))
			}
			s := f.replies.sent[0]
			if s.route != "mtn" || s.sender != shortCode || s.recipient != phone || s.vendID != vs[0].ID || !strings.Contains(s.body, tok) {
				t.Errorf("SMS %+v, want route mtn, sender 40404, to %s, vend %d, with the token", s, phone, vs[0].ID)
			}
		})
		t.Run("LastTokenNoMeter", func(t *testing.T) {
			status, body := f.post(t, url.Values{"sessionId": {"s9"}, "serviceCode": {ussdCode}, "phoneNumber": {"255700000009"}, "text": {"2"}})
			if status != http.StatusOK {
				t.Fatalf("status %d", status)
			}
			wantPrefix(t, body, "END ", "No meter is registered")
		})
		t.Run("Help", func(t *testing.T) {
			f.dial(t, "s10", "")
			wantPrefix(t, f.dial(t, "s10", "3"), "END ", "To buy")
		})
		t.Run("Exit", func(t *testing.T) {
			wantPrefix(t, f.dial(t, "s11", "0"), "END ", "Thank you for using City Power")
		})
		t.Run("UnknownServiceCode", func(t *testing.T) {
			status, body := f.post(t, url.Values{"sessionId": {"s12"}, "serviceCode": {"*999#"}, "phoneNumber": {phone}, "text": {""}})
			if status != http.StatusOK {
				t.Fatalf("status %d, want 200", status)
			}
			wantPrefix(t, body, "END ", "not available")
		})
		t.Run("JSON", func(t *testing.T) {
			resp, err := http.Post(f.srv.URL+"/v1/ussd", "application/json",
				strings.NewReader(`{"sessionId":"s13","serviceCode":"*404#","phoneNumber":"+27821234567","text":"3"}`))
			must(t, err)
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			must(t, err)
			if resp.StatusCode != http.StatusOK || !strings.HasPrefix(string(b), "END To buy") {
				t.Errorf("status %d, body %q; want 200 and the help", resp.StatusCode, b)
			}
		})
		t.Run("ErrBadRequest", func(t *testing.T) {
			for _, c := range []struct {
				form url.Values
				want string
			}{
				{url.Values{"serviceCode": {ussdCode}, "phoneNumber": {phone}}, "missing sessionId"},
				{url.Values{"sessionId": {"x"}, "text": {"1"}}, "missing serviceCode, phoneNumber"},
				{url.Values{"sessionId": {"x"}, "serviceCode": {ussdCode}, "phoneNumber": {"call me"}}, "phoneNumber"},
			} {
				status, body := f.post(t, c.form)
				if status != http.StatusBadRequest || !strings.Contains(body, c.want) {
					t.Errorf("%v: status %d, body %q; want 400 saying %q", c.form, status, body, c.want)
				}
			}
		})
		t.Run("French", func(t *testing.T) {
			f.dial(t, "s14", "")
			wantPrefix(t, f.dial(t, "s14", "4"), "CON ", "2. Francais")
			wantPrefix(t, f.dial(t, "s14", "4*2"), "CON ", "Acheter")
			s, err := f.db.Subscriber(context.Background(), phone)
			must(t, err)
			if s.Language != "fr" {
				t.Errorf("stored language %q, want fr", s.Language)
			}
			wantPrefix(t, f.dial(t, "s15", ""), "CON ", "City Power\n1. Acheter")
			wantPrefix(t, f.dial(t, "s15", "1"), "CON ", "compteur")
		})
	})
}

// handlerVendID returns the vend a session made.
func (f *fixture) handlerVendID(t *testing.T, session string) int64 {
	t.Helper()
	s, err := f.db.USSDSession(context.Background(), ussdCode+":"+session)
	must(t, err)
	if s.VendID == 0 {
		t.Fatalf("session %s has no vend", session)
	}
	return s.VendID
}
