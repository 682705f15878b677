package ussd_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/vendgate/vendgate/adapters/lang"
	"github.com/vendgate/vendgate/adapters/ussd"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/sts"
)

// memory is an in-memory store for the fuzz targets: one service code, one meter of a customer
// with a long name, sessions and subscribers in maps.
type memory struct {
	mu       sync.Mutex
	sessions map[string]core.USSDSession
	subs     map[string]core.Subscriber
}

const fuzzMeter = "01234567897"

func (m *memory) ServiceCode(_ context.Context, channel, code string) (core.ServiceCode, error) {
	if channel == core.ChannelUSSD && code == ussdCode {
		return core.ServiceCode{Code: code, Channel: channel, AgentID: 1, Route: "mtn", Active: true}, nil
	}
	return core.ServiceCode{}, core.ErrNotFound
}

func (m *memory) CheckAmount(a core.Money) error {
	if a <= 0 {
		return core.Errorf(core.CodeInvalid, "invalid_amount", "the amount must be positive")
	}
	return nil
}

func (m *memory) SMSShortCode(context.Context, int64) (string, error) { return "40404", nil }

func (m *memory) Agent(_ context.Context, id int64) (core.Agent, error) {
	return core.Agent{ID: id, UtilityID: 1, Active: true}, nil
}

func (m *memory) Utility(_ context.Context, id int64) (core.Utility, error) {
	return core.Utility{ID: id, Currency: zar, Location: time.UTC}, nil
}

func (m *memory) MeterByNumber(_ context.Context, n string) (core.MeterView, error) {
	if n != fuzzMeter {
		return core.MeterView{}, core.ErrNotFound
	}
	return core.MeterView{
		Meter:    core.Meter{Number: n, Status: core.MeterActive},
		Customer: core.Customer{Name: strings.Repeat("Nomvula Thandeka Mokoena-Dlamini ", 3)},
		Utility:  core.Utility{Currency: zar},
	}, nil
}

func (m *memory) Sellable(ctx context.Context, _ int64, n string) (core.MeterView, core.Agent, error) {
	v, err := m.MeterByNumber(ctx, n)
	if err != nil {
		return v, core.Agent{}, core.Errorf(core.CodeNotFound, "meter_not_found", "meter %s is not registered", n)
	}
	return v, core.Agent{ID: 1, Active: true}, nil
}

func (m *memory) Vend(_ context.Context, req core.VendRequest) (*core.Vend, error) {
	tok, _ := sts.ParseToken("52604790447950400970")
	return &core.Vend{ID: 1, Reference: "VP5VJDXBCPWB33YMN", MeterNumber: req.MeterNumber, Currency: zar, Status: core.VendCompleted,
		Breakdown: core.Breakdown{Paid: req.Amount, Energy: 173},
		Tokens:    []core.VendToken{{Purpose: core.PurposeCredit, Token: tok}, {Purpose: core.PurposeFreeBasic, Token: tok, Energy: 500}}}, nil
}

func (m *memory) FindVends(ctx context.Context, q core.VendQuery) ([]*core.Vend, error) {
	v, _ := m.Vend(ctx, core.VendRequest{MeterNumber: q.MeterNumber, Amount: 100_000_000_00})
	return []*core.Vend{v}, nil
}

func (m *memory) Subscriber(_ context.Context, phone string) (core.Subscriber, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if s, ok := m.subs[phone]; ok {
		return s, nil
	}
	return core.Subscriber{}, core.ErrNotFound
}

func (m *memory) SetSubscriberLanguage(_ context.Context, phone, l string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.subs[phone]
	s.Phone, s.Language = phone, l
	m.subs[phone] = s
	return nil
}

func (m *memory) SetDefaultMeter(_ context.Context, phone, meter string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.subs[phone]
	s.Phone, s.DefaultMeter = phone, meter
	m.subs[phone] = s
	return nil
}

func (m *memory) USSDSession(_ context.Context, id string) (core.USSDSession, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if s, ok := m.sessions[id]; ok {
		return s, nil
	}
	return core.USSDSession{}, core.ErrNotFound
}

func (m *memory) SaveUSSDSession(_ context.Context, s core.USSDSession) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sessions[s.ID] = s
	return nil
}

