package rest

import (
	"context"
	"net"
	"net/http"

	"github.com/rs/zerolog"

	"github.com/vendgate/vendgate/adapters/internal/httpkit"
)

// Limits are the bounds of Serve's HTTP server: read, write, idle and header timeouts, the
// header size, the connections open at once and the wait for requests in flight at shutdown.
// Zero fields take httpkit's defaults (30 s, 60 s, 120 s, 10 s, 64 KiB, 10,000, 15 s).
type Limits = httpkit.Limits

// Serve runs an HTTP server for h on ln until ctx ends, then waits up to l.ShutdownTimeout for
// the requests in flight (a vend in progress completes and is answered). h is the API's Handler,
// or in cmd/vendgate a mux with other HTTP channels (USSD) beside it, or the metrics alone. Past
// l.MaxConnections a new connection is closed at once; failed Accepts are retried. It returns nil
// after a clean shutdown.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, l Limits, log zerolog.Logger) error {
	return httpkit.Serve(ctx, ln, h, l, log)
}
