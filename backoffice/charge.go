package backoffice

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vendgate/vendgate/core"
)

// Charges: a utility's catalogue of petty charges (a reconnection fee, a tamper penalty, a
// capacity increase, meter freezing, a handling charge ... the kinds are data), charged to a
// customer's open contract with a reason, and either collected at the counter (a cash receipt) or
// deducted from the meter's next purchases at a set share until paid (core's Price takes it as
// the breakdown's Fees, with its receipt line). Each charge is a ledger account of its own
// (core.ChargeAccount): debited when charged against utility:<u>:charges, credited by what is
// collected (against utility:<u>:cash) or deducted, so that what remains of it is recomputable.

// ChargeType is one entry of a utility's catalogue of charges.
type ChargeType struct {
	ID        int64      `json:"id"`
	UtilityID int64      `json:"utility_id"`
	Code      string     `json:"code"` // unique in the utility: "RECON"
	Name      string     `json:"name"`
	Kind      string     `json:"kind"` // "reconnection_fee", "tamper_penalty" ...: data, not a fixed list
	Amount    core.Money `json:"amount"`
	Active    bool       `json:"active"`
	Version   int64      `json:"version"`
}

// ChargeMethod is how a customer pays a charge.
type ChargeMethod string

// Charge methods.
const (
	ChargeAtCounter ChargeMethod = "counter" // collected at the counter, in cash
	ChargeDeducted  ChargeMethod = "deduct"  // deducted from the meter's next purchases at a share
)

// ChargeStatus says whether a charge is paid.
type ChargeStatus string

// Charge statuses.
const (
	ChargeOutstanding ChargeStatus = "outstanding"
	ChargePaid        ChargeStatus = "paid"
)

// CustomerCharge is a charge made to a customer's contract.
type CustomerCharge struct {
	ID           int64           `json:"id"`
	UtilityID    int64           `json:"utility_id"`
	CustomerID   int64           `json:"customer_id"`
	ContractID   int64           `json:"contract_id"`
	MeterID      int64           `json:"meter_id"`
	ChargeTypeID int64           `json:"charge_type_id"`
	Code         string          `json:"code"`
	Name         string          `json:"name"`
	Kind         string          `json:"kind"`
	Amount       core.Money      `json:"amount"`
	Remaining    core.Money      `json:"remaining"`
	Method       ChargeMethod    `json:"method"`
	Share        decimal.Decimal `json:"share"` // of each purchase, for a deducted charge
	Status       ChargeStatus    `json:"status"`
	Reason       string          `json:"reason"`
	ChargedBy    string          `json:"charged_by"`
	ChargedAt    time.Time       `json:"charged_at"`
	// ReceiptNumber is the cash receipt's of a charge collected at the counter, "" until then.
	ReceiptNumber string     `json:"receipt_number,omitempty"`
	CollectedBy   string     `json:"collected_by,omitempty"`
	CollectedAt   *time.Time `json:"collected_at,omitempty"`
	// Collected is what the counter took (what remained of the charge then).
	Collected core.Money `json:"collected,omitempty"`
	// Currency is the utility's currency code, set on a charge CollectCharge returns (for its
	// receipt).
	Currency string `json:"currency,omitempty"`
}

// ChargeReceipt is a charge collected at the counter and its receipt's lines.
type ChargeReceipt struct {
	Charge CustomerCharge `json:"charge"`
	Lines  []string       `json:"lines"`
}

