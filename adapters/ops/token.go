package ops

import (
	"net/http"
	"strconv"
	"time"

	"github.com/vendgate/vendgate/adapters/internal/httpkit"
	"github.com/vendgate/vendgate/backoffice"
)

// issueToken is POST /ops/v1/tokens: {label, permissions, ttl (seconds; default 30 days)}. The
// answer, 201, holds the token's secret, shown this once. A token is issued by a signed-in
// operator, never by another token.
func (s *Server) issueToken(x *exchange) error {
	var (
		n   backoffice.NewToken
		ttl int64
	)
	if err := x.decode(s, "a new API token",
		httpkit.Required("label", &n.Label, "a string saying what the token is for"),
		httpkit.Required("permissions", &n.Permissions, "an array of permissions"),
		httpkit.Optional("ttl", &ttl, "an integer number of seconds"),
	); err != nil {
		return err
	}
	if ttl < 0 || ttl > int64(backoffice.MaxTokenTTL/time.Second) {
		return badParam("ttl", "ttl is a number of seconds up to %d", int64(backoffice.MaxTokenTTL/time.Second))
	}
	n.TTL = time.Duration(ttl) * time.Second
	g, err := s.cfg.Tokens.IssueToken(x.r.Context(), x.actor, n)
	if err != nil {
		return err
	}
	x.w.Header().Set("Location", "/ops/v1/tokens/"+strconv.FormatInt(g.ID, 10))
	return x.json(http.StatusCreated, g)
}

// myTokens is GET /ops/v1/tokens: the asking operator's valid tokens, newest first.
func (s *Server) myTokens(x *exchange) error {
	return s.tokensOf(x, x.actor.ID())
}

// operatorTokens is GET /ops/v1/operators/{id}/tokens.
func (s *Server) operatorTokens(x *exchange) error {
	id, err := pathID(x)
	if err != nil {
		return err
	}
	return s.tokensOf(x, id)
}

func (s *Server) tokensOf(x *exchange, operatorID int64) error {
	list, err := s.cfg.Tokens.Tokens(x.r.Context(), x.actor, operatorID)
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, page[backoffice.TokenView]{Items: nonNil(list)})
}

// revokeToken is DELETE /ops/v1/tokens/{id}.
func (s *Server) revokeToken(x *exchange) error {
	id, err := pathID(x)
	if err != nil {
		return err
	}
	if err := s.cfg.Tokens.RevokeToken(x.r.Context(), x.actor, id); err != nil {
		return err
	}
	return x.noContent()
}

// nonNil makes an empty list [] on the wire, not null.
func nonNil[T any](list []T) []T {
	if list == nil {
		return []T{}
	}
	return list
}
