package core

import "time"

// VendQuery selects committed vends for a list, newest first. Voided keys (a reversal advice
// that came before its request) are never listed.
type VendQuery struct {
	AgentID     int64  // the agent that sold them; 0 for any
	UtilityID   int64  // the utility they were sold for; 0 for any
	MeterNumber string // "" for any meter
	// Payer keeps only the vends paid from this phone (NormalizePhone's form); "" for any.
	Payer   string
	Channel string     // "" for any channel
	Status  VendStatus // VendCompleted or VendReversed; "" for both
	// From and To bound the time of sale: at or after From, before To; zero for no bound.
	From, To time.Time
	// BeforeID pages back: only vends with a smaller ID (0: from the newest).
	BeforeID int64
	// Limit is how many at most: 1 to MaxVendQueryLimit (0 or more is MaxVendQueryLimit).
	Limit int
}

// MaxVendQueryLimit bounds the vends one query returns.
const MaxVendQueryLimit = 1000

// CheckVendQuery checks a query's fields and bounds its limit.
func CheckVendQuery(q VendQuery) (VendQuery, error) {
	switch {
	case q.Status != "" && q.Status != VendCompleted && q.Status != VendReversed:
		return q, Errorf(CodeInvalid, ReasonInvalidStatus, "status %q: completed or reversed", q.Status).OnField("status")
	case q.Channel != "" && !knownChannel(q.Channel):
		return q, Errorf(CodeInvalid, ReasonInvalidChannel, "channel %q: one of %s, %s, %s, %s", q.Channel, ChannelREST, ChannelISO8583, ChannelSMS, ChannelUSSD).OnField("channel")
	case !q.From.IsZero() && !q.To.IsZero() && !q.From.Before(q.To):
		return q, Errorf(CodeInvalid, ReasonInvalidPeriod, "the period's start must be before its end").OnField("from")
	case q.BeforeID < 0:
		return q, Errorf(CodeInvalid, ReasonInvalidCursor, "the page cursor must be a vend ID").OnField("before")
	}
	if q.Limit <= 0 || q.Limit > MaxVendQueryLimit {
		q.Limit = MaxVendQueryLimit
	}
	return q, nil
}

func knownChannel(ch string) bool {
	switch ch {
	case ChannelREST, ChannelISO8583, ChannelSMS, ChannelUSSD:
		return true
	}
	return false
}
