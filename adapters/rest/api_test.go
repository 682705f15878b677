package rest_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/vendgate/vendgate/core"
)

// apiCase is one request to the API and what must come back. A problem is checked for its
// reason and, when given, the field it names.
type apiCase struct {
	name   string
	setup  func(*env)
	req    func() *http.Request
	status int
	reason string
	field  string
	check  func(t *testing.T, e *env, rec *httptest.ResponseRecorder)
}

func get(target string, headers ...string) func() *http.Request {
	return func() *http.Request { return request(http.MethodGet, target, "", headers...) }
}

func post(target, body string, headers ...string) func() *http.Request {
	return func() *http.Request { return request(http.MethodPost, target, body, headers...) }
}

func postVend(body string, headers ...string) func() *http.Request {
	return post("/v1/vends", body, append([]string{"Idempotency-Key", "pos-17-000123"}, headers...)...)
}

const vendBody = `{"meter_number":"01234567897","amount_minor":5000,"currency":"ZAR"}`

func runAPICases(t *testing.T, cases []apiCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			if c.setup != nil {
				c.setup(e)
			}
			rec := e.do(t, c.req())
			if rec.Code != c.status {
				t.Fatalf("status %d, want %d; body %s", rec.Code, c.status, rec.Body)
			}
			if c.status >= 400 {
				p := decodeProblem(t, rec)
				if c.reason != "" && p["reason"] != c.reason {
					t.Errorf("reason %v, want %s (%v)", p["reason"], c.reason, p["detail"])
				}
				if c.field != "" && p["field"] != c.field {
					t.Errorf("field %v, want %s", p["field"], c.field)
				}
			}
			if c.check != nil {
				c.check(t, e, rec)
			}
		})
	}
}

func decodeJSON(t *testing.T, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatalf("body %q: %v", rec.Body, err)
	}
	return m
}

func wantJSON(t *testing.T, got map[string]any, path string, want any) {
	t.Helper()
	var v any = got
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			t.Errorf("%s: %v is not an object", path, v)
			return
		}
		v = m[k]
	}
	if !reflect.DeepEqual(v, want) {
		t.Errorf("%s = %#v, want %#v", path, v, want)
	}
}

func TestMeter(t *testing.T) {
	runAPICases(t, []apiCase{
		{name: "OK", req: get("/v1/meters/" + meterOK), status: 200, check: func(t *testing.T, _ *env, rec *httptest.ResponseRecorder) {
			m := decodeJSON(t, rec)
			for path, want := range map[string]any{
				"meter_number": meterOK, "kind": "electricity", "status": "active", "customer_name": "Thandi Mokoena",
				"masked_address": "12 ***", "tariff_name": "Homelight 20A", "key_change_pending": true,
				"arrears.minor": 12345.0, "arrears.currency": "ZAR", "arrears.decimal": "123.45",
			} {
				wantJSON(t, m, path, want)
			}
			if strings.Contains(rec.Body.String(), "Vilakazi") || strings.Contains(rec.Body.String(), "+2782") {
				t.Errorf("the answer shows the address or phone: %s", rec.Body)
			}
		}},
		{name: "ErrInvalidNumber", req: get("/v1/meters/" + meterBadLuhn), status: 400, reason: "invalid_meter_number", field: "number"},
		{name: "ErrInvalidNumberLetters", req: get("/v1/meters/0123456789x"), status: 400, reason: "invalid_meter_number"},
		{name: "ErrNotFound", req: get("/v1/meters/" + meterUnknown), status: 404, reason: "meter_not_found"},
		{name: "ErrNotFoundLegacyIIN", req: get("/v1/meters/" + meterLegacy), status: 404, reason: "meter_not_found"},
		{name: "ErrOtherUtility", req: get("/v1/meters/" + meterOtherUtility), status: 404, reason: "meter_not_found",
			check: func(t *testing.T, _ *env, rec *httptest.ResponseRecorder) {
				if strings.Contains(rec.Body.String(), "Thandi") {
					t.Errorf("another utility's customer shown: %s", rec.Body)
				}
			}},
		{name: "ErrUnavailable", setup: func(e *env) { e.meters.err = errors.New("connection refused") }, req: get("/v1/meters/" + meterOK), status: 503, reason: "unavailable",
			check: func(t *testing.T, _ *env, rec *httptest.ResponseRecorder) {
				if got := rec.Header().Get("Retry-After"); got != "5" {
					t.Errorf("Retry-After %q, want 5", got)
				}
				if strings.Contains(rec.Body.String(), "connection refused") {
					t.Errorf("the cause reached the answer: %s", rec.Body)
				}
			}},
	})
}