// ChargeStore keeps the catalogue of charges and customers' charges with their ledger entries.
type ChargeStore interface {
	// CreateChargeType stores a new catalogue entry and sets its ID and Version; a code the
	// utility has already is a duplicate.
	CreateChargeType(ctx context.Context, t *ChargeType) error
	// SaveChargeType updates an entry at its Version (a stale version is a conflict) and moves
	// the Version on.
	SaveChargeType(ctx context.Context, t *ChargeType) error
	// ChargeType returns an entry, or not_found.
	ChargeType(ctx context.Context, id int64) (ChargeType, error)
	// ChargeTypes returns a utility's catalogue, by code; inactive entries too when all is set.
	ChargeTypes(ctx context.Context, utilityID int64, all bool) ([]ChargeType, error)
	// AddCustomerCharge stores a charge (its Remaining its Amount) and posts core.ChargeAccount
	// debited and utility:<u>:charges credited by its amount; it sets the ID.
	AddCustomerCharge(ctx context.Context, c *CustomerCharge) error
	// CollectCharge takes what remains of an outstanding charge at the counter: the charge paid
	// with its receipt number (and its utility's Currency), the entries core.ChargeAccount credited and utility:<u>:cash
	// debited. A charge paid already is a conflict (ReasonChargePaid).
	CollectCharge(ctx context.Context, id int64, by string, at time.Time) (CustomerCharge, error)
	// CustomerCharge returns a charge, or not_found.
	CustomerCharge(ctx context.Context, id int64) (CustomerCharge, error)
	// ContractCharges returns a contract's charges, by ID.
	ContractCharges(ctx context.Context, contractID int64) ([]CustomerCharge, error)
}

// Charge actions.
const (
	ActionChargeTypeCreate     Action = "charge_type.create"
	ActionChargeTypeUpdate     Action = "charge_type.update"
	ActionChargeTypeDeactivate Action = "charge_type.deactivate"
	ActionChargeTypeRead       Action = "charge_type.read"
	ActionChargeCustomer       Action = "customer.charge"
	ActionChargeCollect        Action = "customer.charge_collect"
	ActionChargeRead           Action = "customer.charge_read"
)

// The reasons of charges.
const (
	ReasonInvalidChargeType  core.Reason = "invalid_charge_type"
	ReasonChargeTypeNotFound core.Reason = "charge_type_not_found"
	ReasonChargeTypeTaken    core.Reason = "charge_type_code_taken"
	ReasonChargeTypeInactive core.Reason = "charge_type_inactive"
	ReasonInvalidCharge      core.Reason = "invalid_charge"
	ReasonChargeNotFound     core.Reason = "charge_not_found"
	ReasonChargePaid         core.Reason = "charge_paid"
)

var chargeReasons = map[core.Reason]core.Code{
	ReasonInvalidChargeType:  core.CodeInvalid,
	ReasonChargeTypeNotFound: core.CodeNotFound,
	ReasonChargeTypeTaken:    core.CodeConflict,
	ReasonChargeTypeInactive: core.CodeConflict,
	ReasonInvalidCharge:      core.CodeInvalid,
	ReasonChargeNotFound:     core.CodeNotFound,
	ReasonChargePaid:         core.CodeConflict,
}

func init() { reasonLists = append(reasonLists, chargeReasons) }

var (
	chargeCodePattern = regexp.MustCompile(`^[A-Z0-9][A-Z0-9_-]{0,15}$`)
	chargeKindPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)
)

// SuggestedChargeKinds are the kinds of charge utilities commonly keep; a catalogue may use any
// other kind of the same form.
var SuggestedChargeKinds = []string{"reconnection_fee", "tamper_penalty", "capacity_increase", "meter_freezing", "handling_charge"}

// checkChargeType checks a catalogue entry's fields, normalising the code to upper case.
func checkChargeType(t *ChargeType) error {
	bad := func(field, format string, args ...any) error {
		return core.Errorf(core.CodeInvalid, ReasonInvalidChargeType, format, args...).OnField(field)
	}
	t.Code, t.Name, t.Kind = strings.ToUpper(strings.TrimSpace(t.Code)), strings.TrimSpace(t.Name), strings.TrimSpace(t.Kind)
	switch {
	case !chargeCodePattern.MatchString(t.Code):
		return bad("code", "a code is 1 to 16 letters, digits, - or _")
	case t.Name == "" || len([]rune(t.Name)) > 100:
		return bad("name", "a name has 1 to 100 characters")
	case !chargeKindPattern.MatchString(t.Kind):
		return bad("kind", "a kind is 1 to 40 lower-case letters, digits or _ (such as %s)", strings.Join(SuggestedChargeKinds, ", "))
	case t.Amount <= 0 || t.Amount > maxAdjustment:
		return bad("amount", "an amount is positive, at most %d minor units", maxAdjustment)
	}
	return nil
}

