package backoffice

import (
	"context"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/sts"
)

// Tampering: a tamper case, reported by staff or raised from readings (consumption far beyond
// the credit a meter received, TamperSuspects), blocks vending to the meter with the case's
// reason (the meter's status blocked, the change recorded with its reason and actor), issues a
// disconnection order and records the penalty; resolving it issues the clear tamper token, a
// reconnection order, and unblocks vending.

// TamperStatus is where a case stands.
type TamperStatus string

// Tamper case statuses.
const (
	TamperOpen     TamperStatus = "open"
	TamperResolved TamperStatus = "resolved"
)

// TamperSource says how a case was raised.
type TamperSource string

// Tamper case sources.
const (
	TamperByStaff    TamperSource = "staff"    // a technician or inspector reported it
	TamperByReadings TamperSource = "readings" // the meter's readings show consumption far beyond its credit
)

// TamperCase is a case of tampering with a meter.
type TamperCase struct {
	ID          int64        `json:"id"`
	MeterID     int64        `json:"meter_id"`
	MeterNumber string       `json:"meter_number"`
	UtilityID   int64        `json:"utility_id"`
	CustomerID  int64        `json:"customer_id,omitempty"`
	Status      TamperStatus `json:"status"`
	Source      TamperSource `json:"source"`
	Reason      string       `json:"reason"`
	// Penalty is the tamper penalty charged to the customer (minor units), PenaltyChargeID the
	// customer's charge that carries it (charge.go); 0 for none.
	Penalty         core.Money `json:"penalty"`
	PenaltyChargeID int64      `json:"penalty_charge_id,omitempty"`
	ReportedBy      string     `json:"reported_by"`
	ReportedAt      time.Time  `json:"reported_at"`
	ResolvedBy      string     `json:"resolved_by,omitempty"`
	ResolvedAt      *time.Time `json:"resolved_at,omitempty"`
	Resolution      string     `json:"resolution,omitempty"`
	ClearTokenID    int64      `json:"clear_token_id,omitempty"` // the clear tamper token's engineering token record
	Version         int64      `json:"version"`
}

// OrderKind is what a field order asks a technician to do.
type OrderKind string

// Order kinds.
const (
	OrderDisconnect OrderKind = "disconnection"
	OrderReconnect  OrderKind = "reconnection"
)

// OrderStatus is where an order stands: open until a technician has done it.
type OrderStatus string

// Order statuses.
const (
	OrderOpen OrderStatus = "open"
	OrderDone OrderStatus = "done"
)

// MeterOrder is a disconnection or reconnection order for a meter.
type MeterOrder struct {
	ID           int64       `json:"id"`
	MeterID      int64       `json:"meter_id"`
	MeterNumber  string      `json:"meter_number"`
	TamperCaseID int64       `json:"tamper_case_id,omitempty"`
	Kind         OrderKind   `json:"kind"`
	Status       OrderStatus `json:"status"`
	Note         string      `json:"note"`
	CreatedBy    string      `json:"created_by"`
	CreatedAt    time.Time   `json:"created_at"`
	DoneBy       string      `json:"done_by,omitempty"`
	DoneAt       *time.Time  `json:"done_at,omitempty"`
}

// TamperQuery selects tamper cases, by ID.
type TamperQuery struct {
	UtilityID int64
	MeterID   int64
	Status    TamperStatus // "" for any
	AfterID   int64
	Limit     int // 1 to MaxListPage
}

// OrderQuery selects orders, by ID.
type OrderQuery struct {
	UtilityID    int64
	MeterID      int64
	TamperCaseID int64
	Status       OrderStatus // "" for any
	AfterID      int64
	Limit        int // 1 to MaxListPage
}