func (m *memory) DeleteUSSDSession(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.sessions, id)
	return nil
}

func (m *memory) DeleteExpiredUSSDSessions(context.Context, time.Time) (int64, error) { return 0, nil }

func (m *memory) Reply(context.Context, string, string, string, string, int64) error { return nil }

func fuzzHandler(tb testing.TB) (*ussd.Handler, *memory) {
	cat, err := lang.Load()
	if err != nil {
		tb.Fatal(err)
	}
	m := &memory{sessions: map[string]core.USSDSession{}, subs: map[string]core.Subscriber{}}
	h := ussd.New(ussd.Config{Vendor: m, Mobile: &core.Mobile{Store: m}, Sessions: m, Replies: m, SMS: true,
		Catalog: cat, Service: "A service name longer than thirty characters", Logger: zerolog.New(io.Discard),
		Allowed: []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}})
	return h, m
}

// checkAnswer checks an answer: 200 with CON or END and a screen of at most 182 characters, or a
// 4xx with a reason.
func checkAnswer(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	switch rec.Code {
	case http.StatusOK:
		checkScreen(t, rec.Body.String())
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		if rec.Body.Len() == 0 {
			t.Errorf("status %d without a reason", rec.Code)
		}
	default:
		t.Errorf("status %d, want 200 or 400", rec.Code)
	}
}

// FuzzDialogue walks one session with arbitrary texts: each line of the input is one callback's
// text (inputs joined by "*", in either aggregator style). No text panics, every answer is CON or
// END with a screen of at most 182 characters.
func FuzzDialogue(f *testing.F) {
	for _, seed := range []string{
		"\n1\n1*" + fuzzMeter + "\n1*" + fuzzMeter + "*1\n1*" + fuzzMeter + "*1*50\n1*" + fuzzMeter + "*1*50*1\n1*" + fuzzMeter + "*1*50*1",
		"\n1\n" + fuzzMeter + "\n1\n50\n1\n1",
		"1*" + fuzzMeter + "*1*R 1 000,50*1",
		"\n4\n4*2\n4*2*1\n4*2*1*01234567890\n4*2*1*01234567890*0\n4*2*1*01234567890*0*2",
		"\n9\n9*x\n9*x*3",
		"1*0*1*" + fuzzMeter + "*2*" + fuzzMeter + "*1*0*1*99999999999999999999*1",
		"***\n*\n1**\n#\n\x00",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, script string) {
		h, _ := fuzzHandler(t)
		for _, text := range strings.Split(script, "\n") {
			form := url.Values{"sessionId": {"fuzz"}, "serviceCode": {ussdCode}, "phoneNumber": {phone}, "text": {text}}
			req := httptest.NewRequest(http.MethodPost, ussd.Path, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			checkAnswer(t, rec)
		}
	})
}

// FuzzCallback sends arbitrary bodies, as a form or as JSON: nothing panics, every answer is a
// screen of at most 182 characters or a 400 with its reason.
func FuzzCallback(f *testing.F) {
	f.Add("sessionId=ATUid_1&serviceCode=%2A404%23&phoneNumber=%2B27821234567&text=", false)
	f.Add("sessionId=ATUid_1&serviceCode=%2A404%23&phoneNumber=%2B27821234567&text=1%2A01234567897", false)
	f.Add("sessionId=ATUid_1&serviceCode=%2A999%23&phoneNumber=27821234567&text=1", false)
	f.Add("sessionId=&serviceCode=&phoneNumber=", false)
	f.Add("%zz", false)
	f.Add(`{"sessionId":"s","serviceCode":"*404#","phoneNumber":"+27821234567","text":"1*01234567897*1*50*1"}`, true)
	f.Add(`{"sessionId":1}`, true)
	f.Fuzz(func(t *testing.T, body string, asJSON bool) {
		h, _ := fuzzHandler(t)
		ct := "application/x-www-form-urlencoded"
		if asJSON {
			ct = "application/json"
		}
		for range 2 { // a repeat meets the stored session
			req := httptest.NewRequest(http.MethodPost, ussd.Path, strings.NewReader(body))
			req.Header.Set("Content-Type", ct)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			checkAnswer(t, rec)
		}
	})
}
