package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vendgate/vendgate/config"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
	"github.com/vendgate/vendgate/sts"
)

// adminCommand is one `vendgate admin OBJECT VERB`: it registers its flags, then does its work
// and returns what to print as one JSON object.
type adminCommand func(fs *flag.FlagSet) func(ctx context.Context, a *adminEnv) (any, error)

// adminEnv is what an admin command works with.
type adminEnv struct {
	db     *store.DB
	sealer *core.Sealer
}

// vendor is the vending core over the admin's store, as the server wires it.
func (a *adminEnv) vendor() *core.Vendor {
	return newVendor(a.db, a.sealer, time.Now, 0)
}

// usageError is a bad flag: exit 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

var adminCommands = map[string]adminCommand{
	"utility create":           adminUtilityCreate,
	"supply-group create":      adminSupplyGroupCreate,
	"tariff create":            adminTariffCreate,
	"customer create":          adminCustomerCreate,
	"meter create":             adminMeterCreate,
	"meter key-change":         adminMeterKeyChange,
	"meter confirm-key-change": adminMeterConfirm,
	"meter set-status":         adminMeterSetStatus,
	"agent create":             adminAgentCreate,
	"agent top-up":             adminAgentTopUp,
	"agent api-key issue":      adminAPIKeyIssue,
	"agent api-key revoke":     adminAPIKeyRevoke,
	"institution create":       adminInstitutionCreate,
	"ledger check":             adminLedgerCheck,
	"vend reverse":             adminVendReverse,
	"vend reversed":            adminVendReversed,
	"replies list":             adminRepliesList,
	"replies resend":           adminRepliesResend,
	"service-code create":      adminServiceCodeCreate,
	"service-code list":        adminServiceCodeList,
}

func adminUsage() string {
	names := make([]string, 0, len(adminCommands))
	for n := range adminCommands {
		names = append(names, "vendgate admin "+n)
	}
	sort.Strings(names)
	return "usage:\n  " + strings.Join(names, "\n  ") +
		"\nwith --config, --data-dir, --database-url, --master-key-file as for serve"
}

// runAdmin sets up what the server sells: every success prints one JSON object; a usage error
// exits 2 with one line naming the flag, a refusal or failure exits 1.
func runAdmin(ctx context.Context, args, environ []string, stdout, stderr io.Writer) int {
	var (
		cmd  adminCommand
		name string
	)
	for n := 3; n >= 2 && cmd == nil; n-- {
		if len(args) >= n {
			name = strings.Join(args[:n], " ")
			if c, ok := adminCommands[name]; ok {
				cmd, args = c, args[n:]
			}
		}
	}
	if cmd == nil {
		fmt.Fprintln(stderr, adminUsage())
		return 2
	}
	fs := flag.NewFlagSet("vendgate admin "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfgFile := fs.String("config", "", "")
	cfgFlags := map[string]*string{}
	for _, f := range []string{"data-dir", "database-url", "master-key-file"} {
		cfgFlags[f] = fs.String(f, "", "")
	}
	do := cmd(fs)
	if err := fs.Parse(args); err != nil {
		fmt.Fprintf(stderr, "vendgate admin %s: %v\n", name, err)
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "vendgate admin %s: unexpected argument %q\n", name, fs.Arg(0))
		return 2
	}
	overrides := map[string]any{}
	fs.Visit(func(f *flag.Flag) {
		if p, ok := cfgFlags[f.Name]; ok {
			overrides[underscore(f.Name)] = *p
		}
	})
	cfg, err := config.Load(*cfgFile, environ, overrides)
	if err != nil {
		fmt.Fprintf(stderr, "vendgate admin: configuration: %v\n", strings.ReplaceAll(err.Error(), "\n", "; "))
		return 2
	}
	out, err := adminRun(ctx, cfg, do)
	var ue usageError
	switch {
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "vendgate admin %s: %s\n", name, ue.msg)
		return 2
	case err != nil:
		fmt.Fprintf(stderr, "vendgate admin %s: %s\n", name, core.AsError(err).Message)
		return 1
	}
	raw, _ := json.Marshal(out)
	fmt.Fprintf(stdout, "%s\n", raw)
	if r, ok := out.(ledgerReport); ok && len(r.Differences) > 0 {
		return 1
	}
	return 0
}

func adminRun(ctx context.Context, cfg config.Config, do func(context.Context, *adminEnv) (any, error)) (any, error) {
	db, sealer, _, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return do(ctx, &adminEnv{db: db, sealer: sealer})
}

// Flag value parsers: each names its flag in its error.

func required(name, v string) error {
	if v == "" {
		return usagef("--%s: required", name)
	}
	return nil
}

func parseDecimal(name, v string) (decimal.Decimal, error) {
	d, err := decimal.NewFromString(v)
	if err != nil || d.IsNegative() {
		return decimal.Decimal{}, usagef("--%s: %q is not a non-negative decimal", name, v)
	}
	return d, nil
}

