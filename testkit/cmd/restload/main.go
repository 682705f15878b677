// Command restload is the REST API's load command (testkit/load.RunREST): it seeds a database
// with agents and meters (--seed-agents, --seed-meters), and drives concurrent vends over HTTP
// against a running server, in a closed or an open loop, printing vends/s and latency.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/vendgate/vendgate/testkit/load"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(load.RunREST(ctx, os.Args[1:], os.Environ(), os.Stdout, os.Stderr))
}
