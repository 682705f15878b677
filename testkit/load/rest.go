// Package load holds Vendgate's load commands, run by testkit/cmd/restload and testkit/cmd/isoload
// and by end-to-end tests. restload is an HTTP load generator for POST /v1/vends against a running
// server, with a seeding mode that gives that server agents, float and meters to sell to; isoload
// (iso.go) drives the bank listener over ISO 8583.
//
//	restload --url http://127.0.0.1:8080 --agents-file FILE | --api-key KEY --meters N1,N2
//	    [--concurrency 32] [--duration 20s | --requests N] [--rate R] [--amount 5000]
//	    [--currency ZAR] [--agents N] [--timeout 30s] [--json]
//	restload --seed-agents 50 --seed-meters 200 --agents-file FILE
//	    [--database-url URL] [--data-dir DIR] [--master-key-file FILE] [--config FILE]
//
// Closed loop (--rate 0, the default): each of --concurrency workers sends its next vend as soon
// as the last one is answered. Open loop (--rate R): vend i is due at start + i/R whatever the
// server does, and its latency counts from that intended start, so a server that stalls is seen
// stalling (no coordinated omission). Every request has its own Idempotency-Key. Request i goes
// to agent i mod agents (round robin) and to a meter that no other request in flight shares.
//
// Only loopback targets are allowed (127.0.0.0/8, ::1, localhost): the URL is checked, and every
// connection's resolved address is checked again when it is dialled.
package load

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/vendgate/vendgate/config"
	"github.com/vendgate/vendgate/core"
)

// Bounds of a bench run: every loop stops by itself, in count and in time.
const (
	benchMaxDuration    = 10 * time.Minute
	benchMaxRequests    = 10_000_000
	benchMaxConcurrency = 4096
	benchMaxRate        = 1_000_000 // vends/s
	benchMaxTimeout     = 2 * time.Minute
	benchMaxSeedAgents  = 10_000
	benchMaxSeedMeters  = 100_000
	benchDefaultRun     = 20 * time.Second
	// benchSeedFloat is each seeded agent's float in minor units (R1,000,000,000.00): enough for
	// the longest allowed run at full speed.
	benchSeedFloat core.Money = 100_000_000_000
)

const benchUsage = `usage: restload --url http://127.0.0.1:8080 (--agents-file FILE | --api-key KEY --meters N1,N2,...)
         [--concurrency 32] [--duration 20s | --requests N] [--rate R] [--amount 5000] [--currency ZAR]
         [--agents N] [--timeout 30s] [--json]
       restload --seed-agents N --seed-meters M --agents-file FILE
         [--database-url URL] [--data-dir DIR] [--master-key-file FILE] [--config FILE]
--rate R: R vends/s in an open loop, latency measured from each vend's intended start; 0 (default) is a
closed loop as fast as the server answers. --duration is at most 10m, --requests at most 10,000,000.
Only loopback URLs (127.0.0.0/8, ::1, localhost) are accepted.`

// Agent is one entry of an agents file: an agent's API key and the meters it sells to. The
// seeded telco is an entry of its own with no API key: its SMS short code, the SMPP route its
// replies go out on and the meters customers buy for by SMS (for the SMS load command,
// testkit/cmd/smsload); restload and isoload skip it.
type Agent struct {
	APIKey    string   `json:"api_key,omitempty"`
	ShortCode string   `json:"short_code,omitempty"`
	Route     string   `json:"route,omitempty"`
	Meters    []string `json:"meters"`
}

// benchPlan is a validated load run.
type benchPlan struct {
	target      string // the POST /v1/vends URL
	agents      []Agent
	concurrency int
	duration    time.Duration
	requests    int64
	rate        float64 // vends/s; 0 is a closed loop
	amount      int64   // minor units
	currency    string
	timeout     time.Duration
}

// benchSeed is a validated seeding request.
type benchSeed struct {
	agents, meters int
	cfg            config.Config
}

