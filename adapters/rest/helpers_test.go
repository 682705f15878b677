package rest_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
	"github.com/shopspring/decimal"

	"github.com/vendgate/vendgate/adapters/rest"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/sts"
	"github.com/vendgate/vendgate/testkit"
)

// The fixtures: agent 7 sells for utility 1; agent 8 too; agent 9 is inactive.
const (
	keySeven    = "vg_seven-0123456789abcdefghijklmnopqrstuvwxyzABCD"
	keyEight    = "vg_eight-0123456789abcdefghijklmnopqrstuvwxyzABCD"
	keyInactive = "vg_nine-0123456789abcdefghijklmnopqrstuvwxyzABCDE"

	meterOK           = "01234567897"   // utility 1, key change pending
	meterOtherUtility = "04000000010"   // utility 2
	meterUnknown      = "11111111115"   // valid, not registered
	meterBadLuhn      = "01234567890"   // wrong check digit
	meterLegacy       = "0123456789015" // 13 digits, IIN 0000: valid, not registered
)

var (
	zar     = core.Currency{Code: "ZAR", Exponent: 2}
	created = time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
)

func sampleVend(id, agentID int64) *core.Vend {
	return &core.Vend{
		ID: id, Reference: "VAAAQEAYEAUDAOCAJ", Channel: core.ChannelREST, IdempotencyKey: "key-1", AgentID: agentID,
		UtilityID: 1, MeterID: 3, MeterNumber: meterOK, Kind: core.Electricity, CustomerName: "Thandi Mokoena", Currency: zar,
		Breakdown: core.Breakdown{Paid: 5000, Debt: 500, Tax: 587, EnergyCharge: 3913, Energy: 255, FreeEnergy: 500, Commission: 100},
		Tokens: []core.VendToken{
			{Purpose: core.PurposeKeyChange, Kind: sts.KindKeyChange1, Token: sts.MustParseToken("11112222333344445555")},
			{Purpose: core.PurposeKeyChange, Kind: sts.KindKeyChange2, Token: sts.MustParseToken("21112222333344445555")},
			{Purpose: core.PurposeCredit, Kind: sts.KindElectricity, Token: sts.MustParseToken("31112222333344445555"), TID: 1234567, Energy: 255},
			{Purpose: core.PurposeFreeBasic, Kind: sts.KindElectricity, Token: sts.MustParseToken("41112222333344445555"), TID: 1234568, Energy: 500},
		},
		Status:    core.VendCompleted,
		CreatedAt: created.Add(time.Duration(id) * time.Minute),
	}
}

// tokensOf lists a vend's token digits: what must never reach a log line.
func tokensOf(v *core.Vend) []string {
	var out []string
	for _, t := range v.Tokens {
		out = append(out, t.Token.String(), t.Token.Display())
	}
	return out
}

type fakeVendor struct {
	mu   sync.Mutex
	reqs []core.VendRequest
	fn   func(core.VendRequest) (*core.Vend, error)
}

func (f *fakeVendor) Vend(_ context.Context, req core.VendRequest) (*core.Vend, error) {
	f.mu.Lock()
	f.reqs = append(f.reqs, req)
	fn := f.fn
	f.mu.Unlock()
	if fn != nil {
		return fn(req)
	}
	v := sampleVend(101, req.AgentID)
	v.IdempotencyKey, v.MeterNumber, v.Breakdown.Paid = req.IdempotencyKey, req.MeterNumber, req.Amount
	return v, nil
}

func (f *fakeVendor) requests() []core.VendRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.reqs)
}

type fakeVends struct {
	byID map[int64]*core.Vend
	err  error
}

func (f *fakeVends) Vend(_ context.Context, id int64) (*core.Vend, error) {
	if f.err != nil {
		return nil, f.err
	}
	v, ok := f.byID[id]
	if !ok {
		return nil, core.ErrNotFound
	}
	return v, nil
}

