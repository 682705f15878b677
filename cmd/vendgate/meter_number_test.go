package main

import (
	"strings"
	"testing"
)

// TestLongMeterNumberNotEchoed buys for a 2,000-digit "meter number" through the booted program:
// refused as invalid_meter_number, with neither the answer nor the log carrying it whole.
func TestLongMeterNumberNotEchoed(t *testing.T) {
	m, logs := bootEmbedded(t)
	long := strings.Repeat("1234567890", 200)
	code, body := post(t, m, "/v1/vends", m.Demo.APIKey, "long-1", `{"meter_number":"`+long+`","amount_minor":5000,"currency":"ZAR"}`)
	if code != 400 || !strings.Contains(string(body), "invalid_meter_number") {
		t.Errorf("got %d %.300s, want 400 invalid_meter_number", code, body)
	}
	if strings.Contains(string(body), long[:14]) {
		t.Errorf("the answer echoes the meter number: %.300s", body)
	}
	if strings.Contains(logs.String(), long[:14]) {
		t.Errorf("the log echoes the meter number")
	}
}