// TamperStore keeps tamper cases and orders.
type TamperStore interface {
	// OpenTamperCase stores an open case and sets its ID and Version; a meter with an open case
	// already is a duplicate.
	OpenTamperCase(ctx context.Context, c *TamperCase) error
	// SaveTamperCase saves a case at its Version (a stale version is a conflict) and moves the
	// Version on.
	SaveTamperCase(ctx context.Context, c *TamperCase) error
	// TamperCase returns a case, or not_found.
	TamperCase(ctx context.Context, id int64) (TamperCase, error)
	// TamperCases returns a page of cases.
	TamperCases(ctx context.Context, q TamperQuery) ([]TamperCase, error)
	// AddMeterOrder stores an open order and sets its ID.
	AddMeterOrder(ctx context.Context, o *MeterOrder) error
	// CompleteMeterOrder marks an open order done; an order not open is a conflict.
	CompleteMeterOrder(ctx context.Context, o *MeterOrder) error
	// MeterOrder returns an order, or not_found.
	MeterOrder(ctx context.Context, id int64) (MeterOrder, error)
	// MeterOrders returns a page of orders.
	MeterOrders(ctx context.Context, q OrderQuery) ([]MeterOrder, error)
}

// Tamper actions.
const (
	ActionTamperReport   Action = "tamper.report"
	ActionTamperResolve  Action = "tamper.resolve"
	ActionTamperRead     Action = "tamper.read"
	ActionOrderComplete  Action = "meter_order.complete"
	ActionTamperSuspects Action = "tamper.suspects"
)

// NewTamperCase reports a case.
type NewTamperCase struct {
	MeterNumber string
	Source      TamperSource // staff or readings
	Reason      string       // required: what was found
	// Penalty, when not nil, charges the customer of the meter's open contract the penalty: an
	// entry of the utility's catalogue of charges, paid at the counter or deducted from purchases.
	Penalty *TamperPenalty
}

// TamperPenalty says which entry of the catalogue of charges is the tamper penalty and how the
// customer pays it (NewCharge's Method and Share).
type TamperPenalty struct {
	ChargeTypeID int64
	Method       ChargeMethod
	Share        decimal.Decimal
}

// TamperReport is what reporting a case did.
type TamperReport struct {
	Case          TamperCase        `json:"case"`
	StatusChange  MeterStatusChange `json:"status_change"`
	Disconnection MeterOrder        `json:"disconnection"`
}

// ReportTamper opens a tamper case for an active meter of the actor's utility: vending to it is
// blocked with the case's reason, a disconnection order is issued, and the penalty, when asked
// for, is charged to the customer of the meter's open contract through the catalogue of charges
// (ChargeCustomer, in the same transaction: the actor needs its permission too).
func (s *Service) ReportTamper(ctx context.Context, a Actor, n NewTamperCase) (TamperReport, error) {
	return act(ctx, s, a, PermMetersTamper, ActionTamperReport, func(ctx context.Context) (TamperReport, Change, error) {
		reason, err := checkActionReason(n.Reason)
		if err != nil {
			return TamperReport{}, Change{}, err
		}
		switch {
		case n.Source != TamperByStaff && n.Source != TamperByReadings:
			return TamperReport{}, Change{}, core.Errorf(core.CodeInvalid, ReasonInvalidTamperCase, "a case is raised by %s or %s, not %q", TamperByStaff, TamperByReadings, n.Source).OnField("source")
		}
		m, err := s.meterStock(ctx, a, n.MeterNumber)
		if err != nil {
			return TamperReport{}, Change{}, err
		}
		if m.Status != core.MeterActive {
			return TamperReport{}, Change{}, core.Errorf(core.CodeConflict, ReasonMeterNotActive, "meter %s is %s: a tamper case blocks an active meter", m.Number, m.Status).OnField("meter_number")
		}
		now := s.now().UTC().Truncate(time.Microsecond)
		c := TamperCase{MeterID: m.MeterID, MeterNumber: m.Number, UtilityID: m.UtilityID, CustomerID: m.CustomerID, Status: TamperOpen,
			Source: n.Source, Reason: reason, ReportedBy: a.Name(), ReportedAt: now}
		if err := s.store.OpenTamperCase(ctx, &c); err != nil {
			if isDuplicate(err) {
				return TamperReport{}, Change{}, core.Errorf(core.CodeConflict, ReasonTamperCaseOpen, "meter %s has an open tamper case already", m.Number).OnField("meter_number")
			}
			return TamperReport{}, Change{}, err
		}
		if n.Penalty != nil {
			if m.ContractID == 0 {
				return TamperReport{}, Change{}, core.Errorf(core.CodeInvalid, ReasonInvalidTamperCase, "meter %s is on no open contract: there is no customer to charge the penalty", m.Number).OnField("penalty")
			}
			ch, err := s.ChargeCustomer(ctx, a, NewCharge{ContractID: m.ContractID, ChargeTypeID: n.Penalty.ChargeTypeID,
				Method: n.Penalty.Method, Share: n.Penalty.Share, Reason: fmt.Sprintf("tamper penalty of case %d", c.ID)})
			if err != nil {
				return TamperReport{}, Change{}, fieldOf(err, "penalty")
			}
			c.Penalty, c.PenaltyChargeID = ch.Amount, ch.ID
			if err := s.store.SaveTamperCase(ctx, &c); err != nil {
				return TamperReport{}, Change{}, err
			}
		}
		ch, err := s.changeMeterStatus(ctx, m, core.MeterBlocked, fmt.Sprintf("tamper case %d: %s", c.ID, reason), a.Name())
		if err != nil {
			return TamperReport{}, Change{}, err
		}
		o := MeterOrder{MeterID: m.MeterID, MeterNumber: m.Number, TamperCaseID: c.ID, Kind: OrderDisconnect, Status: OrderOpen,
			Note: fmt.Sprintf("disconnect: tamper case %d: %s", c.ID, reason), CreatedBy: a.Name(), CreatedAt: now}
		if err := s.store.AddMeterOrder(ctx, &o); err != nil {
			return TamperReport{}, Change{}, err
		}
		r := TamperReport{Case: c, StatusChange: ch, Disconnection: o}
		return r, Change{Target: tamperTarget(c.ID), After: r, Detail: core.MaskTokens(reason)}, nil
	})
}

