package backoffice

import (
	"context"
	"time"

	"github.com/vendgate/vendgate/core"
)

// ContractStatus says whether a contract is running.
type ContractStatus string

// Contract statuses.
const (
	ContractOpen   ContractStatus = "open"
	ContractClosed ContractStatus = "closed"
)

// ArrearsOutcome is what closing a contract does with the meter's arrears.
type ArrearsOutcome string

// Arrears outcomes.
const (
	// ArrearsSettle settles the arrears at closing: the customer pays them (or the utility writes
	// them off) there and then, and none remain.
	ArrearsSettle ArrearsOutcome = "settled"
	// ArrearsCarry carries the arrears to the customer: the contract records the amount as the
	// customer's debt beyond the meter.
	ArrearsCarry ArrearsOutcome = "carried"
)

// Contract ties a customer, a meter, a tariff and a site: opening it is the account opening of the
// reports; while it is open the meter is installed and can be sold to.
type Contract struct {
	ID          int64          `json:"id"`
	CustomerID  int64          `json:"customer_id"`
	Customer    string         `json:"customer"` // the customer's name
	MeterID     int64          `json:"meter_id"`
	MeterNumber string         `json:"meter_number"`
	TariffID    int64          `json:"tariff_id"`
	SiteID      int64          `json:"site_id,omitempty"`
	Status      ContractStatus `json:"status"`
	OpenedAt    time.Time      `json:"opened_at"`
	OpenedBy    string         `json:"opened_by"`
	// OpeningArrears became the meter's arrears when the contract was opened.
	OpeningArrears core.Money `json:"opening_arrears"`
	ClosedAt       *time.Time `json:"closed_at,omitempty"`
	ClosedBy       string     `json:"closed_by,omitempty"`
	// ClosingReading is the meter's register at closing, in tenths of its kind's unit.
	ClosingReading core.Energy `json:"closing_reading,omitempty"`
	// ClosingArrears were the meter's arrears at closing, settled or carried (ArrearsOutcome).
	ClosingArrears core.Money     `json:"closing_arrears,omitempty"`
	ArrearsOutcome ArrearsOutcome `json:"arrears_outcome,omitempty"`
	Version        int64          `json:"version"`
}

// ContractQuery selects contracts, by ID.
type ContractQuery struct {
	AfterID     int64
	Limit       int // 1 to MaxListPage
	UtilityID   int64
	CustomerID  int64
	MeterNumber string
	Status      ContractStatus // "" for any
}

// ContractStore keeps contracts.
type ContractStore interface {
	// OpenContract stores c (open) and installs its meter, in the store or issued (c.MeterID):
	// stock state installed, the meter's customer and tariff c's, its arrears c.OpeningArrears,
	// with the movement (from, the meter's state before) that records it. The customer must exist
	// and the tariff be the meter's utility's and of its kind; a meter with an open contract
	// already is a conflict. It sets c.ID and c.Version.
	OpenContract(ctx context.Context, c *Contract, from StockState) error
	// CloseContract closes c (open, at its Version) and frees its meter: stock state removed, no
	// contract, no arrears; it sets c.ClosingArrears to the meter's arrears at closing, records
	// the movement, and moves c.Version on.
	CloseContract(ctx context.Context, c *Contract) error
	// Contract returns a contract; not_found otherwise.
	Contract(ctx context.Context, id int64) (Contract, error)
	// Contracts returns a page of contracts.
	Contracts(ctx context.Context, q ContractQuery) ([]Contract, error)
}

// Contract actions.
const (
	ActionContractOpen  Action = "contract.open"
	ActionContractClose Action = "contract.close"
	ActionContractRead  Action = "contract.read"
)

// NewContract is what OpenContract takes.
type NewContract struct {
	CustomerID     int64
	MeterNumber    string
	TariffID       int64
	SiteID         int64 // the vending hall or office the contract belongs to; 0 for none
	OpeningArrears core.Money
}

