package backoffice

import (
	"context"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vendgate/vendgate/core"
)

// A utility's parameters (its tax rate, its debt recovery rate, its reversal window and the limit
// of one purchase) are
// versions like a tariff's prices (tariff_version.go): a change takes effect from a time not
// earlier than now, and a vend or a reversal reads the values in effect when it is made.

// Parameter actions.
const (
	ActionParametersChange  Action = "parameters.change"
	ActionParametersHistory Action = "parameters.history"
)

// ParameterVersion is one version of a utility's parameters. Version 1 is the utility as created,
// effective from the Unix epoch.
type ParameterVersion struct {
	UtilityID        int64
	Version          int64
	EffectiveFrom    time.Time
	TaxRate          decimal.Decimal // VAT included in prices, e.g. 0.15
	DebtRecoveryRate decimal.Decimal // the share of each purchase that goes to arrears, 0 to 1
	ReversalWindow   time.Duration   // 0: core.DefaultReversalWindow
	MaxVendAmount    core.Money      // the most one purchase may pay; 0 for no limit
	CreatedAt        time.Time
	CreatedBy        string
	Reason           string
}

// ParameterVersionView is a parameter version as lists, the API and the audit trail show it.
type ParameterVersionView struct {
	UtilityID             int64     `json:"utility_id"`
	Version               int64     `json:"version"`
	EffectiveFrom         time.Time `json:"effective_from"`
	TaxRate               string    `json:"tax_rate"`
	DebtRecoveryRate      string    `json:"debt_recovery_rate"`
	ReversalWindowSeconds int64     `json:"reversal_window_seconds"`
	MaxVendAmount         int64     `json:"max_vend_amount"`
	CreatedAt             time.Time `json:"created_at"`
	CreatedBy             string    `json:"created_by"`
	Reason                string    `json:"reason"`
}

// View returns the version's JSON form.
func (p ParameterVersion) View() ParameterVersionView {
	return ParameterVersionView{p.UtilityID, p.Version, p.EffectiveFrom.UTC(), p.TaxRate.String(), p.DebtRecoveryRate.String(),
		int64(p.ReversalWindow / time.Second), int64(p.MaxVendAmount), p.CreatedAt.UTC(), p.CreatedBy, p.Reason}
}

// ParameterStore keeps the versions of utilities' parameters.
type ParameterStore interface {
	// Utility returns a utility with the parameters in effect now, or not_found.
	Utility(ctx context.Context, id int64) (core.Utility, error)
	// ParameterVersions returns a utility's versions, version 1 first; not_found for an unknown
	// utility.
	ParameterVersions(ctx context.Context, utilityID int64) ([]ParameterVersion, error)
	// AddParameterVersion stores the next version of a utility's parameters (its Version is the
	// latest's plus one); a version taken meanwhile is a conflict (ReasonStaleVersion).
	AddParameterVersion(ctx context.Context, p *ParameterVersion) error
}

// ParameterChange is what ChangeParameters takes: the values that change (nil keeps the latest
// version's), from when, and why.
type ParameterChange struct {
	UtilityID int64
	// AfterVersion is the latest version the operator read: a version added since is a conflict.
	AfterVersion int64
	// EffectiveFrom is when the values apply: not before now; the zero time is now. It is rounded
	// up to a whole second.
	EffectiveFrom    time.Time
	TaxRate          *decimal.Decimal
	DebtRecoveryRate *decimal.Decimal
	ReversalWindow   *time.Duration
	MaxVendAmount    *core.Money
	Reason           string
}

// check checks the values of a version, naming the field at fault.
func (p ParameterVersion) check() error {
	switch {
	case p.TaxRate.IsNegative() || p.TaxRate.GreaterThanOrEqual(decimal.NewFromInt(1)):
		return core.Errorf(core.CodeInvalid, ReasonInvalidParameters, "the tax rate must be at least 0 and below 1").OnField("tax_rate")
	case p.DebtRecoveryRate.IsNegative() || p.DebtRecoveryRate.GreaterThan(decimal.NewFromInt(1)):
		return core.Errorf(core.CodeInvalid, ReasonInvalidParameters, "the debt recovery rate is a share of each purchase: 0 to 1").OnField("debt_recovery_rate")
	case p.ReversalWindow < 0 || p.ReversalWindow%time.Second != 0:
		return core.Errorf(core.CodeInvalid, ReasonInvalidParameters, "the reversal window must be whole seconds, not negative (0: %s)", core.DefaultReversalWindow).OnField("reversal_window")
	case p.MaxVendAmount < 0:
		return core.Errorf(core.CodeInvalid, ReasonInvalidParameters, "the limit of one purchase must not be negative (0: no limit)").OnField("max_vend_amount")
	}
	return nil
}

