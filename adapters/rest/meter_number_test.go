package rest_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestLongMeterNumberNotEchoed sends a 2,000-digit "meter number" in a path and a query: each is
// refused as invalid_meter_number, and neither the answer nor the log carries the number whole
// (at most its first 13 characters). A vend's body is checked by core (TestCheckMeterNumberMessage).
func TestLongMeterNumberNotEchoed(t *testing.T) {
	long := strings.Repeat("1234567890", 200)
	e := newEnv(t)
	for name, req := range map[string]*http.Request{
		"Path":  request(http.MethodGet, "/v1/meters/"+long, ""),
		"Query": request(http.MethodGet, "/v1/vends?meter="+long, ""),
	} {
		t.Run(name, func(t *testing.T) {
			rec := e.do(t, req)
			if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "invalid_meter_number") {
				t.Errorf("got %d %.300s, want 400 invalid_meter_number", rec.Code, rec.Body)
			}
			if strings.Contains(rec.Body.String(), long[:14]) {
				t.Errorf("the answer echoes the meter number: %.300s", rec.Body)
			}
		})
	}
	if strings.Contains(e.logs.String(), long[:14]) {
		t.Errorf("the log echoes the meter number: %.600s", e.logs)
	}
}
