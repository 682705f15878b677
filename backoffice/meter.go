package backoffice

import (
	"context"
	"fmt"

	"github.com/vendgate/vendgate/core"
)

// MeterRecord is a meter with its utility (its supply group's), its arrears and the version of
// operators' edits (apart from the version the vend path moves on with each sale).
type MeterRecord struct {
	core.Meter
	UtilityID int64
	Arrears   core.Money
	Version   int64
}

// MeterQuery selects meters, by ID.
type MeterQuery struct {
	Page
	UtilityID  int64            // only this utility's; 0 for all
	CustomerID int64            // only this customer's; 0 for any
	Status     core.MeterStatus // "" for any
	Number     string           // meter numbers that begin so; "" for any
}

// MeterStore keeps meters.
type MeterStore interface {
	// CreateMeter stores a meter with its opening arrears and sets its ID (core.Meter.CheckNew's
	// rules; the key is the supply group's; the tariff the utility's, of the meter's kind).
	CreateMeter(ctx context.Context, m *core.Meter, arrears core.Money) error
	// MeterRecord returns a meter by ID, MeterRecordByNumber by number; not_found otherwise.
	MeterRecord(ctx context.Context, id int64) (MeterRecord, error)
	MeterRecordByNumber(ctx context.Context, number string) (MeterRecord, error)
	// MeterRecords returns the meters q selects, by ID.
	MeterRecords(ctx context.Context, q MeterQuery) ([]MeterRecord, error)
	// SaveMeter moves a meter to another customer or tariff (the tariff its utility's, of its
	// kind) at the Version it was read, and moves the version on; a stale version is a conflict.
	SaveMeter(ctx context.Context, m *MeterRecord) error
	// SetMeterStatus blocks, unblocks or decommissions a meter (core.CheckMeterStatusChange) and
	// moves its version on.
	SetMeterStatus(ctx context.Context, meterID int64, status core.MeterStatus) error
	// SetPendingKeyChange records the key a meter is to move to; ConfirmKeyChange makes it the
	// meter's key.
	SetPendingKeyChange(ctx context.Context, meterID int64, key *core.MeterKey, rollover bool) error
	ConfirmKeyChange(ctx context.Context, meterID int64) error
}

// Meter actions.
const (
	ActionMeterCreate        Action = "meter.create"
	ActionMeterRead          Action = "meter.read"
	ActionMeterUpdate        Action = "meter.update"
	ActionMeterStatus        Action = "meter.set_status"
	ActionMeterKeyChange     Action = "meter.key_change"
	ActionMeterConfirmChange Action = "meter.confirm_key_change"
)

func meterTarget(id int64) string { return "meter:" + itoa(id) }

// MeterKeyView is a meter's key parameters (never a key itself).
type MeterKeyView struct {
	PAN      string `json:"pan"`
	SGC      string `json:"sgc"`
	KRN      uint8  `json:"krn"`
	KT       uint8  `json:"kt"`
	TI       string `json:"ti"`
	DKGA     string `json:"dkga"`
	EA       string `json:"ea"`
	BaseDate string `json:"base_date"`
	KEN      uint8  `json:"ken"`
}

// MeterKeyViewOf returns a meter key's parameters in their JSON form.
func MeterKeyViewOf(k core.MeterKey) MeterKeyView {
	return MeterKeyView{PAN: k.PAN.String(), SGC: k.SGC.String(), KRN: k.KRN, KT: uint8(k.KT), TI: fmt.Sprintf("%02d", k.TI),
		DKGA: k.DKGA.String(), EA: k.EA.String(), BaseDate: k.BaseDate.String(), KEN: uint8(k.KEN)}
}

// MeterView is a meter as lists, the API and the audit trail show it.
type MeterView struct {
	ID              int64         `json:"id"`
	Number          string        `json:"number"`
	Kind            string        `json:"kind"`
	Status          string        `json:"status"`
	UtilityID       int64         `json:"utility_id"`
	SupplyGroupID   int64         `json:"supply_group_id"`
	CustomerID      int64         `json:"customer_id"`
	TariffID        int64         `json:"tariff_id"`
	Arrears         int64         `json:"arrears"`
	Key             MeterKeyView  `json:"key"`
	PendingKey      *MeterKeyView `json:"pending_key,omitempty"`
	PendingRollover bool          `json:"pending_rollover,omitempty"`
	Version         int64         `json:"version"`
}

// View returns the meter's JSON form.
func (m MeterRecord) View() MeterView {
	v := MeterView{ID: m.ID, Number: m.Number, Kind: string(m.Kind), Status: string(m.Status), UtilityID: m.UtilityID,
		SupplyGroupID: m.SupplyGroupID, CustomerID: m.CustomerID, TariffID: m.TariffID, Arrears: int64(m.Arrears),
		Key: MeterKeyViewOf(m.Key), PendingRollover: m.PendingRollover, Version: m.Version}
	if m.PendingKey != nil {
		k := MeterKeyViewOf(*m.PendingKey)
		v.PendingKey = &k
	}
	return v
}

