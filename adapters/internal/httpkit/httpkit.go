// Package httpkit holds what Vendgate's HTTP adapters (rest, ussd, ops) share: the one builder of
// the HTTP server (server.go), the table from core's codes to HTTP status and problem titles
// (problem.go), the strict reading of JSON request bodies (body.go), metric registration and
// defaults.
package httpkit

import (
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Register registers a collector, or returns the equal one registered before (another adapter's
// vendgate_vends_total, say). Any other failure is a programming error: it panics naming who.
func Register[C prometheus.Collector](who string, reg prometheus.Registerer, c C) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		panic(who + ": registering metrics: " + err.Error())
	}
	return c
}

// OrDefault returns v, or def when v is not positive.
func OrDefault[T int64 | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}
