package backoffice

import (
	"context"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vendgate/vendgate/core"
)

// UtilityRecord is a utility with the version of its operators' edits.
type UtilityRecord struct {
	core.Utility
	Version int64
}

// UtilityQuery selects utilities, by ID.
type UtilityQuery struct {
	Page
	UtilityID int64  // only this one; 0 for all
	Search    string // a part of the name; "" for any
}

// UtilityStore keeps utilities.
type UtilityStore interface {
	// CreateUtility stores a utility and sets its ID (its version is 1).
	CreateUtility(ctx context.Context, u *core.Utility) error
	// UtilityRecord returns a utility, or not_found.
	UtilityRecord(ctx context.Context, id int64) (UtilityRecord, error)
	// UtilityRecords returns the utilities q selects, by ID.
	UtilityRecords(ctx context.Context, q UtilityQuery) ([]UtilityRecord, error)
	// SaveUtility updates a utility's name, time zone, rates and reversal window at the Version it
	// was read, and moves the version on; a stale version is a conflict.
	SaveUtility(ctx context.Context, u *UtilityRecord) error
}

// Utility actions.
const (
	ActionUtilityCreate     Action = "utility.create"
	ActionUtilityRead       Action = "utility.read"
	ActionUtilityUpdate     Action = "utility.update"
	ActionUtilityParameters Action = "utility.set_parameters"
)

func utilityTarget(id int64) string { return "utility:" + itoa(id) }

// UtilityView is a utility as lists, the API and the audit trail show it.
type UtilityView struct {
	ID               int64  `json:"id"`
	Name             string `json:"name"`
	Currency         string `json:"currency"`
	TaxRate          string `json:"tax_rate"`
	TimeZone         string `json:"time_zone"`
	DebtRecoveryRate string `json:"debt_recovery_rate"`
	ReversalWindow   string `json:"reversal_window"`
	Version          int64  `json:"version"`
}

// View returns the utility's JSON form.
func (r UtilityRecord) View() UtilityView {
	tz := "UTC"
	if r.Location != nil {
		tz = r.Location.String()
	}
	return UtilityView{ID: r.ID, Name: r.Name, Currency: r.Currency.Code, TaxRate: r.TaxRate.String(), TimeZone: tz,
		DebtRecoveryRate: r.DebtRecoveryRate.String(), ReversalWindow: r.ReversalWindow.String(), Version: r.Version}
}

// CreateUtility creates a utility. Only an operator of every utility may.
func (s *Service) CreateUtility(ctx context.Context, a Actor, u core.Utility) (UtilityView, error) {
	if err := s.allow(ctx, a, PermOrganisationManage, ActionUtilityCreate, ""); err != nil {
		return UtilityView{}, err
	}
	if a.UtilityID() != 0 {
		return UtilityView{}, s.refuseScope(ctx, a, PermOrganisationManage, ActionUtilityCreate, "",
			"only an operator of every utility may create a utility")
	}
	return act(ctx, s, a, PermOrganisationManage, ActionUtilityCreate, func(ctx context.Context) (UtilityView, Change, error) {
		if err := u.Validate(); err != nil {
			return UtilityView{}, Change{}, err
		}
		if err := s.store.CreateUtility(ctx, &u); err != nil {
			return UtilityView{}, Change{}, err
		}
		v := UtilityRecord{Utility: u, Version: 1}.View()
		return v, Change{Target: utilityTarget(u.ID), After: v}, nil
	})
}

// Utilities returns a page of utilities: only the actor's own for an actor limited to one.
func (s *Service) Utilities(ctx context.Context, a Actor, q UtilityQuery) ([]UtilityView, error) {
	return read(ctx, s, a, PermOrganisationRead, ActionUtilityRead, func(ctx context.Context) ([]UtilityView, error) {
		var err error
		if q.Page, err = q.Page.checked(); err != nil {
			return nil, err
		}
		if q.UtilityID, err = s.listUtility(ctx, a, PermOrganisationRead, ActionUtilityRead, q.UtilityID); err != nil {
			return nil, err
		}
		rs, err := s.store.UtilityRecords(ctx, q)
		if err != nil {
			return nil, err
		}
		out := make([]UtilityView, len(rs))
		for i, r := range rs {
			out[i] = r.View()
		}
		return out, nil
	})
}

