// Command smsload is the SMS channel's load command: it plays the SMSC (testkit/smsc in its
// Throughput mode), waits for Vendgate's SMPP bind, sends customers' purchases as MO messages
// ("BUY <meter> <amount>", each from a phone of its own, to the telco's short code) and measures,
// per message, the time from its deliver_sm to the submit_sm that carries the token back, matched
// by the customer's phone. It prints SMS vends/s, the reply latency's p50 and p99, the errors,
// and checks at the end that every message got exactly one reply.
//
//	smsload --listen 127.0.0.1:2775 --agents-file agents.json --inflight 64 --duration 20s  # closed loop
//	smsload --listen 127.0.0.1:2775 --agents-file agents.json --rate 500 --duration 20s      # open loop
//	smsload --listen 127.0.0.1:2775 --agents-file agents.json --backlog 50000 --throttle 500
//
// The agents file is the one `restload --seed-agents N --seed-meters M` (testkit/cmd/restload) writes; its telco
// entry gives the short code and the meters. Start `vendgate serve` with VENDGATE_SMPP_ADDR at
// smsload's address: it binds when smsload listens (and binds again, with backoff, if smsload
// starts later).
//
// --backlog N measures a backlog's drain: the SMSC answers every submit_sm with ESME_RTHROTTLED
// while N purchases are sent, so that their replies pile up in Vendgate's outbox; then it
// accepts again ("the SMSC returns") and smsload measures how fast the replies arrive against
// Vendgate's configured throttle (--throttle, for the report), how long the backlog takes to drain,
// and that all N arrived.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/vendgate/vendgate/testkit/smsc"
)

const usage = `usage: smsload --listen ADDR (--agents-file FILE | --short-code CODE --meters N1,N2,...)
         [--system-id ID --password PW] [--amount 50]
         [--inflight 64] [--duration 20s | --count N] [--rate R]
         [--backlog N --throttle R] [--bind-timeout 2m] [--reply-timeout 1m] [--drain-timeout 15m]
         [--phone-prefix 277] [--phone-start N]
--rate R sends R messages/s in an open loop (latency from each message's intended start, at most
--inflight awaiting their reply); without it, a closed loop keeps --inflight messages awaiting their
reply. --backlog N sends N messages while the SMSC refuses submits with ESME_RTHROTTLED, then
accepts again and measures the drain.`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// options is a validated run.
type options struct {
	listen, systemID, password string
	shortCode                  string
	meters                     []string
	amount                     string
	inflight                   int
	duration                   time.Duration
	count                      int64
	rate                       float64
	backlog                    int64
	throttle                   int
	bindTimeout                time.Duration
	replyTimeout               time.Duration
	drainTimeout               time.Duration
	settle                     time.Duration
	phones                     phones
}

// telcoEntry is the telco's entry of a bench agents file.
type telcoEntry struct {
	ShortCode string   `json:"short_code"`
	Meters    []string `json:"meters"`
}

// readAgentsFile finds the telco's short code and meters in a bench agents file.
func readAgentsFile(path string) (string, []string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return "", nil, fmt.Errorf("--agents-file: %w", err)
	}
	var entries []telcoEntry
	if err := json.Unmarshal(raw, &entries); err != nil {
		return "", nil, fmt.Errorf("--agents-file %s: want a restload agents file: %v", path, err)
	}
	for _, e := range entries {
		if e.ShortCode != "" {
			if len(e.Meters) == 0 {
				return "", nil, fmt.Errorf("--agents-file %s: the telco of short code %s has no meters", path, e.ShortCode)
			}
			return e.ShortCode, e.Meters, nil
		}
	}
	return "", nil, fmt.Errorf("--agents-file %s: no telco entry with a short_code (seed with restload --seed-agents, which seeds the telco)", path)
}

