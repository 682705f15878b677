package backoffice

import (
	"errors"

	"github.com/vendgate/vendgate/core"
)

// PermissionDenied is the cause behind the forbidden error of an actor lacking a permission, so
// that a way in can name the permission apart from the message (the operator API's 403 carries
// it as "permission").
type PermissionDenied struct {
	Permission Permission
}

func (e *PermissionDenied) Error() string { return "lacks " + string(e.Permission) }

// errPermissionDenied is the forbidden error of an action the actor lacks perm for.
func errPermissionDenied(action Action, perm Permission) error {
	e := core.Errorf(core.CodeForbidden, ReasonPermissionDenied, "%s needs the permission %s", action, perm)
	e.Err = &PermissionDenied{Permission: perm}
	return e
}

// DeniedPermission returns the permission a forbidden error says the actor lacks, if it says one.
func DeniedPermission(err error) (Permission, bool) {
	var pd *PermissionDenied
	if errors.As(err, &pd) {
		return pd.Permission, true
	}
	return "", false
}
