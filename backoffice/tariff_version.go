package backoffice

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vendgate/vendgate/core"
)

// A tariff's prices are versions, each effective from a time: a change is a new version that
// takes effect at a time not earlier than now, so that it never reprices a vend already made.
// A vend is priced with the version in effect when it is made (the store resolves it), so the
// breakdown of any past vend can be recomputed from the version in effect at its time.

// Tariff version actions.
const (
	ActionTariffChange  Action = "tariff.change"
	ActionTariffHistory Action = "tariff.history"
)

// The reasons of versioned changes.
const (
	ReasonInvalidTariffChange  core.Reason = "invalid_tariff_change"
	ReasonInvalidEffectiveFrom core.Reason = "invalid_effective_from" // in the past, or before the latest version's
	ReasonInvalidParameters    core.Reason = "invalid_parameters"
)

var versionReasons = map[core.Reason]core.Code{
	ReasonInvalidTariffChange:  core.CodeInvalid,
	ReasonInvalidEffectiveFrom: core.CodeInvalid,
	ReasonInvalidParameters:    core.CodeInvalid,
}

func init() { reasonLists = append(reasonLists, versionReasons) }

// TariffVersion is one version of a tariff's prices: who made it, when, and from when it prices
// vends. Version 1 is the tariff as created, effective from the Unix epoch.
type TariffVersion struct {
	TariffID           int64
	Version            int64
	EffectiveFrom      time.Time
	Blocks             []core.TariffBlock
	MonthlyFixedCharge core.Money
	FreeBasicEnergy    core.Energy
	CreatedAt          time.Time
	CreatedBy          string // the operator's username
	Reason             string
}

// TariffVersionView is a tariff version as lists, the API and the audit trail show it.
type TariffVersionView struct {
	TariffID           int64            `json:"tariff_id"`
	Version            int64            `json:"version"`
	EffectiveFrom      time.Time        `json:"effective_from"`
	Blocks             []PriceBlockView `json:"blocks"`
	MonthlyFixedCharge int64            `json:"monthly_fixed_charge"`
	FreeBasicEnergy    int64            `json:"free_basic_energy"`
	CreatedAt          time.Time        `json:"created_at"`
	CreatedBy          string           `json:"created_by"`
	Reason             string           `json:"reason"`
}

// PriceBlockView is a price block of a tariff version: its bound in tenths of the kind's unit (0 for the last,
// unbounded block) and its exact price in minor units per unit, VAT excluded.
type PriceBlockView struct {
	UpTo  int64  `json:"up_to"`
	Price string `json:"price"`
}

// View returns the version's JSON form.
func (v TariffVersion) View() TariffVersionView {
	blocks := make([]PriceBlockView, len(v.Blocks))
	for i, b := range v.Blocks {
		blocks[i] = PriceBlockView{UpTo: int64(b.UpTo), Price: b.Price.String()}
	}
	return TariffVersionView{v.TariffID, v.Version, v.EffectiveFrom.UTC(), blocks, int64(v.MonthlyFixedCharge),
		int64(v.FreeBasicEnergy), v.CreatedAt.UTC(), v.CreatedBy, v.Reason}
}

// TariffVersionStore keeps the versions of tariffs.
type TariffVersionStore interface {
	// TariffUtility returns the utility a tariff belongs to, or not_found.
	TariffUtility(ctx context.Context, id int64) (int64, error)
	// TariffVersions returns a tariff's versions, version 1 first; not_found for an unknown tariff.
	TariffVersions(ctx context.Context, tariffID int64) ([]TariffVersion, error)
	// AddTariffVersion stores the next version of a tariff (its Version is the latest's plus
	// one); a version taken meanwhile is a conflict (ReasonStaleVersion). Vends made from its
	// EffectiveFrom on are priced with it.
	AddTariffVersion(ctx context.Context, v *TariffVersion) error
}

// TariffChange is what ChangeTariff takes: the tariff's new prices, from when, and why.
type TariffChange struct {
	TariffID int64
	// AfterVersion is the latest version the operator read: a version added since is a conflict.
	AfterVersion int64
	// EffectiveFrom is when the new prices apply: not before now; the zero time is now. It is
	// rounded up to a whole second, the precision of a vend's time.
	EffectiveFrom      time.Time
	Blocks             []core.TariffBlock
	MonthlyFixedCharge core.Money
	FreeBasicEnergy    core.Energy
	Reason             string
}

