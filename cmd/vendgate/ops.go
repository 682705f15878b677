package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/vendgate/vendgate/adapters/ops"
	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
)

// adminUsername is the administrator a new installation's first start creates.
const adminUsername = "admin"

// openBackOffice builds the back office over the store, bootstraps it (the built-in roles at
// every start; on a new installation the administrator, whose one-time password is printed this
// once) and returns the operator API, served under ops.Prefix beside the agents' /v1.
func (m *Main) openBackOffice(ctx context.Context, baseURL string, sealer *core.Sealer) (http.Handler, error) {
	m.Office = backoffice.New(m.DB, backoffice.WithClock(m.Clock),
		backoffice.WithTokenIssuer(m.Vendor.Issuer), backoffice.WithReverser(m.Vendor), backoffice.WithSealer(sealer))
	creds, err := m.Office.Bootstrap(ctx, adminUsername)
	switch {
	case core.ErrorCode(err) == core.CodeDuplicate:
		// Another node bootstrapped the same database at the same moment, and printed the password.
	case err != nil:
		return nil, fmt.Errorf("bootstrapping the back office: %w", err)
	case creds != nil:
		m.printAdmin(baseURL, creds)
	}
	o := m.Office
	return ops.New(ops.Config{Account: o, Sessions: o, Tokens: o, Operators: o, Roles: o, Audit: o,
		Approvals: o, Agents: o, Vends: o, Organisation: o, Versions: o, Stock: o, Contracts: o, MeterTokens: o, Records: o, Network: o,
		Debts: o, Charges: o, Refunds: o, Exchanges: o, Readings: o, Tampering: o, AgentTerms: o, Commissions: o,
		Logger: m.Logger, MaxBodyBytes: m.Config.MaxBodyBytes, Clock: m.Clock}), nil
}

// expireApprovals marks the approval requests that waited past their expiry as expired, every
// approvalSweep, until ctx ends (Run starts it and ends it at shutdown). A failed sweep is
// logged and the next one tries again.
func (m *Main) expireApprovals(ctx context.Context) {
	every := m.approvalSweep
	if every <= 0 {
		every = time.Minute
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n, err := m.Office.ExpireApprovals(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			m.Logger.Warn().Str("error", err.Error()).Msg("expiring approval requests failed; the next sweep tries again")
		case n > 0:
			m.Logger.Info().Int("expired", n).Msg("approval requests expired")
		}
	}
}

// printAdmin tells the person starting a new installation how to sign in as its administrator.
// The one-time password is printed once, on this line only, and is never logged: it stops
// working at the first sign-in, which must set a new password.
func (m *Main) printAdmin(baseURL string, creds *backoffice.Credentials) {
	fmt.Fprintf(m.Stdout, "\nBack office: the administrator %q was created; one-time password (shown once): %s\n", creds.Operator.Username, creds.Password)
	fmt.Fprintf(m.Stdout, "Sign in and set a new password at once (the one-time password allows nothing else):\n"+
		"  curl -s -c cookies -X POST %s/ops/v1/session -H 'Content-Type: application/json' -d '{\"username\":\"%s\",\"password\":\"<one-time password>\"}'\n\n",
		baseURL, creds.Operator.Username)
}
