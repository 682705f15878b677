package load

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/vendgate/vendgate/config"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/internal/demo"
	"github.com/vendgate/vendgate/store"
	"github.com/vendgate/vendgate/sts"
)

// benchSeedOptions validates the seeding flags and loads the store's configuration as serve does
// (defaults < --config file < VENDGATE_* environment < flags), so that both open the same
// database with the same master key.
func benchSeedOptions(agents, meters int, agentsFile, cfgFile string, storeFlags map[string]*string, set map[string]bool,
	environ []string) (benchSeed, error) {
	switch {
	case agents < 1 || agents > benchMaxSeedAgents:
		return benchSeed{}, fmt.Errorf("--seed-agents: want 1 to %d", benchMaxSeedAgents)
	case meters < 1 || meters > benchMaxSeedMeters:
		return benchSeed{}, fmt.Errorf("--seed-meters: want 1 to %d", benchMaxSeedMeters)
	case agentsFile == "":
		return benchSeed{}, errors.New("--agents-file: the file to write the seeded agents' API keys to is required")
	}
	flags := map[string]any{}
	for name, v := range storeFlags {
		if set[name] {
			flags[strings.ReplaceAll(name, "-", "_")] = *v
		}
	}
	cfg, err := config.Load(cfgFile, environ, flags)
	if err != nil {
		return benchSeed{}, fmt.Errorf("configuration:\n%v", err)
	}
	return benchSeed{agents: agents, meters: meters, cfg: cfg}, nil
}

// seedBench fills an empty database with what a load run needs: a utility, a supply group with
// the published DKGA04 test vending key (demo.VK04) sealed under the server's master key, the
// demo's stepped tariff, one customer per meter, the meters, and agents with a large float and an
// API key each, the demo bank (institution 999999) with as much float for isoload, and
// the demo telco (SMS short code 40404, replies on the configured SMPP bind) with as much float for
// the SMS load command. Every agent may sell to every meter; the agents file lists them all, the
// telco last.
func seedBench(ctx context.Context, s benchSeed) ([]Agent, error) {
	db, sealer, err := openLoadStore(ctx, s.cfg)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if empty, err := db.Empty(ctx); err != nil {
		return nil, err
	} else if !empty {
		return nil, errors.New("the database is not empty: seed a new one")
	}
	u, tariff, err := demo.Utility(ctx, db, "Bench Power")
	if err != nil {
		return nil, err
	}
	const sgc sts.SGC = 123457
	vk, _ := hex.DecodeString(demo.VK04)
	group := &core.SupplyGroup{UtilityID: u.ID, SGC: sgc, KRN: 1, DKGA: sts.DKGA04, Name: "Bench DKGA04"}
	if err := core.ImportVendingKey(ctx, db, sealer, group, vk); err != nil {
		return nil, err
	}
	numbers := make([]string, 0, s.meters)
	for i := range s.meters {
		number := demo.DRN(fmt.Sprintf("07%08d", i+1))
		c := &core.Customer{Name: fmt.Sprintf("Bench customer %d", i+1), Address: "1 Load Street", Language: "en"}
		if err := db.CreateCustomer(ctx, c); err != nil {
			return nil, err
		}
		pan, err := sts.NewPAN(sts.IIN, number)
		if err != nil {
			return nil, err
		}
		key := core.MeterKey{PAN: pan, SGC: sgc, KRN: 1, KT: sts.KeyTypeUnique, TI: 1, DKGA: sts.DKGA04, EA: sts.EA11,
			BaseDate: sts.BaseDate2014, KEN: sts.NoExpiry}
		m := &core.Meter{Number: number, Kind: core.Electricity, Status: core.MeterActive, Key: key,
			SupplyGroupID: group.ID, CustomerID: c.ID, TariffID: tariff.ID}
		if err := db.CreateMeter(ctx, m, 0); err != nil {
			return nil, fmt.Errorf("meter %s: %w", number, err)
		}
		numbers = append(numbers, number)
	}
	out := make([]Agent, 0, s.agents)
	for i := range s.agents {
		a := &core.Agent{UtilityID: u.ID, Name: fmt.Sprintf("Bench agent %d", i+1), Kind: core.AgentRetail,
			CommissionRate: decimal.RequireFromString("0.02"), Active: true}
		if err := db.CreateAgent(ctx, a); err != nil {
			return nil, err
		}
		if _, err := db.TopUp(ctx, a.ID, benchSeedFloat, "bench float"); err != nil {
			return nil, err
		}
		key, hash, err := core.NewAPIKey()
		if err != nil {
			return nil, err
		}
		if _, err := db.IssueAPIKey(ctx, a.ID, hash, "bench"); err != nil {
			return nil, err
		}
		out = append(out, Agent{APIKey: key, Meters: numbers})
	}
	// The bank that isoload signs on as: institution 999999, from loopback.
	if _, err := demo.SeedBank(ctx, db, u.ID, benchSeedFloat); err != nil {
		return nil, err
	}
	// The operator whose SMSC testkit/cmd/smsload plays: customers text 40404.
	telco, err := demo.SeedTelco(ctx, db, u.ID, s.cfg.DefaultRoute(), benchSeedFloat)
	if err != nil {
		return nil, err
	}
	return append(out, Agent{ShortCode: telco.ShortCode, Route: telco.Route, Meters: numbers}), nil
}

// openLoadStore opens the configured database as the server does: migrated, with the master key
// (the embedded default's is created) tested against the database's check value.
func openLoadStore(ctx context.Context, cfg config.Config) (*store.DB, *core.Sealer, error) {
	master, _, err := cfg.MasterKeyBytes()
	if err != nil {
		return nil, nil, err
	}
	sealer, err := core.NewSealer(master)
	clear(master)
	if err != nil {
		return nil, nil, err
	}
	db, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return nil, nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, nil, err
	}
	if err := core.CheckMasterKey(ctx, db, sealer); err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("the master key in %s: %w", cfg.MasterKeySource(), err)
	}
	return db, sealer, nil
}
