package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/store"
	"github.com/vendgate/vendgate/testkit"
)

// TestAccessSecretsStayHidden: a session token, its CSRF value and an API token appear in no
// error, no audit entry, no log line printing a grant or a session, and no stored row (the store keeps their hashes; the CSRF value is kept
// with its session, which is what it is checked against, and nowhere else).
func TestAccessSecretsStayHidden(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		bo := testkit.NewBackOffice(t, db)
		sess, err := bo.Svc.OpenSession(ctx, bo.SignInRequest(t, "admin"))
		if err != nil {
			t.Fatal(err)
		}
		a, _, err := bo.Svc.SessionActor(ctx, sess.Token, "")
		if err != nil {
			t.Fatal(err)
		}
		tok, err := bo.Svc.IssueToken(ctx, a, backoffice.NewToken{Label: "script", Permissions: []backoffice.Permission{backoffice.PermVendsRead}, TTL: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		secrets := map[string]string{"session token": sess.Token, "CSRF value": sess.CSRF, "API token": tok.Token}
		var errs []error
		collect := func(err error) {
			if err == nil {
				t.Fatal("want an error")
			}
			errs = append(errs, err)
		}
		// Every way a secret is refused: altered, revoked, expired.
		_, _, err = bo.Svc.SessionActor(ctx, sess.Token+"x", "")
		collect(err)
		_, err = bo.Svc.TokenActor(ctx, tok.Token+"x", "")
		collect(err)
		_, err = bo.Svc.TokenActor(ctx, strings.TrimPrefix(tok.Token, backoffice.TokenPrefix), "")
		collect(err)
		tokActor, err := bo.Svc.TokenActor(ctx, tok.Token, "")
		if err != nil {
			t.Fatal(err)
		}
		_, err = bo.Svc.IssueToken(ctx, tokActor, backoffice.NewToken{Label: tok.Token, Permissions: []backoffice.Permission{backoffice.PermVendsRead}})
		collect(err)
		bo.Clock.Advance(time.Hour)
		_, err = bo.Svc.TokenActor(ctx, tok.Token, "")
		collect(err)
		_, _, err = bo.Svc.SessionActor(ctx, sess.Token, "")
		collect(err)
		if _, err := bo.Svc.RevokeSessions(ctx, bo.Admin, bo.Admin.ID()); err != nil {
			t.Fatal(err)
		}
		_, _, err = bo.Svc.SessionActor(ctx, sess.Token, "")
		collect(err)

		// What a careless log line would show: the grants, the session, each error.
		log, logs := testkit.CaptureLogs(t)
		ss, err := db.SessionByHash(ctx, backoffice.SecretHash(sess.Token))
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range []any{sess, tok, ss, &sess, &tok} {
			log.Info().Msgf("%v %+v %#v %s", v, v, v, v)
			log.Info().Str("value", fmt.Sprint(v)).Msg("printed")
		}
		for _, err := range errs {
			log.Error().Err(err).Msg("refused")
		}

		audit, err := db.DumpTable(ctx, "audit_entries")
		if err != nil {
			t.Fatal(err)
		}
		stored := map[string]string{}
		for _, table := range []string{"operator_sessions", "api_tokens", "operators"} {
			if stored[table], err = db.DumpTable(ctx, table); err != nil {
				t.Fatal(err)
			}
		}
		for what, secret := range secrets {
			for _, err := range errs {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("the error %q holds the %s", err, what)
				}
			}
			if strings.Contains(logs.String(), secret) {
				t.Errorf("the log holds the %s", what)
			}
			if strings.Contains(audit, secret) {
				t.Errorf("the audit trail holds the %s", what)
			}
			for table, rows := range stored {
				if what == "CSRF value" && table == "operator_sessions" {
					continue
				}
				if strings.Contains(rows, secret) {
					t.Errorf("the table %s holds the %s", table, what)
				}
			}
		}
		if !strings.Contains(stored["operator_sessions"], backoffice.SecretHash(sess.Token)) ||
			!strings.Contains(stored["api_tokens"], backoffice.SecretHash(tok.Token)) {
			t.Error("the store does not key sessions and tokens by their hashes")
		}
	})
}
