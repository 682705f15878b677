package backoffice_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/internal/demo"
	"github.com/vendgate/vendgate/store"
	"github.com/vendgate/vendgate/sts"
	"github.com/vendgate/vendgate/testkit"
)

// world is a utility's records made through the back office by its administrator: utility A
// with a supply group, a tariff, a customer, a meter, an agent with float and a vend with a
// failed reply; utility B, empty.
type world struct {
	db       *store.DB
	bo       *testkit.BackOffice
	vendor   *core.Vendor
	a, b     backoffice.UtilityView
	group    backoffice.SupplyGroupView
	tariff   backoffice.TariffView
	customer backoffice.CustomerView
	meter    backoffice.MeterView
	agent    backoffice.AgentView
	vend     *core.Vend
	reply    core.Reply
	// secrets are what no audit entry may hold.
	secrets []string
}

var zarCurrency, _ = core.ParseCurrency("ZAR")

func newWorld(t *testing.T, db *store.DB) *world {
	t.Helper()
	ctx := context.Background()
	master := make([]byte, 32)
	rand.Read(master)
	sealer, err := core.NewSealer(master)
	if err != nil {
		t.Fatal(err)
	}
	w := &world{db: db}
	w.vendor = &core.Vendor{Meters: db, Agents: db, Utilities: db, Vends: db, Issuer: &core.SoftIssuer{Keys: db, Sealer: sealer},
		Clock: time.Now, Random: rand.Reader}
	w.bo = testkit.NewBackOffice(t, db, backoffice.WithSealer(sealer), backoffice.WithReverser(w.vendor))
	svc, admin := w.bo.Svc, w.bo.Admin
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	w.a, err = svc.CreateUtility(ctx, admin, core.Utility{Name: "City Power", Currency: zarCurrency, TaxRate: decimal.RequireFromString("0.15"),
		Location: time.UTC, DebtRecoveryRate: decimal.RequireFromString("0.25"), ReversalWindow: time.Hour})
	must(err)
	w.b, err = svc.CreateUtility(ctx, admin, core.Utility{Name: "Lakeside", Currency: zarCurrency, Location: time.UTC})
	must(err)
	vk, _ := hex.DecodeString(demo.VK02)
	w.group, err = svc.CreateSupplyGroup(ctx, admin, core.SupplyGroup{UtilityID: w.a.ID, SGC: 123456, KRN: 1, DKGA: sts.DKGA02, Name: "Soweto"}, vk)
	must(err)
	w.tariff, err = svc.CreateTariff(ctx, admin, core.Tariff{UtilityID: w.a.ID, Name: "Homelight", Blocks: []core.TariffBlock{{Price: decimal.RequireFromString("250")}}})
	must(err)
	w.customer, err = svc.CreateCustomer(ctx, admin, core.Customer{Name: "Thandi Mokoena", Phone: "27821234567", Language: "zu"}, w.a.ID)
	must(err)
	number := demo.DRN("0412345678")
	pan, err := core.MeterNumber(number).PAN()
	must(err)
	w.meter, err = svc.CreateMeter(ctx, admin, core.Meter{Number: number, Kind: core.Electricity, Status: core.MeterActive,
		Key:           core.MeterKey{PAN: pan, KT: sts.KeyTypeUnique, TI: 1, EA: sts.EA07, BaseDate: sts.BaseDate2014, KEN: sts.NoExpiry},
		SupplyGroupID: w.group.ID, CustomerID: w.customer.ID, TariffID: w.tariff.ID}, 0)
	must(err)
	w.agent, err = svc.CreateAgent(ctx, admin, core.Agent{UtilityID: w.a.ID, Name: "Spaza", Kind: core.AgentRetail, CommissionRate: decimal.RequireFromString("0.02")})
	must(err)
	_, err = svc.TopUp(ctx, admin, w.agent.ID, 1_000_00, "opening float")
	must(err)
	w.vend, err = w.vendor.Vend(ctx, core.VendRequest{Channel: core.ChannelREST, IdempotencyKey: "v1", AgentID: w.agent.ID, MeterNumber: number, Amount: 50_00})
	must(err)
	w.reply = core.Reply{VendID: w.vend.ID, Channel: core.ReplyChannelSMS, Route: "smsc", Recipient: "27821234567", Sender: "40404",
		Body: "Token: " + w.vend.Tokens[0].Token.String()}
	must(db.AddReply(ctx, &w.reply))
	c, _, err := db.ClaimReply(ctx, w.reply.ID, time.Now(), time.Minute)
	must(err)
	must(db.FailReply(ctx, w.reply.ID, c.Claim, "refused", time.Now()))
	w.secrets = []string{demo.VK02, w.vend.Tokens[0].Token.String(), testkit.Password}
	return w
}