func RunREST(ctx context.Context, args, environ []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("restload", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var (
		rawURL      = fs.String("url", "", "")
		agentsFile  = fs.String("agents-file", "", "")
		agentsN     = fs.Int("agents", 0, "")
		apiKey      = fs.String("api-key", "", "")
		meters      = fs.String("meters", "", "")
		concurrency = fs.Int("concurrency", 32, "")
		duration    = fs.Duration("duration", benchDefaultRun, "")
		requests    = fs.Int64("requests", 0, "")
		rate        = fs.Float64("rate", 0, "")
		amount      = fs.Int64("amount", 5000, "")
		currency    = fs.String("currency", "ZAR", "")
		timeout     = fs.Duration("timeout", 30*time.Second, "")
		asJSON      = fs.Bool("json", false, "")
		seedAgents  = fs.Int("seed-agents", 0, "")
		seedMeters  = fs.Int("seed-meters", 0, "")
		cfgFile     = fs.String("config", "", "")
	)
	storeFlags := map[string]*string{
		"database-url": fs.String("database-url", "", ""), "data-dir": fs.String("data-dir", "", ""),
		"master-key-file": fs.String("master-key-file", "", ""),
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "restload: "+format+"\n%s\n", append(a, benchUsage)...)
		return 2
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, benchUsage)
			return 0
		}
		return fail("%v", err)
	}
	if fs.NArg() > 0 {
		return fail("unexpected argument %q", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	seeding := set["seed-agents"] || set["seed-meters"]
	if !seeding && *rawURL == "" {
		return fail("--url is required (or --seed-agents and --seed-meters to seed a database)")
	}
	if seeding {
		seed, err := benchSeedOptions(*seedAgents, *seedMeters, *agentsFile, *cfgFile, storeFlags, set, environ)
		if err != nil {
			return fail("%v", err)
		}
		if *rawURL != "" { // validate the load flags before a seed that may take a while
			if _, err := benchParse(*rawURL, []Agent{{APIKey: "x", Meters: []string{"x"}}}, *concurrency, *duration,
				*requests, *rate, *amount, *currency, *timeout, set); err != nil {
				return fail("%v", err)
			}
		}
		agents, err := seedBench(ctx, seed)
		if err != nil {
			fmt.Fprintf(stderr, "restload: seeding: %v\n", err)
			return 1
		}
		if err := benchWriteAgentsFile(*agentsFile, agents); err != nil {
			fmt.Fprintf(stderr, "restload: %v\n", err)
			return 1
		}
		db := "the embedded SQLite in " + seed.cfg.DataDir
		if seed.cfg.DatabaseURL != "" {
			db = "PostgreSQL"
		}
		fmt.Fprintf(stderr, "restload: seeded %d agents, %d meters and the telco of SMS short code 40404 into %s; API keys and short code in %s\n",
			seed.agents, seed.meters, db, *agentsFile)
		if *rawURL == "" {
			return 0
		}
	}

	agents, err := LoadAgents(*agentsFile, *apiKey, *meters, *agentsN, set)
	if err != nil {
		return fail("%v", err)
	}
	plan, err := benchParse(*rawURL, agents, *concurrency, *duration, *requests, *rate, *amount, *currency, *timeout, set)
	if err != nil {
		return fail("%v", err)
	}
	res, err := plan.run(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "restload: %v\n", err)
		return 1
	}
	line := res.summary(plan)
	if *asJSON {
		raw, _ := json.Marshal(res.report(plan))
		fmt.Fprintf(stdout, "%s\n", raw)
		fmt.Fprintln(stderr, line)
	} else {
		fmt.Fprintln(stdout, line)
	}
	if res.ok == 0 {
		fmt.Fprintln(stderr, "restload: no vend succeeded")
		return 1
	}
	return 0
}

// benchParse validates the load flags.
func benchParse(rawURL string, agents []Agent, concurrency int, duration time.Duration, requests int64,
	rate float64, amount int64, currency string, timeout time.Duration, set map[string]bool) (*benchPlan, error) {
	u, err := benchLoopbackURL(rawURL)
	if err != nil {
		return nil, err
	}
	p := &benchPlan{target: strings.TrimRight(u.String(), "/") + "/v1/vends", agents: agents, concurrency: concurrency,
		duration: duration, requests: requests, rate: rate, amount: amount, currency: currency, timeout: timeout}
	switch {
	case concurrency < 1 || concurrency > benchMaxConcurrency:
		return nil, fmt.Errorf("--concurrency: want 1 to %d", benchMaxConcurrency)
	case duration <= 0 || duration > benchMaxDuration:
		return nil, fmt.Errorf("--duration: want more than 0 and at most %s", benchMaxDuration)
	case requests < 0 || requests > benchMaxRequests:
		return nil, fmt.Errorf("--requests: want 1 to %d", benchMaxRequests)
	case set["requests"] && requests == 0:
		return nil, fmt.Errorf("--requests: want 1 to %d", benchMaxRequests)
	case !(rate >= 0 && rate <= benchMaxRate): // also refuses NaN
		return nil, fmt.Errorf("--rate: want 0 (closed loop) to %d vends/s", benchMaxRate)
	case amount <= 0:
		return nil, errors.New("--amount: want a positive amount in minor units")
	case len(currency) != 3:
		return nil, errors.New("--currency: want an ISO 4217 code such as ZAR")
	case timeout <= 0 || timeout > benchMaxTimeout:
		return nil, fmt.Errorf("--timeout: want more than 0 and at most %s", benchMaxTimeout)
	}
	if requests == 0 {
		p.requests = benchMaxRequests
	}
	// --requests alone runs until that many are sent, still within the 10-minute bound.
	if set["requests"] && !set["duration"] {
		p.duration = benchMaxDuration
	}
	return p, nil
}