func parseInt(name, v string, lo, hi int64) (int64, error) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < lo || n > hi {
		return 0, usagef("--%s: %q is not a whole number from %d to %d", name, v, lo, hi)
	}
	return n, nil
}

// utilityJSON and the other *JSON types are what admin commands print.
type utilityJSON struct {
	ID               int64  `json:"id"`
	Name             string `json:"name"`
	Currency         string `json:"currency"`
	TaxRate          string `json:"tax_rate"`
	TimeZone         string `json:"time_zone"`
	DebtRecoveryRate string `json:"debt_recovery_rate"`
	ReversalWindow   string `json:"reversal_window"`
}

func adminUtilityCreate(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	name := fs.String("name", "", "")
	currency := fs.String("currency", "", "")
	tax := fs.String("tax-rate", "", "")
	tz := fs.String("time-zone", "UTC", "")
	debt := fs.String("debt-recovery-rate", "0", "")
	window := fs.String("reversal-window", "24h", "")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		for _, r := range [][2]string{{"name", *name}, {"currency", *currency}, {"tax-rate", *tax}} {
			if err := required(r[0], r[1]); err != nil {
				return nil, err
			}
		}
		cur, err := core.ParseCurrency(*currency)
		if err != nil {
			return nil, usagef("--currency: %q is not a supported ISO 4217 code", *currency)
		}
		u := &core.Utility{Name: *name, Currency: cur}
		if u.TaxRate, err = parseDecimal("tax-rate", *tax); err != nil {
			return nil, err
		}
		if u.DebtRecoveryRate, err = parseDecimal("debt-recovery-rate", *debt); err != nil {
			return nil, err
		}
		if u.Location, err = time.LoadLocation(*tz); err != nil {
			return nil, usagef("--time-zone: %q is not a time zone", *tz)
		}
		if u.ReversalWindow, err = time.ParseDuration(*window); err != nil || u.ReversalWindow < 0 {
			return nil, usagef("--reversal-window: %q is not a duration such as 24h", *window)
		}
		if err := a.db.CreateUtility(ctx, u); err != nil {
			return nil, err
		}
		return utilityJSON{ID: u.ID, Name: u.Name, Currency: cur.Code, TaxRate: u.TaxRate.String(), TimeZone: *tz,
			DebtRecoveryRate: u.DebtRecoveryRate.String(), ReversalWindow: u.ReversalWindow.String()}, nil
	}
}

type supplyGroupJSON struct {
	ID        int64  `json:"id"`
	UtilityID int64  `json:"utility_id"`
	SGC       string `json:"sgc"`
	KRN       uint8  `json:"krn"`
	DKGA      string `json:"dkga"`
	Name      string `json:"name"`
}

// adminSupplyGroupCreate imports a vending key: from a file or an environment variable, never a
// flag value (command lines show in process lists). It is sealed under the master key and never
// printed.
func adminSupplyGroupCreate(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	utility := fs.Int64("utility", 0, "")
	sgcFlag := fs.String("sgc", "", "")
	krn := fs.Int("krn", 1, "")
	dkgaFlag := fs.String("dkga", "", "")
	name := fs.String("name", "", "")
	keyFile := fs.String("vending-key-file", "", "")
	keyEnv := fs.String("vending-key-env", "", "")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if *utility <= 0 {
			return nil, usagef("--utility: required")
		}
		sgc, err := sts.ParseSGC(*sgcFlag)
		if err != nil {
			return nil, usagef("--sgc: %q is not 6 digits", *sgcFlag)
		}
		if *krn < 1 || *krn > 15 {
			return nil, usagef("--krn: %d is not 1..15", *krn)
		}
		dkga, err := sts.ParseDKGA(*dkgaFlag)
		if err != nil {
			return nil, usagef("--dkga: %q is not 02 or 04", *dkgaFlag)
		}
		var text string
		switch {
		case (*keyFile == "") == (*keyEnv == ""):
			return nil, usagef("--vending-key-file or --vending-key-env: give exactly one")
		case *keyFile != "":
			raw, err := os.ReadFile(*keyFile)
			if err != nil {
				return nil, usagef("--vending-key-file: %v", err)
			}
			text = string(raw)
		default:
			text = os.Getenv(*keyEnv)
		}
		vk, err := hex.DecodeString(strings.TrimSpace(text))
		if err != nil {
			return nil, usagef("the vending key is not hex")
		}
		defer clear(vk)
		if len(vk) != dkga.VendingKeySize() {
			return nil, usagef("the vending key is %d bytes; DKGA%s takes %d", len(vk), dkga, dkga.VendingKeySize())
		}
		sealed, err := a.sealer.Seal(vk, sgc, uint8(*krn), dkga)
		if err != nil {
			return nil, err
		}
		g := &core.SupplyGroup{UtilityID: *utility, SGC: sgc, KRN: uint8(*krn), DKGA: dkga, Name: *name}
		if err := a.db.CreateSupplyGroup(ctx, g, sealed); err != nil {
			return nil, err
		}
		return supplyGroupJSON{ID: g.ID, UtilityID: g.UtilityID, SGC: sgc.String(), KRN: g.KRN, DKGA: dkga.String(), Name: g.Name}, nil
	}
}

