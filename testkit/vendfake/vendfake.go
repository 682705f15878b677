// Package vendfake is an in-memory stand-in for core.Vendor and the store, for the tests of the
// channel adapters and for demos: it keeps vends by (channel, idempotency key), debits and
// credits agent floats, reverses by key and voids unknown keys the way core does, with the same
// error codes and reasons. It makes no real tokens.
package vendfake

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/netip"
	"sync"
	"time"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/sts"
)

// The demo fixtures.
const (
	MeterOK             = "01234567897" // active, customer Thandi Mokoena
	MeterOK2            = "01234567822" // active, customer Sipho Dlamini
	MeterBlocked        = "01234567806"
	MeterDecommissioned = "01234567814"
	MeterOtherUtility   = "04000000010" // utility 2
	MeterUnknown        = "11111111115" // valid, not registered

	BankCode         = "123456" // institution of agent BankAgent, allows loopback
	BankAgent        = int64(7)
	InactiveBankCode = "654321" // institution that is not active
	FarBankCode      = "777777" // institution that allows 10.0.0.0/8 only
	PoorBankCode     = "888888" // institution whose agent (PoorBankAgent) has no float
	PoorBankAgent    = int64(8)
)

// ZAR is the demo utility's currency.
var ZAR = core.Currency{Code: "ZAR", Exponent: 2}

// Fake is the in-memory vendor, meters, agents and institutions. Its exported fields may be set
// before use; Delay may be changed at any time with SetDelay.
type Fake struct {
	Clock          func() time.Time
	ReversalWindow time.Duration

	mu           sync.Mutex
	delay        time.Duration
	meters       map[string]core.MeterView
	agents       map[int64]core.Agent
	institutions map[string]core.Institution
	vends        map[string]*core.Vend // channel + "\x00" + key
	hashes       map[string]string
	nextID       int64
}

// New returns a Fake with the demo fixtures: utility 1 (ZAR, reversal window 24 h) with its
// meters, utility 2 with one meter, bank agent 7 with a float of ZAR 10,000.00 and its institution.
func New() *Fake {
	loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	u1 := core.Utility{ID: 1, Name: "City Power", Currency: ZAR, Location: time.UTC, ReversalWindow: 24 * time.Hour}
	u2 := core.Utility{ID: 2, Name: "Other Utility", Currency: ZAR, Location: time.UTC, ReversalWindow: 24 * time.Hour}
	meter := func(id int64, number string, status core.MeterStatus, u core.Utility, customer string) core.MeterView {
		return core.MeterView{
			Meter:    core.Meter{ID: id, Number: number, Kind: core.Electricity, Status: status},
			Customer: core.Customer{ID: id, Name: customer}, Utility: u,
		}
	}
	f := &Fake{
		Clock:          time.Now,
		ReversalWindow: 24 * time.Hour,
		meters: map[string]core.MeterView{
			MeterOK:             meter(1, MeterOK, core.MeterActive, u1, "Thandi Mokoena"),
			MeterOK2:            meter(2, MeterOK2, core.MeterActive, u1, "Sipho Dlamini"),
			MeterBlocked:        meter(3, MeterBlocked, core.MeterBlocked, u1, "Blocked Customer"),
			MeterDecommissioned: meter(4, MeterDecommissioned, core.MeterDecommissioned, u1, "Gone Customer"),
			MeterOtherUtility:   meter(5, MeterOtherUtility, core.MeterActive, u2, "Other Customer"),
		},
		agents: map[int64]core.Agent{
			BankAgent:     {ID: BankAgent, UtilityID: 1, Name: "First Bank", Kind: core.AgentBank, Balance: 1_000_000, Active: true, Currency: ZAR},
			PoorBankAgent: {ID: PoorBankAgent, UtilityID: 1, Name: "Poor Bank", Kind: core.AgentBank, Balance: 100, Active: true, Currency: ZAR},
		},
		institutions: map[string]core.Institution{
			BankCode:         {Code: BankCode, Name: "First Bank", AgentID: BankAgent, Allowed: loopback, Active: true},
			InactiveBankCode: {Code: InactiveBankCode, Name: "Closed Bank", AgentID: BankAgent, Allowed: loopback, Active: false},
			FarBankCode:      {Code: FarBankCode, Name: "Far Bank", AgentID: BankAgent, Allowed: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, Active: true},
			PoorBankCode:     {Code: PoorBankCode, Name: "Poor Bank", AgentID: PoorBankAgent, Allowed: loopback, Active: true},
		},
		vends:  map[string]*core.Vend{},
		hashes: map[string]string{},
	}
	return f
}