func TestCreateVend(t *testing.T) {
	runAPICases(t, []apiCase{
		{name: "OK", req: postVend(vendBody), status: 201, check: func(t *testing.T, e *env, rec *httptest.ResponseRecorder) {
			want := core.VendRequest{Channel: core.ChannelREST, IdempotencyKey: "7:pos-17-000123", AgentID: 7, MeterNumber: meterOK, Amount: 5000, Currency: "ZAR"}
			if reqs := e.vendor.requests(); len(reqs) != 1 || reqs[0] != want {
				t.Errorf("core got %+v, want [%+v]", reqs, want)
			}
			if got := rec.Header().Get("Location"); got != "/v1/vends/101" {
				t.Errorf("Location %q, want /v1/vends/101", got)
			}
			if got := rec.Header().Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control %q, want no-store: the answer carries tokens", got)
			}
			m := decodeJSON(t, rec)
			for path, want := range map[string]any{
				"id": 101.0, "status": "completed", "currency": "ZAR", "meter_number": meterOK,
				"amounts.paid": 5000.0, "amounts.debt": 500.0, "amounts.fixed_charges": 0.0, "amounts.tax": 587.0,
				"amounts.energy_charge": 3913.0, "amounts.commission": 100.0,
				"energy_kwh": "25.5", "free_energy_kwh": "50.0", "created_at": "2026-03-01T11:11:00Z", "meter_kind": "electricity",
				"quantity.value_tenths": 255.0, "quantity.unit": "kWh", "quantity.display": "25.5 kWh",
				"free_quantity.value_tenths": 500.0, "free_quantity.unit": "kWh", "free_quantity.display": "50.0 kWh",
			} {
				wantJSON(t, m, path, want)
			}
			tokens, _ := m["tokens"].([]any)
			if len(tokens) != 4 {
				t.Fatalf("%d tokens, want 4", len(tokens))
			}
			wantToken := []map[string]any{
				{"purpose": "key_change", "kind": "key_change_1", "token": "11112222333344445555", "display": "1111-2222-3333-4444-5555"},
				{"purpose": "key_change", "kind": "key_change_2", "token": "21112222333344445555", "display": "2111-2222-3333-4444-5555"},
				{"purpose": "credit", "kind": "electricity_credit", "token": "31112222333344445555", "display": "3111-2222-3333-4444-5555", "tid": 1234567.0, "energy_kwh": "25.5",
					"quantity": map[string]any{"value_tenths": 255.0, "unit": "kWh", "display": "25.5 kWh"}},
				{"purpose": "free_basic", "kind": "electricity_credit", "token": "41112222333344445555", "display": "4111-2222-3333-4444-5555", "tid": 1234568.0, "energy_kwh": "50.0",
					"quantity": map[string]any{"value_tenths": 500.0, "unit": "kWh", "display": "50.0 kWh"}},
			}
			for i, tok := range tokens {
				if !reflect.DeepEqual(tok, any(wantToken[i])) {
					t.Errorf("token %d = %v, want %v", i, tok, wantToken[i])
				}
			}
			receipt, _ := m["receipt"].([]any)
			if len(receipt) == 0 || receipt[0] != "Meter:      "+meterOK {
				t.Errorf("receipt %v", receipt)
			}
		}},
		{name: "OKReplaySameAnswer", req: postVend(vendBody), status: 201, check: func(t *testing.T, e *env, first *httptest.ResponseRecorder) {
			again := e.do(t, postVend(vendBody)())
			if again.Body.String() != first.Body.String() { // its status: TestAgentsAPI, on the real core
				t.Errorf("replay: %d %s, want the first answer %s", again.Code, again.Body, first.Body)
			}
		}},
		{name: "OKNoContentType", req: postVend(vendBody, "Content-Type", ""), status: 201},
		{name: "OKJSONWithCharset", req: postVend(vendBody, "Content-Type", "application/json; charset=utf-8"), status: 201},
		{name: "ErrMissingIdempotencyKey", req: post("/v1/vends", vendBody), status: 400, reason: "missing_idempotency_key", field: "Idempotency-Key",
			check: func(t *testing.T, e *env, _ *httptest.ResponseRecorder) {
				if n := len(e.vendor.requests()); n != 0 {
					t.Errorf("core called %d times, want 0", n)
				}
			}},
		{name: "OKKeysArePerAgent", req: postVend(vendBody), status: 201, check: func(t *testing.T, e *env, _ *httptest.ResponseRecorder) {
			if rec := e.do(t, postVend(vendBody, "Authorization", "Bearer "+keyEight)()); rec.Code != 201 {
				t.Fatalf("agent 8 with agent 7's key: status %d", rec.Code)
			}
			reqs := e.vendor.requests()
			if len(reqs) != 2 || reqs[0].IdempotencyKey == reqs[1].IdempotencyKey {
				t.Errorf("core got keys %+v: two agents' equal Idempotency-Keys must not be one key in core", reqs)
			}
		}},
		{name: "ErrIdempotencyKeyTooLong", req: postVend(vendBody, "Idempotency-Key", strings.Repeat("k", 101)), status: 400, reason: "invalid_idempotency_key", field: "Idempotency-Key"},
		{name: "ErrIdempotencyKeyControl", req: postVend(vendBody, "Idempotency-Key", "k\x7f1"), status: 400, reason: "invalid_idempotency_key"},
		{name: "ErrMalformedJSON", req: postVend(`{"meter_number":`), status: 400, reason: "malformed_json"},
		{name: "ErrEmptyBody", req: postVend(""), status: 400, reason: "malformed_json"},
		{name: "ErrUnknownField", req: postVend(`{"meter_number":"01234567897","amount_minor":5000,"tip":1}`), status: 400, reason: "unknown_field", field: "tip"},
		{name: "ErrWrongTypeAmount", req: postVend(`{"meter_number":"01234567897","amount_minor":"5000"}`), status: 400, reason: "wrong_type", field: "amount_minor"},
		{name: "ErrWrongTypeMeter", req: postVend(`{"meter_number":1234567897,"amount_minor":5000}`), status: 400, reason: "wrong_type", field: "meter_number"},
		{name: "ErrFractionalAmount", req: postVend(`{"meter_number":"01234567897","amount_minor":50.5}`), status: 400, reason: "wrong_type", field: "amount_minor"},
		{name: "ErrMissingAmount", req: postVend(`{"meter_number":"01234567897"}`), status: 400, reason: "missing_field", field: "amount_minor"},
		{name: "ErrDuplicateField", req: postVend(`{"meter_number":"01234567897","amount_minor":1,"amount_minor":5000}`), status: 400, reason: "duplicate_field", field: "amount_minor"},
		{name: "ErrTrailingData", req: postVend(vendBody + ` {"amount_minor":1}`), status: 400, reason: "malformed_json"},
		{name: "ErrNotJSON", req: postVend(vendBody, "Content-Type", "text/plain"), status: 415, reason: "unsupported_media_type"},
		{name: "ErrZeroAmountIsCores", setup: func(e *env) {
			e.vendor.fn = func(r core.VendRequest) (*core.Vend, error) {
				if r.Amount <= 0 {
					return nil, core.Errorf(core.CodeInvalid, "invalid_amount", "the amount must be positive")
				}
				return sampleVend(101, r.AgentID), nil
			}
		}, req: postVend(`{"meter_number":"01234567897","amount_minor":0}`), status: 400, reason: "invalid_amount",
			check: func(t *testing.T, e *env, _ *httptest.ResponseRecorder) {
				if n := len(e.vendor.requests()); n != 1 {
					t.Errorf("core called %d times, want 1: the adapter leaves amounts to core", n)
				}
			}},
		{name: "ErrBodyTooLarge", req: postVend(`{"meter_number":"` + strings.Repeat("1", 17<<10) + `","amount_minor":1}`), status: 413, reason: "body_too_large"},
		{name: "ErrBodyTooLargeUnknownLength", req: func() *http.Request {
			r := postVend(`{"meter_number":"` + strings.Repeat("1", 17<<10) + `","amount_minor":1}`)()
			r.ContentLength = -1
			return r
		}, status: 413, reason: "body_too_large"},
	})
}