// benchLoopbackURL parses the server's base URL and refuses any host that is not a loopback address
// or localhost. Names are not resolved here; the dialer checks the address it connects to.
func benchLoopbackURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--url: %q is not an http:// or https:// URL", raw)
	}
	if !benchLoopbackHost(u.Hostname()) {
		return nil, fmt.Errorf("--url: %q is not a loopback address: bench only targets 127.0.0.0/8, ::1 or localhost", u.Hostname())
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("--url: want the server's base URL, without a query or fragment")
	}
	return u, nil
}

func benchLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Zone() == "" && ip.Unmap().IsLoopback()
}

// benchDialLoopbackOnly refuses, at connect time, any address that is not loopback: localhost that
// resolves elsewhere, or a redirect the client would otherwise follow.
func benchDialLoopbackOnly(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !ip.Unmap().IsLoopback() {
		return fmt.Errorf("bench: refusing to connect to %s: not a loopback address", address)
	}
	return nil
}

// LoadAgents reads the agents file (its first n agents when n > 0) or builds the one agent of
// --api-key and --meters.
func LoadAgents(path, apiKey, meters string, n int, set map[string]bool) ([]Agent, error) {
	var agents []Agent
	switch {
	case path != "" && (apiKey != "" || meters != ""):
		return nil, errors.New("give --agents-file, or --api-key and --meters, not both")
	case path != "":
		raw, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("--agents-file: %w", err)
		}
		if err := json.Unmarshal(raw, &agents); err != nil {
			return nil, fmt.Errorf("--agents-file %s: want [{\"api_key\":...,\"meters\":[...]}]: %v", path, err)
		}
		agents = slices.DeleteFunc(agents, func(a Agent) bool { return a.ShortCode != "" }) // the telco sells by SMS
	case apiKey != "" && meters != "":
		a := Agent{APIKey: apiKey}
		for m := range strings.SplitSeq(meters, ",") {
			if m = strings.TrimSpace(m); m != "" {
				a.Meters = append(a.Meters, m)
			}
		}
		agents = []Agent{a}
	default:
		return nil, errors.New("give --agents-file, or --api-key and --meters")
	}
	if set["agents"] {
		if n < 1 || n > len(agents) {
			return nil, fmt.Errorf("--agents: want 1 to %d (the agents in the file)", len(agents))
		}
		agents = agents[:n]
	}
	if len(agents) == 0 {
		return nil, errors.New("no agents to vend with")
	}
	for i, a := range agents {
		if a.APIKey == "" || len(a.Meters) == 0 {
			return nil, fmt.Errorf("agent %d: want an API key and at least one meter", i+1)
		}
		for _, m := range a.Meters {
			if err := core.CheckMeterNumber(m); err != nil {
				return nil, fmt.Errorf("agent %d: meter %q: %v", i+1, m, err)
			}
		}
	}
	return agents, nil
}

// benchPick chooses request seq's agent (round robin) and meter. Each agent walks its own meters from
// an offset that spreads the agents over them, so that requests in flight together do not queue
// on one meter's row lock: with 50 agents sharing 200 meters, agent k's j-th vend goes to meter
// 4k+j.
func benchPick(agents []Agent, seq int64) (agent *Agent, meter string) {
	n := int64(len(agents))
	k := seq % n
	a := &agents[k]
	m := int64(len(a.Meters))
	return a, a.Meters[(seq/n+k*m/n)%m]
}

// benchClock is time for the load loop; tests replace it.
type benchClock interface {
	Now() time.Time
	// SleepUntil returns at t or when ctx ends (with ctx's error).
	SleepUntil(ctx context.Context, t time.Time) error
}

type benchWallClock struct{}

func (benchWallClock) Now() time.Time { return time.Now() }

