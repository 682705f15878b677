// Package meter is a virtual STS keypad meter: a pure state machine that does what a prepaid meter
// does when a 20-digit token is typed (IEC 62055-41 decoder side; docs/sts.md §9). Vendgate's tests use
// it to prove that the tokens it issues are accepted, once, with the right amount.
//
// The meter decrypts with its current decoder key, checks the CRC, keeps a memory of the last
// accepted TIDs (rejecting "used" and "old" tokens), enforces the key expiry number, keeps one
// credit register per credit subclass, applies the class 2 settings, assembles key changes section
// by section and installs the new key when it has them all, and acknowledges class 1 tokens.
//
// Choices where docs/sts.md marks the standard UNCERTAIN (§9, §11):
//   - Credit under a default key (DDTK, key type 1) is refused; management tokens are accepted
//     under it, so a meter can be commissioned by a key change.
//   - A key change may not install an initialisation key (DITK, key type 0).
//   - The TID memory holds the last MemorySize accepted TIDs (50 by default) and is seeded with the
//     manufacture TID: a TID at or below the seed, or below the oldest entry of a full memory, is
//     "old"; a TID in the memory is "used". Tokens may be entered out of order within the memory.
//   - A key change with the rollover flag clears the TID memory and moves the meter to the next
//     base date (1993 to 2014 to 2035).
//   - A clear credit token names register 0..4 (a credit subclass) or 0xFFFF (all registers).
package meter

import (
	"crypto/cipher"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/vendgate/vendgate/sts"
)

// Code is the outcome of entering a token, as the meter reports it.
type Code uint8

// Result codes. The ones after Accepted are rejections; a rejected token changes nothing.
const (
	Accepted         Code = iota // the token was applied
	KeyChangePending             // a key change section was stored; more sections are needed
	ErrFormat                    // not 20 digits, or a number no token can have
	ErrClass                     // class 3 is reserved
	ErrCRC                       // the CRC does not match: wrong key, wrong meter or a typing error
	ErrFunction                  // the subclass is not supported by this meter
	ErrRange                     // a value the meter cannot take
	ErrOverflow                  // the credit register would pass its limit
	ErrUsed                      // the TID is already in the TID memory
	ErrOld                       // the TID is older than the TID memory reaches
	ErrKeyExpired                // the TID is past the key expiry number
	ErrDDTK                      // credit under a default key
	ErrKeyType                   // a key change to a key type the meter may not install
	ErrMfrCode                   // a test token for another manufacturer
)

var codeNames = [...]string{
	Accepted:         "accepted",
	KeyChangePending: "key_change_pending",
	ErrFormat:        "format_error",
	ErrClass:         "class_error",
	ErrCRC:           "crc_error",
	ErrFunction:      "function_error",
	ErrRange:         "range_error",
	ErrOverflow:      "overflow_error",
	ErrUsed:          "used",
	ErrOld:           "old",
	ErrKeyExpired:    "key_expired",
	ErrDDTK:          "ddtk_error",
	ErrKeyType:       "key_type_error",
	ErrMfrCode:       "mfr_code_error",
}

// String returns the code's stable snake_case name.
func (c Code) String() string {
	if int(c) < len(codeNames) {
		return codeNames[c]
	}
	return fmt.Sprintf("code_%d", uint8(c))
}

// OK reports whether the token was taken (applied, or stored as a key change section).
func (c Code) OK() bool { return c == Accepted || c == KeyChangePending }

// Result is what the meter did with one token.
type Result struct {
	Code    Code
	Kind    sts.Kind    // the token's kind, when it decrypted with a good CRC
	Payload sts.Payload // the decoded payload, when it decrypted with a good CRC
	// Added is the credit added, in tenths of a unit, for an accepted credit token.
	Added uint64
	// Pending lists the key change sections still missing after a KeyChangePending result
	// (1 for KCT1, ..., 4 for KCT4).
	Pending []int
	// Detail explains a rejection in a few words.
	Detail string
}

// String returns one line a person reads.
func (r Result) String() string {
	switch {
	case r.Code == Accepted && r.Kind.Class == sts.ClassCredit:
		return fmt.Sprintf("accepted: %s +%s", r.Kind, sts.FormatTenths(r.Added))
	case r.Code == Accepted:
		return "accepted: " + r.Kind.String()
	case r.Code == KeyChangePending:
		return fmt.Sprintf("key_change_pending: %s stored, waiting for section(s) %v", r.Kind, r.Pending)
	case r.Detail != "":
		return r.Code.String() + ": " + r.Detail
	}
	return r.Code.String()
}

// Config describes a meter as it leaves the factory or the last key change.
type Config struct {
	Key      []byte // decoder key, natural byte order: 8 bytes (EA07, EA09) or 16 (EA11)
	EA       sts.EA
	KT       sts.KeyType
	KRN      uint8
	TI       uint8
	SGC      sts.SGC
	BaseDate sts.BaseDate
	KEN      sts.KEN // sts.NoExpiry for a key that never expires
	// Manufacturer is the meter's manufacturer code for class 1 tokens (2 or 4 digits).
	Manufacturer uint16
	// MemorySize is the number of accepted TIDs remembered; 0 means 50.
	MemorySize int
	// FirstTID seeds the TID memory: the manufacture time. Tokens at or before it are old.
	FirstTID sts.TID
	// RegisterLimit bounds each credit register in tenths; 0 means 99 999 999 (9 999 999.9 units).
	RegisterLimit uint64
	// Tamper starts the meter with its tamper flag set.
	Tamper bool
}