func TestGetVend(t *testing.T) {
	runAPICases(t, []apiCase{
		{name: "OK", req: get("/v1/vends/101"), status: 200, check: func(t *testing.T, _ *env, rec *httptest.ResponseRecorder) {
			m := decodeJSON(t, rec)
			wantJSON(t, m, "id", 101.0)
			wantJSON(t, m, "reference", "VAAAQEAYEAUDAOCAJ")
		}},
		{name: "ErrOtherAgentsVend", req: get("/v1/vends/102"), status: 404, reason: "vend_not_found"},
		{name: "ErrUnknown", req: get("/v1/vends/999"), status: 404, reason: "vend_not_found"},
		{name: "ErrNotANumber", req: get("/v1/vends/abc"), status: 400, reason: "invalid_vend_id", field: "id"},
		{name: "ErrZero", req: get("/v1/vends/0"), status: 400, reason: "invalid_vend_id"},
		{name: "ErrNegative", req: get("/v1/vends/-3"), status: 400, reason: "invalid_vend_id"},
		{name: "ErrUnavailable", setup: func(e *env) { e.vends.err = errors.New("db down") }, req: get("/v1/vends/101"), status: 503, reason: "unavailable"},
	})
}

func TestListVends(t *testing.T) {
	ids := func(want ...float64) func(*testing.T, *env, *httptest.ResponseRecorder) {
		return func(t *testing.T, _ *env, rec *httptest.ResponseRecorder) {
			var got []float64
			for _, v := range decodeJSON(t, rec)["vends"].([]any) {
				got = append(got, v.(map[string]any)["id"].(float64))
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("vends %v, want %v", got, want)
			}
		}
	}
	runAPICases(t, []apiCase{
		{name: "OKOwnNewestFirst", req: get("/v1/vends?meter=" + meterOK), status: 200, check: ids(103, 101)},
		{name: "OKLimit", req: get("/v1/vends?meter=" + meterOK + "&limit=1"), status: 200, check: ids(103)},
		{name: "OKOtherAgentSeesOwn", req: get("/v1/vends?meter="+meterOK, "Authorization", "Bearer "+keyEight), status: 200, check: ids(102)},
		{name: "OKNone", req: get("/v1/vends?meter=" + meterUnknown), status: 200, check: ids()},
		{name: "ErrInvalidMeter", req: get("/v1/vends?meter=" + meterBadLuhn), status: 400, reason: "invalid_meter_number", field: "meter"},
		{name: "ErrLimitZero", req: get("/v1/vends?meter=" + meterOK + "&limit=0"), status: 400, reason: "invalid_parameter", field: "limit"},
		{name: "ErrLimitTooLarge", req: get("/v1/vends?meter=" + meterOK + "&limit=51"), status: 400, reason: "invalid_parameter", field: "limit"},
		{name: "ErrLimitNotANumber", req: get("/v1/vends?meter=" + meterOK + "&limit=ten"), status: 400, reason: "invalid_parameter", field: "limit"},
	})
}

