package ops

import (
	"context"
	"net/http"
	"strconv"

	"github.com/vendgate/vendgate/adapters/internal/httpkit"
	"github.com/vendgate/vendgate/backoffice"
)

// createOperator is POST /ops/v1/operators: {username, full_name, email, roles, utility_id,
// hall_id}. The answer, 201, holds the one-time password, which is shown this once.
func (s *Server) createOperator(x *exchange) error {
	var n backoffice.NewOperator
	if err := x.decode(s, "a new operator",
		httpkit.Required("username", &n.Username, "a string"),
		httpkit.Optional("full_name", &n.FullName, "a string"),
		httpkit.Optional("email", &n.Email, "a string"),
		httpkit.Required("roles", &n.Roles, "an array of role names"),
		httpkit.Optional("utility_id", &n.UtilityID, "an integer (0: every utility)"),
		httpkit.Optional("hall_id", &n.HallID, "an integer (0: every hall)"),
	); err != nil {
		return err
	}
	creds, err := s.cfg.Operators.CreateOperator(x.r.Context(), x.actor, n)
	if err != nil {
		return err
	}
	x.w.Header().Set("Location", "/ops/v1/operators/"+strconv.FormatInt(creds.Operator.ID, 10))
	return x.json(http.StatusCreated, creds)
}

// listOperators is GET /ops/v1/operators?after=&limit=&role=&status=&q=: a page by ID.
func (s *Server) listOperators(x *exchange) error {
	after, err := intParam(x, "after", 0, 0, maxInt)
	if err != nil {
		return err
	}
	limit, err := intParam(x, "limit", backoffice.DefaultOperatorPage, 1, backoffice.MaxOperatorPage)
	if err != nil {
		return err
	}
	v := x.r.URL.Query()
	list, err := s.cfg.Operators.ListOperators(x.r.Context(), x.actor, backoffice.OperatorQuery{AfterID: after, Limit: int(limit),
		Role: v.Get("role"), Status: backoffice.OperatorStatus(v.Get("status")), Search: v.Get("q")})
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, newPage(list, int(limit), func(o backoffice.OperatorView) int64 { return o.ID }))
}

// showOperator is GET /ops/v1/operators/{id}.
func (s *Server) showOperator(x *exchange) error {
	id, err := pathID(x)
	if err != nil {
		return err
	}
	o, err := s.cfg.Operators.ShowOperator(x.r.Context(), x.actor, id)
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, o)
}

// updateOperator is PATCH /ops/v1/operators/{id}: {version, and any of full_name, email, roles,
// utility_id, hall_id}. A field left out keeps its value as of the version named; a version that
// is not the operator's current one is 409 stale_version.
func (s *Server) updateOperator(x *exchange) error {
	id, err := pathID(x)
	if err != nil {
		return err
	}
	var (
		fullName, email   *string
		roles             *[]string
		utilityID, hallID *int64
		version           int64
	)
	if err := x.decode(s, "an operator update",
		httpkit.Required("version", &version, "an integer (the version that was read)"),
		httpkit.Optional("full_name", &fullName, "a string"),
		httpkit.Optional("email", &email, "a string"),
		httpkit.Optional("roles", &roles, "an array of role names"),
		httpkit.Optional("utility_id", &utilityID, "an integer (0: every utility)"),
		httpkit.Optional("hall_id", &hallID, "an integer (0: every hall)"),
	); err != nil {
		return err
	}
	ctx := x.r.Context()
	var cur backoffice.OperatorView
	if fullName == nil || email == nil || roles == nil || utilityID == nil || hallID == nil {
		if cur, err = s.cfg.Operators.ShowOperator(ctx, x.actor, id); err != nil {
			return err
		}
	}
	u := backoffice.OperatorUpdate{FullName: or(fullName, cur.FullName), Email: or(email, cur.Email), Roles: or(roles, cur.Roles),
		UtilityID: or(utilityID, cur.UtilityID), HallID: or(hallID, cur.HallID), Version: version}
	o, err := s.cfg.Operators.UpdateOperator(ctx, x.actor, id, u)
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, o)
}

// or is *v when the body gave it, else def.
func or[T any](v *T, def T) T {
	if v != nil {
		return *v
	}
	return def
}

// operatorAction is the handler of POST /ops/v1/operators/{id}/<action>: a change of another
// operator's account that takes no body and answers the operator as it is now.
func (s *Server) operatorAction(do func(ctx context.Context, a backoffice.Actor, id int64) (backoffice.OperatorView, error)) func(*exchange) error {
	return func(x *exchange) error {
		id, err := pathID(x)
		if err != nil {
			return err
		}
		if err := x.decodeOptional(s, "an operator action"); err != nil {
			return err
		}
		o, err := do(x.r.Context(), x.actor, id)
		if err != nil {
			return err
		}
		return x.json(http.StatusOK, o)
	}
}

// resetPassword is POST /ops/v1/operators/{id}/reset-password: a new one-time password, shown
// this once; the operator's sessions end.
func (s *Server) resetPassword(x *exchange) error {
	id, err := pathID(x)
	if err != nil {
		return err
	}
	if err := x.decodeOptional(s, "a password reset"); err != nil {
		return err
	}
	creds, err := s.cfg.Operators.ResetPassword(x.r.Context(), x.actor, id)
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, creds)
}
