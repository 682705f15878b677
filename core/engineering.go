package core

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/vendgate/vendgate/sts"
)

// Engineering tokens are the management tokens (IEC 62055-41 class 2: set power limit, clear
// credit, set tariff rate, clear tamper, set phase unbalance limit, set water factor) and the
// class 1 test tokens a utility issues for one registered meter, outside any sale. The key change
// tokens, also class 2, are the vend path's (vendtx.go): they are not issued here.

// EngineeringKinds lists the kinds of token an Engineer issues, in the standard's order. The test
// token is listed as sts.KindTest; Issue makes the wide form (sts.KindTestWide) for a meter whose
// manufacturer code has four digits.
func EngineeringKinds() []sts.Kind {
	return []sts.Kind{sts.KindPowerLimit, sts.KindClearCredit, sts.KindTariffRate, sts.KindClearTamper,
		sts.KindPhaseUnbalance, sts.KindWaterFactor, sts.KindTest}
}

// ClearAllRegisters is the clear credit token's value that clears every credit register.
const ClearAllRegisters = 0xFFFF

// EngineeringRequest asks for one engineering token for a meter. Value is what the token sets:
//   - set power limit, set phase unbalance limit: watts, a value the token's amount field carries
//     exactly (any up to 16 383 W; above that, steps of 10, 100 or 1000 W);
//   - clear credit: the register, the meter's own credit register (0 electricity, 1 water, 2 gas)
//     or ClearAllRegisters;
//   - set tariff rate: the rate, 0 to 65 535, as the meter's maker defines it;
//   - set water factor (water meters only): the factor, 1 to 65 535;
//   - clear tamper: 0;
//   - test: the control bits of the tests and displays asked for, not 0.
type EngineeringRequest struct {
	MeterNumber string
	Kind        sts.Kind
	Value       uint64
	// Reason says why the token is issued; it is recorded as given (the back office requires one).
	Reason string
	// Actor says who asked, as the caller names them ("operator:7 thandi"); it is recorded as given.
	Actor string
}

// EngineeringToken is an engineering token as issued and recorded. Its Token is a secret until it
// is entered, as a vend's tokens are.
type EngineeringToken struct {
	ID          int64
	MeterID     int64
	MeterNumber string
	UtilityID   int64
	Kind        sts.Kind // KindTestWide for a wide test token
	Value       uint64   // as asked (EngineeringRequest.Value)
	Token       sts.Token
	TID         sts.TID // 0 for a test token, which carries none
	Reason      string
	RequestedBy string
	CreatedAt   time.Time
}

// Stores an Engineer needs.
type (
	// EngineeringStore runs an engineering token's transaction.
	EngineeringStore interface {
		// InEngineeringTx runs fn in one database transaction, committed if fn returns nil; a ctx
		// that carries a transaction already (the back office's) runs fn in it.
		InEngineeringTx(ctx context.Context, fn func(ctx context.Context, tx EngineeringTx) error) error
	}
	// EngineeringTx is the engineering token transaction's steps, in the order Issue calls them.
	EngineeringTx interface {
		// LockMeter locks a meter's row for the rest of the transaction, under the same lock a vend
		// takes (VendTx.LockMeters), and returns it as it is now with its counters; a meter that
		// does not exist is ErrNotFound.
		LockMeter(ctx context.Context, id int64) (MeterState, error)
		// AddEngineeringToken records t, sets its ID and, when counters is not nil, writes the
		// meter's counters (the TID the token took).
		AddEngineeringToken(ctx context.Context, t *EngineeringToken, counters *MeterCounters) error
	}
)

// Engineer issues engineering tokens. Its fields are set once and then read concurrently.
type Engineer struct {
	Meters MeterReader
	Store  EngineeringStore
	// Issuer encodes the encrypted (class 2) tokens under the meter's decoder key; class 1 tokens
	// are not encrypted and need no key.
	Issuer TokenIssuer
	Clock  func() time.Time
	Random io.Reader // for the tokens' RND values
}

