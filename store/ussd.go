package store

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/vendgate/vendgate/core"
)

// ussdSessionRow is a row of the ussd_sessions table. Screen holds the tokens once a purchase is
// done: rows are never logged.
type ussdSessionRow struct {
	bun.BaseModel `bun:"table:ussd_sessions,alias:us"`

	SessionID   string    `bun:"session_id,pk"`
	Phone       string    `bun:"phone"`
	ServiceCode string    `bun:"service_code"`
	Language    string    `bun:"language"`
	State       string    `bun:"state"`
	Text        string    `bun:"text"`
	Screen      string    `bun:"screen"`
	VendID      int64     `bun:"vend_id,nullzero"`
	CreatedAt   time.Time `bun:"created_at"`
	UpdatedAt   time.Time `bun:"updated_at"`
	ExpiresAt   time.Time `bun:"expires_at"`
}

func fromCoreUSSDSession(s core.USSDSession) ussdSessionRow {
	return ussdSessionRow{
		SessionID: s.ID, Phone: s.Phone, ServiceCode: s.ServiceCode, Language: s.Language, State: s.State,
		Text: s.Text, Screen: s.Screen, VendID: s.VendID,
		CreatedAt: s.CreatedAt.UTC(), UpdatedAt: s.UpdatedAt.UTC(), ExpiresAt: s.ExpiresAt.UTC(),
	}
}

func toCoreUSSDSession(r ussdSessionRow) core.USSDSession {
	return core.USSDSession{
		ID: r.SessionID, Phone: r.Phone, ServiceCode: r.ServiceCode, Language: r.Language, State: r.State,
		Text: r.Text, Screen: r.Screen, VendID: r.VendID,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC(),
	}
}

// USSDSession returns a USSD session by its ID, or core.ErrNotFound. It returns a session past
// its expiry too: the caller answers it as expired and deletes it.
func (db *DB) USSDSession(ctx context.Context, id string) (core.USSDSession, error) {
	var r ussdSessionRow
	if err := db.bun.NewSelect().Model(&r).Where("us.session_id = ?", id).Scan(ctx); err != nil {
		return core.USSDSession{}, dbError(err)
	}
	return toCoreUSSDSession(r), nil
}

// SaveUSSDSession stores a USSD session, replacing the one with its ID (the created time of the
// first save is kept).
func (db *DB) SaveUSSDSession(ctx context.Context, s core.USSDSession) error {
	if s.ID == "" {
		return core.Errorf(core.CodeInvalid, core.ReasonInvalidSession, "a USSD session needs an ID")
	}
	r := fromCoreUSSDSession(s)
	_, err := db.bun.NewInsert().Model(&r).
		On("CONFLICT (session_id) DO UPDATE").
		Set("phone = EXCLUDED.phone").
		Set("service_code = EXCLUDED.service_code").
		Set("language = EXCLUDED.language").
		Set("state = EXCLUDED.state").
		Set("text = EXCLUDED.text").
		Set("screen = EXCLUDED.screen").
		Set("vend_id = EXCLUDED.vend_id").
		Set("updated_at = EXCLUDED.updated_at").
		Set("expires_at = EXCLUDED.expires_at").
		Exec(ctx)
	return dbError(err)
}

// DeleteUSSDSession deletes a USSD session; deleting one that does not exist is not an error.
func (db *DB) DeleteUSSDSession(ctx context.Context, id string) error {
	_, err := db.bun.NewDelete().Model((*ussdSessionRow)(nil)).Where("session_id = ?", id).Exec(ctx)
	return dbError(err)
}

// DeleteExpiredUSSDSessions deletes the USSD sessions that expired before a time and returns how
// many it deleted.
func (db *DB) DeleteExpiredUSSDSessions(ctx context.Context, before time.Time) (int64, error) {
	res, err := db.bun.NewDelete().Model((*ussdSessionRow)(nil)).Where("expires_at < ?", before.UTC()).Exec(ctx)
	if err != nil {
		return 0, dbError(err)
	}
	return res.RowsAffected()
}