// TamperResolution is what resolving a case did: the clear tamper token (digits for the
// operator), the meter's status change and the reconnection order.
type TamperResolution struct {
	Case         TamperCase
	Token        ShownToken
	StatusChange MeterStatusChange
	Reconnection MeterOrder
}

// ResolveTamper resolves an open case: the clear tamper token is issued for the meter (as
// IssueEngineeringToken issues it, under the meter's lock and TID counter), vending is unblocked
// and a reconnection order issued.
func (s *Service) ResolveTamper(ctx context.Context, a Actor, id int64, resolution string) (TamperResolution, error) {
	return act(ctx, s, a, PermMetersTamper, ActionTamperResolve, func(ctx context.Context) (TamperResolution, Change, error) {
		res, err := checkActionReason(resolution)
		if err != nil {
			return TamperResolution{}, Change{}, fieldOf(err, "resolution")
		}
		before, err := s.tamperCase(ctx, a, id)
		if err != nil {
			return TamperResolution{}, Change{}, err
		}
		if before.Status != TamperOpen {
			return TamperResolution{}, Change{}, core.Errorf(core.CodeConflict, ReasonTamperCaseResolved, "tamper case %d is resolved already", id)
		}
		m, err := s.meterStock(ctx, a, before.MeterNumber)
		if err != nil {
			return TamperResolution{}, Change{}, err
		}
		if m.Status != core.MeterBlocked {
			return TamperResolution{}, Change{}, core.Errorf(core.CodeConflict, ReasonMeterNotActive, "meter %s is %s, not blocked", m.Number, m.Status)
		}
		tok, _, err := s.issueEngineering(ctx, engineeringOrder{MeterNumber: m.Number, Kind: sts.KindClearTamper.String(),
			Reason: fmt.Sprintf("tamper case %d resolved: %s", id, res), Maker: actorName(a)})
		if err != nil {
			return TamperResolution{}, Change{}, err
		}
		ch, err := s.changeMeterStatus(ctx, m, core.MeterActive, fmt.Sprintf("tamper case %d resolved: %s", id, res), a.Name())
		if err != nil {
			return TamperResolution{}, Change{}, err
		}
		now := s.now().UTC().Truncate(time.Microsecond)
		o := MeterOrder{MeterID: m.MeterID, MeterNumber: m.Number, TamperCaseID: id, Kind: OrderReconnect, Status: OrderOpen,
			Note: fmt.Sprintf("reconnect: tamper case %d resolved: %s", id, res), CreatedBy: a.Name(), CreatedAt: now}
		if err := s.store.AddMeterOrder(ctx, &o); err != nil {
			return TamperResolution{}, Change{}, err
		}
		c := before
		c.Status, c.ResolvedBy, c.ResolvedAt, c.Resolution, c.ClearTokenID = TamperResolved, a.Name(), &now, res, tok.RecordID
		if err := s.store.SaveTamperCase(ctx, &c); err != nil {
			return TamperResolution{}, Change{}, err
		}
		r := TamperResolution{Case: c, Token: tok, StatusChange: ch, Reconnection: o}
		view := struct {
			Case         TamperCase        `json:"case"`
			Token        MeterTokenView    `json:"token"` // masked
			StatusChange MeterStatusChange `json:"status_change"`
			Reconnection MeterOrder        `json:"reconnection"`
		}{c, tok.MeterTokenView, ch, o}
		return r, Change{Target: tamperTarget(id), Before: before, After: view, Detail: core.MaskTokens(res)}, nil
	})
}