// blockList collects repeated --block UPTO:PRICE flags (UPTO in the tariff kind's unit).
type blockList []string

func (b *blockList) String() string     { return strings.Join(*b, ",") }
func (b *blockList) Set(v string) error { *b = append(*b, v); return nil }

type tariffJSON struct {
	ID                 int64             `json:"id"`
	Name               string            `json:"name"`
	Kind               string            `json:"kind"`
	Unit               string            `json:"unit"`
	Blocks             []tariffBlockJSON `json:"blocks"`
	MonthlyFixedCharge int64             `json:"monthly_fixed_charge"`
	FreeBasic          string            `json:"free_basic"`
}

// tariffBlockJSON is a price block; its bound and price are in the tariff's unit.
type tariffBlockJSON struct {
	UpTo  string `json:"up_to,omitempty"`
	Price string `json:"price_minor_per_unit"`
}

func adminTariffCreate(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	utility := fs.Int64("utility", 0, "")
	name := fs.String("name", "", "")
	kindFlag := fs.String("kind", string(core.Electricity), "")
	fixed := fs.String("monthly-fixed-charge", "0", "")
	free := fs.String("free-basic", "0", "")
	var blocks blockList
	fs.Var(&blocks, "block", "")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if *utility <= 0 {
			return nil, usagef("--utility: required")
		}
		kind, err := core.ParseMeterKind(*kindFlag)
		if err != nil {
			return nil, usagef("--kind: %q is not electricity, water or gas", *kindFlag)
		}
		unit := kind.Unit()
		if len(blocks) == 0 {
			return nil, usagef("--block: at least one UPTO:PRICE in %s (the last with UPTO '-')", unit)
		}
		fc, err := parseInt("monthly-fixed-charge", *fixed, 0, 1<<40)
		if err != nil {
			return nil, err
		}
		fbe, err := sts.ParseTenths(*free)
		if err != nil {
			return nil, usagef("--free-basic: %q is not %s with at most one decimal", *free, unit)
		}
		t := &core.Tariff{UtilityID: *utility, Name: *name, Kind: kind, MonthlyFixedCharge: core.Money(fc), FreeBasicEnergy: core.Energy(fbe)}
		out := tariffJSON{Name: *name, Kind: string(kind), Unit: unit, MonthlyFixedCharge: fc, FreeBasic: kind.Format(t.FreeBasicEnergy)}
		for _, b := range blocks {
			upTo, price, ok := strings.Cut(b, ":")
			p, err := decimal.NewFromString(price)
			if !ok || err != nil {
				return nil, usagef("--block: %q is not UPTO:PRICE", b)
			}
			var e uint64
			if upTo != "-" {
				if e, err = sts.ParseTenths(upTo); err != nil || e == 0 {
					return nil, usagef("--block: %q: the bound is not %s with at most one decimal", b, unit)
				}
			}
			t.Blocks = append(t.Blocks, core.TariffBlock{UpTo: core.Energy(e), Price: p})
			bj := tariffBlockJSON{Price: p.String()}
			if e > 0 {
				bj.UpTo = kind.Format(core.Energy(e))
			}
			out.Blocks = append(out.Blocks, bj)
		}
		if err := t.Validate(); err != nil {
			return nil, usagef("--block: %s", core.AsError(err).Message)
		}
		if err := a.db.CreateTariff(ctx, t); err != nil {
			return nil, err
		}
		out.ID = t.ID
		return out, nil
	}
}

type customerJSON struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	Address   string `json:"address,omitempty"`
	Phone     string `json:"phone,omitempty"`
	Language  string `json:"language"`
	FreeBasic bool   `json:"free_basic"`
}

func adminCustomerCreate(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	name := fs.String("name", "", "")
	address := fs.String("address", "", "")
	phone := fs.String("phone", "", "")
	lang := fs.String("language", "en", "")
	fbe := fs.Bool("free-basic", false, "")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if err := required("name", *name); err != nil {
			return nil, err
		}
		c := &core.Customer{Name: *name, Address: *address, Phone: *phone, Language: *lang, FreeBasic: *fbe}
		if err := a.db.CreateCustomer(ctx, c); err != nil {
			return nil, err
		}
		return customerJSON{ID: c.ID, Name: c.Name, Address: c.Address, Phone: c.Phone, Language: c.Language, FreeBasic: c.FreeBasic}, nil
	}
}

