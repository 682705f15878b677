package core

import (
	"context"
	"net/netip"
)

// Institution is a bank or switch that connects over ISO 8583: the acquiring institution id it
// sends in field 32, the settlement account it sells from (an agent of kind bank) and the source
// addresses it may connect from.
type Institution struct {
	Code    string // the acquiring institution id (ISO 8583 field 32), 1 to 11 digits
	Name    string
	AgentID int64
	// Allowed lists the networks a connection may come from; an empty list allows none.
	Allowed []netip.Prefix
	Active  bool
}

// Allows reports whether a connection from addr may act for the institution.
func (in Institution) Allows(addr netip.Addr) bool {
	addr = addr.Unmap()
	for _, p := range in.Allowed {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// InstitutionReader finds an institution by its acquiring institution id.
type InstitutionReader interface {
	// InstitutionByCode returns the institution, or ErrNotFound.
	InstitutionByCode(ctx context.Context, code string) (Institution, error)
}

// CheckInstitutionCode checks an acquiring institution id: 1 to 11 digits.
func CheckInstitutionCode(code string) error {
	if code == "" || len(code) > 11 {
		return Errorf(CodeInvalid, ReasonInvalidInstitution, "an institution id has 1 to 11 digits")
	}
	for _, c := range code {
		if c < '0' || c > '9' {
			return Errorf(CodeInvalid, ReasonInvalidInstitution, "an institution id has only digits")
		}
	}
	return nil
}