// inGroup gives a key its supply group's SGC, KRN and DKGA.
func (s *Service) inGroup(ctx context.Context, groupID int64, k *core.MeterKey) error {
	g, err := s.store.SupplyGroup(ctx, groupID)
	if err != nil {
		return found(err, core.ReasonUnknownSupplyGroup, "supply_group_id", "supply group", groupID)
	}
	k.SGC, k.KRN, k.DKGA = g.SGC, g.KRN, g.DKGA
	return nil
}

// CreateMeter registers a meter in a supply group of a utility, for a customer of that utility,
// with its opening arrears. The key takes the supply group's SGC, KRN and DKGA.
func (s *Service) CreateMeter(ctx context.Context, a Actor, m core.Meter, arrears core.Money) (MeterView, error) {
	var utility int64
	of := func(ctx context.Context) (int64, error) {
		g, err := s.store.SupplyGroup(ctx, m.SupplyGroupID)
		utility = g.UtilityID
		return g.UtilityID, found(err, core.ReasonUnknownSupplyGroup, "supply_group_id", "supply group", m.SupplyGroupID)
	}
	return actOn(ctx, s, a, PermMetersManage, ActionMeterCreate, "supply_group:"+itoa(m.SupplyGroupID), of, func(ctx context.Context) (MeterView, Change, error) {
		c, err := s.customer(ctx, m.CustomerID)
		if err != nil {
			return MeterView{}, Change{}, err
		}
		if c.UtilityID != 0 && c.UtilityID != utility {
			return MeterView{}, Change{}, invalid("customer_id", "customer %d belongs to another utility than supply group %d", c.ID, m.SupplyGroupID)
		}
		if _, err := s.store.TariffUtility(ctx, m.TariffID); err != nil {
			return MeterView{}, Change{}, found(err, core.ReasonUnknownTariff, "tariff_id", "tariff", m.TariffID)
		}
		if err := s.inGroup(ctx, m.SupplyGroupID, &m.Key); err != nil {
			return MeterView{}, Change{}, err
		}
		if err := s.store.CreateMeter(ctx, &m, arrears); err != nil {
			return MeterView{}, Change{}, err
		}
		r, err := s.store.MeterRecord(ctx, m.ID)
		if err != nil {
			return MeterView{}, Change{}, err
		}
		v := r.View()
		return v, Change{Target: meterTarget(m.ID), After: v}, nil
	})
}

// Meters returns a page of meters: only its utility's for an actor limited to one.
func (s *Service) Meters(ctx context.Context, a Actor, q MeterQuery) ([]MeterView, error) {
	return read(ctx, s, a, PermMetersRead, ActionMeterRead, func(ctx context.Context) ([]MeterView, error) {
		var err error
		if q.Page, err = q.Page.checked(); err != nil {
			return nil, err
		}
		if q.Status != "" {
			if err := core.CheckMeterStatus(q.Status); err != nil {
				return nil, core.AsError(err).OnField("status")
			}
		}
		if q.UtilityID, err = s.listUtility(ctx, a, PermMetersRead, ActionMeterRead, q.UtilityID); err != nil {
			return nil, err
		}
		rs, err := s.store.MeterRecords(ctx, q)
		if err != nil {
			return nil, err
		}
		out := make([]MeterView, len(rs))
		for i, r := range rs {
			out[i] = r.View()
		}
		return out, nil
	})
}

// MeterID returns the ID of the meter with a number, for the commands that name meters by
// number; not_found names the number. It needs the read permission.
func (s *Service) MeterID(ctx context.Context, a Actor, number string) (int64, error) {
	return read(ctx, s, a, PermMetersRead, ActionMeterRead, func(ctx context.Context) (int64, error) {
		r, err := s.store.MeterRecordByNumber(ctx, number)
		if isNotFound(err) {
			return 0, core.Errorf(core.CodeNotFound, core.ReasonMeterNotFound, "meter %s does not exist", number).OnField("number")
		}
		return r.ID, err
	})
}

// meter reads a meter, not_found naming it.
func (s *Service) meter(ctx context.Context, id int64) (MeterRecord, error) {
	r, err := s.store.MeterRecord(ctx, id)
	return r, found(err, core.ReasonMeterNotFound, "meter_id", "meter", id)
}

func (s *Service) meterOwner(id int64) owner {
	return func(ctx context.Context) (int64, error) {
		r, err := s.meter(ctx, id)
		return r.UtilityID, err
	}
}

// Meter returns one meter.
func (s *Service) Meter(ctx context.Context, a Actor, id int64) (MeterView, error) {
	return readOn(ctx, s, a, PermMetersRead, ActionMeterRead, meterTarget(id), s.meterOwner(id), func(ctx context.Context) (MeterView, error) {
		r, err := s.meter(ctx, id)
		return r.View(), err
	})
}

