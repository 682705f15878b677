package backoffice

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/vendgate/vendgate/core"
)

// StockState is where a meter is in the utility's meter storage. It sits beside the meter's
// vending status (core.MeterStatus: active, blocked, decommissioned), which says whether a token
// may be made for it; a meter is sold to only while installed on an open contract.
type StockState string

// Stock states.
const (
	StockInStore   StockState = "in_store"  // received, on the shelf
	StockIssued    StockState = "issued"    // handed to a technician, named on the move
	StockInstalled StockState = "installed" // on an open contract (OpenContract)
	StockRemoved   StockState = "removed"   // taken off its contract (CloseContract)
	StockFaulty    StockState = "faulty"    // awaiting repair or the manufacturer
	StockScrapped  StockState = "scrapped"  // out of service for good: final
)

// stockMoves is the table of allowed moves: each state with the states a meter may move to from
// it. Installing is OpenContract's and removing CloseContract's: MoveMeter does neither.
var stockMoves = map[StockState][]StockState{
	StockInStore:   {StockIssued, StockInstalled, StockFaulty, StockScrapped},
	StockIssued:    {StockInStore, StockInstalled, StockFaulty},
	StockInstalled: {StockRemoved},
	StockRemoved:   {StockInStore, StockFaulty, StockScrapped},
	StockFaulty:    {StockInStore, StockScrapped},
	StockScrapped:  nil,
}

// StockStates returns every stock state, in the order a meter goes through them.
func StockStates() []StockState {
	return []StockState{StockInStore, StockIssued, StockInstalled, StockRemoved, StockFaulty, StockScrapped}
}

// ParseStockState returns a known stock state.
func ParseStockState(s string) (StockState, error) {
	st := StockState(s)
	if _, ok := stockMoves[st]; !ok {
		return "", core.Errorf(core.CodeInvalid, ReasonInvalidStockState, "stock state %q is not one of %s", s, joinStates(StockStates())).OnField("state")
	}
	return st, nil
}

// CheckStockMove refuses a move the table does not allow, naming both states.
func CheckStockMove(number string, from, to StockState) error {
	if _, err := ParseStockState(string(to)); err != nil {
		return err
	}
	if slices.Contains(stockMoves[from], to) {
		return nil
	}
	why := "allowed from " + string(from) + ": " + joinStates(stockMoves[from])
	if len(stockMoves[from]) == 0 {
		why = string(from) + " is final"
	}
	return core.Errorf(core.CodeInvalid, ReasonStockMoveRefused, "meter %s cannot move from %s to %s (%s)", number, from, to, why).OnField("state")
}

func joinStates(states []StockState) string {
	s := make([]string, len(states))
	for i, st := range states {
		s[i] = string(st)
	}
	return strings.Join(s, ", ")
}

// MeterStock is a meter as the store keeps it: its stock state beside its vending status.
type MeterStock struct {
	MeterID    int64            `json:"meter_id"`
	Number     string           `json:"number"`
	Kind       core.MeterKind   `json:"kind"`
	UtilityID  int64            `json:"utility_id"`
	Status     core.MeterStatus `json:"status"`
	State      StockState       `json:"state"`
	Technician string           `json:"technician,omitempty"`
	BatchID    int64            `json:"batch_id,omitempty"`
	ContractID int64            `json:"contract_id,omitempty"`
	CustomerID int64            `json:"customer_id,omitempty"`
}

// Movement is one move of a meter between stock states: from, to, who (the actor's name), when,
// why, and the technician it was issued to or the contract it was installed on or removed from.
type Movement struct {
	ID          int64      `json:"id"`
	MeterID     int64      `json:"meter_id"`
	MeterNumber string     `json:"meter_number"`
	From        StockState `json:"from"` // "" when the meter was received
	To          StockState `json:"to"`
	At          time.Time  `json:"at"`
	Actor       string     `json:"actor"`
	Reason      string     `json:"reason"`
	Technician  string     `json:"technician,omitempty"`
	ContractID  int64      `json:"contract_id,omitempty"`
	BatchID     int64      `json:"batch_id,omitempty"`
}

// StockQuery selects meters in storage, by ID.
type StockQuery struct {
	AfterID   int64
	Limit     int        // 1 to MaxListPage
	UtilityID int64      // 0 for any
	State     StockState // "" for any
	BatchID   int64      // 0 for any
}

