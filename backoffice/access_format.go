package backoffice

import (
	"fmt"
	"time"

	"github.com/vendgate/vendgate/core"
)

// A grant or session printed by mistake (logged with %v, wrapped into an error) shows its
// secrets masked, with every verb: %v, %+v, %#v and %s alike. Their JSON, the answer to the
// operator who signed in or issued the token, is the one form that carries them.

// Format prints the grant with its token and CSRF value masked.
func (g SessionGrant) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "SessionGrant{Token:%s CSRF:%s Operator:%s ExpiresAt:%s}", core.MaskSecret(g.Token),
		core.MaskSecret(g.CSRF), g.Operator.Username, g.ExpiresAt.UTC().Format(time.RFC3339))
}

// Format prints the grant with its token masked.
func (g TokenGrant) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "TokenGrant{Token:%s ID:%d Label:%q Permissions:%v ExpiresAt:%s}", core.MaskSecret(g.Token), g.ID,
		g.Label, g.Permissions, g.ExpiresAt.UTC().Format(time.RFC3339))
}

// Format prints the session with its CSRF value masked.
func (ss Session) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "Session{ID:%d OperatorID:%d CSRF:%s CreatedAt:%s LastSeen:%s ExpiresAt:%s From:%q SecondFactor:%t Revoked:%t}",
		ss.ID, ss.OperatorID, core.MaskSecret(ss.CSRF), ss.CreatedAt.UTC().Format(time.RFC3339), ss.LastSeen.UTC().Format(time.RFC3339),
		ss.ExpiresAt.UTC().Format(time.RFC3339), ss.From, ss.SecondFactor, !ss.RevokedAt.IsZero())
}
