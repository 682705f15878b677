// isoload: ISO 8583 load against a running server's bank listener. It signs on
// --conns connections as an institution and keeps --inflight purchases (0200) pipelined on each,
// or, with --rate R, sends R purchases a second in an open loop whose latency counts from each
// purchase's intended start. The meters come from a bench agents file (restload
// --seed-agents ... also seeds the bank, institution 999999) or from --meters.
//
//	isoload --addr 127.0.0.1:8583 (--agents-file FILE | --meters N1,N2)
//	    [--institution 999999] [--conns 4] [--inflight 16] [--rate R] [--duration 20s]
//	    [--amount 5000] [--header binary2|ascii4]

package load

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/vendgate/vendgate/adapters/iso8583"
	"github.com/vendgate/vendgate/adapters/iso8583/atm"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/internal/demo"
)

const benchISOUsage = `usage: isoload --addr 127.0.0.1:8583 (--agents-file FILE | --meters N1,N2,...)
         [--institution 999999] [--conns 4] [--inflight 16] [--rate R] [--duration 20s] [--amount 5000]
         [--header binary2|ascii4]
--rate R: R purchases/s in an open loop, latency from each purchase's intended start; 0 (default) keeps
--inflight purchases pipelined on each connection. Only loopback addresses are accepted.`

func RunISO(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("isoload", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	addr := fs.String("addr", "127.0.0.1:8583", "")
	institution := fs.String("institution", demo.Institution, "")
	agentsFile := fs.String("agents-file", "", "")
	meters := fs.String("meters", "", "")
	conns := fs.Int("conns", 4, "")
	inflight := fs.Int("inflight", 16, "")
	rate := fs.Float64("rate", 0, "")
	duration := fs.Duration("duration", benchDefaultRun, "")
	amount := fs.Int64("amount", 5000, "")
	header := fs.String("header", "binary2", "")
	usage := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "isoload: "+format+"\n%s\n", append(a, benchISOUsage)...)
		return 2
	}
	if err := fs.Parse(args); err != nil {
		return usage("%v", err)
	}
	host, _, err := net.SplitHostPort(*addr)
	switch {
	case err != nil || !benchLoopbackHost(host):
		return usage("--addr: %q is not a loopback host:port", *addr)
	case *conns < 1 || *conns > 256:
		return usage("--conns: want 1 to 256")
	case *inflight < 1 || *inflight > 1024:
		return usage("--inflight: want 1 to 1024")
	case *rate < 0 || *rate > benchMaxRate:
		return usage("--rate: want 0 to %d", benchMaxRate)
	case *duration <= 0 || *duration > benchMaxDuration:
		return usage("--duration: want above 0 and at most %s", benchMaxDuration)
	case *amount <= 0:
		return usage("--amount: want a positive amount in minor units")
	}
	framing, err := iso8583.ParseFraming(*header)
	if err != nil {
		return usage("--header: %q is not binary2 or ascii4", *header)
	}
	numbers, err := benchISOMeters(*agentsFile, *meters)
	if err != nil {
		return usage("%v", err)
	}
	cfg := atm.LoadConfig{
		Client: atm.Config{Addr: *addr, Institution: *institution, Framing: framing, Timeout: 30 * time.Second},
		Conns:  *conns, InFlight: *inflight, Duration: *duration, Meters: numbers, Amount: *amount, Rate: *rate,
	}
	res, err := atm.Load(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "isoload: %v\n", err)
		return 1
	}
	mode := fmt.Sprintf("pipelined, %d connections x %d in flight", *conns, *inflight)
	if *rate > 0 {
		mode = fmt.Sprintf("open loop at %.0f/s, %d connections x %d workers", *rate, *conns, *inflight)
	}
	fmt.Fprintf(stdout, "iso8583 %s: %d vends in %.2fs = %.1f vends/s; latency p50 %.1fms p99 %.1fms; declined %v; errors %d\n",
		mode, res.Vends, res.Elapsed.Seconds(), res.PerSecond(), benchMS(res.P50), benchMS(res.P99), res.Declined, res.Errors)
	if res.Errors > 0 || len(res.Declined) > 0 {
		return 1
	}
	return 0
}

// benchISOMeters returns the meters to buy for: the first agent's of a bench agents file, or a
// comma-separated list.
func benchISOMeters(agentsFile, list string) ([]string, error) {
	if (agentsFile == "") == (list == "") {
		return nil, errors.New("give --agents-file or --meters")
	}
	if agentsFile != "" {
		agents, err := LoadAgents(agentsFile, "", "", 0, nil)
		if err != nil {
			return nil, err
		}
		return agents[0].Meters, nil
	}
	var out []string
	for m := range strings.SplitSeq(list, ",") {
		if m = strings.TrimSpace(m); m == "" {
			continue
		}
		if err := core.CheckMeterNumber(m); err != nil {
			return nil, fmt.Errorf("--meters: %q: %v", m, err)
		}
		out = append(out, m)
	}
	if len(out) == 0 {
		return nil, errors.New("--meters: no meter numbers")
	}
	return out, nil
}
