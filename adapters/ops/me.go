package ops

import (
	"net/http"

	"github.com/vendgate/vendgate/adapters/internal/httpkit"
	"github.com/vendgate/vendgate/backoffice"
)

// meJSON is who is asking, as GET /ops/v1/me answers it: the operator's account, how they came
// in, and the permissions they may use now (what the console shows and hides). A permission
// that moves money or keys is usable only after a sign-in with the second factor.
type meJSON struct {
	Operator    backoffice.OperatorView `json:"operator"`
	Via         string                  `json:"via"`
	Permissions []backoffice.Permission `json:"permissions"`
}

// me is GET /ops/v1/me.
func (s *Server) me(x *exchange) error {
	o, err := s.cfg.Account.Me(x.r.Context(), x.actor)
	if err != nil {
		return err
	}
	perms := []backoffice.Permission{}
	for _, p := range x.actor.Permissions() {
		if x.actor.Can(p) {
			perms = append(perms, p)
		}
	}
	return x.json(http.StatusOK, meJSON{Operator: o, Via: x.actor.Via(), Permissions: perms})
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