type meterJSON struct {
	ID              int64    `json:"id"`
	Number          string   `json:"number"`
	Kind            string   `json:"kind"`
	Status          string   `json:"status"`
	Key             keyJSON  `json:"key"`
	PendingKey      *keyJSON `json:"pending_key,omitempty"`
	PendingRollover bool     `json:"pending_rollover,omitempty"`
}

type keyJSON struct {
	PAN      string `json:"pan"`
	SGC      string `json:"sgc"`
	KRN      uint8  `json:"krn"`
	KT       uint8  `json:"kt"`
	TI       string `json:"ti"`
	DKGA     string `json:"dkga"`
	EA       string `json:"ea"`
	BaseDate string `json:"base_date"`
	KEN      uint8  `json:"ken"`
}

func toKeyJSON(k core.MeterKey) keyJSON {
	return keyJSON{PAN: k.PAN.String(), SGC: k.SGC.String(), KRN: k.KRN, KT: uint8(k.KT), TI: fmt.Sprintf("%02d", k.TI),
		DKGA: k.DKGA.String(), EA: k.EA.String(), BaseDate: k.BaseDate.String(), KEN: uint8(k.KEN)}
}

func toMeterJSON(m core.Meter) meterJSON {
	out := meterJSON{ID: m.ID, Number: m.Number, Kind: string(m.Kind), Status: string(m.Status), Key: toKeyJSON(m.Key),
		PendingRollover: m.PendingRollover}
	if m.PendingKey != nil {
		k := toKeyJSON(*m.PendingKey)
		out.PendingKey = &k
	}
	return out
}

// keyFlags are the flags that describe a meter key within a supply group.
type keyFlags struct {
	group          *int64
	kt, ti, ea, bd *string
	ken            *int
}

func registerKeyFlags(fs *flag.FlagSet) keyFlags {
	return keyFlags{group: fs.Int64("supply-group", 0, ""), kt: fs.String("kt", "2", ""), ti: fs.String("ti", "", ""),
		ea: fs.String("ea", "07", ""), bd: fs.String("base-date", "2014", ""), ken: fs.Int("ken", 255, "")}
}

// key builds the key of meter number in the flags' supply group (its SGC, KRN and DKGA).
func (f keyFlags) key(ctx context.Context, db *store.DB, number string) (core.MeterKey, error) {
	if *f.group <= 0 {
		return core.MeterKey{}, usagef("--supply-group: required")
	}
	kt, err := parseInt("kt", *f.kt, 1, 3)
	if err != nil {
		return core.MeterKey{}, err
	}
	ti, err := parseInt("ti", *f.ti, 0, 99)
	if err != nil {
		return core.MeterKey{}, err
	}
	ea, err := sts.ParseEA(*f.ea)
	if err != nil || ea == sts.EA09 {
		return core.MeterKey{}, usagef("--ea: %q is not 07 or 11", *f.ea)
	}
	bd, err := sts.ParseBaseDate(*f.bd)
	if err != nil {
		return core.MeterKey{}, usagef("--base-date: %q is not 1993, 2014 or 2035", *f.bd)
	}
	if *f.ken < 0 || *f.ken > 255 {
		return core.MeterKey{}, usagef("--ken: %d is not 0..255", *f.ken)
	}
	iin := sts.IIN
	if len(number) == 13 {
		iin = sts.LegacyIIN
	}
	pan, err := sts.NewPAN(iin, number)
	if err != nil {
		return core.MeterKey{}, usagef("--number: %s", strings.TrimPrefix(err.Error(), "sts: "))
	}
	g, err := db.SupplyGroup(ctx, *f.group)
	if errors.Is(err, core.ErrNotFound) {
		return core.MeterKey{}, usagef("--supply-group: no supply group %d", *f.group)
	}
	if err != nil {
		return core.MeterKey{}, err
	}
	return core.MeterKey{PAN: pan, SGC: g.SGC, KRN: g.KRN, KT: sts.KeyType(kt), TI: uint8(ti), DKGA: g.DKGA, EA: ea,
		BaseDate: bd, KEN: sts.KEN(*f.ken)}, nil
}

func adminMeterCreate(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	number := fs.String("number", "", "")
	customer := fs.Int64("customer", 0, "")
	tariff := fs.Int64("tariff", 0, "")
	kind := fs.String("kind", string(core.Electricity), "")
	arrears := fs.String("arrears", "0", "")
	kf := registerKeyFlags(fs)
	return func(ctx context.Context, a *adminEnv) (any, error) {
		switch {
		case *number == "":
			return nil, usagef("--number: required")
		case *customer <= 0:
			return nil, usagef("--customer: required")
		case *tariff <= 0:
			return nil, usagef("--tariff: required")
		}
		switch core.MeterKind(*kind) {
		case core.Electricity, core.Water, core.Gas:
		default:
			return nil, usagef("--kind: %q is not electricity, water or gas", *kind)
		}
		arr, err := parseInt("arrears", *arrears, 0, 1<<40)
		if err != nil {
			return nil, err
		}
		key, err := kf.key(ctx, a.db, *number)
		if err != nil {
			return nil, err
		}
		m := &core.Meter{Number: *number, Kind: core.MeterKind(*kind), Status: core.MeterActive, Key: key,
			SupplyGroupID: *kf.group, CustomerID: *customer, TariffID: *tariff}
		if err := a.db.CreateMeter(ctx, m, core.Money(arr)); err != nil {
			return nil, err
		}
		return toMeterJSON(*m), nil
	}
}