// entriesSince returns the audit entries after head.
func (w *world) entriesSince(t *testing.T, head backoffice.AuditHead) []backoffice.AuditEntry {
	t.Helper()
	es, err := w.db.AuditEntries(context.Background(), backoffice.AuditQuery{AfterSeq: head.Seq, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func (w *world) head(t *testing.T) backoffice.AuditHead {
	t.Helper()
	h, err := w.db.AuditHead(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// snapshot is every record as the administrator lists it, to show that a refusal wrote nothing.
func (w *world) snapshot(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	svc, a := w.bo.Svc, w.bo.Admin
	var parts []any
	for _, list := range []func() (any, error){
		func() (any, error) { return svc.Utilities(ctx, a, backoffice.UtilityQuery{}) },
		func() (any, error) { return svc.Customers(ctx, a, backoffice.CustomerQuery{}) },
		func() (any, error) { return svc.Meters(ctx, a, backoffice.MeterQuery{}) },
		func() (any, error) { return svc.Agents(ctx, a, backoffice.AgentQuery{}) },
		func() (any, error) { return svc.ServiceCodes(ctx, a) },
		func() (any, error) { return svc.ReversedVends(ctx, a, core.VendQuery{}) },
		func() (any, error) { return svc.Replies(ctx, a, backoffice.ReplyQuery{Status: core.ReplyFailed}) },
	} {
		v, err := list()
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, v)
	}
	raw, _ := json.Marshal(parts)
	return string(raw)
}

// useCase is one back office method called by an actor.
type useCase struct {
	name string
	perm backoffice.Permission
	// denied is a built-in role without perm.
	denied string
	call   func(ctx context.Context, w *world, a backoffice.Actor) error
}

func useCases() []useCase {
	str := func(s string) *string { return &s }
	id := func(v int64) *int64 { return &v }
	return []useCase{
		{"CreateUtility", backoffice.PermOrganisationManage, backoffice.RoleSupervisor, func(ctx context.Context, w *world, a backoffice.Actor) error {
			_, err := w.bo.Svc.CreateUtility(ctx, a, core.Utility{Name: "Hill Water", Currency: zarCurrency, Location: time.UTC})
			return err
		}},
		{"ShowUtility", backoffice.PermOrganisationRead, backoffice.RoleCashier, func(ctx context.Context, w *world, a backoffice.Actor) error {
			_, err := w.bo.Svc.Utility(ctx, a, w.a.ID)
			return err
		}},
		{"UpdateUtility", backoffice.PermOrganisationManage, backoffice.RoleSupervisor, func(ctx context.Context, w *world, a backoffice.Actor) error {
			u, _ := w.bo.Svc.Utility(ctx, w.bo.Admin, w.a.ID)
			_, err := w.bo.Svc.UpdateUtility(ctx, a, w.a.ID, u.Version, backoffice.UtilityUpdate{Name: str("City Power & Light")})
			return err
		}},
		{"SetUtilityParameters", backoffice.PermTariffsManage, backoffice.RoleSupervisor, func(ctx context.Context, w *world, a backoffice.Actor) error {
			window := 2 * time.Hour
			u, _ := w.bo.Svc.Utility(ctx, w.bo.Admin, w.a.ID)
			_, err := w.bo.Svc.SetUtilityParameters(ctx, a, w.a.ID, u.Version, backoffice.UtilityParameters{ReversalWindow: &window})
			return err
		}},
		{"CreateSupplyGroup", backoffice.PermKeysManage, backoffice.RoleSupervisor, func(ctx context.Context, w *world, a backoffice.Actor) error {
			vk, _ := hex.DecodeString(demo.VK02)
			_, err := w.bo.Svc.CreateSupplyGroup(ctx, a, core.SupplyGroup{UtilityID: w.a.ID, SGC: 123456, KRN: 2, DKGA: sts.DKGA02}, vk)
			return err
		}},
		{"CreateTariff", backoffice.PermTariffsManage, backoffice.RoleCashier, func(ctx context.Context, w *world, a backoffice.Actor) error {
			_, err := w.bo.Svc.CreateTariff(ctx, a, core.Tariff{UtilityID: w.a.ID, Name: "Business", Blocks: []core.TariffBlock{{Price: decimal.RequireFromString("300")}}})
			return err
		}},
		{"CreateCustomer", backoffice.PermCustomersManage, backoffice.RoleAuditor, func(ctx context.Context, w *world, a backoffice.Actor) error {
			_, err := w.bo.Svc.CreateCustomer(ctx, a, core.Customer{Name: "Sipho Dube", Language: "en"}, w.a.ID)
			return err
		}},
		{"ShowCustomer", backoffice.PermCustomersRead, backoffice.RoleKeyOfficer, func(ctx context.Context, w *world, a backoffice.Actor) error {
			_, err := w.bo.Svc.Customer(ctx, a, w.customer.ID)
			return err
		}},
		{"UpdateCustomer", backoffice.PermCustomersManage, backoffice.RoleReadOnly, func(ctx context.Context, w *world, a backoffice.Actor) error {
			_, err := w.bo.Svc.UpdateCustomer(ctx, a, w.customer.ID, w.customer.Version, backoffice.CustomerUpdate{Address: str("3 Long Street")})
			return err
		}},
		{"ShowMeter", backoffice.PermMetersRead, backoffice.RoleVendorAdmin, func(ctx context.Context, w *world, a backoffice.Actor) error {
			_, err := w.bo.Svc.Meter(ctx, a, w.meter.ID)
			return err
		}},
		{"UpdateMeter", backoffice.PermMetersManage, backoffice.RoleCashier, func(ctx context.Context, w *world, a backoffice.Actor) error {
			m, _ := w.bo.Svc.Meter(ctx, w.bo.Admin, w.meter.ID)
			_, err := w.bo.Svc.UpdateMeter(ctx, a, w.meter.ID, m.Version, backoffice.MeterUpdate{TariffID: id(w.tariff.ID)})
			return err
		}},
		{"SetMeterStatus", backoffice.PermMetersManage, backoffice.RoleCashier, func(ctx context.Context, w *world, a backoffice.Actor) error {
			_, err := w.bo.Svc.SetMeterStatus(ctx, a, w.meter.ID, core.MeterBlocked, "tamper reported")
			return err
		}},
		{"SetKeyChange", backoffice.PermKeysManage, backoffice.RoleSupervisor, func(ctx context.Context, w *world, a backoffice.Actor) error {
			k := core.MeterKey{KT: sts.KeyTypeUnique, TI: 2, EA: sts.EA07, BaseDate: sts.BaseDate2014, KEN: sts.NoExpiry}
			_, err := w.bo.Svc.SetKeyChange(ctx, a, w.meter.ID, w.group.ID, k, false, "tariff index 2")
			return err
		}},
		{"CreateAgent", backoffice.PermAgentsManage, backoffice.RoleSupervisor, func(ctx context.Context, w *world, a backoffice.Actor) error {
			_, err := w.bo.Svc.CreateAgent(ctx, a, core.Agent{UtilityID: w.a.ID, Name: "Kiosk 2"})
			return err
		}},
		{"ShowAgent", backoffice.PermAgentsRead, backoffice.RoleCashier, func(ctx context.Context, w *world, a backoffice.Actor) error {
			_, err := w.bo.Svc.Agent(ctx, a, w.agent.ID)
			return err
		}},
		{"UpdateAgent", backoffice.PermAgentsManage, backoffice.RoleSupervisor, func(ctx context.Context, w *world, a backoffice.Actor) error {
			off := false
			ag, _ := w.bo.Svc.Agent(ctx, w.bo.Admin, w.agent.ID)
			_, err := w.bo.Svc.UpdateAgent(ctx, a, w.agent.ID, ag.Version, backoffice.AgentUpdate{Active: &off})
			return err
		}},
		{"TopUp", backoffice.PermFloatAdjust, backoffice.RoleCashier, func(ctx context.Context, w *world, a backoffice.Actor) error {
			_, err := w.bo.Svc.TopUp(ctx, a, w.agent.ID, 500_00, "float")
			return err
		}},
		{"IssueAPIKey", backoffice.PermAgentsManage, backoffice.RoleSupervisor, func(ctx context.Context, w *world, a backoffice.Actor) error {
			_, err := w.bo.Svc.IssueAPIKey(ctx, a, w.agent.ID, "till 1")
			return err
		}},
		{"CreateInstitution", backoffice.PermAgentsManage, backoffice.RoleSupervisor, func(ctx context.Context, w *world, a backoffice.Actor) error {
			_, err := w.bo.Svc.CreateInstitution(ctx, a, core.Institution{Code: "424242", AgentID: w.agent.ID, Allowed: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
			return err
		}},
		{"CreateServiceCode", backoffice.PermAgentsManage, backoffice.RoleSupervisor, func(ctx context.Context, w *world, a backoffice.Actor) error {
			_, err := w.bo.Svc.CreateServiceCode(ctx, a, core.ServiceCode{Channel: core.ChannelSMS, Code: "40404", AgentID: w.agent.ID})
			return err
		}},
		{"ResendReply", backoffice.PermRepliesSend, backoffice.RoleAuditor, func(ctx context.Context, w *world, a backoffice.Actor) error {
			_, err := w.bo.Svc.ResendReply(ctx, a, w.reply.ID)
			return err
		}},
		{"ReverseVend", backoffice.PermVendsReverse, backoffice.RoleCashier, func(ctx context.Context, w *world, a backoffice.Actor) error {
			_, err := w.bo.Svc.ReverseVend(ctx, a, w.vend.ID, "paid twice")
			return err
		}},
		{"CheckLedger", backoffice.PermLedgerCheck, backoffice.RoleCashier, func(ctx context.Context, w *world, a backoffice.Actor) error {
			_, err := w.bo.Svc.CheckLedger(ctx, a)
			return err
		}},
	}
}

// TestRecordsRefusedWithoutPermission: each use case, by a role without its permission, is
// refused naming the permission, changes nothing and leaves one denied audit entry.
func TestRecordsRefusedWithoutPermission(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		actors := map[string]backoffice.Actor{}
		for _, uc := range useCases() {
			t.Run(uc.name, func(t *testing.T) {
				a, ok := actors[uc.denied]
				if !ok {
					a = w.bo.Operator(t, strings.ReplaceAll(uc.denied, "_", "-"), uc.denied)
					actors[uc.denied] = a
				}
				if a.Can(uc.perm) {
					t.Fatalf("role %s holds %s", uc.denied, uc.perm)
				}
				before, head := w.snapshot(t), w.head(t)
				err := uc.call(ctx, w, a)
				if core.ErrorCode(err) != core.CodeForbidden || !strings.Contains(err.Error(), string(uc.perm)) {
					t.Fatalf("%s as %s: got %v, want forbidden naming %s", uc.name, uc.denied, err, uc.perm)
				}
				if after := w.snapshot(t); after != before {
					t.Fatalf("a refused %s changed the records:\n%s\n%s", uc.name, before, after)
				}
				es := w.entriesSince(t, head)
				if len(es) != 1 || es[0].Outcome != backoffice.OutcomeDenied || es[0].Permission != uc.perm || es[0].ActorID != a.ID() {
					t.Fatalf("audit after a refused %s: %+v, want one denied entry for %s", uc.name, es, uc.perm)
				}
			})
		}
	})
}

// TestRecordsOutOfScope: an administrator limited to utility B is refused every use case on
// utility A's records (one denied audit entry, nothing changed), and its lists show none of them.
func TestRecordsOutOfScope(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		other := w.bo.OperatorIn(t, "lakeside", w.b.ID, backoffice.RoleAdministrator)
		for _, uc := range useCases() {
			if uc.name == "CheckLedger" {
				continue // checks the actor's own utility's agents: see below
			}
			t.Run(uc.name, func(t *testing.T) {
				before, head := w.snapshot(t), w.head(t)
				err := uc.call(ctx, w, other)
				if core.ErrorCode(err) != core.CodeForbidden || core.AsError(err).Reason != backoffice.ReasonOutOfScope {
					t.Fatalf("%s on utility A by an operator of B: got %v, want out_of_scope", uc.name, err)
				}
				if after := w.snapshot(t); after != before {
					t.Fatalf("a refused %s changed the records", uc.name)
				}
				if es := w.entriesSince(t, head); len(es) != 1 || es[0].Outcome != backoffice.OutcomeDenied {
					t.Fatalf("audit after an out-of-scope %s: %+v, want one denied entry", uc.name, es)
				}
			})
		}
		t.Run("Lists", func(t *testing.T) {
			us, err := w.bo.Svc.Utilities(ctx, other, backoffice.UtilityQuery{})
			if err != nil || len(us) != 1 || us[0].ID != w.b.ID {
				t.Fatalf("utilities seen from B: %v, %v; want B only", us, err)
			}
			for name, n := range map[string]func() (int, error){
				"customers": func() (int, error) {
					l, err := w.bo.Svc.Customers(ctx, other, backoffice.CustomerQuery{})
					return len(l), err
				},
				"meters": func() (int, error) {
					l, err := w.bo.Svc.Meters(ctx, other, backoffice.MeterQuery{})
					return len(l), err
				},
				"agents": func() (int, error) {
					l, err := w.bo.Svc.Agents(ctx, other, backoffice.AgentQuery{})
					return len(l), err
				},
				"replies": func() (int, error) {
					l, err := w.bo.Svc.Replies(ctx, other, backoffice.ReplyQuery{Status: core.ReplyFailed})
					return len(l), err
				},
			} {
				if got, err := n(); err != nil || got != 0 {
					t.Errorf("%s seen from B: %d, %v; want none", name, got, err)
				}
			}
			if _, err := w.bo.Svc.Meters(ctx, other, backoffice.MeterQuery{UtilityID: w.a.ID}); core.AsError(err).Reason != backoffice.ReasonOutOfScope {
				t.Errorf("asking for A's meters from B: %v, want out_of_scope", err)
			}
			if r, err := w.bo.Svc.CheckLedger(ctx, other); err != nil || r.Agents != 0 {
				t.Errorf("ledger check from B: %+v, %v; want B's agents only (none)", r, err)
			}
		})
	})
}

// TestRecordsHappyPath: each use case by the administrator, with its audit entry: the record
// after (and before, for a change), no secret in either.
func TestRecordsHappyPath(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		svc, admin := w.bo.Svc, w.bo.Admin
		bank, err := svc.CreateAgent(ctx, admin, core.Agent{UtilityID: w.a.ID, Name: "First Bank", Kind: core.AgentBank})
		if err != nil {
			t.Fatal(err)
		}
		telco, err := svc.CreateAgent(ctx, admin, core.Agent{UtilityID: w.a.ID, Name: "Mobile", Kind: core.AgentTelco})
		if err != nil {
			t.Fatal(err)
		}
		retail := w.agent.ID
		for _, uc := range useCases() {
			switch uc.name {
			case "CreateInstitution":
				w.agent.ID = bank.ID
			case "CreateServiceCode":
				w.agent.ID = telco.ID
			default:
				w.agent.ID = retail
			}
			head := w.head(t)
			if err := uc.call(ctx, w, admin); err != nil {
				t.Fatalf("%s: %v", uc.name, err)
			}
			es := w.entriesSince(t, head)
			if uc.perm.ReadOnly() {
				if len(es) != 0 {
					t.Errorf("%s (a read) left %d audit entries", uc.name, len(es))
				}
				continue
			}
			if len(es) != 1 || es[0].Outcome != backoffice.OutcomeDone || es[0].Permission != uc.perm || es[0].ActorName != "admin" ||
				es[0].Via != "test" || len(es[0].After) == 0 && uc.name != "CheckLedger" {
				t.Fatalf("audit of %s: %+v, want one done entry with the record after", uc.name, es)
			}
			for _, s := range w.secrets {
				if strings.Contains(string(es[0].Before)+string(es[0].After)+es[0].Detail, s) {
					t.Fatalf("the audit entry of %s holds a secret: %s %s", uc.name, es[0].Before, es[0].After)
				}
			}
		}
		w.agent.ID = retail
		u, err := svc.Utility(ctx, admin, w.a.ID)
		if err != nil || u.Name != "City Power & Light" || u.ReversalWindow != "2h0m0s" || u.Version != w.a.Version+2 {
			t.Fatalf("the utility after its update and parameters: %+v, %v", u, err)
		}
		m, err := svc.Meter(ctx, admin, w.meter.ID)
		if err != nil || m.Status != string(core.MeterBlocked) || m.PendingKey == nil || m.PendingKey.TI != "02" {
			t.Fatalf("the meter after its status and key change: %+v, %v", m, err)
		}
		if m, err = svc.ConfirmKeyChange(ctx, admin, w.meter.ID); err != nil || m.PendingKey != nil || m.Key.TI != "02" {
			t.Fatalf("confirming the key change: %+v, %v", m, err)
		}
		if vs, err := svc.ReversedVends(ctx, admin, core.VendQuery{}); err != nil || len(vs) != 1 || vs[0].Reason != "paid twice" {
			t.Fatalf("reversed vends: %+v, %v", vs, err)
		}
		if r, err := svc.CheckLedger(ctx, admin); err != nil || len(r.Differences) != 0 || r.Agents != 4 {
			t.Fatalf("ledger check: %+v, %v", r, err)
		}
	})
}