func chargeTypeTarget(id int64) string { return "charge_type:" + itoa(id) }
func chargeTarget(id int64) string     { return "charge:" + itoa(id) }

// inUtility refuses a record of a utility other than the actor's.
func inUtility(a Actor, utilityID int64, what string) error {
	if !a.InUtility(utilityID) {
		return core.Errorf(core.CodeForbidden, ReasonOutOfScope, "%s belongs to another utility", what)
	}
	return nil
}

// CreateChargeType adds an entry to a utility's catalogue of charges.
func (s *Service) CreateChargeType(ctx context.Context, a Actor, t ChargeType) (ChargeType, error) {
	return act(ctx, s, a, PermChargesManage, ActionChargeTypeCreate, func(ctx context.Context) (ChargeType, Change, error) {
		if t.UtilityID <= 0 {
			return ChargeType{}, Change{}, core.Errorf(core.CodeInvalid, ReasonInvalidChargeType, "the utility is required").OnField("utility_id")
		}
		if err := inUtility(a, t.UtilityID, "utility "+itoa(t.UtilityID)); err != nil {
			return ChargeType{}, Change{}, err
		}
		if err := checkChargeType(&t); err != nil {
			return ChargeType{}, Change{}, err
		}
		t.ID, t.Active = 0, true
		if err := s.store.CreateChargeType(ctx, &t); err != nil {
			if isDuplicate(err) {
				return ChargeType{}, Change{}, core.Errorf(core.CodeConflict, ReasonChargeTypeTaken, "utility %d has a charge %s already", t.UtilityID, t.Code).OnField("code")
			}
			return ChargeType{}, Change{}, err
		}
		return t, Change{Target: chargeTypeTarget(t.ID), After: t}, nil
	})
}

// UpdateChargeType changes an entry's code, name, kind and amount, at the version read; charges
// made before keep their amount.
func (s *Service) UpdateChargeType(ctx context.Context, a Actor, t ChargeType) (ChargeType, error) {
	return act(ctx, s, a, PermChargesManage, ActionChargeTypeUpdate, func(ctx context.Context) (ChargeType, Change, error) {
		before, err := s.chargeType(ctx, a, t.ID)
		if err != nil {
			return ChargeType{}, Change{}, err
		}
		after := before
		after.Code, after.Name, after.Kind, after.Amount, after.Version = t.Code, t.Name, t.Kind, t.Amount, t.Version
		if err := checkChargeType(&after); err != nil {
			return ChargeType{}, Change{}, err
		}
		if err := s.saveChargeType(ctx, &after); err != nil {
			return ChargeType{}, Change{}, err
		}
		return after, Change{Target: chargeTypeTarget(t.ID), Before: before, After: after}, nil
	})
}

// DeactivateChargeType takes an entry out of the catalogue (no new charges of it), at the version
// read; charges made of it stay.
func (s *Service) DeactivateChargeType(ctx context.Context, a Actor, id, version int64) (ChargeType, error) {
	return act(ctx, s, a, PermChargesManage, ActionChargeTypeDeactivate, func(ctx context.Context) (ChargeType, Change, error) {
		before, err := s.chargeType(ctx, a, id)
		if err != nil {
			return ChargeType{}, Change{}, err
		}
		after := before
		after.Active, after.Version = false, version
		if err := s.saveChargeType(ctx, &after); err != nil {
			return ChargeType{}, Change{}, err
		}
		return after, Change{Target: chargeTypeTarget(id), Before: before, After: after}, nil
	})
}

func (s *Service) saveChargeType(ctx context.Context, t *ChargeType) error {
	err := s.store.SaveChargeType(ctx, t)
	if isDuplicate(err) {
		return core.Errorf(core.CodeConflict, ReasonChargeTypeTaken, "utility %d has a charge %s already", t.UtilityID, t.Code).OnField("code")
	}
	return err
}

