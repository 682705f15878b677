package ops

import (
	"net/http"

	"github.com/vendgate/vendgate/adapters/internal/httpkit"
	"github.com/vendgate/vendgate/backoffice"
)

// meJSON is who is asking, as GET /ops/v1/me answers it: what the console needs to show the
// operator and which of its screens they may use.
type meJSON struct {
	ID          int64                   `json:"id"`
	Username    string                  `json:"username"`
	Kind        backoffice.ActorKind    `json:"kind"`
	Via         string                  `json:"via"`
	UtilityID   int64                   `json:"utility_id,omitempty"`
	HallID      int64                   `json:"hall_id,omitempty"`
	Permissions []backoffice.Permission `json:"permissions"`
}

// me is GET /ops/v1/me.
func (s *Server) me(x *exchange) error {
	a := x.actor
	perms := a.Permissions()
	if perms == nil {
		perms = []backoffice.Permission{}
	}
	return x.json(http.StatusOK, meJSON{ID: a.ID(), Username: a.Name(), Kind: a.Kind(), Via: a.Via(),
		UtilityID: a.UtilityID(), HallID: a.HallID(), Permissions: perms})
}

// changePassword is POST /ops/v1/me/password: {current_password, password}.
func (s *Server) changePassword(x *exchange) error {
	var current, next string
	if err := x.decode(s, "a password change",
		httpkit.Required("current_password", &current, "a string"),
		httpkit.Required("password", &next, "a string"),
	); err != nil {
		return err
	}
	if err := s.cfg.Account.ChangePassword(x.r.Context(), x.actor, current, next); err != nil {
		return err
	}
	return x.noContent()
}

// enrolTOTP is POST /ops/v1/me/totp (no body, or {}): a new second-factor secret, shown once,
// pending until confirmed.
func (s *Server) enrolTOTP(x *exchange) error {
	if err := x.decodeOptional(s, "a second-factor enrolment"); err != nil {
		return err
	}
	enr, err := s.cfg.Account.EnrolTOTP(x.r.Context(), x.actor, s.issuer)
	if err != nil {
		return err
	}
	return x.json(http.StatusCreated, enr)
}

// confirmTOTP is POST /ops/v1/me/totp/confirm: {code}, a code of the new secret.
func (s *Server) confirmTOTP(x *exchange) error {
	var code string
	if err := x.decode(s, "a second-factor confirmation", httpkit.Required("code", &code, "a string")); err != nil {
		return err
	}
	if err := s.cfg.Account.ConfirmTOTP(x.r.Context(), x.actor, code); err != nil {
		return err
	}
	return x.noContent()
}