// ChangeParameters adds a version of a utility's parameters, effective from c.EffectiveFrom.
func (s *Service) ChangeParameters(ctx context.Context, a Actor, c ParameterChange) (ParameterVersion, error) {
	if err := s.allow(ctx, a, PermTariffsManage, ActionParametersChange, ""); err != nil {
		return ParameterVersion{}, err
	}
	if err := s.utilityInScope(ctx, a, PermTariffsManage, ActionParametersChange, c.UtilityID); err != nil {
		return ParameterVersion{}, err
	}
	reason, err := checkChangeReason(ReasonInvalidParameters, c.Reason)
	if err != nil {
		return ParameterVersion{}, err
	}
	eff, err := effectiveFrom(s.now(), c.EffectiveFrom)
	if err != nil {
		return ParameterVersion{}, err
	}
	return act(ctx, s, a, PermTariffsManage, ActionParametersChange, func(ctx context.Context) (ParameterVersion, Change, error) {
		versions, err := s.store.ParameterVersions(ctx, c.UtilityID)
		if err != nil {
			return ParameterVersion{}, Change{}, err
		}
		latest := versions[len(versions)-1]
		if err := nextVersion("utility", c.UtilityID, latest.Version, latest.EffectiveFrom, c.AfterVersion, eff); err != nil {
			return ParameterVersion{}, Change{}, err
		}
		p := latest
		p.Version, p.EffectiveFrom, p.Reason, p.CreatedBy = latest.Version+1, eff, reason, a.Name()
		p.CreatedAt = s.now().UTC().Truncate(time.Microsecond)
		if c.TaxRate != nil {
			p.TaxRate = *c.TaxRate
		}
		if c.DebtRecoveryRate != nil {
			p.DebtRecoveryRate = *c.DebtRecoveryRate
		}
		if c.ReversalWindow != nil {
			p.ReversalWindow = *c.ReversalWindow
		}
		if c.MaxVendAmount != nil {
			p.MaxVendAmount = *c.MaxVendAmount
		}
		if err := p.check(); err != nil {
			return ParameterVersion{}, Change{}, err
		}
		if err := s.store.AddParameterVersion(ctx, &p); err != nil {
			return ParameterVersion{}, Change{}, err
		}
		return p, Change{Target: "utility:" + itoa(c.UtilityID), Before: latest.View(), After: p.View(),
			Detail: "parameters version " + itoa(p.Version) + " effective from " + eff.Format(time.RFC3339)}, nil
	})
}

// ParameterHistory returns a utility's parameter versions, version 1 first.
func (s *Service) ParameterHistory(ctx context.Context, a Actor, utilityID int64) ([]ParameterVersion, error) {
	return read(ctx, s, a, PermTariffsRead, ActionParametersHistory, func(ctx context.Context) ([]ParameterVersion, error) {
		if err := s.utilityInScope(ctx, a, PermTariffsRead, ActionParametersHistory, utilityID); err != nil {
			return nil, err
		}
		return s.store.ParameterVersions(ctx, utilityID)
	})
}

// ParametersAt returns the version of a utility's parameters in effect at at.
func (s *Service) ParametersAt(ctx context.Context, a Actor, utilityID int64, at time.Time) (ParameterVersion, error) {
	versions, err := s.ParameterHistory(ctx, a, utilityID)
	if err != nil {
		return ParameterVersion{}, err
	}
	return versions[InEffect(len(versions), func(i int) time.Time { return versions[i].EffectiveFrom }, at)], nil
}

// utilityInScope checks that a utility exists and is the actor's.
func (s *Service) utilityInScope(ctx context.Context, a Actor, perm Permission, action Action, utilityID int64) error {
	if _, err := s.store.Utility(ctx, utilityID); isNotFound(err) {
		return core.Errorf(core.CodeNotFound, core.ReasonNotFound, "utility %d does not exist", utilityID).OnField("utility_id")
	} else if err != nil {
		return storeError(err)
	}
	return s.inScope(ctx, a, perm, action, "utility:"+itoa(utilityID), utilityID)
}
