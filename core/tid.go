package core

import (
	"time"

	"github.com/vendgate/vendgate/sts"
)

// takeTID takes the TID of a token made at t under key from a meter's counters, for every token
// that carries one (credit and management tokens alike), so that TIDs strictly increase per meter
// and key whatever path issues them. A meter keeps its TID memory across key changes (unless a
// rollover clears it and moves it to the next base date), so the counter counts per meter and base
// date, not per key: a counter that counted from another base date starts again. A base date with
// no TID left, or a TID past the key's expiry number, needs a key change first.
func (c *MeterCounters) takeTID(key MeterKey, number string, t time.Time) (sts.TID, error) {
	if scope := key.BaseDate.String(); c.TIDKey != scope {
		c.TIDKey, c.LastTID = scope, 0
	}
	tid, err := key.BaseDate.NextTID(t, c.LastTID)
	if err != nil {
		return 0, Errorf(CodeInvalid, ReasonTIDExhausted, "meter %s needs a key change: %v", number, err)
	}
	if key.KEN.Expired(tid) {
		return 0, Errorf(CodeInvalid, ReasonKeyExpired, "meter %s needs a key change: its key has expired", number)
	}
	c.LastTID = tid
	return tid, nil
}