// Utility returns one utility.
func (s *Service) Utility(ctx context.Context, a Actor, id int64) (UtilityView, error) {
	return readOn(ctx, s, a, PermOrganisationRead, ActionUtilityRead, utilityTarget(id), s.utilityOwner(id), func(ctx context.Context) (UtilityView, error) {
		r, err := s.utility(ctx, id)
		return r.View(), err
	})
}

// utility reads a utility, not_found naming it.
func (s *Service) utility(ctx context.Context, id int64) (UtilityRecord, error) {
	r, err := s.store.UtilityRecord(ctx, id)
	return r, found(err, core.ReasonNotFound, "utility_id", "utility", id)
}

// utilityOwner is the owner check of a utility: itself, once it is known to exist.
func (s *Service) utilityOwner(id int64) owner {
	return func(ctx context.Context) (int64, error) {
		_, err := s.utility(ctx, id)
		return id, err
	}
}

// UtilityUpdate is what UpdateUtility changes: each field that is set.
type UtilityUpdate struct {
	Name     *string
	TimeZone *string
}

// UpdateUtility changes a utility's name or time zone, at the version the operator read.
func (s *Service) UpdateUtility(ctx context.Context, a Actor, id, version int64, up UtilityUpdate) (UtilityView, error) {
	return s.changeUtility(ctx, a, PermOrganisationManage, ActionUtilityUpdate, id, version, func(r *UtilityRecord) error {
		if up.Name == nil && up.TimeZone == nil {
			return core.Errorf(core.CodeInvalid, ReasonNothingChanged, "the update changes nothing: give a name or a time zone")
		}
		if up.Name != nil {
			name, ok := trimmed(*up.Name)
			if !ok {
				return invalid("name", "the utility's name is required")
			}
			r.Name = name
		}
		if up.TimeZone != nil {
			loc, err := time.LoadLocation(*up.TimeZone)
			if err != nil || *up.TimeZone == "" || *up.TimeZone == "Local" {
				return invalid("time_zone", "%q is not an IANA time zone", *up.TimeZone)
			}
			r.Location = loc
		}
		return nil
	})
}

// UtilityParameters are the rates and limits SetUtilityParameters changes: each field that is set.
type UtilityParameters struct {
	TaxRate          *decimal.Decimal
	DebtRecoveryRate *decimal.Decimal
	ReversalWindow   *time.Duration
}

// SetUtilityParameters changes a utility's VAT rate, debt recovery rate or reversal window, at
// the version the operator read. A past vend keeps the amounts it was sold with.
func (s *Service) SetUtilityParameters(ctx context.Context, a Actor, id, version int64, p UtilityParameters) (UtilityView, error) {
	return s.changeUtility(ctx, a, PermTariffsManage, ActionUtilityParameters, id, version, func(r *UtilityRecord) error {
		if p.TaxRate == nil && p.DebtRecoveryRate == nil && p.ReversalWindow == nil {
			return core.Errorf(core.CodeInvalid, ReasonNothingChanged, "the change sets nothing: give a tax rate, a debt recovery rate or a reversal window")
		}
		if p.TaxRate != nil {
			r.TaxRate = *p.TaxRate
		}
		if p.DebtRecoveryRate != nil {
			r.DebtRecoveryRate = *p.DebtRecoveryRate
		}
		if p.ReversalWindow != nil {
			r.ReversalWindow = *p.ReversalWindow
		}
		return r.Validate()
	})
}

// changeUtility reads a utility at the version named, applies edit and saves it with its audit
// entry.
func (s *Service) changeUtility(ctx context.Context, a Actor, perm Permission, action Action, id, version int64, edit func(*UtilityRecord) error) (UtilityView, error) {
	return actOn(ctx, s, a, perm, action, utilityTarget(id), s.utilityOwner(id), func(ctx context.Context) (UtilityView, Change, error) {
		return edited(ctx, utilityTarget(id), version, editing[UtilityRecord, UtilityView]{
			load:    func(ctx context.Context) (UtilityRecord, error) { return s.utility(ctx, id) },
			version: func(r UtilityRecord) int64 { return r.Version },
			edit:    edit,
			save:    s.store.SaveUtility,
			view:    UtilityRecord.View,
		})
	})
}