// CompleteOrder marks a disconnection or reconnection order done, with a note of what the
// technician found.
func (s *Service) CompleteOrder(ctx context.Context, a Actor, id int64, note string) (MeterOrder, error) {
	return act(ctx, s, a, PermMetersTamper, ActionOrderComplete, func(ctx context.Context) (MeterOrder, Change, error) {
		n, err := checkActionReason(note)
		if err != nil {
			return MeterOrder{}, Change{}, fieldOf(err, "note")
		}
		before, err := s.store.MeterOrder(ctx, id)
		if isNotFound(err) {
			return MeterOrder{}, Change{}, core.Errorf(core.CodeNotFound, ReasonOrderNotFound, "order %d does not exist", id).OnField("id")
		}
		if err != nil {
			return MeterOrder{}, Change{}, err
		}
		if _, err := s.meterStock(ctx, a, before.MeterNumber); err != nil {
			return MeterOrder{}, Change{}, err
		}
		if before.Status != OrderOpen {
			return MeterOrder{}, Change{}, core.Errorf(core.CodeConflict, ReasonOrderDone, "order %d is done already", id)
		}
		o := before
		now := s.now().UTC().Truncate(time.Microsecond)
		o.Status, o.DoneBy, o.DoneAt, o.Note = OrderDone, a.Name(), &now, before.Note+"; done: "+n
		if err := s.store.CompleteMeterOrder(ctx, &o); err != nil {
			return MeterOrder{}, Change{}, err
		}
		return o, Change{Target: "meter_order:" + itoa(id), Before: before, After: o, Detail: core.MaskTokens(n)}, nil
	})
}

// TamperCaseOf returns a case.
func (s *Service) TamperCaseOf(ctx context.Context, a Actor, id int64) (TamperCase, error) {
	return read(ctx, s, a, PermMetersRead, ActionTamperRead, func(ctx context.Context) (TamperCase, error) {
		return s.tamperCase(ctx, a, id)
	})
}

// TamperCases lists cases, by meter and status, within the actor's utility.
func (s *Service) TamperCases(ctx context.Context, a Actor, q TamperQuery) ([]TamperCase, error) {
	return read(ctx, s, a, PermMetersRead, ActionTamperRead, func(ctx context.Context) ([]TamperCase, error) {
		if err := checkLimit(&q.Limit); err != nil {
			return nil, err
		}
		if q.Status != "" && q.Status != TamperOpen && q.Status != TamperResolved {
			return nil, core.Errorf(core.CodeInvalid, ReasonInvalidTamperCase, "status %q is not open or resolved", q.Status).OnField("status")
		}
		if err := scopeUtility(a, &q.UtilityID); err != nil {
			return nil, err
		}
		return s.store.TamperCases(ctx, q)
	})
}

