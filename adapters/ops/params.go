package ops

import (
	"math"
	"strconv"
	"time"
)

// maxInt is the largest cursor a query parameter takes.
const maxInt = math.MaxInt64

// intParam parses an optional integer query parameter within [lo, hi].
func intParam(x *exchange, name string, def, lo, hi int64) (int64, error) {
	s := x.r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < lo || n > hi || s[0] == '+' {
		return 0, badParam(name, "%s must be an integer from %d to %d", name, lo, hi)
	}
	return n, nil
}

// timeParam parses an optional RFC 3339 time query parameter.
func timeParam(x *exchange, name string) (time.Time, error) {
	s := x.r.URL.Query().Get(name)
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, badParam(name, "%s must be an RFC 3339 time (2026-12-03T09:00:00Z)", name)
	}
	return t, nil
}

// pathID parses a route's {id}: a positive decimal integer.
func pathID(x *exchange) (int64, error) {
	s := x.r.PathValue("id")
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 || s[0] == '+' {
		return 0, badParam("id", "the ID must be a positive integer")
	}
	return id, nil
}

// page is a list's answer: its items and, when there may be more, the cursor of the next page
// (pass it as ?after=).
type page[T any] struct {
	Items     []T    `json:"items"`
	NextAfter *int64 `json:"next_after,omitempty"`
}

// newPage makes the page of items read with limit; key gives an item's cursor.
func newPage[T any](items []T, limit int, key func(T) int64) page[T] {
	p := page[T]{Items: items}
	if p.Items == nil {
		p.Items = []T{}
	}
	if len(items) > 0 && len(items) >= limit {
		k := key(items[len(items)-1])
		p.NextAfter = &k
	}
	return p
}