// MaxListPage bounds the records one list returns.
const MaxListPage = 1000

// InventoryStore keeps meter storage.
type InventoryStore interface {
	// MeterStock returns a meter's place in storage by number; not_found otherwise.
	MeterStock(ctx context.Context, number string) (MeterStock, error)
	// MoveMeter records mv and moves its meter to mv.To (with mv.Technician, "" unless issued),
	// provided the meter is still in mv.From (a stale conflict otherwise); it sets mv.ID.
	MoveMeter(ctx context.Context, mv *Movement) error
	// Movements returns a meter's moves, oldest first.
	Movements(ctx context.Context, meterID int64) ([]Movement, error)
	// StockMeters returns a page of meters in storage.
	StockMeters(ctx context.Context, q StockQuery) ([]MeterStock, error)
	ImportStore
}

// Inventory actions.
const (
	ActionMeterMove   Action = "meter.move"
	ActionMeterImport Action = "meter.import"
)

// StockMove asks to move a meter to another stock state.
type StockMove struct {
	MeterNumber string
	To          StockState
	Reason      string // required: why the meter moves
	Technician  string // who receives it: required for issued, empty otherwise
}

// MaxReasonLength bounds a reason an operator types.
const MaxReasonLength = 500

// MoveMeter moves a meter between stock states, as the table of moves allows (installing and
// removing are OpenContract's and CloseContract's), and records the move.
func (s *Service) MoveMeter(ctx context.Context, a Actor, m StockMove) (MeterStock, error) {
	return act(ctx, s, a, PermMetersManage, ActionMeterMove, func(ctx context.Context) (MeterStock, Change, error) {
		reason, err := checkReason(m.Reason)
		if err != nil {
			return MeterStock{}, Change{}, err
		}
		technician := strings.TrimSpace(m.Technician)
		switch {
		case m.To == StockIssued && technician == "":
			return MeterStock{}, Change{}, core.Errorf(core.CodeInvalid, ReasonInvalidStockMove, "a meter is issued to a technician: name them").OnField("technician")
		case m.To != StockIssued && technician != "":
			return MeterStock{}, Change{}, core.Errorf(core.CodeInvalid, ReasonInvalidStockMove, "only an issued meter has a technician").OnField("technician")
		case len(technician) > 200:
			return MeterStock{}, Change{}, core.Errorf(core.CodeInvalid, ReasonInvalidStockMove, "the technician's name is longer than 200 characters").OnField("technician")
		}
		before, err := s.meterStock(ctx, a, m.MeterNumber)
		if err != nil {
			return MeterStock{}, Change{}, err
		}
		if err := CheckStockMove(before.Number, before.State, m.To); err != nil {
			return MeterStock{}, Change{}, err
		}
		switch {
		case m.To == StockInstalled:
			return MeterStock{}, Change{}, core.Errorf(core.CodeInvalid, ReasonStockMoveRefused, "meter %s is installed by opening a contract for it", before.Number).OnField("state")
		case before.State == StockInstalled:
			return MeterStock{}, Change{}, core.Errorf(core.CodeInvalid, ReasonStockMoveRefused, "meter %s is removed by closing its contract %d", before.Number, before.ContractID).OnField("state")
		}
		mv := Movement{MeterID: before.MeterID, MeterNumber: before.Number, From: before.State, To: m.To,
			At: s.now().UTC().Truncate(time.Microsecond), Actor: a.Name(), Reason: reason, Technician: technician}
		if err := s.store.MoveMeter(ctx, &mv); err != nil {
			return MeterStock{}, Change{}, err
		}
		after := before
		after.State, after.Technician = m.To, technician
		return after, Change{Target: stockTarget(before.MeterID), Before: before, After: after, Detail: reason}, nil
	})
}

// MeterStockOf returns a meter's place in storage.
func (s *Service) MeterStockOf(ctx context.Context, a Actor, number string) (MeterStock, error) {
	return read(ctx, s, a, PermMetersRead, ActionMeterMove, func(ctx context.Context) (MeterStock, error) {
		return s.meterStock(ctx, a, number)
	})
}