func TestReverseVend(t *testing.T) {
	const reason = `{"reason":"no answer from the server"}`
	runAPICases(t, []apiCase{
		{name: "OK", req: post("/v1/vends/101/reversal", reason), status: 200, check: func(t *testing.T, _ *env, rec *httptest.ResponseRecorder) {
			m := decodeJSON(t, rec)
			wantJSON(t, m, "status", "reversed")
			wantJSON(t, m, "reversed_at", "2026-03-01T10:30:00Z")
			receipt := m["receipt"].([]any)
			if last := receipt[len(receipt)-1]; last != "REVERSED: payment returned" {
				t.Errorf("receipt ends %v", last)
			}
		}},
		{name: "ErrNoBody", req: post("/v1/vends/101/reversal", ""), status: 400, reason: "malformed_json"},
		{name: "ErrNoReason", req: post("/v1/vends/101/reversal", `{}`), status: 400, reason: "missing_field", field: "reason"},
		{name: "ErrUnknownField", req: post("/v1/vends/101/reversal", `{"reason":"x","why":"y"}`), status: 400, reason: "unknown_field", field: "why"},
		{name: "ErrOtherAgentsVend", req: post("/v1/vends/102/reversal", reason), status: 404, reason: "vend_not_found"},
		{name: "ErrAlreadyReversed", setup: func(e *env) { e.vends.byID[101].Status = core.VendReversed }, req: post("/v1/vends/101/reversal", reason), status: 409, reason: "already_reversed"},
		{name: "ErrWindowPassed", setup: func(e *env) {
			e.reverse = func(int64, int64) (*core.Vend, error) {
				return nil, core.Errorf(core.CodeConflict, "reversal_window_passed", "too old")
			}
		}, req: post("/v1/vends/101/reversal", reason), status: 409, reason: "reversal_window_passed"},
		{name: "ErrBadID", req: post("/v1/vends/x/reversal", reason), status: 400, reason: "invalid_vend_id"},
		{name: "ErrUnauthenticated", req: post("/v1/vends/101/reversal", reason, "Authorization", ""), status: 401, reason: "missing_api_key"},
	})
}