func parseOptions(args []string, now time.Time) (options, error) {
	fs := flag.NewFlagSet("smsload", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	o := options{}
	fs.StringVar(&o.listen, "listen", "127.0.0.1:2775", "")
	fs.StringVar(&o.systemID, "system-id", "", "")
	fs.StringVar(&o.password, "password", "", "")
	agentsFile := fs.String("agents-file", "", "")
	fs.StringVar(&o.shortCode, "short-code", "", "")
	meters := fs.String("meters", "", "")
	fs.StringVar(&o.amount, "amount", "50", "")
	fs.IntVar(&o.inflight, "inflight", 64, "")
	fs.DurationVar(&o.duration, "duration", 20*time.Second, "")
	fs.Int64Var(&o.count, "count", 0, "")
	fs.Float64Var(&o.rate, "rate", 0, "")
	fs.Int64Var(&o.backlog, "backlog", 0, "")
	fs.IntVar(&o.throttle, "throttle", 0, "")
	fs.DurationVar(&o.bindTimeout, "bind-timeout", 2*time.Minute, "")
	fs.DurationVar(&o.replyTimeout, "reply-timeout", time.Minute, "")
	fs.DurationVar(&o.drainTimeout, "drain-timeout", 15*time.Minute, "")
	fs.DurationVar(&o.settle, "settle", 2*time.Second, "")
	fs.StringVar(&o.phones.prefix, "phone-prefix", "277", "")
	// By default each run takes phones from the time of day, a thousand a second, so that runs
	// within Vendgate's repeat window do not reuse a phone (and its message) of an earlier run.
	fs.Int64Var(&o.phones.start, "phone-start", int64(now.Hour()*3600+now.Minute()*60+now.Second())*1000, "")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch {
	case *agentsFile != "" && (o.shortCode != "" || *meters != ""):
		return o, errors.New("give --agents-file, or --short-code and --meters, not both")
	case *agentsFile != "":
		var err error
		if o.shortCode, o.meters, err = readAgentsFile(*agentsFile); err != nil {
			return o, err
		}
	case o.shortCode != "" && *meters != "":
		for m := range strings.SplitSeq(*meters, ",") {
			if m = strings.TrimSpace(m); m != "" {
				o.meters = append(o.meters, m)
			}
		}
		if len(o.meters) == 0 {
			return o, errors.New("--meters: no meter numbers")
		}
	default:
		return o, errors.New("give --agents-file, or --short-code and --meters")
	}
	for _, m := range o.meters {
		if m == "" || strings.ContainsFunc(m, func(r rune) bool { return r < '0' || r > '9' }) {
			return o, fmt.Errorf("meter %q: want digits", m)
		}
	}
	if o.amount == "" || strings.ContainsAny(o.amount, " \t\n") {
		return o, fmt.Errorf("--amount %q: want one amount in whole units, like 50", o.amount)
	}
	if o.password != "" && o.systemID == "" {
		return o, errors.New("--password needs --system-id")
	}
	if o.inflight < 1 || o.inflight > 100_000 {
		return o, errors.New("--inflight: want 1 to 100000")
	}
	if o.rate < 0 || o.rate > 100_000 {
		return o, errors.New("--rate: want 0 (closed loop) to 100000 messages/s")
	}
	if o.count < 0 || o.count > 10_000_000 || o.backlog < 0 || o.backlog > 10_000_000 {
		return o, errors.New("--count and --backlog: want 1 to 10000000")
	}
	if o.duration <= 0 || o.duration > time.Hour {
		return o, errors.New("--duration: want more than 0 and at most 1h")
	}
	if o.backlog > 0 && (set["rate"] || set["count"] || set["duration"]) {
		return o, errors.New("--backlog sends its N messages as fast as --inflight allows: no --rate, --count or --duration")
	}
	if o.throttle < 0 {
		return o, errors.New("--throttle: want Vendgate's smpp_throughput, messages/s")
	}
	if o.bindTimeout <= 0 || o.replyTimeout <= 0 || o.drainTimeout <= 0 || o.settle < 0 {
		return o, errors.New("--bind-timeout, --reply-timeout and --drain-timeout: want more than 0")
	}
	if p := o.phones.prefix; len(p) < 1 || len(p) > 7 || p[0] == '0' || strings.ContainsFunc(p, func(r rune) bool { return r < '0' || r > '9' }) {
		return o, errors.New("--phone-prefix: want 1 to 7 digits, not starting with 0")
	}
	if o.phones.start < 0 {
		return o, errors.New("--phone-start: want 0 or more")
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseOptions(args, time.Now())
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, usage)
			return 0
		}
		fmt.Fprintf(stderr, "smsload: %v\n%s\n", err, usage)
		return 2
	}
	tr := newTracker(time.Now)
	cfg := smsc.Config{Addr: o.listen, Throughput: true, KeepSubmits: 1, OnSubmit: tr.submit}
	if o.systemID != "" {
		cfg.Accounts = map[string]string{o.systemID: o.password}
	}
	srv, err := smsc.Listen(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "smsload: %v\n", err)
		return 1
	}
	defer func() { _ = srv.Close() }()
	fmt.Fprintf(stderr, "smsload: the SMSC listens on %s; waiting for Vendgate's bind\n", srv.Addr())
	began := time.Now()
	if err := waitBind(ctx, srv, o.bindTimeout); err != nil {
		fmt.Fprintf(stderr, "smsload: %v\n", err)
		return 1
	}
	fmt.Fprintf(stderr, "smsload: Vendgate bound after %.1f s\n", time.Since(began).Seconds())
	l := &load{o: o, srv: srv, tr: tr, out: stdout, log: stderr}
	if o.backlog > 0 {
		return l.backlogRun(ctx)
	}
	return l.loopRun(ctx)
}

// waitBind waits until an ESME is bound.
func waitBind(ctx context.Context, srv *smsc.Server, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for srv.Sessions() == 0 {
		select {
		case <-ctx.Done():
			return fmt.Errorf("no bind within %s: is vendgate serve running with VENDGATE_SMPP_ADDR=%s?", timeout, srv.Addr())
		case <-t.C:
		}
	}
	return nil
}
