package ops

import "github.com/vendgate/vendgate/adapters/internal/httpkit"

// reverseVend is POST /ops/v1/vends/{id}/reversal: {reason}. Inside the utility's window it
// runs at once (200, the vend); past it the late reversal's approval policy decides (202 with
// the request when it waits for a second operator).
func (s *Server) reverseVend(x *exchange) error {
	id, err := pathID(x)
	if err != nil {
		return err
	}
	var reason string
	if err := x.decode(s, "a reversal", httpkit.Required("reason", &reason, "a string saying why")); err != nil {
		return err
	}
	r, err := s.cfg.Vends.ReverseVend(x.r.Context(), x.actor, id, reason)
	return gated(x, r, err)
}
