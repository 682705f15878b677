package store_test

import (
	"context"
	"testing"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
	"github.com/vendgate/vendgate/testkit"
)

// TestOperatorHallChecked: an operator is limited only to an active vending hall of their
// utility, when created and when moved; one kept on a hall deactivated since can still be edited.
func TestOperatorHallChecked(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := seed(t, db)
		bo := testkit.NewBackOffice(t, db)
		svc, admin, uid := bo.Svc, bo.Admin, f.utility.ID
		hall, err := svc.CreateHall(ctx, admin, backoffice.NewHall{UtilityID: uid, Code: "SOW", Name: "Soweto hall"})
		must(t, err)
		other, err := svc.CreateHall(ctx, admin, backoffice.NewHall{UtilityID: uid, Code: "ALX", Name: "Alexandra hall"})
		must(t, err)

		_, err = svc.CreateOperator(ctx, admin, backoffice.NewOperator{Username: "nowhere", Roles: []string{backoffice.RoleCashier}, UtilityID: uid, HallID: hall.ID + 100})
		wantReasonOn(t, err, core.CodeInvalid, backoffice.ReasonUnknownHall, "hall_id")
		creds, err := svc.CreateOperator(ctx, admin, backoffice.NewOperator{Username: "soweto", Roles: []string{backoffice.RoleCashier}, UtilityID: uid, HallID: hall.ID})
		must(t, err)
		o := creds.Operator

		_, err = svc.DeactivateHall(ctx, admin, other.ID, other.Version)
		must(t, err)
		_, err = svc.UpdateOperator(ctx, admin, o.ID, backoffice.OperatorUpdate{FullName: "Moved", Roles: o.Roles, UtilityID: uid, HallID: other.ID, Version: o.Version})
		wantReasonOn(t, err, core.CodeInvalid, backoffice.ReasonUnknownHall, "hall_id")
		_, err = svc.CreateOperator(ctx, admin, backoffice.NewOperator{Username: "alexandra", Roles: []string{backoffice.RoleCashier}, UtilityID: uid, HallID: other.ID})
		wantReasonOn(t, err, core.CodeInvalid, backoffice.ReasonUnknownHall, "hall_id")

		hall, err = svc.DeactivateHall(ctx, admin, hall.ID, hall.Version)
		must(t, err)
		kept, err := svc.UpdateOperator(ctx, admin, o.ID, backoffice.OperatorUpdate{FullName: "Kept", Roles: o.Roles, UtilityID: uid, HallID: hall.ID, Version: o.Version})
		must(t, err)
		if kept.HallID != hall.ID || kept.FullName != "Kept" {
			t.Errorf("an operator on a deactivated hall, edited: %+v", kept)
		}
	})
}