// meterByNumber finds a meter for the key change commands.
func meterByNumber(ctx context.Context, db *store.DB, number string) (core.Meter, error) {
	if number == "" {
		return core.Meter{}, usagef("--number: required")
	}
	v, err := db.MeterByNumber(ctx, number)
	if errors.Is(err, core.ErrNotFound) {
		return core.Meter{}, core.Errorf(core.CodeNotFound, "meter_not_found", "meter %s is not registered", number)
	}
	return v.Meter, err
}

func adminMeterKeyChange(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	number := fs.String("number", "", "")
	rollover := fs.Bool("rollover", false, "")
	kf := registerKeyFlags(fs)
	return func(ctx context.Context, a *adminEnv) (any, error) {
		m, err := meterByNumber(ctx, a.db, *number)
		if err != nil {
			return nil, err
		}
		key, err := kf.key(ctx, a.db, *number)
		if err != nil {
			return nil, err
		}
		if err := a.db.SetPendingKeyChange(ctx, m.ID, &key, *rollover); err != nil {
			return nil, err
		}
		m, err = meterByNumber(ctx, a.db, *number)
		if err != nil {
			return nil, err
		}
		return toMeterJSON(m), nil
	}
}

func adminMeterConfirm(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	number := fs.String("number", "", "")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		m, err := meterByNumber(ctx, a.db, *number)
		if err != nil {
			return nil, err
		}
		if err := a.db.ConfirmKeyChange(ctx, m.ID); err != nil {
			return nil, err
		}
		m, err = meterByNumber(ctx, a.db, *number)
		if err != nil {
			return nil, err
		}
		return toMeterJSON(m), nil
	}
}

// adminMeterSetStatus blocks, unblocks or decommissions a meter.
func adminMeterSetStatus(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	number := fs.String("number", "", "")
	status := fs.String("status", "", "")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		switch st := core.MeterStatus(*status); st {
		case core.MeterActive, core.MeterBlocked, core.MeterDecommissioned:
		default:
			return nil, usagef("--status: %q is not active, blocked or decommissioned", *status)
		}
		m, err := meterByNumber(ctx, a.db, *number)
		if err != nil {
			return nil, err
		}
		if err := a.db.SetMeterStatus(ctx, m.ID, core.MeterStatus(*status)); err != nil {
			return nil, err
		}
		m, err = meterByNumber(ctx, a.db, *number)
		if err != nil {
			return nil, err
		}
		return toMeterJSON(m), nil
	}
}

type agentJSON struct {
	ID             int64  `json:"id"`
	UtilityID      int64  `json:"utility_id"`
	Name           string `json:"name"`
	Kind           string `json:"kind"`
	Balance        int64  `json:"balance"`
	CreditLimit    int64  `json:"credit_limit"`
	CommissionRate string `json:"commission_rate"`
}

func adminAgentCreate(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	utility := fs.Int64("utility", 0, "")
	name := fs.String("name", "", "")
	kind := fs.String("kind", string(core.AgentRetail), "")
	limit := fs.String("credit-limit", "0", "")
	rate := fs.String("commission-rate", "0", "")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if *utility <= 0 {
			return nil, usagef("--utility: required")
		}
		if err := required("name", *name); err != nil {
			return nil, err
		}
		switch core.AgentKind(*kind) {
		case core.AgentRetail, core.AgentBank, core.AgentTelco:
		default:
			return nil, usagef("--kind: %q is not agent, bank or telco", *kind)
		}
		cl, err := parseInt("credit-limit", *limit, 0, 1<<50)
		if err != nil {
			return nil, err
		}
		cr, err := parseDecimal("commission-rate", *rate)
		if err != nil || cr.GreaterThanOrEqual(decimal.NewFromInt(1)) {
			return nil, usagef("--commission-rate: %q is not a rate from 0 to below 1", *rate)
		}
		ag := &core.Agent{UtilityID: *utility, Name: *name, Kind: core.AgentKind(*kind), CreditLimit: core.Money(cl), CommissionRate: cr, Active: true}
		if err := a.db.CreateAgent(ctx, ag); err != nil {
			return nil, err
		}
		return agentJSON{ID: ag.ID, UtilityID: ag.UtilityID, Name: ag.Name, Kind: *kind, CreditLimit: cl, CommissionRate: cr.String()}, nil
	}
}