// SetDelay makes every call wait d (or until its context ends: then it fails as a store would).
func (f *Fake) SetDelay(d time.Duration) {
	f.mu.Lock()
	f.delay = d
	f.mu.Unlock()
}

func (f *Fake) wait(ctx context.Context) error {
	f.mu.Lock()
	d := f.delay
	f.mu.Unlock()
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return &core.Error{Code: core.CodeUnavailable, Reason: "unavailable", Message: "the database", Err: ctx.Err()}
	}
}

// Balance returns an agent's float.
func (f *Fake) Balance(agentID int64) core.Money {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.agents[agentID].Balance
}

// Vends returns the number of completed vends.
func (f *Fake) Vends() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, v := range f.vends {
		if v.Status == core.VendCompleted {
			n++
		}
	}
	return n
}

// VendByKey returns the record of an idempotency key, or nil.
func (f *Fake) VendByKey(channel, key string) *core.Vend {
	f.mu.Lock()
	defer f.mu.Unlock()
	if v := f.vends[channel+"\x00"+key]; v != nil {
		c := *v
		return &c
	}
	return nil
}

// MeterByNumber implements core.MeterReader.
func (f *Fake) MeterByNumber(ctx context.Context, number string) (core.MeterView, error) {
	if err := f.wait(ctx); err != nil {
		return core.MeterView{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.meters[number]
	if !ok {
		return core.MeterView{}, core.ErrNotFound
	}
	return v, nil
}

// Sellable is core.Vendor.Sellable on the fake's meters and agents.
func (f *Fake) Sellable(ctx context.Context, agentID int64, number string) (core.MeterView, core.Agent, error) {
	return (&core.Vendor{Meters: f, Agents: f}).Sellable(ctx, agentID, number)
}

// Agent implements core.AgentReader.
func (f *Fake) Agent(ctx context.Context, id int64) (core.Agent, error) {
	if err := f.wait(ctx); err != nil {
		return core.Agent{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	a, ok := f.agents[id]
	if !ok {
		return core.Agent{}, core.ErrNotFound
	}
	return a, nil
}

// InstitutionByCode implements core.InstitutionReader.
func (f *Fake) InstitutionByCode(ctx context.Context, code string) (core.Institution, error) {
	if err := f.wait(ctx); err != nil {
		return core.Institution{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	in, ok := f.institutions[code]
	if !ok {
		return core.Institution{}, core.ErrNotFound
	}
	return in, nil
}

func hash(r core.VendRequest) string {
	h := sha256.Sum256(fmt.Appendf(nil, "%d|%s|%d", r.AgentID, r.MeterNumber, r.Amount))
	return hex.EncodeToString(h[:16])
}

func validate(r core.VendRequest) error {
	switch {
	case r.Channel == "":
		return core.Errorf(core.CodeInvalid, "invalid_channel", "the channel is missing")
	case r.IdempotencyKey == "" || len(r.IdempotencyKey) > 128:
		return core.Errorf(core.CodeInvalid, "invalid_idempotency_key", "an idempotency key of 1 to 128 characters is required")
	case r.Amount <= 0:
		return core.Errorf(core.CodeInvalid, "invalid_amount", "the amount must be positive")
	}
	return core.CheckMeterNumber(r.MeterNumber)
}

// Vend implements core.Vendor.Vend's contract.
func (f *Fake) Vend(ctx context.Context, req core.VendRequest) (*core.Vend, error) {
	if err := validate(req); err != nil {
		return nil, err
	}
	if err := f.wait(ctx); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	k := req.Channel + "\x00" + req.IdempotencyKey
	if v := f.vends[k]; v != nil {
		switch {
		case f.hashes[k] != hash(req):
			return nil, core.Errorf(core.CodeConflict, "idempotency_key_reused", "idempotency key %q was used for a different request", req.IdempotencyKey)
		case v.Status == core.VendVoided:
			return nil, core.Errorf(core.CodeConflict, "reversed_before_vend", "the request with idempotency key %q was reversed before it arrived", req.IdempotencyKey)
		}
		c := *v
		return &c, nil
	}
	view, ok := f.meters[req.MeterNumber]
	if !ok {
		return nil, core.Errorf(core.CodeNotFound, "meter_not_found", "meter %s is not registered", req.MeterNumber)
	}
	switch view.Meter.Status {
	case core.MeterBlocked:
		return nil, core.Errorf(core.CodeInvalid, "meter_blocked", "meter %s is blocked", req.MeterNumber)
	case core.MeterDecommissioned:
		return nil, core.Errorf(core.CodeInvalid, "meter_decommissioned", "meter %s is decommissioned", req.MeterNumber)
	}
	agent, ok := f.agents[req.AgentID]
	switch {
	case !ok:
		return nil, core.Errorf(core.CodeUnauthorized, "agent_not_found", "agent %d does not exist", req.AgentID)
	case req.Currency != "" && req.Currency != view.Utility.Currency.Code:
		return nil, core.Errorf(core.CodeInvalid, "currency_mismatch", "meter %s is sold in %s, not %s", req.MeterNumber, view.Utility.Currency.Code, req.Currency)
	case !agent.Active:
		return nil, core.Errorf(core.CodeUnauthorized, "agent_inactive", "agent %d is not active", agent.ID)
	case agent.UtilityID != view.Utility.ID:
		return nil, core.Errorf(core.CodeInvalid, "meter_other_utility", "meter %s belongs to another utility than agent %d sells for", req.MeterNumber, agent.ID)
	case agent.Balance-req.Amount < -agent.CreditLimit:
		return nil, core.Errorf(core.CodeInsufficientFunds, "insufficient_funds", "the float of agent %d does not cover it", agent.ID)
	}
	agent.Balance -= req.Amount
	f.agents[agent.ID] = agent
	f.nextID++
	id := f.nextID
	energy := core.Energy(req.Amount / 10)
	v := &core.Vend{
		ID: id, Reference: fmt.Sprintf("VFAKE%012d", id), Channel: req.Channel, IdempotencyKey: req.IdempotencyKey,
		RequestHash: hash(req), AgentID: agent.ID, UtilityID: view.Utility.ID, MeterID: view.Meter.ID,
		MeterNumber: view.Meter.Number, Kind: view.Meter.Kind, CustomerName: view.Customer.Name, Currency: view.Utility.Currency,
		Breakdown: core.Breakdown{Paid: req.Amount, EnergyCharge: req.Amount, Energy: energy},
		Tokens: []core.VendToken{{
			Purpose: core.PurposeCredit, Kind: view.Meter.Kind.CreditKind(), Energy: energy, TID: sts.TID(id),
			Token: sts.MustParseToken(fmt.Sprintf("%020d", 10_000_000_000_000_000_000+uint64(id)*7919)),
		}},
		Status: core.VendCompleted, CreatedAt: f.Clock().UTC().Truncate(time.Second),
	}
	f.vends[k], f.hashes[k] = v, v.RequestHash
	c := *v
	return &c, nil
}

// ReverseByKey implements core.Vendor.ReverseByKey's contract.
func (f *Fake) ReverseByKey(ctx context.Context, req core.VendRequest) (core.Reversal, error) {
	if err := validate(req); err != nil {
		return core.Reversal{}, err
	}
	if err := f.wait(ctx); err != nil {
		return core.Reversal{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	k := req.Channel + "\x00" + req.IdempotencyKey
	v := f.vends[k]
	if v == nil {
		view, ok := f.meters[req.MeterNumber]
		if !ok {
			return core.Reversal{Outcome: core.ReversalVoided}, nil
		}
		now := f.Clock().UTC().Truncate(time.Second)
		v = &core.Vend{
			Channel: req.Channel, IdempotencyKey: req.IdempotencyKey, RequestHash: hash(req), AgentID: req.AgentID,
			MeterNumber: view.Meter.Number, Status: core.VendVoided, CreatedAt: now, ReversedAt: now,
			Breakdown: core.Breakdown{Paid: req.Amount},
		}
		f.vends[k], f.hashes[k] = v, v.RequestHash
		c := *v
		return core.Reversal{Outcome: core.ReversalVoided, Vend: &c}, nil
	}
	switch {
	case f.hashes[k] != hash(req):
		return core.Reversal{}, core.Errorf(core.CodeConflict, "idempotency_key_reused", "idempotency key %q belongs to a different request", req.IdempotencyKey)
	case v.Status != core.VendCompleted:
		c := *v
		return core.Reversal{Outcome: core.ReversalRepeated, Vend: &c}, nil
	case f.ReversalWindow > 0 && f.Clock().Sub(v.CreatedAt) > f.ReversalWindow:
		return core.Reversal{}, core.Errorf(core.CodeConflict, "reversal_window_passed", "vend %s is older than the reversal window", v.Reference)
	}
	v.Status, v.ReversedAt = core.VendReversed, f.Clock().UTC()
	a := f.agents[v.AgentID]
	a.Balance += v.Breakdown.Paid
	f.agents[v.AgentID] = a
	c := *v
	return core.Reversal{Outcome: core.ReversalDone, Vend: &c}, nil
}
