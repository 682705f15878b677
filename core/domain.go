package core

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vendgate/vendgate/sts"
)

// Utility sells electricity, water or gas: its currency, tax and the rules applied to every
// purchase. What a purchase costs besides tax and debt (the monthly fixed charge, the free basic
// allowance) is the tariff's.
type Utility struct {
	ID       int64
	Name     string
	Currency Currency
	// TaxRate is the VAT rate included in prices, e.g. 0.15.
	TaxRate decimal.Decimal
	// Location is the utility's time zone; months for tariffs and charges follow it.
	Location *time.Location
	// DebtRecoveryRate is the share of each purchase that goes to arrears, e.g. 0.25.
	DebtRecoveryRate decimal.Decimal
	// ReversalWindow is how long after a vend it may be reversed.
	ReversalWindow time.Duration
	// MaxVendAmount bounds what one purchase pays, in minor units; 0 for no bound but the
	// Vendor's MaxAmount. It is one of the utility's versioned parameters: a utility is created
	// without one and given one by a change of its parameters (the back office's).
	MaxVendAmount Money
}

// SupplyGroup is a set of meters that share a vending key.
type SupplyGroup struct {
	ID        int64
	UtilityID int64
	SGC       sts.SGC
	KRN       uint8
	DKGA      sts.DKGA
	Name      string
}

// Tariff prices one kind of service (electricity, water or gas) for a utility's customers: one
// block for a flat tariff, or several whose bounds are cumulative purchases in the calendar month,
// with the monthly charges of the customers on it. Only meters of its kind take it.
type Tariff struct {
	ID        int64
	UtilityID int64
	Name      string
	Kind      MeterKind
	Blocks    []TariffBlock
	// MonthlyFixedCharge is taken from each meter's first purchases of a month until paid.
	MonthlyFixedCharge Money
	// FreeBasicEnergy is given to customers flagged for it once a month per kind of service,
	// however many meters of the kind they have, as its own token; in tenths of the kind's unit.
	FreeBasicEnergy Energy
}

// TariffBlock prices the kind's unit up to a cumulative monthly bound (the last block has no
// bound).
type TariffBlock struct {
	UpTo  Energy          // 0 for the last, unbounded block
	Price decimal.Decimal // minor units per whole unit (kWh, kL, m3), VAT excluded
}

// Customer is who buys for a meter.
type Customer struct {
	ID       int64
	Name     string
	Address  string
	Phone    string
	Language string
	// FreeBasic flags a customer for the monthly free basic energy allowance.
	FreeBasic bool
}

// MeterStatus says whether a meter may be vended to.
type MeterStatus string

// Meter statuses.
const (
	MeterActive         MeterStatus = "active"
	MeterBlocked        MeterStatus = "blocked"
	MeterDecommissioned MeterStatus = "decommissioned"
)

// MeterKey is everything that identifies a meter's decoder key (docs/sts.md §10).
type MeterKey struct {
	PAN      sts.PAN
	SGC      sts.SGC
	KRN      uint8
	KT       sts.KeyType
	TI       uint8
	DKGA     sts.DKGA
	EA       sts.EA
	BaseDate sts.BaseDate
	KEN      sts.KEN
}

// ID names the key for the per-meter-and-key TID counter.
func (k MeterKey) ID() string {
	return fmt.Sprintf("%s/%d/%d/%02d/%s/%s/%s", k.SGC, k.KRN, k.KT, k.TI, k.DKGA, k.EA, k.BaseDate)
}

// Meter is a prepaid meter.
type Meter struct {
	ID            int64
	Number        string // the DRN printed on the meter
	Kind          MeterKind
	Status        MeterStatus
	Key           MeterKey
	SupplyGroupID int64
	CustomerID    int64
	TariffID      int64
	// PendingKey is the key a requested key change moves the meter to, until it is confirmed.
	PendingKey *MeterKey
	// PendingRollover is the key change's rollover flag (TID memory cleared, next base date).
	PendingRollover bool
	// ContractID is the open contract the meter is installed on, 0 for none (a meter in the
	// store, issued to a technician, removed): only a meter on an open contract is sold to.
	ContractID int64
}

// MeterView is a meter with what a vend needs to know about it.
type MeterView struct {
	Meter    Meter
	Customer Customer
	Tariff   Tariff
	Utility  Utility
	Arrears  Money
}

// AgentKind is the kind of seller an agent account belongs to.
type AgentKind string

// Agent kinds.
const (
	AgentRetail AgentKind = "agent" // an agent or POS terminal selling from a float
	AgentBank   AgentKind = "bank"  // a bank's settlement account (ISO 8583)
	AgentTelco  AgentKind = "telco" // a telecom operator's settlement account (SMS, USSD)
)

// Agent sells from a float: its balance may go down to -CreditLimit.
type Agent struct {
	ID             int64
	UtilityID      int64
	Name           string
	Kind           AgentKind
	Balance        Money
	CreditLimit    Money
	CommissionRate decimal.Decimal
	Active         bool
	Currency       Currency // the utility's
	// TerminalID is the terminal whose API key authenticated the agent (Authenticate), 0 for the
	// agent's own key and for every other read: a channel passes it on in VendRequest.TerminalID.
	TerminalID int64
}