// institutionJSON is an ISO 8583 institution as admin prints it.
type institutionJSON struct {
	Code    string   `json:"code"`
	Name    string   `json:"name"`
	AgentID int64    `json:"agent_id"`
	Allowed []string `json:"allowed"`
}

// adminInstitutionCreate lets a bank connect over ISO 8583: its acquiring institution id (field
// 32), the bank agent it sells from and the networks it connects from.
func adminInstitutionCreate(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	code := fs.String("code", "", "")
	agent := fs.Int64("agent", 0, "")
	name := fs.String("name", "", "")
	allow := fs.String("allow", "", "")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if *agent <= 0 {
			return nil, usagef("--agent: required (an agent of kind bank)")
		}
		if err := core.CheckInstitutionCode(*code); err != nil {
			return nil, usagef("--code: %s", core.AsError(err).Message)
		}
		nets, err := core.ParseNetworks(*allow)
		if err != nil || len(nets) == 0 {
			return nil, usagef("--allow: want addresses or CIDR networks separated by commas, e.g. 127.0.0.1,10.0.0.0/8")
		}
		in := core.Institution{Code: *code, Name: *name, AgentID: *agent, Allowed: nets, Active: true}
		if err := a.db.CreateInstitution(ctx, in); err != nil {
			return nil, err
		}
		stored, err := a.db.InstitutionByCode(ctx, *code)
		if err != nil {
			return nil, err
		}
		return toInstitutionJSON(stored), nil
	}
}

func toInstitutionJSON(in core.Institution) institutionJSON {
	out := institutionJSON{Code: in.Code, Name: in.Name, AgentID: in.AgentID, Allowed: make([]string, len(in.Allowed))}
	for i, p := range in.Allowed {
		out.Allowed[i] = p.String()
	}
	return out
}

func adminAgentTopUp(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	agent := fs.Int64("agent", 0, "")
	amount := fs.String("amount", "", "")
	memo := fs.String("memo", "float top-up", "")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if *agent <= 0 {
			return nil, usagef("--agent: required")
		}
		amt, err := parseInt("amount", *amount, 1, 1<<50)
		if err != nil {
			return nil, err
		}
		bal, err := a.db.TopUp(ctx, *agent, core.Money(amt), *memo)
		if err != nil {
			return nil, err
		}
		return map[string]int64{"agent_id": *agent, "amount": amt, "balance": int64(bal)}, nil
	}
}

type apiKeyJSON struct {
	ID      int64  `json:"id"`
	AgentID int64  `json:"agent_id"`
	Label   string `json:"label"`
	// Key is shown once, here; only its hash is stored.
	Key string `json:"api_key"`
}

func adminAPIKeyIssue(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	agent := fs.Int64("agent", 0, "")
	label := fs.String("label", "", "")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if *agent <= 0 {
			return nil, usagef("--agent: required")
		}
		key, hash, err := core.NewAPIKey()
		if err != nil {
			return nil, err
		}
		id, err := a.db.IssueAPIKey(ctx, *agent, hash, *label)
		if err != nil {
			return nil, err
		}
		return apiKeyJSON{ID: id, AgentID: *agent, Label: *label, Key: key}, nil
	}
}

func adminAPIKeyRevoke(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	id := fs.Int64("id", 0, "")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if *id <= 0 {
			return nil, usagef("--id: required")
		}
		if err := a.db.RevokeAPIKey(ctx, *id); err != nil {
			return nil, err
		}
		return map[string]any{"id": *id, "revoked": true}, nil
	}
}

// adminVendReverse is an operator's reversal: any agent's vend, at any time (an agent may reverse
// only within its utility's window), with the reason kept on the vend.
func adminVendReverse(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	id := fs.Int64("id", 0, "")
	reason := fs.String("reason", "", "")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if *id <= 0 {
			return nil, usagef("--id: required")
		}
		if strings.TrimSpace(*reason) == "" {
			return nil, usagef("--reason: required (why the vend is reversed; kept with it)")
		}
		v, err := a.vendor().Reverse(ctx, core.ReversalRequest{VendID: *id, Reason: *reason})
		if err != nil {
			return nil, err
		}
		return reversedVendJSON(v), nil
	}
}