// Issue makes one engineering token for a registered meter and records it, in one transaction
// (the caller's, when ctx carries one). The meter's row is locked as a vend locks it and the TID
// taken from its counter under the vend path's rules (takeTID), so a vend and an engineering token
// never share or reorder TIDs. A decommissioned meter, or one whose key change is still pending
// (which key it holds is not known), is refused; a blocked meter is not, since clearing its tamper
// is what unblocks it.
func (e *Engineer) Issue(ctx context.Context, req EngineeringRequest) (*EngineeringToken, error) {
	if req.Actor == "" {
		return nil, Internal(errors.New("no actor"), "issuing an engineering token without saying who asked")
	}
	if err := CheckMeterNumber(req.MeterNumber); err != nil {
		return nil, err
	}
	view, err := e.Meters.MeterByNumber(ctx, req.MeterNumber)
	if errors.Is(err, ErrNotFound) {
		return nil, Errorf(CodeNotFound, ReasonMeterNotFound, "meter %s is not registered", req.MeterNumber).OnField("meter_number")
	}
	if err != nil {
		return nil, Unavailable(err, "reading the meter")
	}
	if err := CheckEngineering(view.Meter, req.Kind, req.Value); err != nil {
		return nil, err
	}
	t := &EngineeringToken{
		MeterID: view.Meter.ID, MeterNumber: view.Meter.Number, UtilityID: view.Utility.ID, Kind: req.Kind,
		Value: req.Value, Reason: req.Reason, RequestedBy: req.Actor, CreatedAt: e.Clock().UTC().Truncate(time.Second),
	}
	err = e.Store.InEngineeringTx(ctx, func(ctx context.Context, tx EngineeringTx) error {
		st, err := tx.LockMeter(ctx, t.MeterID)
		if err != nil {
			return err
		}
		m := st.Meter
		if m.Status == MeterDecommissioned {
			return Errorf(CodeInvalid, ReasonMeterDecommissioned, "meter %s is decommissioned", m.Number)
		}
		if t.Kind.Class == sts.ClassTest {
			t.Kind, t.Token, err = testToken(m, t.Value)
			if err != nil {
				return err
			}
			return tx.AddEngineeringToken(ctx, t, nil)
		}
		if m.PendingKey != nil {
			return Errorf(CodeInvalid, ReasonInvalidKeyChange, "meter %s has a key change pending: confirm or cancel it first, "+
				"since which key the meter holds is not known until then", m.Number)
		}
		c := st.Counters
		if t.TID, err = c.takeTID(m.Key, m.Number, t.CreatedAt); err != nil {
			return err
		}
		raw, err := engineeringValue(t.Kind, t.Value)
		if err != nil {
			return err
		}
		rnd, err := randomRND(e.Random)
		if err != nil {
			return Internal(err, "random RND")
		}
		toks, err := e.Issuer.Tokens(ctx, m.Key, []sts.Payload{sts.Transfer{K: t.Kind, RND: rnd, TID: t.TID, Value: raw}})
		if err != nil {
			return err
		}
		if len(toks) != 1 {
			return Internal(fmt.Errorf("%d tokens for one payload", len(toks)), "encoding an engineering token")
		}
		t.Token = toks[0]
		return tx.AddEngineeringToken(ctx, t, &c)
	})
	if err != nil {
		return nil, StoreError(err)
	}
	return t, nil
}

// CheckEngineering checks that a kind of engineering token with a value may be issued for a
// meter (EngineeringRequest's rules); the errors name the field at fault, "kind" or "value".
func CheckEngineering(m Meter, kind sts.Kind, value uint64) error {
	if !slices.Contains(EngineeringKinds(), kind) && kind != sts.KindTestWide {
		return Internal(fmt.Errorf("%s is not an engineering or test token", kind), "checking an engineering token")
	}
	switch kind {
	case sts.KindWaterFactor:
		if m.Kind != Water {
			return Errorf(CodeInvalid, ReasonInvalidMeterKind, "meter %s measures %s: a water factor token is for water meters only", m.Number, m.Kind).OnField("kind")
		}
		if value == 0 || value > 0xFFFF {
			return valueError("a water factor is 1 to 65535")
		}
	case sts.KindClearCredit:
		own := uint64(m.Kind.CreditKind().Subclass)
		if value != own && value != ClearAllRegisters {
			return valueError(fmt.Sprintf("meter %s's credit register is %d (%s); %d clears every register", m.Number, own, m.Kind, ClearAllRegisters))
		}
	case sts.KindClearTamper:
		if value != 0 {
			return valueError("a clear tamper token carries no value: 0")
		}
	case sts.KindTariffRate:
		if value > 0xFFFF {
			return valueError("a tariff rate is 0 to 65535")
		}
	case sts.KindTest, sts.KindTestWide:
		if value == 0 || value >= 1<<testControlBits(m) {
			return valueError(fmt.Sprintf("a test token's control is 1 to %d bits set", testControlBits(m)))
		}
	}
	_, err := engineeringValue(kind, value)
	return err
}

func valueError(msg string) error {
	return Errorf(CodeInvalid, ReasonInvalidAmount, "%s", msg).OnField("value")
}

// engineeringValue returns the 16-bit value field of a class 2 engineering token.
func engineeringValue(kind sts.Kind, value uint64) (uint16, error) {
	if !kind.CarriesAmount() {
		return uint16(value), nil
	}
	raw, carried, err := sts.EncodeAmount(value, sts.RoundDown)
	if err != nil {
		return 0, valueError(fmt.Sprintf("%d W is above the most a token carries, %d W", value, uint64(sts.MaxAmount)))
	}
	if carried != value {
		_, above, _ := sts.EncodeAmount(value, sts.RoundUp)
		return 0, valueError(fmt.Sprintf("a token cannot carry %d W exactly: the nearest it carries are %d W and %d W", value, carried, above))
	}
	return raw, nil
}

// testControlBits is the width of a test token's control field for a meter: 28 bits in the wide
// form, for a four-digit manufacturer code, 36 otherwise.
func testControlBits(m Meter) int {
	if m.Key.PAN.IIN() == sts.LegacyIIN {
		return 28
	}
	return 36
}

// testToken makes a class 1 test token for a meter's manufacturer (the code in its DRN): not
// encrypted, with no TID.
func testToken(m Meter, control uint64) (sts.Kind, sts.Token, error) {
	p := sts.Test{Wide: testControlBits(m) == 28, Control: control, Manufacturer: m.Key.PAN.ManufacturerCode()}
	tok, err := sts.Encode(p, nil)
	if err != nil {
		return sts.Kind{}, sts.Token{}, valueError(err.Error())
	}
	return p.Kind(), tok, nil
}

// randomRND reads a token's 4-bit random number.
func randomRND(r io.Reader) (uint8, error) {
	var b [1]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return 0, err
	}
	return b[0] & 15, nil
}
