package core

import (
	"context"
	"errors"

	"github.com/vendgate/vendgate/sts"
)

// SupplyGroupCreator stores a supply group with its sealed vending key; a second group with the
// same SGC, KRN and DKGA is ErrDuplicate.
type SupplyGroupCreator interface {
	CreateSupplyGroup(ctx context.Context, g *SupplyGroup, sealedKey []byte) error
}

// CheckSupplyGroup checks a supply group's key parameters against IEC 62055-41: a key revision
// number of 1 to 15 and a derivation algorithm the vending side supports (DKGA02 or DKGA04).
func CheckSupplyGroup(g *SupplyGroup) error {
	switch {
	case g.KRN < 1 || g.KRN > 15:
		return Errorf(CodeInvalid, ReasonInvalidSupplyGroup, "supply group %s: the key revision number %d is not 1 to 15", g.SGC, g.KRN)
	case g.DKGA != sts.DKGA02 && g.DKGA != sts.DKGA04:
		return Errorf(CodeInvalid, ReasonInvalidSupplyGroup, "supply group %s: the key derivation algorithm is not 02 or 04", g.SGC)
	}
	return nil
}

// CheckVendingKey checks a vending key's length for its derivation algorithm.
func CheckVendingKey(dkga sts.DKGA, vendingKey []byte) error {
	if n := dkga.VendingKeySize(); len(vendingKey) != n {
		return Errorf(CodeInvalid, ReasonInvalidVendingKey, "the vending key is %d bytes; DKGA%s takes %d", len(vendingKey), dkga, n)
	}
	return nil
}

// ImportVendingKey is the one way a vending key enters the system: it checks the key against
// its supply group (its parameters, and the key's length for the algorithm), seals it under the
// master key bound to the group's SGC, KRN and DKGA, and stores the group with it, setting its
// ID. The key is never stored or returned in the clear; the caller clears its copy.
func ImportVendingKey(ctx context.Context, st SupplyGroupCreator, sealer *Sealer, g *SupplyGroup, vendingKey []byte) error {
	if err := CheckSupplyGroup(g); err != nil {
		return err
	}
	if err := CheckVendingKey(g.DKGA, vendingKey); err != nil {
		return err
	}
	sealed, err := sealer.Seal(vendingKey, g.SGC, g.KRN, g.DKGA)
	if err != nil {
		return Internal(err, "sealing the vending key")
	}
	err = st.CreateSupplyGroup(ctx, g, sealed)
	if errors.Is(err, ErrDuplicate) {
		return Errorf(CodeDuplicate, ReasonDuplicateSupplyGroup, "supply group %s with KRN %d and DKGA%s exists already", g.SGC, g.KRN, g.DKGA)
	}
	return err
}
