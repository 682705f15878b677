package backoffice

import (
	"context"

	"github.com/vendgate/vendgate/core"
)

// TariffStore keeps tariffs.
type TariffStore interface {
	// CreateTariff validates and stores a tariff and sets its ID.
	CreateTariff(ctx context.Context, t *core.Tariff) error
	// TariffUtility returns the utility of a tariff, or not_found.
	TariffUtility(ctx context.Context, id int64) (int64, error)
}

// Tariff actions.
const ActionTariffCreate Action = "tariff.create"

func tariffTarget(id int64) string { return "tariff:" + itoa(id) }

// TariffView is a tariff as the API and the audit trail show it, its quantities in its kind's
// unit.
type TariffView struct {
	ID                 int64             `json:"id"`
	UtilityID          int64             `json:"utility_id"`
	Name               string            `json:"name"`
	Kind               string            `json:"kind"`
	Unit               string            `json:"unit"`
	Blocks             []TariffBlockView `json:"blocks"`
	MonthlyFixedCharge int64             `json:"monthly_fixed_charge"`
	FreeBasic          string            `json:"free_basic"`
}

// TariffBlockView is a price block: up to a monthly bound (none for the last), minor units a unit.
type TariffBlockView struct {
	UpTo  string `json:"up_to,omitempty"`
	Price string `json:"price_minor_per_unit"`
}

// TariffViewOf returns a tariff's JSON form.
func TariffViewOf(t core.Tariff) TariffView {
	v := TariffView{ID: t.ID, UtilityID: t.UtilityID, Name: t.Name, Kind: string(t.Kind), Unit: t.Kind.Unit(),
		MonthlyFixedCharge: int64(t.MonthlyFixedCharge), FreeBasic: t.Kind.Format(t.FreeBasicEnergy), Blocks: []TariffBlockView{}}
	for _, b := range t.Blocks {
		bv := TariffBlockView{Price: b.Price.String()}
		if b.UpTo > 0 {
			bv.UpTo = t.Kind.Format(b.UpTo)
		}
		v.Blocks = append(v.Blocks, bv)
	}
	return v
}

// CreateTariff creates a tariff of a utility (an empty kind is electricity).
func (s *Service) CreateTariff(ctx context.Context, a Actor, t core.Tariff) (TariffView, error) {
	return actOn(ctx, s, a, PermTariffsManage, ActionTariffCreate, utilityTarget(t.UtilityID), s.utilityOwner(t.UtilityID),
		func(ctx context.Context) (TariffView, Change, error) {
			if err := s.store.CreateTariff(ctx, &t); err != nil {
				return TariffView{}, Change{}, err
			}
			v := TariffViewOf(t)
			return v, Change{Target: tariffTarget(t.ID), After: v}, nil
		})
}
