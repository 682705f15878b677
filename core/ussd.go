package core

import "time"

// USSDSession is a USSD dialogue as the USSD channel keeps it between an aggregator's callbacks.
// It lives in the database, so that it survives a restart and every Vendgate node behind the
// aggregator sees the same one. Once a purchase is done its Screen holds the tokens: a session is
// as sensitive as a vend, and never logged.
type USSDSession struct {
	// ID is the aggregator's session id scoped by the service code ("*404#:ATUid_1234"), so that
	// two aggregators cannot collide.
	ID          string
	Phone       string // NormalizePhone's form
	ServiceCode string
	Language    string
	// State is the channel's own state of the dialogue, opaque to core and the store (JSON).
	State string
	// Text is the text of the last callback answered, to tell a repeated callback and the
	// aggregator's style of text (the whole history, or the last input only).
	Text string
	// Screen is the last answer, "CON ..." or "END ...", sent again for a repeated callback.
	Screen string
	// VendID is the purchase the session made, or 0.
	VendID    int64
	CreatedAt time.Time
	UpdatedAt time.Time
	// ExpiresAt is when the session ends: a callback after it gets the expired screen.
	ExpiresAt time.Time
}
