package lang

import "slices"

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

// NotForCustomers is the set of core's reasons no SMS or USSD customer can meet.
var NotForCustomers = notForCustomers

// ReasonKeys is the reason table.
var ReasonKeys = keyOfReason