// MeterOrders lists disconnection and reconnection orders, within the actor's utility.
func (s *Service) MeterOrders(ctx context.Context, a Actor, q OrderQuery) ([]MeterOrder, error) {
	return read(ctx, s, a, PermMetersRead, ActionTamperRead, func(ctx context.Context) ([]MeterOrder, error) {
		if err := checkLimit(&q.Limit); err != nil {
			return nil, err
		}
		if q.Status != "" && q.Status != OrderOpen && q.Status != OrderDone {
			return nil, core.Errorf(core.CodeInvalid, ReasonInvalidTamperCase, "status %q is not open or done", q.Status).OnField("status")
		}
		if err := scopeUtility(a, &q.UtilityID); err != nil {
			return nil, err
		}
		return s.store.MeterOrders(ctx, q)
	})
}

// TamperSuspects lists the meters of a utility whose readings in (from, to] show consumption
// above ratioPercent per cent of the credit they received (sold and carried): the cases to raise
// from readings (ReportTamper with TamperByReadings). ratioPercent is at least 100.
func (s *Service) TamperSuspects(ctx context.Context, a Actor, utilityID int64, from, to time.Time, ratioPercent int64) ([]Consumption, error) {
	return read(ctx, s, a, PermMetersRead, ActionTamperSuspects, func(ctx context.Context) ([]Consumption, error) {
		if ratioPercent < 100 || ratioPercent > 100_000 {
			return nil, core.Errorf(core.CodeInvalid, ReasonInvalidTamperCase, "the ratio is 100 to 100000 per cent of the credit").OnField("ratio")
		}
		cs, err := s.consumptions(ctx, a, utilityID, from, to)
		if err != nil {
			return nil, err
		}
		var out []Consumption
		for _, c := range cs {
			if int64(c.Consumed)*100 > int64(c.Credited)*ratioPercent {
				out = append(out, c)
			}
		}
		return out, nil
	})
}

// tamperCase reads a case within the actor's utility.
func (s *Service) tamperCase(ctx context.Context, a Actor, id int64) (TamperCase, error) {
	if id <= 0 {
		return TamperCase{}, core.Errorf(core.CodeInvalid, ReasonInvalidTamperCase, "case %d is not a case's id", id).OnField("id")
	}
	c, err := s.store.TamperCase(ctx, id)
	if isNotFound(err) || err == nil && !a.InUtility(c.UtilityID) {
		return TamperCase{}, core.Errorf(core.CodeNotFound, ReasonTamperCaseNotFound, "tamper case %d does not exist", id).OnField("id")
	}
	return c, err
}

// scopeUtility sets a query's utility to the actor's, refusing another.
func scopeUtility(a Actor, utilityID *int64) error {
	if a.UtilityID() == 0 {
		return nil
	}
	if *utilityID != 0 && *utilityID != a.UtilityID() {
		return core.Errorf(core.CodeForbidden, ReasonOutOfScope, "utility %d is another utility's", *utilityID).OnField("utility_id")
	}
	*utilityID = a.UtilityID()
	return nil
}

func tamperTarget(id int64) string { return "tamper_case:" + itoa(id) }

// The reasons of tampering.
const (
	ReasonInvalidTamperCase  core.Reason = "invalid_tamper_case"
	ReasonTamperCaseNotFound core.Reason = "tamper_case_not_found"
	ReasonTamperCaseOpen     core.Reason = "tamper_case_open"     // the meter has an open case already
	ReasonTamperCaseResolved core.Reason = "tamper_case_resolved" // resolved already
	ReasonMeterNotActive     core.Reason = "meter_not_active"     // a case blocks an active meter; resolving it unblocks a blocked one
	ReasonOrderNotFound      core.Reason = "meter_order_not_found"
	ReasonOrderDone          core.Reason = "meter_order_done"
)

var tamperReasons = map[core.Reason]core.Code{
	ReasonInvalidTamperCase:  core.CodeInvalid,
	ReasonTamperCaseNotFound: core.CodeNotFound,
	ReasonTamperCaseOpen:     core.CodeConflict,
	ReasonTamperCaseResolved: core.CodeConflict,
	ReasonMeterNotActive:     core.CodeConflict,
	ReasonOrderNotFound:      core.CodeNotFound,
	ReasonOrderDone:          core.CodeConflict,
}

func init() { reasonLists = append(reasonLists, tamperReasons) }