// TestRecordsStaleVersion: of two operators editing one record from the same version, the second
// gets a conflict and its change is not written.
func TestRecordsStaleVersion(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		svc, admin := w.bo.Svc, w.bo.Admin
		name := func(s string) *string { return &s }
		for _, c := range []struct {
			what   string
			update func(version int64, to string) error
			read   func() (string, error)
			v      int64
		}{
			{"utility", func(v int64, to string) error {
				_, err := svc.UpdateUtility(ctx, admin, w.a.ID, v, backoffice.UtilityUpdate{Name: name(to)})
				return err
			}, func() (string, error) { u, err := svc.Utility(ctx, admin, w.a.ID); return u.Name, err }, w.a.Version},
			{"customer", func(v int64, to string) error {
				_, err := svc.UpdateCustomer(ctx, admin, w.customer.ID, v, backoffice.CustomerUpdate{Name: name(to)})
				return err
			}, func() (string, error) { c, err := svc.Customer(ctx, admin, w.customer.ID); return c.Name, err }, w.customer.Version},
			{"agent", func(v int64, to string) error {
				_, err := svc.UpdateAgent(ctx, admin, w.agent.ID, v, backoffice.AgentUpdate{Name: name(to)})
				return err
			}, func() (string, error) { a, err := svc.Agent(ctx, admin, w.agent.ID); return a.Name, err }, w.agent.Version},
			{"meter", func(v int64, to string) error {
				c, err := svc.CreateCustomer(ctx, admin, core.Customer{Name: to, Language: "en"}, w.a.ID)
				if err != nil {
					return err
				}
				_, err = svc.UpdateMeter(ctx, admin, w.meter.ID, v, backoffice.MeterUpdate{CustomerID: &c.ID})
				return err
			}, func() (string, error) {
				m, err := svc.Meter(ctx, admin, w.meter.ID)
				if err != nil {
					return "", err
				}
				c, err := svc.Customer(ctx, admin, m.CustomerID)
				return c.Name, err
			}, w.meter.Version},
		} {
			t.Run(c.what, func(t *testing.T) {
				if err := c.update(c.v, "first"); err != nil {
					t.Fatalf("the first update: %v", err)
				}
				head := w.head(t)
				err := c.update(c.v, "second")
				if core.ErrorCode(err) != core.CodeConflict || core.AsError(err).Reason != backoffice.ReasonStaleVersion {
					t.Fatalf("the second update at version %d: %v, want a stale_version conflict", c.v, err)
				}
				if got, err := c.read(); err != nil || got != "first" {
					t.Fatalf("after the conflict: %q, %v; want the first update kept", got, err)
				}
				for _, e := range w.entriesSince(t, head) {
					if e.Action != backoffice.ActionCustomerCreate {
						t.Fatalf("a refused stale update left an audit entry: %+v", e)
					}
				}
			})
		}
		t.Run("VendPathDoesNotConflict", func(t *testing.T) {
			m, err := svc.Meter(ctx, admin, w.meter.ID)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.vendor.Vend(ctx, core.VendRequest{Channel: core.ChannelREST, IdempotencyKey: "v2", AgentID: w.agent.ID, MeterNumber: m.Number, Amount: 20_00}); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.UpdateMeter(ctx, admin, m.ID, m.Version, backoffice.MeterUpdate{TariffID: &w.tariff.ID}); err != nil {
				t.Fatalf("an operator's edit after a sale on the meter: %v; a sale is not an edit", err)
			}
		})
		t.Run("EditKeepsTheFloat", func(t *testing.T) {
			read, err := svc.Agent(ctx, admin, w.agent.ID)
			if err != nil {
				t.Fatal(err)
			}
			top, err := svc.TopUp(ctx, admin, w.agent.ID, 77_00, "float")
			if err != nil {
				t.Fatal(err)
			}
			got, err := svc.UpdateAgent(ctx, admin, w.agent.ID, read.Version, backoffice.AgentUpdate{Name: name("Spaza Corner")})
			if err != nil || got.Balance != top.Balance {
				t.Fatalf("renaming the agent from a view read before a top-up: %+v, %v; want the balance after the top-up (%d)", got, err, top.Balance)
			}
			if r, err := svc.CheckLedger(ctx, admin); err != nil || len(r.Differences) != 0 {
				t.Fatalf("ledger check after the edit: %+v, %v", r, err)
			}
		})
	})
}