// MeterMovements returns a meter's moves, oldest first.
func (s *Service) MeterMovements(ctx context.Context, a Actor, number string) ([]Movement, error) {
	return read(ctx, s, a, PermMetersRead, ActionMeterMove, func(ctx context.Context) ([]Movement, error) {
		m, err := s.meterStock(ctx, a, number)
		if err != nil {
			return nil, err
		}
		return s.store.Movements(ctx, m.MeterID)
	})
}

// StockMeters lists meters in storage: by state, by batch, within the actor's utility.
func (s *Service) StockMeters(ctx context.Context, a Actor, q StockQuery) ([]MeterStock, error) {
	return read(ctx, s, a, PermMetersRead, ActionMeterMove, func(ctx context.Context) ([]MeterStock, error) {
		if err := checkLimit(&q.Limit); err != nil {
			return nil, err
		}
		if q.State != "" {
			if _, err := ParseStockState(string(q.State)); err != nil {
				return nil, err
			}
		}
		if a.UtilityID() != 0 {
			if q.UtilityID != 0 && q.UtilityID != a.UtilityID() {
				return nil, core.Errorf(core.CodeForbidden, ReasonOutOfScope, "utility %d is another utility's", q.UtilityID).OnField("utility_id")
			}
			q.UtilityID = a.UtilityID()
		}
		return s.store.StockMeters(ctx, q)
	})
}

// meterStock reads a meter by number, within the actor's utility.
func (s *Service) meterStock(ctx context.Context, a Actor, number string) (MeterStock, error) {
	if _, err := core.ParseMeterNumber(number); err != nil {
		return MeterStock{}, core.AsError(err).OnField("meter_number")
	}
	m, err := s.store.MeterStock(ctx, number)
	if isNotFound(err) {
		return MeterStock{}, core.Errorf(core.CodeNotFound, core.ReasonMeterNotFound, "meter %s is not registered", number).OnField("meter_number")
	}
	if err != nil {
		return MeterStock{}, err
	}
	if !a.InUtility(m.UtilityID) {
		return MeterStock{}, core.Errorf(core.CodeForbidden, ReasonOutOfScope, "meter %s belongs to another utility", number).OnField("meter_number")
	}
	return m, nil
}

// checkReason trims a reason an operator gives and refuses an empty or overlong one.
func checkReason(reason string) (string, error) {
	r := strings.TrimSpace(reason)
	switch {
	case r == "":
		return "", core.Errorf(core.CodeInvalid, ReasonInvalidStockMove, "a reason is required").OnField("reason")
	case len(r) > MaxReasonLength:
		return "", core.Errorf(core.CodeInvalid, ReasonInvalidStockMove, "the reason is longer than %d characters", MaxReasonLength).OnField("reason")
	}
	return r, nil
}

// checkLimit defaults a page's limit to 100 and refuses one outside 1 to MaxListPage.
func checkLimit(limit *int) error {
	switch {
	case *limit == 0:
		*limit = 100
	case *limit < 0 || *limit > MaxListPage:
		return core.Errorf(core.CodeInvalid, ReasonInvalidListPage, "limit %d is not 1..%d", *limit, MaxListPage).OnField("limit")
	}
	return nil
}

func stockTarget(id int64) string { return "meter:" + itoa(id) }

// The reasons of meter storage.
const (
	ReasonInvalidStockState core.Reason = "invalid_stock_state"
	ReasonStockMoveRefused  core.Reason = "stock_move_refused" // the table of moves does not allow it; both states named
	ReasonInvalidStockMove  core.Reason = "invalid_stock_move" // a reason or a technician missing or too long
	ReasonInvalidListPage   core.Reason = "invalid_page"
	ReasonInvalidMeterRow   core.Reason = "invalid_meter_row" // a row of an import; row and column named
	ReasonInvalidBatch      core.Reason = "invalid_batch"
	ReasonDuplicateBatch    core.Reason = "duplicate_batch"
)

var inventoryReasons = map[core.Reason]core.Code{
	ReasonInvalidStockState: core.CodeInvalid,
	ReasonStockMoveRefused:  core.CodeInvalid,
	ReasonInvalidStockMove:  core.CodeInvalid,
	ReasonInvalidListPage:   core.CodeInvalid,
	ReasonInvalidMeterRow:   core.CodeInvalid,
	ReasonInvalidBatch:      core.CodeInvalid,
	ReasonDuplicateBatch:    core.CodeDuplicate,
}

func init() { reasonLists = append(reasonLists, inventoryReasons) }
