package ops_test

import (
	"context"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/internal/demo"
	"github.com/vendgate/vendgate/sts"
	"github.com/vendgate/vendgate/testkit"
)

// TestMeterImportByHTTP: a manufacturer's CSV is text/csv (anything else is 415); a bad row is
// 400 naming the row and the column, and nothing is received; dry_run is a boolean.
func TestMeterImportByHTTP(t *testing.T) {
	db := testkit.OpenDB(t, "")
	e := newEnvOn(t, db)
	f := matrixFixtures(t, e, db)
	master := make([]byte, 32)
	sealer, err := core.NewSealer(master)
	if err != nil {
		t.Fatal(err)
	}
	vk, _ := hex.DecodeString(demo.VK02)
	if err := core.ImportVendingKey(context.Background(), db, sealer, &core.SupplyGroup{UtilityID: f.utilityID, SGC: 123456, KRN: 1, DKGA: sts.DKGA02, Name: "Soweto"}, vk); err != nil {
		t.Fatal(err)
	}
	c := e.client(t)
	c.bearer = e.token(t, e.bo.Admin)
	path := "/ops/v1/meter-batches?reference=B1&manufacturer=Acme&utility_id=" + f.utility
	header := "number,kind,sgc,krn,ti,kt,ea,base-date,ken\n"

	c.do(t, http.MethodPost, path, header+"01000000016,electricity,123456,1,01,2,07,2014,255\n").
		wantProblem(t, http.StatusUnsupportedMediaType, "unsupported_media_type")
	c.do(t, http.MethodPost, path+"&dry_run=maybe", header, "Content-Type", "text/csv").
		wantProblem(t, http.StatusBadRequest, "invalid_parameter")
	p := c.do(t, http.MethodPost, path, header+"01000000016,electricity,123456,1,01,2,07,2014,255\n01000000099,plasma,123456,1,01,2,07,2014,255\n",
		"Content-Type", "text/csv; charset=utf-8").wantProblem(t, http.StatusBadRequest, string(backoffice.ReasonInvalidMeterRow))
	if d, _ := p["detail"].(string); p["field"] != "file" || !strings.Contains(d, "row 3") {
		t.Errorf("the bad rows are not named: %v", p)
	}
	var batches struct{ Items []backoffice.Batch }
	c.do(t, http.MethodGet, "/ops/v1/meter-batches", nil).decode(t, &batches)
	if len(batches.Items) != 0 {
		t.Errorf("a refused import received %+v", batches.Items)
	}

	good := header + "01000000016,electricity,123456,1,01,2,07,2014,255\n01000000024,water,123456,1,7,2,11,1993,10\n"
	var dry, real backoffice.ImportResult
	a := c.do(t, http.MethodPost, path+"&dry_run=true", good, "Content-Type", "text/csv")
	a.decode(t, &dry)
	if a.status != http.StatusOK || !dry.DryRun || dry.Batch.ID != 0 || dry.ByKind[core.Electricity] != 1 || dry.ByKind[core.Water] != 1 {
		t.Fatalf("dry run: %d %s", a.status, a.body)
	}
	c.do(t, http.MethodGet, "/ops/v1/stock/01000000016", nil).wantProblem(t, http.StatusNotFound, string(core.ReasonMeterNotFound))
	a = c.do(t, http.MethodPost, path, good, "Content-Type", "text/csv")
	a.decode(t, &real)
	if a.status != http.StatusCreated || real.DryRun || real.Batch.Meters != 2 || a.header.Get("Location") != "/ops/v1/meter-batches/"+strconv.FormatInt(real.Batch.ID, 10) {
		t.Fatalf("import: %d %s", a.status, a.body)
	}
	var stock struct{ Items []backoffice.MeterStock }
	c.do(t, http.MethodGet, "/ops/v1/stock?batch_id="+strconv.FormatInt(real.Batch.ID, 10), nil).decode(t, &stock)
	if len(stock.Items) != 2 || stock.Items[0].State != backoffice.StockInStore {
		t.Fatalf("the batch's meters: %+v", stock.Items)
	}
}