// OpenContract opens a contract: the meter, in the store or issued to a technician and on no
// other open contract, is installed at the customer on the tariff, and the opening arrears become
// the meter's arrears. From then on the meter can be sold to.
func (s *Service) OpenContract(ctx context.Context, a Actor, n NewContract) (Contract, error) {
	return act(ctx, s, a, PermCustomersManage, ActionContractOpen, func(ctx context.Context) (Contract, Change, error) {
		bad := func(field, format string, args ...any) (Contract, Change, error) {
			return Contract{}, Change{}, core.Errorf(core.CodeInvalid, ReasonInvalidContract, format, args...).OnField(field)
		}
		switch {
		case n.CustomerID <= 0:
			return bad("customer_id", "the customer is required")
		case n.TariffID <= 0:
			return bad("tariff_id", "the tariff is required")
		case n.SiteID < 0:
			return bad("site_id", "site %d is not a site (0 for none)", n.SiteID)
		case n.OpeningArrears < 0:
			return bad("opening_arrears", "the opening arrears must not be negative")
		}
		m, err := s.meterStock(ctx, a, n.MeterNumber)
		if err != nil {
			return Contract{}, Change{}, err
		}
		if m.ContractID != 0 {
			return Contract{}, Change{}, core.Errorf(core.CodeConflict, ReasonMeterOnContract, "meter %s is on open contract %d", m.Number, m.ContractID).OnField("meter_number")
		}
		if m.State != StockInStore && m.State != StockIssued {
			return Contract{}, Change{}, core.Errorf(core.CodeConflict, ReasonMeterNotInStore,
				"meter %s is %s: a contract takes a meter in the store or issued to a technician", m.Number, m.State).OnField("meter_number")
		}
		if m.Status == core.MeterDecommissioned {
			return Contract{}, Change{}, core.Errorf(core.CodeConflict, core.ReasonMeterDecommissionedForGood, "meter %s is decommissioned: it cannot be installed again", m.Number).OnField("meter_number")
		}
		if err := CheckStockMove(m.Number, m.State, StockInstalled); err != nil {
			return Contract{}, Change{}, err
		}
		c := Contract{CustomerID: n.CustomerID, MeterID: m.MeterID, MeterNumber: m.Number, TariffID: n.TariffID, SiteID: n.SiteID,
			Status: ContractOpen, OpenedAt: s.now().UTC().Truncate(time.Microsecond), OpenedBy: a.Name(), OpeningArrears: n.OpeningArrears}
		if err := s.store.OpenContract(ctx, &c, m.State); err != nil {
			if isDuplicate(err) {
				return Contract{}, Change{}, core.Errorf(core.CodeConflict, ReasonMeterOnContract, "meter %s was put on another contract meanwhile", m.Number).OnField("meter_number")
			}
			return Contract{}, Change{}, err
		}
		return c, Change{Target: contractTarget(c.ID), After: c}, nil
	})
}

// CloseContract closes an open contract with the meter's reading: the meter is freed (stock state
// removed, no longer sold to) and its arrears are settled or carried to the customer, as the
// contract records.
func (s *Service) CloseContract(ctx context.Context, a Actor, id int64, reading core.Energy, outcome ArrearsOutcome) (Contract, error) {
	return act(ctx, s, a, PermCustomersManage, ActionContractClose, func(ctx context.Context) (Contract, Change, error) {
		switch {
		case reading < 0:
			return Contract{}, Change{}, core.Errorf(core.CodeInvalid, ReasonInvalidContract, "the reading must not be negative").OnField("reading")
		case outcome != ArrearsSettle && outcome != ArrearsCarry:
			return Contract{}, Change{}, core.Errorf(core.CodeInvalid, ReasonInvalidContract, "the arrears are %s or %s, not %q", ArrearsSettle, ArrearsCarry, outcome).OnField("arrears")
		}
		before, err := s.contract(ctx, a, id)
		if err != nil {
			return Contract{}, Change{}, err
		}
		if before.Status != ContractOpen {
			return Contract{}, Change{}, core.Errorf(core.CodeConflict, ReasonContractClosed, "contract %d is closed already", id)
		}
		c := before
		at := s.now().UTC().Truncate(time.Microsecond)
		c.Status, c.ClosedAt, c.ClosedBy, c.ClosingReading, c.ArrearsOutcome = ContractClosed, &at, a.Name(), reading, outcome
		if err := s.store.CloseContract(ctx, &c); err != nil {
			return Contract{}, Change{}, err
		}
		return c, Change{Target: contractTarget(c.ID), Before: before, After: c}, nil
	})
}