func (benchWallClock) SleepUntil(ctx context.Context, t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// benchOutcome classifies one request: "ok", an HTTP status ("409"), "timeout" or "transport".
type benchOutcome string

const benchOK benchOutcome = "ok"

// benchStatusOutcome classifies an HTTP status: 200 and 201 are a vend; anything else is an error,
// counted by its status.
func benchStatusOutcome(status int) benchOutcome {
	if status == http.StatusOK || status == http.StatusCreated {
		return benchOK
	}
	return benchOutcome(strconv.Itoa(status))
}

// benchLoop is the request loop, independent of HTTP so that tests can drive it with a fake clock.
type benchLoop struct {
	clock       benchClock
	concurrency int
	duration    time.Duration
	requests    int64
	rate        float64
	send        func(ctx context.Context, seq int64) benchOutcome
}

// benchResult is what a run measured.
type benchResult struct {
	elapsed time.Duration
	sent    int64
	ok      int64
	errors  map[benchOutcome]int64
	notSent int64 // open loop: vends due before the end that were never sent
	// latencies of the successful vends, sorted: the whole sample is kept (8 bytes a vend, at most
	// 80 MB at the 10-million bound), so percentiles are exact, not bucketed.
	latencies []time.Duration
}

// benchSlot is the intended start of vend seq in an open loop at rate vends/s, from the start.
func benchSlot(seq int64, rate float64) time.Duration {
	return time.Duration(float64(seq) * float64(time.Second) / rate)
}

// benchScheduled is how many vends an open loop at rate has due before duration, at most max.
func benchScheduled(duration time.Duration, rate float64, max int64) int64 {
	n := min(int64(duration.Seconds()*rate), max)
	for n > 0 && benchSlot(n-1, rate) >= duration {
		n--
	}
	for n < max && benchSlot(n, rate) < duration {
		n++
	}
	return n
}

func (l *benchLoop) run(ctx context.Context) benchResult {
	start := l.clock.Now()
	end := start.Add(l.duration)
	var next atomic.Int64
	type workerStats struct {
		sent      int64
		errors    map[benchOutcome]int64
		latencies []time.Duration
	}
	stats := make([]workerStats, l.concurrency)
	var wg sync.WaitGroup
	for w := range stats {
		st := &stats[w]
		st.errors = map[benchOutcome]int64{}
		wg.Go(func() {
			for ctx.Err() == nil {
				seq := next.Add(1) - 1
				if seq >= l.requests {
					return
				}
				var intended time.Time
				if l.rate > 0 {
					intended = start.Add(benchSlot(seq, l.rate))
					if !intended.Before(end) || l.clock.SleepUntil(ctx, intended) != nil {
						return
					}
					// A worker that was busy past the end leaves the rest unsent (counted below).
					if !l.clock.Now().Before(end) {
						return
					}
				} else if intended = l.clock.Now(); !intended.Before(end) {
					return
				}
				o := l.send(ctx, seq)
				lat := l.clock.Now().Sub(intended)
				if ctx.Err() != nil { // interrupted: neither a vend nor the server's error
					return
				}
				st.sent++
				if o == benchOK {
					st.latencies = append(st.latencies, lat)
				} else {
					st.errors[o]++
				}
			}
		})
	}
	wg.Wait()
	res := benchResult{elapsed: l.clock.Now().Sub(start), errors: map[benchOutcome]int64{}}
	for _, st := range stats {
		res.sent += st.sent
		res.latencies = append(res.latencies, st.latencies...)
		for o, n := range st.errors {
			res.errors[o] += n
		}
	}
	slices.Sort(res.latencies)
	res.ok = int64(len(res.latencies))
	if l.rate > 0 && ctx.Err() == nil {
		res.notSent = max(0, benchScheduled(l.duration, l.rate, l.requests)-res.sent)
	}
	return res
}

// benchPercentile is the nearest-rank percentile (perMille: 500 is p50, 990 is p99) of a sorted sample.
func benchPercentile(sorted []time.Duration, perMille int) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	rank := (perMille*n + 999) / 1000 // ceil(p × n), 1-based
	return sorted[max(rank, 1)-1]
}

// run drives the plan against the server over HTTP.
func (p *benchPlan) run(ctx context.Context) (benchResult, error) {
	var id [6]byte
	if _, err := rand.Read(id[:]); err != nil {
		return benchResult{}, err
	}
	runID := hex.EncodeToString(id[:])
	dialer := &net.Dialer{Timeout: 5 * time.Second, Control: benchDialLoopbackOnly}
	client := &http.Client{
		Transport: &http.Transport{
			Proxy:               nil, // never through a proxy: the target is this machine
			DialContext:         dialer.DialContext,
			MaxIdleConns:        p.concurrency,
			MaxIdleConnsPerHost: p.concurrency,
			MaxConnsPerHost:     p.concurrency,
			IdleConnTimeout:     30 * time.Second,
			DisableCompression:  true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	defer client.CloseIdleConnections()
	send := func(ctx context.Context, seq int64) benchOutcome {
		a, meter := benchPick(p.agents, seq)
		body := fmt.Appendf(nil, `{"meter_number":%q,"amount_minor":%d,"currency":%q}`, meter, p.amount, p.currency)
		rctx, cancel := context.WithTimeout(ctx, p.timeout)
		defer cancel()
		req, err := http.NewRequestWithContext(rctx, http.MethodPost, p.target, strings.NewReader(string(body)))
		if err != nil {
			return "transport"
		}
		req.Header.Set("Authorization", "Bearer "+a.APIKey)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", "bench-"+runID+"-"+strconv.FormatInt(seq, 10))
		res, err := client.Do(req)
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				return "timeout"
			}
			return "transport"
		}
		_, err = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if err != nil {
			return "transport"
		}
		return benchStatusOutcome(res.StatusCode)
	}
	loop := &benchLoop{clock: benchWallClock{}, concurrency: p.concurrency, duration: p.duration, requests: p.requests,
		rate: p.rate, send: send}
	return loop.run(ctx), nil
}

