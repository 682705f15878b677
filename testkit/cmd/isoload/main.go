// Command isoload is the ISO 8583 load command (testkit/load.RunISO): it signs on to a running
// server's bank listener as an institution and sends pipelined purchases (0200), printing vends/s
// and latency.
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
	os.Exit(load.RunISO(ctx, os.Args[1:], os.Stdout, os.Stderr))
}