// TestRecordsConcurrentEdits: operators editing one customer at once from the same version:
// exactly one edit is kept, every other gets a conflict.
func TestRecordsConcurrentEdits(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		const n = 8
		errs := make(chan error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				addr := fmt.Sprintf("%d Vilakazi Street", i)
				_, err := w.bo.Svc.UpdateCustomer(ctx, w.bo.Admin, w.customer.ID, w.customer.Version, backoffice.CustomerUpdate{Address: &addr})
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		done := 0
		for err := range errs {
			switch {
			case err == nil:
				done++
			case core.AsError(err).Reason != backoffice.ReasonStaleVersion:
				t.Errorf("a concurrent edit: %v, want done or stale_version", err)
			}
		}
		c, err := w.bo.Svc.Customer(ctx, w.bo.Admin, w.customer.ID)
		if done != 1 || err != nil || c.Version != w.customer.Version+1 {
			t.Fatalf("%d of %d concurrent edits kept, the customer at version %d (%v); want exactly one", done, n, c.Version, err)
		}
	})
}

// TestRecordsBadInput: bad input is refused naming its field, before anything is written.
func TestRecordsBadInput(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		svc, admin := w.bo.Svc, w.bo.Admin
		blank, badZone := " ", "Mars/Olympus"
		for _, c := range []struct {
			name, field string
			call        func() error
		}{
			{"page limit", "limit", func() error {
				_, err := svc.Meters(ctx, admin, backoffice.MeterQuery{Page: backoffice.Page{Limit: 501}})
				return err
			}},
			{"page cursor", "after", func() error {
				_, err := svc.Agents(ctx, admin, backoffice.AgentQuery{Page: backoffice.Page{AfterID: -1}})
				return err
			}},
			{"no version", "version", func() error {
				_, err := svc.UpdateCustomer(ctx, admin, w.customer.ID, 0, backoffice.CustomerUpdate{Name: &blank})
				return err
			}},
			{"blank name", "name", func() error {
				_, err := svc.UpdateCustomer(ctx, admin, w.customer.ID, w.customer.Version, backoffice.CustomerUpdate{Name: &blank})
				return err
			}},
			{"time zone", "time_zone", func() error {
				_, err := svc.UpdateUtility(ctx, admin, w.a.ID, w.a.Version, backoffice.UtilityUpdate{TimeZone: &badZone})
				return err
			}},
			{"status reason", "reason", func() error {
				_, err := svc.SetMeterStatus(ctx, admin, w.meter.ID, core.MeterBlocked, " ")
				return err
			}},
			{"top-up amount", "amount", func() error { _, err := svc.TopUp(ctx, admin, w.agent.ID, -5, ""); return err }},
			{"unknown customer", "customer_id", func() error { _, err := svc.Customer(ctx, admin, 999); return err }},
			{"unknown meter's customer", "customer_id", func() error {
				c := int64(999)
				_, err := svc.UpdateMeter(ctx, admin, w.meter.ID, w.meter.Version, backoffice.MeterUpdate{CustomerID: &c})
				return err
			}},
		} {
			t.Run(c.name, func(t *testing.T) {
				before, head := w.snapshot(t), w.head(t)
				err := c.call()
				if e := core.AsError(err); err == nil || e.Field != c.field || e.Code == core.CodeInternal {
					t.Fatalf("got %v (field %q), want a refusal naming %s", err, core.AsError(err).Field, c.field)
				}
				if w.snapshot(t) != before || len(w.entriesSince(t, head)) != 0 {
					t.Fatalf("a refused %s wrote something", c.name)
				}
			})
		}
	})
}