// MeterUpdate is what UpdateMeter changes: each field that is set.
type MeterUpdate struct {
	CustomerID *int64
	TariffID   *int64
}

// UpdateMeter moves a meter to another customer or tariff of its utility, at the version the
// operator read. A past vend keeps the price it was sold at.
func (s *Service) UpdateMeter(ctx context.Context, a Actor, id, version int64, up MeterUpdate) (MeterView, error) {
	return actOn(ctx, s, a, PermMetersManage, ActionMeterUpdate, meterTarget(id), s.meterOwner(id), func(ctx context.Context) (MeterView, Change, error) {
		return edited(ctx, meterTarget(id), version, editing[MeterRecord, MeterView]{
			load:    func(ctx context.Context) (MeterRecord, error) { return s.meter(ctx, id) },
			version: func(r MeterRecord) int64 { return r.Version },
			edit: func(r *MeterRecord) error {
				if up.CustomerID == nil && up.TariffID == nil {
					return core.Errorf(core.CodeInvalid, ReasonNothingChanged, "the update changes nothing: give a customer or a tariff")
				}
				if up.CustomerID != nil {
					c, err := s.customer(ctx, *up.CustomerID)
					if err != nil {
						return err
					}
					if c.UtilityID != 0 && c.UtilityID != r.UtilityID {
						return invalid("customer_id", "customer %d belongs to another utility than meter %s", c.ID, r.Number)
					}
					r.CustomerID = c.ID
				}
				if up.TariffID != nil {
					r.TariffID = *up.TariffID
				}
				return nil
			},
			save: s.store.SaveMeter,
			view: MeterRecord.View,
		})
	})
}

// SetMeterStatus blocks, unblocks or decommissions a meter, with the reason the audit trail
// keeps. A decommissioned meter stays so.
func (s *Service) SetMeterStatus(ctx context.Context, a Actor, id int64, status core.MeterStatus, reason string) (MeterView, error) {
	return s.changeMeter(ctx, a, PermMetersManage, ActionMeterStatus, id, reason, func(ctx context.Context, r MeterRecord) error {
		if err := core.CheckMeterStatus(status); err != nil {
			return core.AsError(err).OnField("status")
		}
		return s.store.SetMeterStatus(ctx, r.ID, status)
	})
}

// SetKeyChange sets a pending key change on a meter to a key of a supply group of its utility
// (the key takes the group's SGC, KRN and DKGA; its PAN, when empty, is the meter's): its next
// vends carry the key change tokens until ConfirmKeyChange.
func (s *Service) SetKeyChange(ctx context.Context, a Actor, id, supplyGroupID int64, key core.MeterKey, rollover bool, reason string) (MeterView, error) {
	return s.changeMeter(ctx, a, PermKeysManage, ActionMeterKeyChange, id, reason, func(ctx context.Context, r MeterRecord) error {
		if err := s.inGroup(ctx, supplyGroupID, &key); err != nil {
			return err
		}
		return s.store.SetPendingKeyChange(ctx, r.ID, &key, rollover)
	})
}

// ConfirmKeyChange makes a meter's pending key its key, once the meter took the key change tokens.
func (s *Service) ConfirmKeyChange(ctx context.Context, a Actor, id int64) (MeterView, error) {
	return s.changeMeter(ctx, a, PermKeysManage, ActionMeterConfirmChange, id, "", func(ctx context.Context, r MeterRecord) error {
		return s.store.ConfirmKeyChange(ctx, r.ID)
	})
}

// changeMeter runs a change of a meter's state by the store (its status, its key) with its audit
// entry: the meter before and after, and the reason given.
func (s *Service) changeMeter(ctx context.Context, a Actor, perm Permission, action Action, id int64, reason string,
	change func(ctx context.Context, r MeterRecord) error) (MeterView, error) {
	return actOn(ctx, s, a, perm, action, meterTarget(id), s.meterOwner(id), func(ctx context.Context) (MeterView, Change, error) {
		if action == ActionMeterStatus {
			var ok bool
			if reason, ok = trimmed(reason); !ok || len([]rune(reason)) > 200 {
				return MeterView{}, Change{}, invalid("reason", "a change of a meter's status needs a reason of 1 to 200 characters")
			}
		}
		r, err := s.meter(ctx, id)
		if err != nil {
			return MeterView{}, Change{}, err
		}
		if err := change(ctx, r); err != nil {
			return MeterView{}, Change{}, err
		}
		after, err := s.meter(ctx, id)
		if err != nil {
			return MeterView{}, Change{}, err
		}
		v := after.View()
		return v, Change{Target: meterTarget(id), Before: r.View(), After: v, Detail: reason}, nil
	})
}
