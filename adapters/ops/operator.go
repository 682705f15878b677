package ops

import (
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
