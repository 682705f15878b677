package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/sts"
)

var _ core.SealedKeys = (*DB)(nil)

// Rows of the utilities, supply_groups, tariffs and customers tables.
type (
	utilityRow struct {
		bun.BaseModel `bun:"table:utilities,alias:u"`

		ID                    int64  `bun:"id,pk,autoincrement"`
		Name                  string `bun:"name"`
		Currency              string `bun:"currency"`
		TaxRate               string `bun:"tax_rate"`
		TimeZone              string `bun:"time_zone"`
		DebtRecoveryRate      string `bun:"debt_recovery_rate"`
		ReversalWindowSeconds int64  `bun:"reversal_window_seconds"`
		// MaxVendAmount is kept in the utility's parameter versions only (parameters.go).
		MaxVendAmount int64 `bun:"-"`
		RecordVersion int64 `bun:"record_version"`
	}
	// supplyGroupRow leaves out the sealed vending key, so that no read of a supply group
	// carries it by accident; SealedVendingKey reads it alone.
	supplyGroupRow struct {
		bun.BaseModel `bun:"table:supply_groups,alias:sg"`

		ID        int64       `bun:"id,pk,autoincrement"`
		UtilityID int64       `bun:"utility_id"`
		SGC       string      `bun:"sgc"`
		KRN       int16       `bun:"krn"`
		DKGA      int16       `bun:"dkga"`
		Name      string      `bun:"name"`
		Utility   *utilityRow `bun:"rel:belongs-to,join:utility_id=id"`
	}
	tariffRow struct {
		bun.BaseModel `bun:"table:tariffs,alias:t"`

		ID                 int64  `bun:"id,pk,autoincrement"`
		UtilityID          int64  `bun:"utility_id"`
		Name               string `bun:"name"`
		Kind               string `bun:"kind"`
		Blocks             string `bun:"blocks"` // JSON, see tariffBlockJSON
		MonthlyFixedCharge int64  `bun:"monthly_fixed_charge"`
		FreeBasicEnergy    int64  `bun:"free_basic_energy"`
	}
	tariffBlockJSON struct {
		UpTo  int64  `json:"up_to"` // tenths of a unit; 0 for the last, unbounded block
		Price string `json:"price"` // exact decimal, minor units per whole unit, VAT excluded
	}
	customerRow struct {
		bun.BaseModel `bun:"table:customers,alias:c"`

		ID        int64  `bun:"id,pk,autoincrement"`
		Name      string `bun:"name"`
		Address   string `bun:"address"`
		Phone     string `bun:"phone"`
		Language  string `bun:"language"`
		FreeBasic bool   `bun:"free_basic"`
		// UtilityID is the utility the customer belongs to, 0 for none.
		UtilityID     int64 `bun:"utility_id"`
		RecordVersion int64 `bun:"record_version"`
	}
)

func fromCoreUtility(u *core.Utility) utilityRow {
	tz := "UTC"
	if u.Location != nil {
		tz = u.Location.String()
	}
	return utilityRow{
		ID: u.ID, Name: u.Name, Currency: u.Currency.Code, TaxRate: u.TaxRate.String(), TimeZone: tz,
		DebtRecoveryRate: u.DebtRecoveryRate.String(), ReversalWindowSeconds: int64(u.ReversalWindow / time.Second),
	}
}

func (db *DB) toCoreUtility(r utilityRow) (core.Utility, error) {
	cur, err := core.ParseCurrency(r.Currency)
	if err != nil {
		return core.Utility{}, corrupt("utility", r.ID, err)
	}
	tax, err := decimal.NewFromString(r.TaxRate)
	if err != nil {
		return core.Utility{}, corrupt("utility", r.ID, err)
	}
	debt, err := decimal.NewFromString(r.DebtRecoveryRate)
	if err != nil {
		return core.Utility{}, corrupt("utility", r.ID, err)
	}
	loc, err := db.location(r.TimeZone)
	if err != nil {
		return core.Utility{}, corrupt("utility", r.ID, err)
	}
	return core.Utility{
		ID: r.ID, Name: r.Name, Currency: cur, TaxRate: tax, Location: loc, DebtRecoveryRate: debt,
		ReversalWindow: time.Duration(r.ReversalWindowSeconds) * time.Second, MaxVendAmount: core.Money(r.MaxVendAmount),
	}, nil
}

func fromCoreSupplyGroup(g *core.SupplyGroup) supplyGroupRow {
	return supplyGroupRow{ID: g.ID, UtilityID: g.UtilityID, SGC: g.SGC.String(), KRN: int16(g.KRN), DKGA: int16(g.DKGA), Name: g.Name}
}

func fromCoreTariff(t *core.Tariff) (tariffRow, error) {
	blocks := make([]tariffBlockJSON, len(t.Blocks))
	for i, b := range t.Blocks {
		blocks[i] = tariffBlockJSON{UpTo: int64(b.UpTo), Price: b.Price.String()}
	}
	js, err := json.Marshal(blocks)
	if err != nil {
		return tariffRow{}, err
	}
	return tariffRow{ID: t.ID, UtilityID: t.UtilityID, Name: t.Name, Kind: string(t.Kind), Blocks: string(js),
		MonthlyFixedCharge: int64(t.MonthlyFixedCharge), FreeBasicEnergy: int64(t.FreeBasicEnergy)}, nil
}