// adminVendReversed lists reversed vends, newest first: the exception list an operator checks
// (who reversed what, when and why).
func adminVendReversed(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	agent := fs.Int64("agent", 0, "")
	since := fs.String("since", "", "")
	limit := fs.Int("limit", 100, "")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		q := core.VendQuery{AgentID: *agent, Status: core.VendReversed, Limit: *limit}
		if *since != "" {
			t, err := time.Parse(time.DateOnly, *since)
			if err != nil {
				return nil, usagef("--since %q: a date, YYYY-MM-DD", *since)
			}
			q.From = t
		}
		if *limit < 1 || *limit > core.MaxVendQueryLimit {
			return nil, usagef("--limit: 1 to %d", core.MaxVendQueryLimit)
		}
		vends, err := a.db.FindVends(ctx, q)
		if err != nil {
			return nil, err
		}
		out := make([]map[string]any, len(vends))
		for i, v := range vends {
			out[i] = reversedVendJSON(v)
		}
		return map[string]any{"count": len(out), "vends": out}, nil
	}
}

func reversedVendJSON(v *core.Vend) map[string]any {
	return map[string]any{"id": v.ID, "reference": v.Reference, "status": v.Status, "agent_id": v.AgentID,
		"channel": v.Channel, "meter_number": v.MeterNumber, "paid": v.Breakdown.Paid, "currency": v.Currency.Code,
		"sold_at": v.CreatedAt.Format(time.RFC3339), "reversed_at": v.ReversedAt.Format(time.RFC3339),
		"reversed_by": v.ReversedBy, "reason": v.ReversalReason}
}

type ledgerReport struct {
	Agents      int              `json:"agents"`
	Differences []ledgerMismatch `json:"differences"`
}

type ledgerMismatch struct {
	AgentID int64 `json:"agent_id"`
	Balance int64 `json:"balance"`
	Ledger  int64 `json:"ledger"`
}

// adminLedgerCheck recomputes every agent's balance from the ledger; a difference exits 1.
func adminLedgerCheck(*flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	return func(ctx context.Context, a *adminEnv) (any, error) {
		balances, err := a.db.AgentBalances(ctx)
		if err != nil {
			return nil, err
		}
		r := ledgerReport{Agents: len(balances), Differences: []ledgerMismatch{}}
		for id, bal := range balances {
			sum, err := a.db.AccountBalance(ctx, core.AgentAccount(id))
			if err != nil {
				return nil, err
			}
			if sum != bal {
				r.Differences = append(r.Differences, ledgerMismatch{AgentID: id, Balance: int64(bal), Ledger: int64(sum)})
			}
		}
		return r, nil
	}
}

// replyJSON is an outbox reply as admin prints it. The recipient is masked (core.MaskPhone) and
// the body has every token masked but its last four digits (maskTokens): an operator sees what
// the message was and which token it carried, enough to match a customer's complaint, and a
// listing pasted into a ticket leaks no credit. VendID is 0 for a reply that answers no vend.
type replyJSON struct {
	ID            int64  `json:"id"`
	VendID        int64  `json:"vend_id"`
	Channel       string `json:"channel"`
	Route         string `json:"route"`
	Sender        string `json:"sender"`
	Recipient     string `json:"recipient"`
	Status        string `json:"status"`
	Attempts      int    `json:"attempts"`
	LastError     string `json:"last_error,omitempty"`
	ExternalID    string `json:"external_id,omitempty"`
	ReceiptStatus string `json:"receipt_status,omitempty"`
	ReceiptAt     string `json:"receipt_at,omitempty"`
	CreatedAt     string `json:"created_at"`
	NextAttemptAt string `json:"next_attempt_at,omitempty"`
	DeliveredAt   string `json:"delivered_at,omitempty"`
	FailedAt      string `json:"failed_at,omitempty"`
	Body          string `json:"body_masked"`
}

// adminTime prints a time in UTC, RFC 3339; the zero time prints as "".
func adminTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func toReplyJSON(r core.Reply) replyJSON {
	out := replyJSON{ID: r.ID, VendID: r.VendID, Channel: r.Channel, Route: r.Route, Sender: r.Sender,
		Recipient: core.MaskPhone(r.Recipient), Status: string(r.Status), Attempts: r.Attempts, LastError: r.LastError,
		ExternalID: r.ExternalID, ReceiptStatus: r.ReceiptStatus, ReceiptAt: adminTime(r.ReceiptAt),
		CreatedAt: adminTime(r.CreatedAt), DeliveredAt: adminTime(r.DeliveredAt), FailedAt: adminTime(r.FailedAt),
		Body: core.MaskTokens(r.Body)}
	if r.Status == core.ReplyPending || r.Status == core.ReplySending {
		out.NextAttemptAt = adminTime(r.NextAttemptAt)
	}
	return out
}

// replyStatuses are the statuses --status takes.
var replyStatuses = []core.ReplyStatus{core.ReplyFailed, core.ReplyPending, core.ReplySending, core.ReplyDelivered}

