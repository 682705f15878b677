package backoffice

import (
	"context"

	"github.com/vendgate/vendgate/core"
)

// Me returns the actor's own account, as the console shows who is signed in. It needs no
// permission: every operator may see themselves.
func (s *Service) Me(ctx context.Context, a Actor) (OperatorView, error) {
	if a.kind != ActorOperator || a.id == 0 {
		return OperatorView{}, core.Errorf(core.CodeForbidden, ReasonPermissionDenied, "only an operator has an account to show")
	}
	o, err := s.store.Operator(ctx, a.id)
	if err != nil {
		return OperatorView{}, operatorError(err, a.id)
	}
	return o.View(), nil
}
