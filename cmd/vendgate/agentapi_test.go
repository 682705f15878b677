package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// get sends an agent's GET and returns the status, headers and body.
func get(t *testing.T, m *Main, path, key string) (int, http.Header, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, "http://"+m.Addr()+path, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, b
}

// postWithHeaders is post that also returns the response headers.
func postWithHeaders(t *testing.T, m *Main, path, key, idem, body string) (int, http.Header, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, "http://"+m.Addr()+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	if idem != "" {
		req.Header.Set("Idempotency-Key", idem)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, b
}

type vendPage struct {
	Vends []struct {
		ID             int64    `json:"id"`
		Status         string   `json:"status"`
		MeterNumber    string   `json:"meter_number"`
		Receipt        []string `json:"receipt"`
		ReversalReason string   `json:"reversal_reason"`
	} `json:"vends"`
	NextBefore int64 `json:"next_before"`
}

// TestAgentsAPI is an agent's terminal over real HTTP: a new sale is 201 and its replay 200 with
// Idempotent-Replayed; the sales list pages through the agent's own sales without a meter and
// filters them; a reversal needs a reason and shows in the list of reversed sales; receipts print
// the utility's local time with its zone and never say the token is cancelled.
func TestAgentsAPI(t *testing.T) {
	m, _ := bootEmbedded(t)
	key := m.Demo.APIKey
	var ids []int64
	for i, dm := range m.Demo.Meters {
		body := fmt.Sprintf(`{"meter_number":%q,"amount_minor":%d}`, dm.Number, 10000+i*100)
		status, h, b := postWithHeaders(t, m, "/v1/vends", key, fmt.Sprintf("sale-%d", i), body)
		if status != http.StatusCreated || h.Get("Idempotent-Replayed") != "" {
			t.Fatalf("new sale %d: status %d, Idempotent-Replayed %q, want 201 and none: %s", i, status, h.Get("Idempotent-Replayed"), b)
		}
		var v vendJSON
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, v.ID)
		if i == 0 {
			status, h, b := postWithHeaders(t, m, "/v1/vends", key, "sale-0", body)
			var again vendJSON
			_ = json.Unmarshal(b, &again)
			if status != http.StatusOK || h.Get("Idempotent-Replayed") != "true" || again.ID != v.ID {
				t.Fatalf("replay: status %d, Idempotent-Replayed %q, vend %d; want 200, true, vend %d", status, h.Get("Idempotent-Replayed"), again.ID, v.ID)
			}
			date := v.Receipt[2]
			if !strings.HasPrefix(date, "Date:") || !strings.HasSuffix(date, " SAST") {
				t.Errorf("receipt date line %q: want the time in the demo utility's zone (SAST)", date)
			}
		}
	}

	// Every sale of the agent, newest first, one page at a time.
	var seen []int64
	path := "/v1/vends?limit=2"
	for page := 0; page < 5; page++ {
		status, _, b := get(t, m, path, key)
		if status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, status, b)
		}
		var p vendPage
		if err := json.Unmarshal(b, &p); err != nil {
			t.Fatal(err)
		}
		for _, v := range p.Vends {
			seen = append(seen, v.ID)
		}
		if p.NextBefore == 0 {
			break
		}
		path = fmt.Sprintf("/v1/vends?limit=2&before=%d", p.NextBefore)
	}
	if want := []int64{ids[2], ids[1], ids[0]}; fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Errorf("the agent's sales paged: %v, want %v", seen, want)
	}

	rev := fmt.Sprintf("/v1/vends/%d/reversal", ids[1])
	if status, _, b := postWithHeaders(t, m, rev, key, "", ""); status != http.StatusBadRequest {
		t.Errorf("a reversal without a reason: %d %s, want 400", status, b)
	}
	status, _, b := postWithHeaders(t, m, rev, key, "", `{"reason":"terminal got no answer"}`)
	if status != http.StatusOK {
		t.Fatalf("reversal: %d %s", status, b)
	}
	if strings.Contains(strings.ToLower(string(b)), "cancel") || !strings.Contains(string(b), "REVERSED: payment returned") {
		t.Errorf("a reversed receipt must say the payment was returned, never that the token is cancelled: %s", b)
	}
	for query, want := range map[string][]int64{
		"/v1/vends?status=reversed":                               {ids[1]},
		"/v1/vends?status=completed":                              {ids[2], ids[0]},
		"/v1/vends?channel=rest&meter=" + m.Demo.Meters[0].Number: {ids[0]},
		"/v1/vends?channel=ussd":                                  {},
		"/v1/vends?to=2000-01-01":                                 {},
	} {
		status, _, b := get(t, m, query, key)
		var p vendPage
		if err := json.Unmarshal(b, &p); status != http.StatusOK || err != nil {
			t.Fatalf("GET %s: %d %s", query, status, b)
		}
		got := []int64{}
		for _, v := range p.Vends {
			got = append(got, v.ID)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("GET %s: vends %v, want %v", query, got, want)
		}
	}
	for _, bad := range []string{"/v1/vends?status=lost", "/v1/vends?channel=fax", "/v1/vends?from=yesterday", "/v1/vends?before=-1"} {
		if status, _, b := get(t, m, bad, key); status != http.StatusBadRequest {
			t.Errorf("GET %s: %d %s, want 400", bad, status, b)
		}
	}
}