// ContractOf returns a contract.
func (s *Service) ContractOf(ctx context.Context, a Actor, id int64) (Contract, error) {
	return read(ctx, s, a, PermCustomersRead, ActionContractRead, func(ctx context.Context) (Contract, error) {
		return s.contract(ctx, a, id)
	})
}

// Contracts lists contracts, by customer, by meter and by status, within the actor's utility.
func (s *Service) Contracts(ctx context.Context, a Actor, q ContractQuery) ([]Contract, error) {
	return read(ctx, s, a, PermCustomersRead, ActionContractRead, func(ctx context.Context) ([]Contract, error) {
		if err := checkLimit(&q.Limit); err != nil {
			return nil, err
		}
		switch q.Status {
		case "", ContractOpen, ContractClosed:
		default:
			return nil, core.Errorf(core.CodeInvalid, ReasonInvalidContract, "status %q is not open or closed", q.Status).OnField("status")
		}
		if q.MeterNumber != "" {
			if _, err := core.ParseMeterNumber(q.MeterNumber); err != nil {
				return nil, core.AsError(err).OnField("meter_number")
			}
		}
		if a.UtilityID() != 0 {
			if q.UtilityID != 0 && q.UtilityID != a.UtilityID() {
				return nil, core.Errorf(core.CodeForbidden, ReasonOutOfScope, "utility %d is another utility's", q.UtilityID).OnField("utility_id")
			}
			q.UtilityID = a.UtilityID()
		}
		return s.store.Contracts(ctx, q)
	})
}

// contract reads a contract within the actor's utility (its meter's).
func (s *Service) contract(ctx context.Context, a Actor, id int64) (Contract, error) {
	if id <= 0 {
		return Contract{}, core.Errorf(core.CodeInvalid, ReasonInvalidContract, "contract %d is not a contract's id", id).OnField("id")
	}
	c, err := s.store.Contract(ctx, id)
	if isNotFound(err) {
		return Contract{}, core.Errorf(core.CodeNotFound, ReasonContractNotFound, "contract %d does not exist", id).OnField("id")
	}
	if err != nil {
		return Contract{}, err
	}
	if _, err := s.meterStock(ctx, a, c.MeterNumber); err != nil {
		return Contract{}, err
	}
	return c, nil
}

func contractTarget(id int64) string { return "contract:" + itoa(id) }

// The reasons of contracts.
const (
	ReasonInvalidContract  core.Reason = "invalid_contract"
	ReasonContractNotFound core.Reason = "contract_not_found"
	ReasonContractClosed   core.Reason = "contract_closed"
	ReasonMeterOnContract  core.Reason = "meter_on_contract"  // the meter is on another open contract
	ReasonMeterNotInStore  core.Reason = "meter_not_in_store" // a contract takes a meter in the store or issued
)

var contractReasons = map[core.Reason]core.Code{
	ReasonInvalidContract:  core.CodeInvalid,
	ReasonContractNotFound: core.CodeNotFound,
	ReasonContractClosed:   core.CodeConflict,
	ReasonMeterOnContract:  core.CodeConflict,
	ReasonMeterNotInStore:  core.CodeConflict,
}

func init() { reasonLists = append(reasonLists, contractReasons) }