// ChargeTypes returns a utility's catalogue, by code (inactive entries too with all).
func (s *Service) ChargeTypes(ctx context.Context, a Actor, utilityID int64, all bool) ([]ChargeType, error) {
	return read(ctx, s, a, PermCustomersRead, ActionChargeTypeRead, func(ctx context.Context) ([]ChargeType, error) {
		if err := inUtility(a, utilityID, "utility "+itoa(utilityID)); err != nil {
			return nil, err
		}
		return s.store.ChargeTypes(ctx, utilityID, all)
	})
}

// chargeType reads an entry of the actor's utility.
func (s *Service) chargeType(ctx context.Context, a Actor, id int64) (ChargeType, error) {
	t, err := s.store.ChargeType(ctx, id)
	if isNotFound(err) {
		return t, core.Errorf(core.CodeNotFound, ReasonChargeTypeNotFound, "charge type %d does not exist", id).OnField("charge_type_id")
	}
	if err != nil {
		return t, err
	}
	return t, inUtility(a, t.UtilityID, chargeTypeTarget(id))
}

// NewCharge charges a customer's open contract with an entry of the catalogue. Method says how
// it is paid; a deducted charge takes Share (above 0, at most 1) of each purchase.
type NewCharge struct {
	ContractID   int64
	ChargeTypeID int64
	Method       ChargeMethod
	Share        decimal.Decimal
	Reason       string
}

// ChargeCustomer charges a customer's open contract with an entry of its utility's catalogue, at
// the entry's amount, with a reason.
func (s *Service) ChargeCustomer(ctx context.Context, a Actor, n NewCharge) (CustomerCharge, error) {
	return act(ctx, s, a, PermChargesCollect, ActionChargeCustomer, func(ctx context.Context) (CustomerCharge, Change, error) {
		bad := func(field, format string, args ...any) (CustomerCharge, Change, error) {
			return CustomerCharge{}, Change{}, core.Errorf(core.CodeInvalid, ReasonInvalidCharge, format, args...).OnField(field)
		}
		switch {
		case n.Method != ChargeAtCounter && n.Method != ChargeDeducted:
			return bad("method", "a charge is paid at the %s or deducted (%s) from purchases, not %q", ChargeAtCounter, ChargeDeducted, n.Method)
		case n.Method == ChargeDeducted && (!n.Share.IsPositive() || n.Share.GreaterThan(decimal.NewFromInt(1))):
			return bad("share", "a deducted charge takes a share of each purchase above 0 and at most 1")
		case n.Method == ChargeAtCounter && !n.Share.IsZero():
			return bad("share", "only a deducted charge takes a share")
		}
		reason, err := checkDebtReason(n.Reason)
		if err != nil {
			return bad("reason", "a charge needs a reason of 1 to 200 characters")
		}
		c, err := s.contract(ctx, a, n.ContractID)
		if err != nil {
			return CustomerCharge{}, Change{}, err
		}
		if c.Status != ContractOpen {
			return CustomerCharge{}, Change{}, core.Errorf(core.CodeConflict, ReasonContractClosed, "contract %d is closed", c.ID).OnField("contract_id")
		}
		t, err := s.chargeType(ctx, a, n.ChargeTypeID)
		if err != nil {
			return CustomerCharge{}, Change{}, err
		}
		m, err := s.meterStock(ctx, a, c.MeterNumber)
		if err != nil {
			return CustomerCharge{}, Change{}, err
		}
		switch {
		case !t.Active:
			return CustomerCharge{}, Change{}, core.Errorf(core.CodeConflict, ReasonChargeTypeInactive, "charge %s is no longer in the catalogue", t.Code).OnField("charge_type_id")
		case t.UtilityID != m.UtilityID:
			return bad("charge_type_id", "charge %s is another utility's", t.Code)
		}
		share := n.Share
		if n.Method == ChargeAtCounter {
			share = decimal.Zero
		}
		ch := CustomerCharge{UtilityID: t.UtilityID, CustomerID: c.CustomerID, ContractID: c.ID, MeterID: c.MeterID, ChargeTypeID: t.ID,
			Code: t.Code, Name: t.Name, Kind: t.Kind, Amount: t.Amount, Remaining: t.Amount, Method: n.Method, Share: share,
			Status: ChargeOutstanding, Reason: reason, ChargedBy: a.Name(), ChargedAt: s.now().UTC().Truncate(time.Microsecond)}
		if err := s.store.AddCustomerCharge(ctx, &ch); err != nil {
			return CustomerCharge{}, Change{}, err
		}
		return ch, Change{Target: chargeTarget(ch.ID), After: ch, Detail: reason}, nil
	})
}

