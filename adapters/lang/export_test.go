package lang

import (
	"slices"
	"strings"
)

// Keys returns every message key, sorted.
func Keys() []string {
	keys := make([]string, 0, len(spec))
	for k := range spec {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Placeholders returns the placeholders a message uses, sorted.
func (l *Language) Placeholders(key string) []string {
	p := l.msgs[key].placeholders()
	slices.Sort(p)
	return p
}

// Text returns a message with each placeholder written as its name in braces.
func (l *Language) Text(key string) string {
	a := args{}
	for _, p := range l.msgs[key].placeholders() {
		a[p] = "{" + p + "}"
	}
	return l.msg(key, a)
}

// MessageKey is the error table's lookup.
var MessageKey = messageKey

// KeyExists reports whether a message key is defined.
func KeyExists(key string) bool { _, ok := spec[key]; return ok }

// CoreReasons are the reasons core's errors carry that a customer of SMS or USSD can meet.
var CoreReasons = strings.Fields(`invalid_meter_number meter_not_found meter_blocked meter_decommissioned
	meter_not_vendable key_expired tid_exhausted no_vending_key invalid_amount
	amount_too_small amount_too_large currency_mismatch insufficient_funds idempotency_key_reused
	already_reversed reversed_before_vend`)