// TestRecordsLists: lists page by ID and filter by utility, status, kind, number and search.
func TestRecordsLists(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		svc, admin := w.bo.Svc, w.bo.Admin
		for _, name := range []string{"Sipho Dube", "Lerato Dube", "Nomsa_Khumalo"} {
			if _, err := svc.CreateCustomer(ctx, admin, core.Customer{Name: name, Language: "en"}, w.b.ID); err != nil {
				t.Fatal(err)
			}
		}
		ids := func(vs []backoffice.CustomerView) (out []string) {
			for _, v := range vs {
				out = append(out, v.Name)
			}
			return out
		}
		page1, err := svc.Customers(ctx, admin, backoffice.CustomerQuery{Page: backoffice.Page{Limit: 2}})
		if err != nil || len(page1) != 2 {
			t.Fatalf("the first page of 2: %v, %v", ids(page1), err)
		}
		page2, err := svc.Customers(ctx, admin, backoffice.CustomerQuery{Page: backoffice.Page{AfterID: page1[1].ID, Limit: 2}})
		if err != nil || len(page2) != 2 || page2[0].ID <= page1[1].ID {
			t.Fatalf("the second page: %v, %v", ids(page2), err)
		}
		for _, c := range []struct {
			q    backoffice.CustomerQuery
			want string
		}{
			{backoffice.CustomerQuery{UtilityID: w.b.ID}, "Sipho Dube Lerato Dube Nomsa_Khumalo"},
			{backoffice.CustomerQuery{Search: "dube"}, "Sipho Dube Lerato Dube"},
			{backoffice.CustomerQuery{Search: "a_k"}, "Nomsa_Khumalo"},
			{backoffice.CustomerQuery{Search: "%"}, ""},
			{backoffice.CustomerQuery{Search: "2782"}, "Thandi Mokoena"},
		} {
			got, err := svc.Customers(ctx, admin, c.q)
			if err != nil || strings.Join(ids(got), " ") != c.want {
				t.Errorf("customers %+v: %v, %v; want %q", c.q, ids(got), err, c.want)
			}
		}
		prefix := w.meter.Number[:4]
		for _, c := range []struct {
			q    backoffice.MeterQuery
			want int
		}{
			{backoffice.MeterQuery{Number: prefix}, 1},
			{backoffice.MeterQuery{Number: "9"}, 0},
			{backoffice.MeterQuery{Status: core.MeterBlocked}, 0},
			{backoffice.MeterQuery{Status: core.MeterActive, UtilityID: w.a.ID, CustomerID: w.customer.ID}, 1},
			{backoffice.MeterQuery{UtilityID: w.b.ID}, 0},
		} {
			if got, err := svc.Meters(ctx, admin, c.q); err != nil || len(got) != c.want {
				t.Errorf("meters %+v: %d, %v; want %d", c.q, len(got), err, c.want)
			}
		}
		if _, err := svc.CreateAgent(ctx, admin, core.Agent{UtilityID: w.a.ID, Name: "First Bank", Kind: core.AgentBank}); err != nil {
			t.Fatal(err)
		}
		off := false
		for _, c := range []struct {
			q    backoffice.AgentQuery
			want int
		}{
			{backoffice.AgentQuery{Kind: core.AgentBank}, 1},
			{backoffice.AgentQuery{Active: &off}, 0},
			{backoffice.AgentQuery{Search: "spaza"}, 1},
			{backoffice.AgentQuery{UtilityID: w.a.ID}, 2},
		} {
			if got, err := svc.Agents(ctx, admin, c.q); err != nil || len(got) != c.want {
				t.Errorf("agents %+v: %d, %v; want %d", c.q, len(got), err, c.want)
			}
		}
		if us, err := svc.Utilities(ctx, admin, backoffice.UtilityQuery{Search: "lake"}); err != nil || len(us) != 1 || us[0].ID != w.b.ID {
			t.Errorf("utilities searched for lake: %+v, %v", us, err)
		}
	})
}

// TestRecordsPermissionMatrix: every records use case against every built-in role: a role that
// holds the permission is never refused it; one that does not is refused with one denied entry.
func TestRecordsPermissionMatrix(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		for _, role := range backoffice.BuiltInRoles() {
			a := w.bo.Operator(t, "op-"+strings.ReplaceAll(role.Name, "_", "-"), role.Name)
			for _, uc := range useCases() {
				head := w.head(t)
				err := uc.call(ctx, w, a)
				denied := core.ErrorCode(err) == core.CodeForbidden
				if role.Has(uc.perm) == denied {
					t.Errorf("%s by a %s (holds %s: %v): %v", uc.name, role.Name, uc.perm, role.Has(uc.perm), err)
					continue
				}
				if es := w.entriesSince(t, head); denied && (len(es) != 1 || es[0].Outcome != backoffice.OutcomeDenied) {
					t.Errorf("%s refused to a %s: audit %+v, want one denied entry", uc.name, role.Name, es)
				}
			}
		}
	})
}
