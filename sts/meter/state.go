package meter

import (
	"encoding/hex"
	"fmt"

	"github.com/vendgate/vendgate/sts"
)

// State is everything a meter remembers, in a form encoding/json can store (stsctl meter --state).
// It holds the decoder key: keep it as private as the key.
type State struct {
	// Version is the format's version, StateVersion when written by this package.
	Version        int       `json:"version"`
	Key            string    `json:"decoder_key"`
	EA             string    `json:"ea"`
	KT             uint8     `json:"kt"`
	KRN            uint8     `json:"krn"`
	TI             uint8     `json:"ti"`
	SGC            string    `json:"sgc"`
	BaseDate       uint16    `json:"base_date"`
	KEN            uint8     `json:"ken"`
	Manufacturer   uint16    `json:"manufacturer_code"`
	MemorySize     int       `json:"tid_memory_size"`
	FirstTID       uint32    `json:"first_tid"`
	RegisterLimit  uint64    `json:"register_limit"`
	TIDs           []uint32  `json:"tids"`
	Credit         [5]uint64 `json:"credit"`
	PowerLimit     uint64    `json:"power_limit_watts"`
	PhaseUnbalance uint64    `json:"phase_unbalance_watts"`
	TariffRate     uint16    `json:"tariff_rate"`
	WaterFactor    uint16    `json:"water_factor"`
	Tamper         bool      `json:"tamper"`
	// Pending holds the key change sections received so far, as plaintext data blocks in hex.
	Pending []string `json:"pending_key_change,omitempty"`
}

// StateVersion is the version of the State format this package writes and reads.
const StateVersion = 1

// State returns the meter's state.
func (m *Meter) State() State {
	c := m.cfg
	s := State{
		Version: StateVersion, Key: hex.EncodeToString(c.Key), EA: c.EA.String(), KT: uint8(c.KT), KRN: c.KRN, TI: c.TI,
		SGC: c.SGC.String(), BaseDate: uint16(c.BaseDate), KEN: uint8(c.KEN), Manufacturer: c.Manufacturer,
		MemorySize: c.MemorySize, FirstTID: uint32(c.FirstTID), RegisterLimit: c.RegisterLimit,
		Credit: m.credit, PowerLimit: m.settings.PowerLimit, PhaseUnbalance: m.settings.PhaseUnbalance,
		TariffRate: m.settings.TariffRate, WaterFactor: m.settings.WaterFactor, Tamper: m.settings.Tamper,
		TIDs: make([]uint32, len(m.memory)),
	}
	for i, t := range m.memory {
		s.TIDs[i] = uint32(t)
	}
	for _, p := range m.pending {
		b, _ := sts.Block(p) // stored sections were decoded from valid blocks
		s.Pending = append(s.Pending, fmt.Sprintf("%016x", b))
	}
	return s
}

// Restore returns a meter in a saved state.
func Restore(s State) (*Meter, error) {
	if s.Version != StateVersion {
		return nil, fmt.Errorf("meter: state: format version %d, want %d", s.Version, StateVersion)
	}
	key, err := hex.DecodeString(s.Key)
	if err != nil {
		return nil, fmt.Errorf("meter: state: decoder key is not hex")
	}
	ea, err := sts.ParseEA(s.EA)
	if err != nil {
		return nil, fmt.Errorf("meter: state: %w", err)
	}
	sgc, err := sts.ParseSGC(s.SGC)
	if err != nil {
		return nil, fmt.Errorf("meter: state: %w", err)
	}
	m, err := New(Config{
		Key: key, EA: ea, KT: sts.KeyType(s.KT), KRN: s.KRN, TI: s.TI, SGC: sgc,
		BaseDate: sts.BaseDate(s.BaseDate), KEN: sts.KEN(s.KEN), Manufacturer: s.Manufacturer,
		MemorySize: s.MemorySize, FirstTID: sts.TID(s.FirstTID), RegisterLimit: s.RegisterLimit, Tamper: s.Tamper,
	})
	if err != nil {
		return nil, err
	}
	if len(s.TIDs) > m.cfg.MemorySize {
		return nil, fmt.Errorf("meter: state: %d TIDs for a memory of %d", len(s.TIDs), m.cfg.MemorySize)
	}
	for _, t := range s.TIDs {
		if sts.TID(t) > sts.MaxTID {
			return nil, fmt.Errorf("meter: state: TID %d does not fit 24 bits", t)
		}
		m.remember(sts.TID(t))
	}
	m.credit = s.Credit
	m.settings = Settings{PowerLimit: s.PowerLimit, PhaseUnbalance: s.PhaseUnbalance,
		TariffRate: s.TariffRate, WaterFactor: s.WaterFactor, Tamper: s.Tamper}
	for _, h := range s.Pending {
		var b uint64
		if _, err := fmt.Sscanf(h, "%016x", &b); err != nil {
			return nil, fmt.Errorf("meter: state: pending key change section is not 16 hex digits")
		}
		p, err := sts.ParseBlock(sts.ClassManagement, b)
		if err != nil {
			return nil, fmt.Errorf("meter: state: pending key change section: %w", err)
		}
		if !isKeyChange(p.Kind()) {
			return nil, fmt.Errorf("meter: state: pending section is a %s, not a key change", p.Kind())
		}
		m.pending = append(m.pending, p)
	}
	return m, nil
}