func benchMS(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func (r benchResult) perSecond() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.ok) / r.elapsed.Seconds()
}

func (r benchResult) errorsTotal() int64 {
	var n int64
	for _, c := range r.errors {
		n += c
	}
	return n
}

// summary is the one-line report.
func (r benchResult) summary(p *benchPlan) string {
	mode := "closed loop"
	if p.rate > 0 {
		mode = fmt.Sprintf("open loop at %g/s", p.rate)
	}
	var b strings.Builder
	agents := fmt.Sprintf("%d agents", len(p.agents))
	if len(p.agents) == 1 {
		agents = "1 agent"
	}
	fmt.Fprintf(&b, "%s, %d workers, %s: %d vends in %.2fs = %.1f vends/s; latency p50 %.1fms p90 %.1fms p99 %.1fms max %.1fms; errors %d",
		mode, p.concurrency, agents, r.ok, r.elapsed.Seconds(), r.perSecond(),
		benchMS(benchPercentile(r.latencies, 500)), benchMS(benchPercentile(r.latencies, 900)), benchMS(benchPercentile(r.latencies, 990)),
		benchMS(benchPercentile(r.latencies, 1000)), r.errorsTotal())
	if len(r.errors) > 0 {
		keys := make([]string, 0, len(r.errors))
		for o := range r.errors {
			keys = append(keys, string(o))
		}
		sort.Strings(keys)
		for i, k := range keys {
			keys[i] = fmt.Sprintf("%s: %d", k, r.errors[benchOutcome(k)])
		}
		fmt.Fprintf(&b, " (%s)", strings.Join(keys, ", "))
	}
	if p.rate > 0 {
		fmt.Fprintf(&b, "; not sent %d", r.notSent)
	}
	return b.String()
}

type Report struct {
	Mode        string           `json:"mode"`
	URL         string           `json:"url"`
	Concurrency int              `json:"concurrency"`
	Rate        float64          `json:"rate"`
	Agents      int              `json:"agents"`
	ElapsedS    float64          `json:"elapsed_s"`
	Sent        int64            `json:"sent"`
	Vends       int64            `json:"vends"`
	VendsPerS   float64          `json:"vends_per_s"`
	LatencyMS   map[string]any   `json:"latency_ms"`
	Errors      map[string]int64 `json:"errors"`
	ErrorsTotal int64            `json:"errors_total"`
	NotSent     int64            `json:"not_sent"`
}

func (r benchResult) report(p *benchPlan) Report {
	mode := "closed"
	if p.rate > 0 {
		mode = "open"
	}
	errs := map[string]int64{}
	for o, n := range r.errors {
		errs[string(o)] = n
	}
	return Report{
		Mode: mode, URL: p.target, Concurrency: p.concurrency, Rate: p.rate, Agents: len(p.agents),
		ElapsedS: r.elapsed.Seconds(), Sent: r.sent, Vends: r.ok, VendsPerS: r.perSecond(),
		LatencyMS: map[string]any{
			"p50": benchMS(benchPercentile(r.latencies, 500)), "p90": benchMS(benchPercentile(r.latencies, 900)),
			"p99": benchMS(benchPercentile(r.latencies, 990)), "max": benchMS(benchPercentile(r.latencies, 1000)),
		},
		Errors: errs, ErrorsTotal: r.errorsTotal(), NotSent: r.notSent,
	}
}

// benchWriteAgentsFile writes the agents and their API keys, readable by the owner only.
func benchWriteAgentsFile(path string, agents []Agent) error {
	raw, err := json.Marshal(agents)
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(raw, '\n'), 0o600); err != nil {
		return fmt.Errorf("writing the agents file: %w", err)
	}
	return nil
}
