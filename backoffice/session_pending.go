package backoffice

import "time"

// TEMPORARY (branch opsapi): the session types the access branch is adding, as announced, so the
// operator API compiles before it lands. The merge of that branch deletes this file.

// SessionGrant is what OpenSession returns.
type SessionGrant struct {
	Token     string
	CSRF      string
	Operator  OperatorView
	ExpiresAt time.Time
}

// Session is a signed-in operator's server-side session.
type Session struct {
	CSRF      string
	ExpiresAt time.Time
}
