package backoffice

import (
	"context"

	"github.com/vendgate/vendgate/core"
)

// SupplyGroupStore keeps supply groups; their vending keys go in sealed and never come out here.
type SupplyGroupStore interface {
	core.SupplyGroupCreator
	// SupplyGroup returns a supply group without its key, or not_found.
	SupplyGroup(ctx context.Context, id int64) (core.SupplyGroup, error)
}

// Supply group actions.
const ActionSupplyGroupCreate Action = "supply_group.create"

func supplyGroupTarget(id int64) string { return "supply_group:" + itoa(id) }

// SupplyGroupView is a supply group as the API and the audit trail show it: never its key.
type SupplyGroupView struct {
	ID        int64  `json:"id"`
	UtilityID int64  `json:"utility_id"`
	SGC       string `json:"sgc"`
	KRN       uint8  `json:"krn"`
	DKGA      string `json:"dkga"`
	Name      string `json:"name"`
}

// SupplyGroupViewOf returns a supply group's JSON form.
func SupplyGroupViewOf(g core.SupplyGroup) SupplyGroupView {
	return SupplyGroupView{ID: g.ID, UtilityID: g.UtilityID, SGC: g.SGC.String(), KRN: g.KRN, DKGA: g.DKGA.String(), Name: g.Name}
}

// WithSealer gives the service the master key's sealer, which vending keys are imported under.
func WithSealer(sealer *core.Sealer) Option { return func(s *Service) { s.deps.sealer = sealer } }

// CreateSupplyGroup imports a vending key for a supply group of a utility: sealed under the
// master key before it is stored, never written to the audit trail. The caller clears its copy
// of the key.
func (s *Service) CreateSupplyGroup(ctx context.Context, a Actor, g core.SupplyGroup, vendingKey []byte) (SupplyGroupView, error) {
	return actOn(ctx, s, a, PermKeysManage, ActionSupplyGroupCreate, utilityTarget(g.UtilityID), s.utilityOwner(g.UtilityID),
		func(ctx context.Context) (SupplyGroupView, Change, error) {
			if s.deps.sealer == nil {
				return SupplyGroupView{}, Change{}, core.Errorf(core.CodeInternal, ReasonNotConfigured, "the back office has no master key to seal vending keys with")
			}
			if err := core.ImportVendingKey(ctx, s.store, s.deps.sealer, &g, vendingKey); err != nil {
				return SupplyGroupView{}, Change{}, err
			}
			v := SupplyGroupViewOf(g)
			return v, Change{Target: supplyGroupTarget(g.ID), After: v, Detail: "vending key imported, sealed"}, nil
		})
}