func TestAgent(t *testing.T) {
	runAPICases(t, []apiCase{
		{name: "OK", req: get("/v1/agent"), status: 200, check: func(t *testing.T, _ *env, rec *httptest.ResponseRecorder) {
			m := decodeJSON(t, rec)
			for path, want := range map[string]any{
				"id": 7.0, "name": "Corner Shop", "kind": "agent", "balance": -2000.0, "credit_limit": 50000.0,
				"available": 48000.0, "commission_rate": "0.02",
			} {
				wantJSON(t, m, path, want)
			}
		}},
		{name: "ErrUnavailable", setup: func(e *env) { e.agents.agentErr = errors.New("db down") }, req: get("/v1/agent"), status: 503, reason: "unavailable"},
	})
}

func TestStatement(t *testing.T) {
	page := func(wantIDs []float64, wantNext any) func(*testing.T, *env, *httptest.ResponseRecorder) {
		return func(t *testing.T, _ *env, rec *httptest.ResponseRecorder) {
			m := decodeJSON(t, rec)
			var got []float64
			for _, l := range m["lines"].([]any) {
				got = append(got, l.(map[string]any)["id"].(float64))
			}
			if !reflect.DeepEqual(got, wantIDs) {
				t.Errorf("lines %v, want %v", got, wantIDs)
			}
			if next, ok := m["next_before"]; !ok || next != wantNext {
				t.Errorf("next_before %v (present %v), want %v", next, ok, wantNext)
			}
		}
	}
	runAPICases(t, []apiCase{
		{name: "OKFirstPage", req: get("/v1/agent/statement?limit=2"), status: 200, check: page([]float64{5, 4}, 4.0)},
		{name: "OKNextPage", req: get("/v1/agent/statement?limit=2&before=4"), status: 200, check: page([]float64{3, 2}, 2.0)},
		{name: "OKLastPage", req: get("/v1/agent/statement?limit=2&before=2"), status: 200, check: page([]float64{1}, nil)},
		{name: "OKExactlyTheRest", req: get("/v1/agent/statement?limit=5"), status: 200, check: page([]float64{5, 4, 3, 2, 1}, nil)},
		{name: "OKDefaultLimit", req: get("/v1/agent/statement"), status: 200, check: page([]float64{5, 4, 3, 2, 1}, nil)},
		{name: "ErrBefore", req: get("/v1/agent/statement?before=-1"), status: 400, reason: "invalid_parameter", field: "before"},
		{name: "ErrLimit", req: get("/v1/agent/statement?limit=201"), status: 400, reason: "invalid_parameter", field: "limit"},
		{name: "ErrUnavailable", setup: func(e *env) { e.agents.stmtErr = errors.New("db down") }, req: get("/v1/agent/statement"), status: 503, reason: "unavailable"},
	})
}