func (f *fakeVends) FindVends(_ context.Context, q core.VendQuery) ([]*core.Vend, error) {
	if f.err != nil {
		return nil, f.err
	}
	q, err := core.CheckVendQuery(q)
	if err != nil {
		return nil, err
	}
	number, agentID, limit := q.MeterNumber, q.AgentID, q.Limit
	var out []*core.Vend
	for _, v := range f.byID {
		if (number == "" || v.MeterNumber == number) && (agentID == 0 || v.AgentID == agentID) {
			out = append(out, v)
		}
	}
	slices.SortFunc(out, func(a, b *core.Vend) int { return b.CreatedAt.Compare(a.CreatedAt) })
	return out[:min(limit, len(out))], nil
}

type fakeMeters struct {
	views map[string]core.MeterView
	err   error
}

func (f *fakeMeters) MeterByNumber(_ context.Context, number string) (core.MeterView, error) {
	if f.err != nil {
		return core.MeterView{}, f.err
	}
	v, ok := f.views[number]
	if !ok {
		return core.MeterView{}, core.ErrNotFound
	}
	return v, nil
}

type fakeAgents struct {
	byID     map[int64]core.Agent
	byHash   map[string]int64
	lines    []core.StatementLine // agent 7's, newest first
	keysErr  error
	agentErr error
	stmtErr  error
}

func (f *fakeAgents) AgentByAPIKeyHash(_ context.Context, hash string) (core.Agent, error) {
	if f.keysErr != nil {
		return core.Agent{}, f.keysErr
	}
	id, ok := f.byHash[hash]
	if !ok {
		return core.Agent{}, core.ErrNotFound
	}
	return f.byID[id], nil
}

func (f *fakeAgents) Agent(_ context.Context, id int64) (core.Agent, error) {
	if f.agentErr != nil {
		return core.Agent{}, f.agentErr
	}
	a, ok := f.byID[id]
	if !ok {
		return core.Agent{}, core.ErrNotFound
	}
	return a, nil
}

func (f *fakeAgents) Statement(_ context.Context, agentID, beforeID int64, limit int) ([]core.StatementLine, error) {
	if f.stmtErr != nil {
		return nil, f.stmtErr
	}
	var out []core.StatementLine
	for _, l := range f.lines {
		if agentID == 7 && (beforeID == 0 || l.ID < beforeID) && len(out) < limit {
			out = append(out, l)
		}
	}
	return out, nil
}

type fakeHealth struct{ err error }

func (f *fakeHealth) Ping(ctx context.Context) error {
	if f.err != nil {
		return f.err
	}
	return ctx.Err()
}

// syncBuffer is the server's captured log (testkit.Logs), with its lines decoded.
type syncBuffer struct{ testkit.Logs }