// TestHallByHTTP: a PATCH changes the fields it gives and keeps the others; a stale version is
// 409; a deactivated hall says so.
func TestHallByHTTP(t *testing.T) {
	db := testkit.OpenDB(t, "")
	e := newEnvOn(t, db)
	f := matrixFixtures(t, e, db)
	c := e.client(t)
	c.bearer = e.token(t, e.bo.Admin)

	var h backoffice.Hall
	a := c.do(t, http.MethodPost, "/ops/v1/halls", map[string]any{"utility_id": f.utilityID, "code": "SOW", "name": "Soweto", "address": "1 Main Rd"})
	a.decode(t, &h)
	if a.status != http.StatusCreated || a.header.Get("Location") != "/ops/v1/halls/"+strconv.FormatInt(h.ID, 10) {
		t.Fatalf("create: %d %s", a.status, a.body)
	}
	path := "/ops/v1/halls/" + strconv.FormatInt(h.ID, 10)
	var moved backoffice.Hall
	c.do(t, http.MethodPatch, path, map[string]any{"version": h.Version, "name": "Soweto hall"}).decode(t, &moved)
	if moved.Name != "Soweto hall" || moved.Code != "SOW" || moved.Address != "1 Main Rd" || moved.Version != h.Version+1 {
		t.Fatalf("patched: %+v", moved)
	}
	c.do(t, http.MethodPatch, path, map[string]any{"version": h.Version, "name": "Again"}).wantProblem(t, http.StatusConflict, string(backoffice.ReasonStaleVersion))
	var off backoffice.Hall
	c.do(t, http.MethodPost, path+"/deactivate", map[string]any{"version": moved.Version}).decode(t, &off)
	if off.Active {
		t.Fatalf("deactivated: %+v", off)
	}
	var active struct{ Items []backoffice.Hall }
	c.do(t, http.MethodGet, "/ops/v1/halls?state=active", nil).decode(t, &active)
	if len(active.Items) != 0 {
		t.Errorf("active halls: %+v", active.Items)
	}
}

// TestSupplyGroupByHTTP: a vending key imported over HTTP is sealed; no answer and no log line
// carries it, and a key of the wrong length is refused naming the field.
func TestSupplyGroupByHTTP(t *testing.T) {
	db := testkit.OpenDB(t, "")
	e := newEnvOn(t, db)
	f := matrixFixtures(t, e, db)
	c := e.client(t)
	c.bearer = e.token(t, e.bo.Admin)
	body := map[string]any{"utility_id": f.utilityID, "sgc": "654321", "krn": 1, "dkga": "02", "name": "Soweto", "vending_key": demo.VK02[:10]}
	if p := c.do(t, http.MethodPost, "/ops/v1/supply-groups", body).problem(t); p["field"] != "vending_key" {
		t.Errorf("a short key: %v", p)
	}
	body["vending_key"] = demo.VK02
	var g backoffice.SupplyGroupView
	a := c.do(t, http.MethodPost, "/ops/v1/supply-groups", body)
	a.decode(t, &g)
	if a.status != http.StatusCreated || g.ID == 0 || g.SGC != "654321" || g.DKGA != "02" {
		t.Fatalf("create: %d %s", a.status, a.body)
	}
	e.secretsAbsent(t, demo.VK02, strings.ToUpper(demo.VK02))
}

// TestTariffVersionsByHTTP: a change of prices is a new version from its effective time; the
// version in effect is the one of the back office's clock unless ?at= names another time.
func TestTariffVersionsByHTTP(t *testing.T) {
	db := testkit.OpenDB(t, "")
	e := newEnvOn(t, db)
	f := matrixFixtures(t, e, db)
	c := e.client(t)
	c.bearer = e.token(t, e.bo.Admin)
	path := "/ops/v1/tariffs/" + f.tariff + "/versions"
	from := e.bo.Clock.Now().Add(time.Hour).UTC().Truncate(time.Second)

	var v2 backoffice.TariffVersionView
	a := c.do(t, http.MethodPost, path, map[string]any{"after_version": 1, "effective_from": from.Format(time.RFC3339),
		"blocks": []map[string]any{{"up_to": 0, "price": "275.5"}}, "reason": "the regulator's increase"})
	a.decode(t, &v2)
	if a.status != http.StatusCreated || v2.Version != 2 || !v2.EffectiveFrom.Equal(from) || v2.Blocks[0].Price != "275.5" {
		t.Fatalf("change: %d %s", a.status, a.body)
	}
	c.do(t, http.MethodPost, path, map[string]any{"after_version": 1, "blocks": []map[string]any{{"up_to": 0, "price": "1"}}, "reason": "stale"}).
		wantProblem(t, http.StatusConflict, string(backoffice.ReasonStaleVersion))
	c.do(t, http.MethodPost, path, map[string]any{"after_version": 2, "blocks": []map[string]any{{"up_to": 0, "price": "cheap"}}, "reason": "r"}).
		wantProblem(t, http.StatusBadRequest, "wrong_type")
	var now, later backoffice.TariffVersionView
	c.do(t, http.MethodGet, path+"/effective", nil).decode(t, &now)
	c.do(t, http.MethodGet, path+"/effective?at="+from.Add(time.Minute).Format(time.RFC3339), nil).decode(t, &later)
	if now.Version != 1 || later.Version != 2 {
		t.Fatalf("in effect now: version %d, in two hours: version %d", now.Version, later.Version)
	}
	var history struct {
		Items []backoffice.TariffVersionView
	}
	c.do(t, http.MethodGet, path, nil).decode(t, &history)
	if len(history.Items) != 2 || history.Items[0].Version != 1 {
		t.Fatalf("history: %+v", history.Items)
	}
}
