package memstore

import (
	"context"
	"fmt"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/sts"
)

var (
	_ core.MeterReader   = (*Store)(nil)
	_ core.UtilityReader = (*Store)(nil)
	_ core.SealedKeys    = (*Store)(nil)
)

// group is a supply group with its sealed vending key.
type group struct {
	core.SupplyGroup
	sealed []byte
}

// meterRow is a meter with its counters, as the meters table holds both.
type meterRow struct {
	meter    core.Meter
	counters core.MeterCounters
}

func cloneMeter(m core.Meter) core.Meter {
	if m.PendingKey != nil {
		k := *m.PendingKey
		m.PendingKey = &k
	}
	return m
}

// CreateUtility stores a utility and sets its ID; a name taken is core.ErrDuplicate.
func (s *Store) CreateUtility(ctx context.Context, u *core.Utility) error {
	if err := s.failed(ctx, "CreateUtility"); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range s.utilities {
		if o.Name == u.Name {
			return fmt.Errorf("%w: utility %q", core.ErrDuplicate, u.Name)
		}
	}
	u.ID = s.nextID("utilities")
	s.utilities[u.ID] = *u
	return nil
}

// Utility returns a utility, or core.ErrNotFound.
func (s *Store) Utility(ctx context.Context, id int64) (core.Utility, error) {
	if err := s.failed(ctx, "Utility"); err != nil {
		return core.Utility{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.utilities[id]
	if !ok {
		return core.Utility{}, core.ErrNotFound
	}
	return u, nil
}

// CreateSupplyGroup stores a supply group with its sealed vending key and sets its ID; a second
// group with the same SGC, KRN and DKGA is core.ErrDuplicate.
func (s *Store) CreateSupplyGroup(ctx context.Context, g *core.SupplyGroup, sealed []byte) error {
	if err := s.failed(ctx, "CreateSupplyGroup"); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.utilities[g.UtilityID]; !ok {
		return unknownReference("utility", g.UtilityID)
	}
	if _, ok := s.groupByKey(g.SGC, g.KRN, g.DKGA); ok {
		return fmt.Errorf("%w: supply group %s KRN %d DKGA%s", core.ErrDuplicate, g.SGC, g.KRN, g.DKGA)
	}
	g.ID = s.nextID("supply_groups")
	s.groups[g.ID] = group{SupplyGroup: *g, sealed: append([]byte(nil), sealed...)}
	return nil
}

// groupByKey finds the supply group of a key's SGC, KRN and DKGA. s.mu is held.
func (s *Store) groupByKey(sgc sts.SGC, krn uint8, dkga sts.DKGA) (group, bool) {
	for _, g := range s.groups {
		if g.SGC == sgc && g.KRN == krn && g.DKGA == dkga {
			return g, true
		}
	}
	return group{}, false
}

// SupplyGroup returns a supply group (without its key), or core.ErrNotFound.
func (s *Store) SupplyGroup(_ context.Context, id int64) (core.SupplyGroup, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.groups[id]
	if !ok {
		return core.SupplyGroup{}, core.ErrNotFound
	}
	return g.SupplyGroup, nil
}

// SealedVendingKey returns a supply group's sealed vending key, or core.ErrNotFound.
func (s *Store) SealedVendingKey(ctx context.Context, sgc sts.SGC, krn uint8, dkga sts.DKGA) ([]byte, error) {
	if err := s.failed(ctx, "SealedVendingKey"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.groupByKey(sgc, krn, dkga)
	if !ok {
		return nil, core.ErrNotFound
	}
	return append([]byte(nil), g.sealed...), nil
}

// SetSealedVendingKey replaces a supply group's sealed key as stored, as someone with write
// access to the database could (a key copied from another group's row).
func (s *Store) SetSealedVendingKey(id int64, sealed []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.groups[id]
	if !ok {
		return core.ErrNotFound
	}
	g.sealed = append([]byte(nil), sealed...)
	s.groups[id] = g
	return nil
}

// CreateTariff checks (core.Tariff.Validate) and stores a tariff, and sets its ID; a name the
// utility has already is core.ErrDuplicate.
func (s *Store) CreateTariff(_ context.Context, t *core.Tariff) error {
	if t.Kind == "" {
		t.Kind = core.Electricity
	}
	if err := t.Validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.utilities[t.UtilityID]; !ok {
		return unknownReference("utility", t.UtilityID)
	}
	for _, o := range s.tariffs {
		if o.UtilityID == t.UtilityID && o.Name == t.Name {
			return fmt.Errorf("%w: tariff %q", core.ErrDuplicate, t.Name)
		}
	}
	t.ID = s.nextID("tariffs")
	c := *t
	c.Blocks = append([]core.TariffBlock(nil), t.Blocks...)
	s.tariffs[t.ID] = c
	return nil
}

// CreateCustomer stores a customer and sets its ID.
func (s *Store) CreateCustomer(_ context.Context, c *core.Customer) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.ID = s.nextID("customers")
	s.customers[c.ID] = *c
	return nil
}

// CreateMeter stores a meter with its opening arrears and sets its ID. As in the SQL store, the
// meter must pass core.Meter.CheckNew and be unique, and its key must be its supply group's, and
// it is registered straight onto its customer: installed on an open contract, here one numbered
// as the meter (the memory store keeps no contracts).
func (s *Store) CreateMeter(_ context.Context, m *core.Meter, arrears core.Money) error {
	if err := m.CheckNew(arrears); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.groups[m.SupplyGroupID]
	switch {
	case !ok:
		return unknownReference("supply group", m.SupplyGroupID)
	case g.SGC != m.Key.SGC || g.KRN != m.Key.KRN || g.DKGA != m.Key.DKGA:
		return core.Errorf(core.CodeInvalid, core.ReasonInvalidMeterKey, "meter %s: the key's SGC, KRN and DKGA are not supply group %d's", m.Number, g.ID)
	}
	if _, ok := s.customers[m.CustomerID]; !ok {
		return unknownReference("customer", m.CustomerID)
	}
	t, ok := s.tariffs[m.TariffID]
	if !ok {
		return unknownReference("tariff", m.TariffID)
	}
	if t.UtilityID != g.UtilityID {
		return core.Errorf(core.CodeInvalid, core.ReasonMeterOtherUtility, "meter %s: tariff %d belongs to another utility than supply group %d", m.Number, t.ID, g.ID)
	}
	if err := m.CheckTariff(t); err != nil {
		return err
	}
	if _, ok := s.meterByNumber(m.Number); ok {
		return fmt.Errorf("%w: meter %s", core.ErrDuplicate, m.Number)
	}
	m.ID = s.nextID("meters")
	m.ContractID = m.ID
	s.meters[m.ID] = meterRow{meter: cloneMeter(*m), counters: core.MeterCounters{Arrears: arrears}}
	return nil
}

// meterByNumber finds a meter by its number. s.mu is held.
func (s *Store) meterByNumber(number string) (meterRow, bool) {
	for _, r := range s.meters {
		if r.meter.Number == number {
			return r, true
		}
	}
	return meterRow{}, false
}

// MeterByNumber returns a meter with its customer, tariff, utility and arrears, or
// core.ErrNotFound.
func (s *Store) MeterByNumber(ctx context.Context, number string) (core.MeterView, error) {
	if err := s.failed(ctx, "MeterByNumber"); err != nil {
		return core.MeterView{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.meterByNumber(number)
	if !ok {
		return core.MeterView{}, core.ErrNotFound
	}
	g := s.groups[r.meter.SupplyGroupID]
	t := s.tariffs[r.meter.TariffID]
	t.Blocks = append([]core.TariffBlock(nil), t.Blocks...)
	return core.MeterView{
		Meter: cloneMeter(r.meter), Customer: s.customers[r.meter.CustomerID], Tariff: t,
		Utility: s.utilities[g.UtilityID], Arrears: r.counters.Arrears,
	}, nil
}

// Counters returns a meter's counters as committed.
func (s *Store) Counters(meterID int64) (core.MeterCounters, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.meters[meterID]
	if !ok {
		return core.MeterCounters{}, core.ErrNotFound
	}
	return r.counters, nil
}

// updateMeter changes a meter under its row lock, in a transaction of its own.
func (s *Store) updateMeter(ctx context.Context, meterID int64, fn func(r *meterRow) error) error {
	return s.run(func(t *txn) error {
		if err := t.lock(ctx, meterLock(meterID)); err != nil {
			return err
		}
		s.mu.Lock()
		r, ok := s.meters[meterID]
		s.mu.Unlock()
		if !ok {
			return core.ErrNotFound
		}
		r.meter = cloneMeter(r.meter)
		if err := fn(&r); err != nil {
			return err
		}
		t.write(func() {
			cur := s.meters[meterID]
			cur.meter = r.meter
			s.meters[meterID] = cur
		})
		return nil
	})
}

// CorruptMeter changes a stored meter as no registration allows (an unknown status, key
// parameters outside IEC 62055-41), to test what core does with a row a store should never hold:
// one written by hand or by an older version.
func (s *Store) CorruptMeter(meterID int64, edit func(*core.Meter)) error {
	return s.updateMeter(context.Background(), meterID, func(r *meterRow) error {
		edit(&r.meter)
		return nil
	})
}

// SetMeterStatus sets a meter's status; an unknown meter is core.ErrNotFound.
func (s *Store) SetMeterStatus(ctx context.Context, meterID int64, status core.MeterStatus) error {
	return s.updateMeter(ctx, meterID, func(r *meterRow) error {
		r.meter.Status = status
		return nil
	})
}

// SetPendingKeyChange records the key a meter is to move to (nil cancels a pending change); the
// key's PAN, when empty, is the meter's, and its supply group must exist.
func (s *Store) SetPendingKeyChange(ctx context.Context, meterID int64, key *core.MeterKey, rollover bool) error {
	return s.updateMeter(ctx, meterID, func(r *meterRow) error {
		if key == nil {
			r.meter.PendingKey, r.meter.PendingRollover = nil, false
			return nil
		}
		k := *key
		if k.PAN.IsZero() {
			k.PAN = r.meter.Key.PAN
		}
		s.mu.Lock()
		_, ok := s.groupByKey(k.SGC, k.KRN, k.DKGA)
		s.mu.Unlock()
		if !ok {
			return core.Errorf(core.CodeInvalid, core.ReasonUnknownSupplyGroup, "no supply group has SGC %s KRN %d DKGA%s", k.SGC, k.KRN, k.DKGA)
		}
		r.meter.PendingKey, r.meter.PendingRollover = &k, rollover
		return nil
	})
}

// ConfirmKeyChange makes a meter's pending key its key, and its supply group the new key's. A
// meter with no pending change is a conflict.
func (s *Store) ConfirmKeyChange(ctx context.Context, meterID int64) error {
	return s.updateMeter(ctx, meterID, func(r *meterRow) error {
		if r.meter.PendingKey == nil {
			return core.Errorf(core.CodeConflict, core.ReasonNoKeyChangePending, "meter %d has no pending key change", meterID)
		}
		s.mu.Lock()
		g, _ := s.groupByKey(r.meter.PendingKey.SGC, r.meter.PendingKey.KRN, r.meter.PendingKey.DKGA)
		s.mu.Unlock()
		r.meter.Key, r.meter.SupplyGroupID = *r.meter.PendingKey, g.ID
		r.meter.PendingKey, r.meter.PendingRollover = nil, false
		return nil
	})
}

func meterLock(id int64) string { return fmt.Sprintf("meter:%d", id) }

// unknownReference is the SQL store's answer to a foreign key that points at nothing.
func unknownReference(what string, id int64) error {
	return core.Errorf(core.CodeInvalid, core.ReasonUnknownReference, "%s %d does not exist", what, id)
}
