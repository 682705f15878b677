package ops_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/vendgate/vendgate/testkit"
)

// FuzzBackOfficeBodies sends arbitrary bodies to the routes that change the back office's
// records, as the administrator, on a real back office: whatever the body, the answer is never
// a 5xx, and a refusal is a problem naming its reason.
func FuzzBackOfficeBodies(f *testing.F) {
	routes := []struct{ method, path string }{
		{"POST", "/ops/v1/agents/1/float-adjustments"}, {"PUT", "/ops/v1/agents/1/credit-limit"},
		{"PUT", "/ops/v1/agents/1/commission-rate"}, {"POST", "/ops/v1/vends/1/reversal"},
		{"PUT", "/ops/v1/approval-policies/agent.adjust_float"}, {"POST", "/ops/v1/approvals/1/reject"},
		{"POST", "/ops/v1/halls"}, {"PATCH", "/ops/v1/terminals/1"}, {"POST", "/ops/v1/tariffs/1/versions"},
		{"POST", "/ops/v1/utilities/1/parameters"}, {"POST", "/ops/v1/stock/01000000016/movements"},
		{"POST", "/ops/v1/contracts"}, {"POST", "/ops/v1/contracts/1/close"}, {"POST", "/ops/v1/engineering-tokens"},
		{"POST", "/ops/v1/token-reprints"}, {"POST", "/ops/v1/customers"}, {"POST", "/ops/v1/agents"},
		{"PATCH", "/ops/v1/meters/1"}, {"POST", "/ops/v1/agents/1/top-ups"},
	}
	for i, body := range []string{
		`{"amount":100,"reason":"x"}`, `{"credit_limit":-1}`, `{"commission_rate":"0.0.1"}`, `{"reason":""}`,
		`{"required":true,"threshold":1e30,"expiry_seconds":-5,"version":0}`, `{"reason":"no"}`,
		`{"code":"A","name":"B","department_id":"x"}`, `{"version":1,"serial":null}`,
		`{"after_version":1,"blocks":[{"up_to":-1,"price":"NaN"}],"reason":"r"}`,
		`{"after_version":1,"tax_rate":"1e999999","reversal_window_seconds":9223372036854775807,"reason":"r"}`,
		`{"to":"scrapped","reason":"r"}`, `{"customer_id":1,"meter_number":"x","tariff_id":1}`,
		`{"closing_reading":-1,"arrears_outcome":"lost"}`, `{"meter_number":"01000000016","kind":"clear_credit","value":18446744073709551615,"reason":"r"}`,
		`{"source":"vend","record_id":1,"seq":-1}`, `{"name":"A","language":""}`, `{"name":"A","kind":"retail","commission_rate":"-0"}`,
		`{"version":1,"tariff_id":0}`, `{"amount":0}`,
	} {
		f.Add(uint8(i), body)
	}
	db := testkit.OpenDB(f, "")
	e := newEnvOn(f, db)
	matrixFixtures(f, e, db)
	token := e.token(f, e.bo.Admin)
	f.Fuzz(func(t *testing.T, route uint8, body string) {
		r := routes[int(route)%len(routes)]
		req := httptest.NewRequest(r.method, r.path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		e.srv.ServeHTTP(rec, req)
		if rec.Code >= 500 && rec.Code != http.StatusServiceUnavailable {
			t.Fatalf("%s %s %q: %d %s", r.method, r.path, body, rec.Code, rec.Body)
		}
		if rec.Code >= 400 {
			var p struct {
				Reason string `json:"reason"`
				Status int    `json:"status"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Reason == "" || p.Status != rec.Code {
				t.Fatalf("%d without a problem: %q", rec.Code, rec.Body)
			}
		}
	})
}