// lines returns the log lines, each decoded.
func (b *syncBuffer) lines(tb testing.TB) []map[string]any {
	tb.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			tb.Fatalf("log line %q is not JSON: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

// env is a server over fakes, with its log and metrics.
type env struct {
	srv      *rest.Server
	vendor   *fakeVendor
	reverse  func(id, agentID int64) (*core.Vend, error)
	vends    *fakeVends
	meters   *fakeMeters
	agents   *fakeAgents
	health   *fakeHealth
	logs     *syncBuffer
	registry *prometheus.Registry
}

func newEnv(tb testing.TB, configure ...func(*rest.Config)) *env {
	tb.Helper()
	meterKey := core.MeterKey{KRN: 1, TI: 1}
	view := func(number string, utility int64) core.MeterView {
		return core.MeterView{
			Meter:    core.Meter{ID: 3, Number: number, Kind: core.Electricity, Status: core.MeterActive, Key: meterKey, PendingKey: &meterKey},
			Customer: core.Customer{ID: 4, Name: "Thandi Mokoena", Address: "12 Vilakazi Street, Orlando West, Soweto", Phone: "+27820000000"},
			Tariff:   core.Tariff{ID: 5, UtilityID: utility, Name: "Homelight 20A"},
			Utility:  core.Utility{ID: utility, Name: "City Power", Currency: zar},
			Arrears:  12345,
		}
	}
	var lines []core.StatementLine
	for id := int64(5); id >= 1; id-- {
		lines = append(lines, core.StatementLine{ID: id, At: created.Add(time.Duration(id) * time.Hour), Amount: -4900, Balance: core.Money(100000 - 4900*id), Memo: "vend", Reference: "VREF"})
	}
	lines[len(lines)-1].Reference, lines[len(lines)-1].Memo, lines[len(lines)-1].Amount = "", "float top-up", 100000
	e := &env{
		vendor: &fakeVendor{},
		vends: &fakeVends{byID: map[int64]*core.Vend{
			101: sampleVend(101, 7), 102: sampleVend(102, 8), 103: sampleVend(103, 7),
		}},
		meters: &fakeMeters{views: map[string]core.MeterView{
			meterOK: view(meterOK, 1), meterOtherUtility: view(meterOtherUtility, 2),
		}},
		agents: &fakeAgents{
			byID: map[int64]core.Agent{
				7: {ID: 7, UtilityID: 1, Name: "Corner Shop", Kind: core.AgentRetail, Balance: -2000, CreditLimit: 50000, CommissionRate: decimal.RequireFromString("0.02"), Active: true},
				8: {ID: 8, UtilityID: 1, Name: "Spaza 8", Kind: core.AgentRetail, Active: true},
				9: {ID: 9, UtilityID: 1, Name: "Closed", Kind: core.AgentRetail, Active: false},
			},
			byHash: map[string]int64{core.HashAPIKey(keySeven): 7, core.HashAPIKey(keyEight): 8, core.HashAPIKey(keyInactive): 9},
			lines:  lines,
		},
		health:   &fakeHealth{},
		logs:     &syncBuffer{},
		registry: prometheus.NewRegistry(),
	}
	e.reverse = func(id, agentID int64) (*core.Vend, error) {
		v, err := e.vends.Vend(context.Background(), id)
		if err != nil || v.AgentID != agentID {
			return nil, core.Errorf(core.CodeNotFound, "vend_not_found", "vend %d does not exist", id)
		}
		if v.Status == core.VendReversed {
			return nil, core.Errorf(core.CodeConflict, "already_reversed", "vend %s is already reversed", v.Reference)
		}
		r := *v
		r.Status, r.ReversedAt = core.VendReversed, created.Add(time.Hour)
		return &r, nil
	}
	cfg := rest.Config{
		Vendor: e.vendor,
		Reverser: rest.ReverserFunc(func(_ context.Context, r core.ReversalRequest) (*core.Vend, error) {
			return e.reverse(r.VendID, r.AgentID)
		}),
		Meters:   e.meters,
		Vends:    e.vends,
		Agents:   e.agents,
		Health:   e.health,
		Logger:   zerolog.New(e.logs),
		Registry: e.registry,
	}
	for _, c := range configure {
		c(&cfg)
	}
	e.srv = rest.New(cfg)
	tb.Cleanup(func() { testkit.AssertNoSecrets(tb, "the REST server's logs", e.logs.String(), e.secrets()) })
	return e
}

// secrets is what the server's logs must never carry: the fixtures' API keys and the tokens of
// every vend the fakes hold or the vendor made.
func (e *env) secrets() testkit.Secrets {
	s := testkit.Secrets{APIKeys: []string{keySeven, keyEight, keyInactive}}
	for _, v := range e.vends.byID {
		s.Tokens = append(s.Tokens, tokensOf(v)...)
	}
	s.Tokens = append(s.Tokens, tokensOf(sampleVend(101, 7))...)
	return s
}

// request builds a request; headers come in name, value pairs. Authorization is agent 7's key
// unless the pairs set it ("" leaves it out).
func request(method, target, body string, headers ...string) *http.Request {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, r)
	req.Header.Set("Authorization", "Bearer "+keySeven)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	return req
}

// do serves req and checks what every answer must be: it carries a request ID, a problem is
// application/problem+json, and the answer is what openapi.json says it is.
func (e *env) do(tb testing.TB, req *http.Request) *httptest.ResponseRecorder {
	tb.Helper()
	rec := httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(rec, req)
	if rec.Header().Get("X-Request-Id") == "" {
		tb.Errorf("%s %s: no X-Request-Id", req.Method, req.URL)
	}
	if rec.Code >= 400 {
		if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
			tb.Errorf("%s %s: status %d with Content-Type %q, want application/problem+json", req.Method, req.URL, rec.Code, ct)
		}
	}
	checkAgainstDocument(tb, req, rec)
	return rec
}