// Settings are the values class 2 tokens set.
type Settings struct {
	PowerLimit     uint64 // watts; 0 when never set
	PhaseUnbalance uint64 // watts; 0 when never set
	TariffRate     uint16 // raw value of the last set tariff rate token
	WaterFactor    uint16 // raw value of the last set water factor token
	Tamper         bool
}

// Meter is a virtual keypad meter. It is not safe for concurrent use.
type Meter struct {
	cfg      Config
	block    cipher.Block
	memory   []sts.TID // sorted ascending, at most cfg.MemorySize
	credit   [5]uint64 // per credit subclass, tenths
	settings Settings
	pending  []sts.Payload // key change sections received so far
}

const (
	defaultMemory = 50
	defaultLimit  = 99_999_999
)

// New returns a meter in the state a Config describes.
func New(cfg Config) (*Meter, error) {
	if cfg.MemorySize == 0 {
		cfg.MemorySize = defaultMemory
	}
	if cfg.RegisterLimit == 0 {
		cfg.RegisterLimit = defaultLimit
	}
	switch {
	case cfg.MemorySize < 1:
		return nil, fmt.Errorf("meter: TID memory size %d is not positive", cfg.MemorySize)
	case !cfg.BaseDate.Valid():
		return nil, fmt.Errorf("meter: base date %d is not 1993, 2014 or 2035", cfg.BaseDate)
	case cfg.KT > sts.KeyTypeCommon:
		return nil, fmt.Errorf("meter: key type %d is not 0..3", cfg.KT)
	case len(cfg.Key) != cfg.EA.KeySize():
		return nil, fmt.Errorf("meter: EA%s needs a %d-byte decoder key, got %d bytes", cfg.EA, cfg.EA.KeySize(), len(cfg.Key))
	}
	block, err := sts.NewCipher(cfg.EA, cfg.Key)
	if err != nil {
		return nil, fmt.Errorf("meter: %w", err)
	}
	cfg.Key = slices.Clone(cfg.Key)
	return &Meter{cfg: cfg, block: block, settings: Settings{Tamper: cfg.Tamper}}, nil
}

// Enter types a token on the keypad. Spaces and dashes are ignored.
func (m *Meter) Enter(s string) Result {
	t, err := sts.ParseToken(s)
	if err != nil {
		return Result{Code: ErrFormat, Detail: strings.TrimPrefix(err.Error(), "sts: ")}
	}
	return m.EnterToken(t)
}

// EnterToken applies a parsed token.
func (m *Meter) EnterToken(t sts.Token) Result {
	class, block, err := sts.Decrypt(t, m.block)
	if err != nil {
		return Result{Code: ErrClass, Detail: "class 3 is reserved"}
	}
	p, err := sts.ParseBlock(class, block)
	switch {
	case errors.Is(err, sts.ErrCRC):
		return Result{Code: ErrCRC, Detail: "wrong key or mistyped token"}
	case err != nil:
		return Result{Code: ErrFunction, Detail: err.Error()}
	}
	r := m.apply(p)
	r.Kind, r.Payload = p.Kind(), p
	return r
}

func (m *Meter) apply(p sts.Payload) Result {
	switch v := p.(type) {
	case sts.Test:
		if v.Manufacturer != 0 && v.Manufacturer != m.cfg.Manufacturer {
			return Result{Code: ErrMfrCode, Detail: fmt.Sprintf("test token for manufacturer %d", v.Manufacturer)}
		}
		return Result{Code: Accepted}
	case sts.Transfer:
		return m.transfer(v)
	}
	return m.keyChange(p)
}