func TestAuthentication(t *testing.T) {
	challenge := func(want string) func(*testing.T, *env, *httptest.ResponseRecorder) {
		return func(t *testing.T, _ *env, rec *httptest.ResponseRecorder) {
			if got := rec.Header().Get("WWW-Authenticate"); got != want {
				t.Errorf("WWW-Authenticate %q, want %q", got, want)
			}
		}
	}
	var cases []apiCase
	for _, route := range []struct {
		name string
		req  func(headers ...string) func() *http.Request
	}{
		{"Meter", func(h ...string) func() *http.Request { return get("/v1/meters/"+meterOK, h...) }},
		{"CreateVend", func(h ...string) func() *http.Request { return postVend(vendBody, h...) }},
		{"ListVends", func(h ...string) func() *http.Request { return get("/v1/vends?meter="+meterOK, h...) }},
		{"GetVend", func(h ...string) func() *http.Request { return get("/v1/vends/101", h...) }},
		{"Reversal", func(h ...string) func() *http.Request { return post("/v1/vends/101/reversal", "", h...) }},
		{"Agent", func(h ...string) func() *http.Request { return get("/v1/agent", h...) }},
		{"Statement", func(h ...string) func() *http.Request { return get("/v1/agent/statement", h...) }},
	} {
		cases = append(cases,
			apiCase{name: route.name + "/ErrMissing", req: route.req("Authorization", ""), status: 401, reason: "missing_api_key",
				check: challenge(`Bearer realm="vendgate"`)},
			apiCase{name: route.name + "/ErrUnknownKey", req: route.req("Authorization", "Bearer vg_not-a-key"), status: 401, reason: "invalid_api_key",
				check: challenge(`Bearer realm="vendgate", error="invalid_token"`)},
		)
	}
	cases = append(cases,
		apiCase{name: "ErrBasicScheme", req: get("/v1/agent", "Authorization", "Basic dXNlcjpwYXNz"), status: 401, reason: "invalid_authorization"},
		apiCase{name: "ErrBearerWithoutKey", req: get("/v1/agent", "Authorization", "Bearer "), status: 401, reason: "invalid_authorization"},
		apiCase{name: "ErrInactiveAgent", req: get("/v1/agent", "Authorization", "Bearer "+keyInactive), status: 401, reason: "agent_inactive"},
		apiCase{name: "OKSchemeCaseInsensitive", req: get("/v1/agent", "Authorization", "bearer "+keySeven), status: 200},
		apiCase{name: "ErrKeyStoreDown", setup: func(e *env) { e.agents.keysErr = errors.New("db down") }, req: get("/v1/agent"), status: 503, reason: "unavailable"},
		apiCase{name: "OKHealthNeedsNoKey", req: get("/healthz", "Authorization", ""), status: 200},
	)
	runAPICases(t, cases)
}

func TestOperations(t *testing.T) {
	runAPICases(t, []apiCase{
		{name: "Healthz", req: get("/healthz"), status: 200},
		{name: "HealthzWhileDatabaseDown", setup: func(e *env) { e.health.err = errors.New("down") }, req: get("/healthz"), status: 200},
		{name: "Readyz", req: get("/readyz"), status: 200},
		{name: "ReadyzErrDatabaseDown", setup: func(e *env) { e.health.err = errors.New("dial tcp: connection refused") }, req: get("/readyz"), status: 503, reason: "not_ready",
			check: func(t *testing.T, _ *env, rec *httptest.ResponseRecorder) {
				if rec.Header().Get("Retry-After") == "" {
					t.Error("no Retry-After")
				}
			}},
		{name: "OpenAPI", req: get("/openapi.json"), status: 200},
		{name: "Metrics", req: get("/metrics"), status: 200},
		{name: "ErrUnknownRoute", req: get("/v1/nothing"), status: 404, reason: "route_not_found"},
		{name: "ErrPathBeyondParam", req: get("/v1/meters/" + meterOK + "/customer"), status: 404, reason: "route_not_found"},
		{name: "ErrTrailingSlash", req: get("/v1/vends/101/"), status: 404, reason: "route_not_found"},
		{name: "ErrMethodNotAllowed", req: func() *http.Request { return request(http.MethodDelete, "/v1/agent", "") }, status: 405, reason: "method_not_allowed",
			check: func(t *testing.T, _ *env, rec *httptest.ResponseRecorder) {
				if rec.Header().Get("Allow") == "" {
					t.Error("405 without Allow")
				}
			}},
	})
}