// decodeProblem decodes a problem and checks the members every problem has.
func decodeProblem(tb testing.TB, rec *httptest.ResponseRecorder) map[string]any {
	tb.Helper()
	var p map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		tb.Fatalf("problem %q: %v", rec.Body, err)
	}
	reason, _ := p["reason"].(string)
	if got, want := p["type"], "https://vendgate.dev/problems/"+reason; got != want {
		tb.Errorf("problem type %v, want %v", got, want)
	}
	if got := p["status"]; got != float64(rec.Code) {
		tb.Errorf("problem status %v, want %d", got, rec.Code)
	}
	if p["title"] == "" || p["code"] == "" || reason == "" {
		tb.Errorf("problem %v lacks title, code or reason", p)
	}
	if got, want := p["request_id"], rec.Header().Get("X-Request-Id"); got != want {
		tb.Errorf("problem request_id %v, want the X-Request-Id %q", got, want)
	}
	return p
}

// document is openapi.json, loaded and validated once.
var document = sync.OnceValues(func() (*openapi3.T, error) {
	doc, err := openapi3.NewLoader().LoadFromData(rest.OpenAPI())
	if err != nil {
		return nil, err
	}
	return doc, doc.Validate(context.Background())
})

var documentRouter = sync.OnceValues(func() (routers.Router, error) {
	doc, err := document()
	if err != nil {
		return nil, err
	}
	return legacy.NewRouter(doc)
})

// checkAgainstDocument validates an answer against openapi.json: status, headers and body of a
// documented route, or the Problem schema for paths and methods the document does not have.
func checkAgainstDocument(tb testing.TB, req *http.Request, rec *httptest.ResponseRecorder) {
	tb.Helper()
	doc, err := document()
	if err != nil {
		tb.Fatalf("openapi.json: %v", err)
	}
	router, err := documentRouter()
	if err != nil {
		tb.Fatalf("openapi.json router: %v", err)
	}
	route, params, err := router.FindRoute(req)
	if err != nil {
		if rec.Code != http.StatusNotFound && rec.Code != http.StatusMethodNotAllowed {
			tb.Errorf("%s %s is not in openapi.json but answered %d", req.Method, req.URL.Path, rec.Code)
		}
		var v any
		if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
			tb.Fatalf("%s %s: body %q: %v", req.Method, req.URL, rec.Body, err)
		}
		if err := doc.Components.Schemas["Problem"].Value.VisitJSON(v, openapi3.EnableJSONSchema2020()); err != nil {
			tb.Errorf("%s %s: the problem does not match the Problem schema: %v", req.Method, req.URL, err)
		}
		return
	}
	opts := &openapi3filter.Options{IncludeResponseStatus: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts},
		Status:                 rec.Code,
		Header:                 rec.Header(),
		Options:                opts,
	}
	in.SetBodyBytes(rec.Body.Bytes())
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		tb.Errorf("%s %s: answer %d does not match openapi.json: %v\nbody: %s", req.Method, req.URL, rec.Code, err, rec.Body)
	}
}