// transfer applies a TID-bearing token after the key expiry and TID memory checks.
func (m *Meter) transfer(t sts.Transfer) Result {
	if m.cfg.KEN.Expired(t.TID) {
		return Result{Code: ErrKeyExpired, Detail: fmt.Sprintf("TID %d is past key expiry number %d", t.TID, m.cfg.KEN)}
	}
	credit := t.K.Class == sts.ClassCredit
	if credit && m.cfg.KT == sts.KeyTypeDefault {
		return Result{Code: ErrDDTK, Detail: "credit is refused under a default key"}
	}
	if c := m.checkTID(t.TID); c != Accepted {
		return Result{Code: c, Detail: fmt.Sprintf("TID %d", t.TID)}
	}
	var r Result
	switch t.K {
	case sts.KindElectricity, sts.KindWater, sts.KindGas, sts.KindTime, sts.KindCurrency:
		add := sts.DecodeAmount(t.Value)
		reg := &m.credit[t.K.Subclass]
		if *reg+add > m.cfg.RegisterLimit {
			return Result{Code: ErrOverflow, Detail: fmt.Sprintf("register would pass %s", sts.FormatTenths(m.cfg.RegisterLimit))}
		}
		*reg += add
		r.Added = add
	case sts.KindPowerLimit:
		m.settings.PowerLimit = sts.DecodeAmount(t.Value)
	case sts.KindPhaseUnbalance:
		m.settings.PhaseUnbalance = sts.DecodeAmount(t.Value)
	case sts.KindTariffRate:
		m.settings.TariffRate = t.Value
	case sts.KindWaterFactor:
		if t.Value == 0 {
			return Result{Code: ErrRange, Detail: "water meter factor 0"}
		}
		m.settings.WaterFactor = t.Value
	case sts.KindClearTamper:
		m.settings.Tamper = false
	case sts.KindClearCredit:
		switch {
		case t.Value == 0xFFFF:
			m.credit = [5]uint64{}
		case int(t.Value) < len(m.credit):
			m.credit[t.Value] = 0
		default:
			return Result{Code: ErrRange, Detail: fmt.Sprintf("no credit register %d", t.Value)}
		}
	}
	m.remember(t.TID)
	return r
}

// checkTID returns Accepted, ErrUsed or ErrOld for a TID against the memory.
func (m *Meter) checkTID(tid sts.TID) Code {
	if _, found := slices.BinarySearch(m.memory, tid); found {
		return ErrUsed
	}
	if len(m.memory) < m.cfg.MemorySize {
		if tid <= m.cfg.FirstTID && m.cfg.FirstTID > 0 {
			return ErrOld
		}
		return Accepted
	}
	if tid < m.memory[0] {
		return ErrOld
	}
	return Accepted
}

func (m *Meter) remember(tid sts.TID) {
	i, _ := slices.BinarySearch(m.memory, tid)
	m.memory = slices.Insert(m.memory, i, tid)
	if len(m.memory) > m.cfg.MemorySize {
		m.memory = m.memory[1:]
	}
}

var keyChangeKinds = []sts.Kind{sts.KindKeyChange1, sts.KindKeyChange2, sts.KindKeyChange3, sts.KindKeyChange4}

func isKeyChange(k sts.Kind) bool { return slices.Contains(keyChangeKinds, k) }

// keyChange stores a key change section and installs the key once all sections are in.
func (m *Meter) keyChange(p sts.Payload) Result {
	sections := keyChangeKinds
	size := m.cfg.EA.KeySize()
	if size == 8 {
		sections = sections[:2]
	}
	if !slices.Contains(sections, p.Kind()) {
		return Result{Code: ErrFunction, Detail: fmt.Sprintf("%s is not used with %d-byte keys", p.Kind(), size)}
	}
	if k1, ok := p.(sts.KeyChange1); ok && k1.KT == sts.KeyTypeInit {
		return Result{Code: ErrKeyType, Detail: "a key change cannot install an initialisation key"}
	}
	m.pending = slices.DeleteFunc(m.pending, func(q sts.Payload) bool { return q.Kind() == p.Kind() })
	m.pending = append(m.pending, p)
	kc, err := sts.AssembleKeyChange(size, m.pending)
	if errors.Is(err, sts.ErrKeyChangeIncomplete) {
		var missing []int
		for i, k := range sections {
			if !slices.ContainsFunc(m.pending, func(q sts.Payload) bool { return q.Kind() == k }) {
				missing = append(missing, i+1)
			}
		}
		return Result{Code: KeyChangePending, Pending: missing}
	}
	if err != nil {
		return Result{Code: ErrFunction, Detail: err.Error()}
	}
	if kc.KRN == 0 {
		m.pending = nil
		return Result{Code: ErrRange, Detail: "key revision number 0"}
	}
	block, err := sts.NewCipher(m.cfg.EA, kc.NewKey)
	if err != nil {
		m.pending = nil
		return Result{Code: ErrRange, Detail: err.Error()}
	}
	m.pending = nil
	m.block = block
	m.cfg.Key, m.cfg.KEN, m.cfg.KRN, m.cfg.KT, m.cfg.TI = kc.NewKey, kc.KEN, kc.KRN, kc.KT, kc.TI
	if size == 16 {
		m.cfg.SGC = kc.SGC
	}
	if kc.RO {
		m.memory = nil
		m.cfg.FirstTID = 0
		if next, ok := m.cfg.BaseDate.Next(); ok {
			m.cfg.BaseDate = next
		}
	}
	return Result{Code: Accepted}
}

// Credit returns the credit register of a credit subclass, in tenths of a unit.
func (m *Meter) Credit(subclass uint8) uint64 {
	if int(subclass) >= len(m.credit) {
		return 0
	}
	return m.credit[subclass]
}

// Settings returns the values set by class 2 tokens.
func (m *Meter) Settings() Settings { return m.settings }

// Key returns the meter's current key parameters; the returned Config's Key is a copy.
func (m *Meter) Key() Config {
	c := m.cfg
	c.Key = slices.Clone(c.Key)
	return c
}

// TIDs returns the TID memory, oldest first.
func (m *Meter) TIDs() []sts.TID { return slices.Clone(m.memory) }