// adminRepliesList shows the outbox's replies in one status, oldest first: by default the failed
// ones, whose attempts ran out or whose link refused them for good, for an operator to resend.
func adminRepliesList(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	status := fs.String("status", string(core.ReplyFailed), "")
	limit := fs.String("limit", "100", "")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		st := core.ReplyStatus(*status)
		if !slices.Contains(replyStatuses, st) {
			return nil, usagef("--status: %q is not failed, pending, sending or delivered", *status)
		}
		n, err := parseInt("limit", *limit, 1, 1000)
		if err != nil {
			return nil, err
		}
		var rs core.ReplyReader = a.db
		replies, err := rs.RepliesByStatus(ctx, st, int(n))
		if err != nil {
			return nil, err
		}
		out := make([]replyJSON, len(replies))
		for i, r := range replies {
			out[i] = toReplyJSON(r)
		}
		return map[string]any{"status": st, "count": len(out), "replies": out}, nil
	}
}

// adminRepliesResend sends a failed reply again: it becomes pending, due now, with its attempts
// reset, and a running server's relay picks it up at its next poll or sweep. A reply that is not
// failed is refused, naming its status: a delivered one went out already, a pending or sending
// one is still being tried.
func adminRepliesResend(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	id := fs.Int64("id", 0, "")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if *id <= 0 {
			return nil, usagef("--id: required")
		}
		notFailed := func(r core.Reply) error {
			return core.Errorf(core.CodeConflict, "reply_not_failed",
				"reply %d is %s, not failed: only a failed reply can be resent", r.ID, r.Status)
		}
		r, err := a.db.Reply(ctx, *id)
		if errors.Is(err, core.ErrNotFound) {
			return nil, core.Errorf(core.CodeNotFound, "reply_not_found", "reply %d does not exist", *id)
		}
		if err != nil {
			return nil, err
		}
		if r.Status != core.ReplyFailed {
			return nil, notFailed(r)
		}
		var resender core.ReplyResender = a.db
		if err := resender.ResendReply(ctx, *id, time.Now()); err != nil {
			if !errors.Is(err, core.ErrNotFound) {
				return nil, err
			}
			// Another operator resent it in between: say what it is now.
			if r, err = a.db.Reply(ctx, *id); err != nil {
				return nil, err
			}
			return nil, notFailed(r)
		}
		if r, err = a.db.Reply(ctx, *id); err != nil {
			return nil, err
		}
		return toReplyJSON(r), nil
	}
}

// serviceCodeJSON is a service code as admin prints it.
type serviceCodeJSON struct {
	Channel string `json:"channel"`
	Code    string `json:"code"`
	AgentID int64  `json:"agent_id"`
	Route   string `json:"route"`
	Active  bool   `json:"active"`
}

func toServiceCodeJSON(sc core.ServiceCode) serviceCodeJSON {
	return serviceCodeJSON{Channel: sc.Channel, Code: sc.Code, AgentID: sc.AgentID, Route: sc.Route, Active: sc.Active}
}

// adminServiceCodeCreate gives a telecom operator a number customers reach Vendgate on: an SMS
// short code or a USSD service code, sold from the operator's agent (of kind telco), its replies
// going out on --route (an SMSC bind's name; "" for the default).
func adminServiceCodeCreate(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	channel := fs.String("channel", "", "")
	code := fs.String("code", "", "")
	agent := fs.Int64("agent", 0, "")
	route := fs.String("route", "", "")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		switch *channel {
		case core.ChannelSMS, core.ChannelUSSD:
		case "":
			return nil, usagef("--channel: required (sms or ussd)")
		default:
			return nil, usagef("--channel: %q is not sms or ussd", *channel)
		}
		if err := required("code", *code); err != nil {
			return nil, err
		}
		if *agent <= 0 {
			return nil, usagef("--agent: required (an agent of kind telco)")
		}
		sc := core.ServiceCode{Code: *code, Channel: *channel, AgentID: *agent, Route: strings.TrimSpace(*route), Active: true}
		if err := core.CheckServiceCode(sc); err != nil {
			return nil, usagef("--code: %s", core.AsError(err).Message)
		}
		err := a.db.CreateServiceCode(ctx, sc)
		if errors.Is(err, core.ErrDuplicate) {
			return nil, core.Errorf(core.CodeDuplicate, "duplicate_service_code", "the %s code %s exists already",
				sc.Channel, core.NormalizeServiceCode(sc.Code))
		}
		if err != nil {
			return nil, err
		}
		stored, err := a.db.ServiceCode(ctx, sc.Channel, sc.Code)
		if err != nil {
			return nil, err
		}
		return toServiceCodeJSON(stored), nil
	}
}

// adminServiceCodeList shows every service code, by channel and code.
func adminServiceCodeList(*flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	return func(ctx context.Context, a *adminEnv) (any, error) {
		codes, err := a.db.ServiceCodes(ctx)
		if err != nil {
			return nil, err
		}
		out := make([]serviceCodeJSON, len(codes))
		for i, sc := range codes {
			out[i] = toServiceCodeJSON(sc)
		}
		return map[string]any{"service_codes": out}, nil
	}
}
