package rest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/vendgate/vendgate/adapters/rest"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/sts/meter"
	"github.com/vendgate/vendgate/testkit"
	"github.com/vendgate/vendgate/testkit/memstore"
)

// TestVendOnRealCore sells over the API with the real core.Vendor on memstore: the token the
// answer carries is accepted by the meter, a replay answers the same token, the reversal gives
// the float back, and neither the API key nor a token reaches the server's logs.
func TestVendOnRealCore(t *testing.T) {
	w := memstore.NewWorld(t)
	m := w.AddMeter(t, w.Site, nil)
	key, hash, err := core.NewAPIKey()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Store.IssueAPIKey(context.Background(), w.Agent.ID, hash, "till 1"); err != nil {
		t.Fatal(err)
	}
	vendor := w.Vendor()
	e := newEnv(t, func(c *rest.Config) {
		c.Vendor, c.Reverser = vendor, rest.ReverserFunc(vendor.Reverse)
		c.Meters, c.Vends, c.Agents, c.Health = w.Store, w.Store, w.Store, w.Store
	})
	before := w.Balance(t, w.Agent.ID)
	auth := "Bearer " + key
	body := fmt.Sprintf(`{"meter_number":%q,"amount_minor":11500,"currency":"ZAR"}`, m.Number)

	type vendJSON struct {
		ID     int64 `json:"id"`
		Tokens []struct {
			Purpose string `json:"purpose"`
			Token   string `json:"token"`
		} `json:"tokens"`
		Status string `json:"status"`
	}
	sell := func() vendJSON {
		t.Helper()
		rec := e.do(t, request(http.MethodPost, "/v1/vends", body, "Authorization", auth, "Idempotency-Key", "till-1-0001"))
		if rec.Code/100 != 2 {
			t.Fatalf("vend: status %d, body %s", rec.Code, rec.Body)
		}
		var v vendJSON
		if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
			t.Fatal(err)
		}
		if len(v.Tokens) != 1 || v.Tokens[0].Purpose != "credit" {
			t.Fatalf("vend: tokens %+v, want one credit token", v.Tokens)
		}
		return v
	}
	v := sell()
	if r := memstore.VirtualMeter(t, m.Key).Enter(v.Tokens[0].Token); r.Code != meter.Accepted || r.Added != 400 {
		t.Fatalf("the meter says %s to the API's token, want accepted +40.0", r)
	}
	if again := sell(); again.ID != v.ID || again.Tokens[0].Token != v.Tokens[0].Token {
		t.Fatalf("replay: vend %d token %s, want vend %d token %s", again.ID, again.Tokens[0].Token, v.ID, v.Tokens[0].Token)
	}
	rec := e.do(t, request(http.MethodPost, fmt.Sprintf("/v1/vends/%d/reversal", v.ID), `{"reason":"no answer"}`, "Authorization", auth))
	if rec.Code != http.StatusOK {
		t.Fatalf("reversal: status %d, body %s", rec.Code, rec.Body)
	}
	if got := w.Balance(t, w.Agent.ID); got != before {
		t.Fatalf("float after the reversal: got %d, want %d", got, before)
	}
	rec = e.do(t, request(http.MethodPost, fmt.Sprintf("/v1/vends/%d/reversal", v.ID), `{"reason":"no answer"}`, "Authorization", auth))
	if p := decodeProblem(t, rec); rec.Code != http.StatusConflict || p["reason"] != "already_reversed" {
		t.Fatalf("second reversal: status %d reason %v, want 409 already_reversed", rec.Code, p["reason"])
	}
	testkit.AssertNoSecrets(t, "the REST server's logs", e.logs.String(), testkit.Secrets{
		APIKeys: []string{key}, Tokens: []string{v.Tokens[0].Token}, PANs: []string{m.Key.PAN.String()}, Keys: [][]byte{memstore.VendingKey},
	})
}