// CollectCharge takes what remains of a customer's outstanding charge in cash at the counter and
// returns the charge, paid, with its receipt.
func (s *Service) CollectCharge(ctx context.Context, a Actor, chargeID int64) (ChargeReceipt, error) {
	return act(ctx, s, a, PermChargesCollect, ActionChargeCollect, func(ctx context.Context) (ChargeReceipt, Change, error) {
		before, err := s.customerCharge(ctx, a, chargeID)
		if err != nil {
			return ChargeReceipt{}, Change{}, err
		}
		if before.Status == ChargePaid {
			return ChargeReceipt{}, Change{}, core.Errorf(core.CodeConflict, ReasonChargePaid, "charge %d is paid already", chargeID)
		}
		after, err := s.store.CollectCharge(ctx, chargeID, a.Name(), s.now().UTC().Truncate(time.Microsecond))
		if err != nil {
			return ChargeReceipt{}, Change{}, err
		}
		return ChargeReceipt{Charge: after, Lines: chargeReceipt(after)}, Change{Target: chargeTarget(chargeID), Before: before, After: after}, nil
	})
}

// ContractCharges lists a contract's charges.
func (s *Service) ContractCharges(ctx context.Context, a Actor, contractID int64) ([]CustomerCharge, error) {
	return read(ctx, s, a, PermCustomersRead, ActionChargeRead, func(ctx context.Context) ([]CustomerCharge, error) {
		if _, err := s.contract(ctx, a, contractID); err != nil {
			return nil, err
		}
		return s.store.ContractCharges(ctx, contractID)
	})
}

// customerCharge reads a charge of the actor's utility.
func (s *Service) customerCharge(ctx context.Context, a Actor, id int64) (CustomerCharge, error) {
	c, err := s.store.CustomerCharge(ctx, id)
	if isNotFound(err) {
		return c, core.Errorf(core.CodeNotFound, ReasonChargeNotFound, "charge %d does not exist", id).OnField("charge_id")
	}
	if err != nil {
		return c, err
	}
	return c, inUtility(a, c.UtilityID, chargeTarget(id))
}

// paidText formats what the counter collected in the utility's currency (minor units when the
// currency is unknown).
func paidText(c CustomerCharge) string {
	cur, err := core.ParseCurrency(c.Currency)
	if err != nil {
		return itoa(int64(c.Collected))
	}
	return cur.Format(c.Collected)
}

// chargeReceipt is a collected charge's cash receipt, in core's receipt layout (40 columns).
func chargeReceipt(c CustomerCharge) []string {
	line := func(label, value string) string { return fmt.Sprintf("%-12s%s", label+":", value) }
	at := ""
	if c.CollectedAt != nil {
		at = c.CollectedAt.UTC().Format("2006-01-02 15:04 MST")
	}
	name := []rune(c.Name)
	if len(name) > 28 {
		name = name[:28]
	}
	return []string{
		line("Receipt", c.ReceiptNumber),
		line("Date", at),
		line("Charge", c.Code+" "+string(name)),
		line("Contract", itoa(c.ContractID)),
		line("Paid", paidText(c)),
		line("Cashier", c.CollectedBy),
	}
}