// ChangeTariff adds a version of a tariff's prices, effective from c.EffectiveFrom.
func (s *Service) ChangeTariff(ctx context.Context, a Actor, c TariffChange) (TariffVersion, error) {
	if err := s.allow(ctx, a, PermTariffsManage, ActionTariffChange, ""); err != nil {
		return TariffVersion{}, err
	}
	if err := s.tariffInScope(ctx, a, PermTariffsManage, ActionTariffChange, c.TariffID); err != nil {
		return TariffVersion{}, err
	}
	reason, err := checkChangeReason(ReasonInvalidTariffChange, c.Reason)
	if err != nil {
		return TariffVersion{}, err
	}
	eff, err := effectiveFrom(s.now(), c.EffectiveFrom)
	if err != nil {
		return TariffVersion{}, err
	}
	return act(ctx, s, a, PermTariffsManage, ActionTariffChange, func(ctx context.Context) (TariffVersion, Change, error) {
		versions, err := s.store.TariffVersions(ctx, c.TariffID)
		if err != nil {
			return TariffVersion{}, Change{}, err
		}
		latest := versions[len(versions)-1]
		if err := nextVersion("tariff", c.TariffID, latest.Version, latest.EffectiveFrom, c.AfterVersion, eff); err != nil {
			return TariffVersion{}, Change{}, err
		}
		v := TariffVersion{TariffID: c.TariffID, Version: latest.Version + 1, EffectiveFrom: eff, Blocks: c.Blocks,
			MonthlyFixedCharge: c.MonthlyFixedCharge, FreeBasicEnergy: c.FreeBasicEnergy,
			CreatedAt: s.now().UTC().Truncate(time.Microsecond), CreatedBy: a.Name(), Reason: reason}
		t := core.Tariff{ID: c.TariffID, Name: "tariff " + itoa(c.TariffID), Kind: core.Electricity, Blocks: v.Blocks,
			MonthlyFixedCharge: v.MonthlyFixedCharge, FreeBasicEnergy: v.FreeBasicEnergy}
		if err := t.Validate(); err != nil {
			return TariffVersion{}, Change{}, core.Errorf(core.CodeInvalid, ReasonInvalidTariffChange, "%s", core.AsError(err).Message).OnField("blocks")
		}
		if err := s.store.AddTariffVersion(ctx, &v); err != nil {
			return TariffVersion{}, Change{}, err
		}
		return v, Change{Target: "tariff:" + itoa(c.TariffID), Before: latest.View(), After: v.View(),
			Detail: "version " + itoa(v.Version) + " effective from " + eff.Format(time.RFC3339)}, nil
	})
}

// TariffHistory returns a tariff's versions, version 1 first.
func (s *Service) TariffHistory(ctx context.Context, a Actor, tariffID int64) ([]TariffVersion, error) {
	return read(ctx, s, a, PermTariffsRead, ActionTariffHistory, func(ctx context.Context) ([]TariffVersion, error) {
		if err := s.tariffInScope(ctx, a, PermTariffsRead, ActionTariffHistory, tariffID); err != nil {
			return nil, err
		}
		return s.store.TariffVersions(ctx, tariffID)
	})
}

// TariffVersionAt returns the version of a tariff that priced (or will price) a vend made at at.
func (s *Service) TariffVersionAt(ctx context.Context, a Actor, tariffID int64, at time.Time) (TariffVersion, error) {
	versions, err := s.TariffHistory(ctx, a, tariffID)
	if err != nil {
		return TariffVersion{}, err
	}
	return versions[InEffect(len(versions), func(i int) time.Time { return versions[i].EffectiveFrom }, at)], nil
}

// tariffInScope checks that a tariff exists and is of the actor's utility.
func (s *Service) tariffInScope(ctx context.Context, a Actor, perm Permission, action Action, tariffID int64) error {
	utility, err := s.store.TariffUtility(ctx, tariffID)
	if isNotFound(err) {
		return core.Errorf(core.CodeNotFound, core.ReasonUnknownTariff, "tariff %d does not exist", tariffID).OnField("tariff_id")
	}
	if err != nil {
		return storeError(err)
	}
	return s.inScope(ctx, a, perm, action, "tariff:"+itoa(tariffID), utility)
}

// InEffect returns the index of the version in effect at at among n versions sorted by version
// (whose effective times never decrease): the last one effective at or before at, or the first.
func InEffect(n int, effective func(i int) time.Time, at time.Time) int {
	for i := n - 1; i > 0; i-- {
		if !effective(i).After(at) {
			return i
		}
	}
	return 0
}

// effectiveFrom checks when a change is to take effect: not before now (the zero time is now),
// rounded up to a whole second.
func effectiveFrom(now, requested time.Time) (time.Time, error) {
	now = now.UTC()
	if requested.IsZero() {
		requested = now
	}
	if requested.Before(now) {
		return time.Time{}, core.Errorf(core.CodeInvalid, ReasonInvalidEffectiveFrom,
			"a change cannot take effect in the past (%s is before now): it would reprice vends already made", requested.UTC().Format(time.RFC3339)).OnField("effective_from")
	}
	t := requested.UTC()
	if r := t.Truncate(time.Second); !r.Equal(t) {
		t = r.Add(time.Second)
	}
	return t, nil
}

// nextVersion checks that a change follows the latest version the operator read, and takes effect
// no earlier than it.
func nextVersion(what string, id, latest int64, latestFrom time.Time, afterVersion int64, eff time.Time) error {
	if afterVersion != latest {
		return core.Errorf(core.CodeConflict, ReasonStaleVersion, "%s %d is at version %d, not %d: read its history again", what, id, latest, afterVersion).OnField("after_version")
	}
	if eff.Before(latestFrom) {
		return core.Errorf(core.CodeInvalid, ReasonInvalidEffectiveFrom, "%s %d's version %d takes effect at %s: a later version cannot take effect before it",
			what, id, latest, latestFrom.UTC().Format(time.RFC3339)).OnField("effective_from")
	}
	return nil
}

// checkChangeReason checks the reason given for a versioned change: 1 to 200 characters.
func checkChangeReason(reason core.Reason, v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" || utf8.RuneCountInString(v) > 200 {
		return v, core.Errorf(core.CodeInvalid, reason, "a change needs a reason of 1 to 200 characters").OnField("reason")
	}
	return v, nil
}