func toCoreTariff(r tariffRow) (core.Tariff, error) {
	var blocks []tariffBlockJSON
	if err := json.Unmarshal([]byte(r.Blocks), &blocks); err != nil {
		return core.Tariff{}, corrupt("tariff", r.ID, err)
	}
	kind, err := core.ParseMeterKind(r.Kind)
	if err != nil {
		return core.Tariff{}, corrupt("tariff", r.ID, err)
	}
	t := core.Tariff{ID: r.ID, UtilityID: r.UtilityID, Name: r.Name, Kind: kind, Blocks: make([]core.TariffBlock, len(blocks)),
		MonthlyFixedCharge: core.Money(r.MonthlyFixedCharge), FreeBasicEnergy: core.Energy(r.FreeBasicEnergy)}
	for i, b := range blocks {
		price, err := decimal.NewFromString(b.Price)
		if err != nil {
			return core.Tariff{}, corrupt("tariff", r.ID, err)
		}
		t.Blocks[i] = core.TariffBlock{UpTo: core.Energy(b.UpTo), Price: price}
	}
	return t, nil
}

func fromCoreCustomer(c *core.Customer) customerRow {
	return customerRow{ID: c.ID, Name: c.Name, Address: c.Address, Phone: c.Phone, Language: c.Language, FreeBasic: c.FreeBasic}
}

func toCoreCustomer(r customerRow) core.Customer {
	return core.Customer{ID: r.ID, Name: r.Name, Address: r.Address, Phone: r.Phone, Language: r.Language, FreeBasic: r.FreeBasic}
}

// corrupt reports a row that does not convert to core's types: a bug or a hand-edited database.
func corrupt(what string, id int64, err error) error {
	return core.Internal(err, fmt.Sprintf("stored %s %d does not convert", what, id))
}

// Utility returns a utility with the parameters in effect now, or core.ErrNotFound.
func (db *DB) Utility(ctx context.Context, id int64) (core.Utility, error) {
	var r utilityRow
	if err := db.idb(ctx).NewSelect().Model(&r).Where("id = ?", id).Scan(ctx); err != nil {
		return core.Utility{}, dbError(err)
	}
	return db.toCoreUtilityAt(ctx, r, db.utc())
}

// SealedVendingKey returns a supply group's sealed vending key, or core.ErrNotFound.
func (db *DB) SealedVendingKey(ctx context.Context, sgc sts.SGC, krn uint8, dkga sts.DKGA) ([]byte, error) {
	var sealed []byte
	err := db.idb(ctx).NewSelect().Model((*supplyGroupRow)(nil)).Column("sealed_vending_key").
		Where("sgc = ? AND krn = ? AND dkga = ?", sgc.String(), int16(krn), int16(dkga)).
		Scan(ctx, &sealed)
	if err != nil {
		return nil, dbError(err)
	}
	return sealed, nil
}

// CreateUtility stores a utility and sets its ID.
func (db *DB) CreateUtility(ctx context.Context, u *core.Utility) error {
	if err := u.Validate(); err != nil {
		return err
	}
	r := fromCoreUtility(u)
	r.RecordVersion = 1
	if _, err := db.location(r.TimeZone); err != nil {
		return core.Errorf(core.CodeInvalid, core.ReasonInvalidTimeZone, "utility %q: unknown time zone %q", u.Name, r.TimeZone)
	}
	if _, err := db.idb(ctx).NewInsert().Model(&r).Exec(ctx); err != nil {
		return dbError(err)
	}
	u.ID = r.ID
	return nil
}

// CreateSupplyGroup stores a supply group with its vending key, sealed (core.Sealer), and sets
// its ID. A second group with the same SGC, KRN and DKGA is core.ErrDuplicate.
func (db *DB) CreateSupplyGroup(ctx context.Context, g *core.SupplyGroup, sealedKey []byte) error {
	if len(sealedKey) == 0 {
		return core.Errorf(core.CodeInvalid, core.ReasonInvalidSupplyGroup, "supply group %s: the sealed vending key is required", g.SGC)
	}
	if err := core.CheckSupplyGroup(g); err != nil {
		return err
	}
	r := fromCoreSupplyGroup(g)
	if _, err := db.idb(ctx).NewInsert().Model(&r).Value("sealed_vending_key", "?", sealedKey).Exec(ctx); err != nil {
		return dbError(err)
	}
	g.ID = r.ID
	return nil
}

// CreateTariff validates and stores a tariff, and sets its ID. An empty kind is electricity.
func (db *DB) CreateTariff(ctx context.Context, t *core.Tariff) error {
	if t.Kind == "" {
		t.Kind = core.Electricity
	}
	if err := t.Validate(); err != nil {
		return err
	}
	r, err := fromCoreTariff(t)
	if err != nil {
		return err
	}
	if _, err := db.idb(ctx).NewInsert().Model(&r).Exec(ctx); err != nil {
		return dbError(err)
	}
	t.ID = r.ID
	return nil
}

// CreateCustomer stores a customer of no utility and sets its ID.
func (db *DB) CreateCustomer(ctx context.Context, c *core.Customer) error {
	r := fromCoreCustomer(c)
	r.RecordVersion = 1
	if _, err := db.idb(ctx).NewInsert().Model(&r).Exec(ctx); err != nil {
		return dbError(err)
	}
	c.ID = r.ID
	return nil
}

// SupplyGroup returns a supply group (without its vending key), or core.ErrNotFound.
func (db *DB) SupplyGroup(ctx context.Context, id int64) (core.SupplyGroup, error) {
	var r supplyGroupRow
	if err := db.idb(ctx).NewSelect().Model(&r).Where("sg.id = ?", id).Scan(ctx); err != nil {
		return core.SupplyGroup{}, dbError(err)
	}
	sgc, err := sts.ParseSGC(r.SGC)
	if err != nil {
		return core.SupplyGroup{}, corrupt("supply group", r.ID, err)
	}
	return core.SupplyGroup{ID: r.ID, UtilityID: r.UtilityID, SGC: sgc, KRN: uint8(r.KRN), DKGA: sts.DKGA(r.DKGA), Name: r.Name}, nil
}
