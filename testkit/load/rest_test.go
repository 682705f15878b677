package load

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vendgate/vendgate/internal/demo"
)

func TestBenchPercentile(t *testing.T) {
	sample := make([]time.Duration, 100)
	for i := range sample {
		sample[i] = time.Duration(i+1) * time.Millisecond
	}
	rand.Shuffle(len(sample), func(i, j int) { sample[i], sample[j] = sample[j], sample[i] })
	slices.Sort(sample)
	for _, c := range []struct {
		perMille int
		want     time.Duration
	}{{500, 50 * time.Millisecond}, {900, 90 * time.Millisecond}, {990, 99 * time.Millisecond}, {1000, 100 * time.Millisecond}} {
		if got := benchPercentile(sample, c.perMille); got != c.want {
			t.Errorf("p%g of 1..100 ms = %s, want %s", float64(c.perMille)/10, got, c.want)
		}
	}
	// Nearest rank: with 10 values, p99 is the largest, p50 the fifth.
	ten := []time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	if got := benchPercentile(ten, 990); got != 10 {
		t.Errorf("p99 of 10 values = %d, want 10", got)
	}
	if got := benchPercentile(ten, 500); got != 5 {
		t.Errorf("p50 of 10 values = %d, want 5", got)
	}
	if got := benchPercentile([]time.Duration{7}, 500); got != 7 {
		t.Errorf("p50 of one value = %d, want 7", got)
	}
	if got := benchPercentile(nil, 990); got != 0 {
		t.Errorf("p99 of nothing = %d, want 0", got)
	}
}

func TestBenchLoopbackOnly(t *testing.T) {
	for _, c := range []struct {
		url string
		ok  bool
	}{
		{"http://127.0.0.1:8080", true},
		{"http://127.3.4.5:8080/", true},
		{"https://localhost:8443", true},
		{"http://LOCALHOST", true},
		{"http://[::1]:8080", true},
		{"http://[::ffff:127.0.0.1]:8080", true},
		{"http://10.0.0.1:8080", false},
		{"http://128.0.0.1:8080", false},
		{"http://0.0.0.0:8080", false},
		{"http://[::]:8080", false},
		{"http://[::2]:8080", false},
		{"http://example.com", false},
		{"http://localhost.example.com", false},
		{"http://127.0.0.1.nip.io", false},
		{"http://user@10.0.0.1", false},
		{"ftp://127.0.0.1", false},
		{"127.0.0.1:8080", false},
		{"", false},
		{"http://127.0.0.1:8080/?x=1", false},
	} {
		_, err := benchLoopbackURL(c.url)
		if (err == nil) != c.ok {
			t.Errorf("benchLoopbackURL(%q): err %v, want ok=%v", c.url, err, c.ok)
		}
	}
	for _, c := range []struct {
		addr string
		ok   bool
	}{{"127.0.0.1:80", true}, {"[::1]:80", true}, {"192.168.1.1:80", false}, {"[2001:db8::1]:80", false}} {
		if err := benchDialLoopbackOnly("tcp", c.addr, nil); (err == nil) != c.ok {
			t.Errorf("benchDialLoopbackOnly(%q): err %v, want ok=%v", c.addr, err, c.ok)
		}
	}
}

// benchFakeClock moves only when told: SleepUntil jumps to the time asked for, and the fake request
// advances it by its service time. With one worker the run is deterministic.
type benchFakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *benchFakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *benchFakeClock) SleepUntil(ctx context.Context, t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.now) {
		c.now = t
	}
	return ctx.Err()
}

func (c *benchFakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// A server that takes 50 ms per vend, asked for 100 vends/s by one worker: vend i is due at
// 10i ms and answered at 50(i+1) ms, so its latency is 40i+50 ms. A closed loop, or a loop that
// measured from the actual send, would see 50 ms every time (coordinated omission).
func TestBenchOpenLoopMeasuresFromIntendedStart(t *testing.T) {
	clock := &benchFakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	var sentAt []time.Duration
	start := clock.Now()
	loop := &benchLoop{clock: clock, concurrency: 1, duration: time.Minute, requests: 5, rate: 100,
		send: func(context.Context, int64) benchOutcome {
			sentAt = append(sentAt, clock.Now().Sub(start))
			clock.advance(50 * time.Millisecond)
			return benchOK
		}}
	res := loop.run(context.Background())
	ms := time.Millisecond
	if want := []time.Duration{0, 50 * ms, 100 * ms, 150 * ms, 200 * ms}; !slices.Equal(sentAt, want) {
		t.Errorf("sent at %v, want %v", sentAt, want)
	}
	if want := []time.Duration{50 * ms, 90 * ms, 130 * ms, 170 * ms, 210 * ms}; !slices.Equal(res.latencies, want) {
		t.Errorf("latencies %v, want %v (from each vend's intended start)", res.latencies, want)
	}
	if res.ok != 5 || res.sent != 5 || res.notSent != 0 {
		t.Errorf("ok %d sent %d not sent %d, want 5, 5, 0", res.ok, res.sent, res.notSent)
	}

	// The same server in a closed loop: every latency is the service time.
	loop.rate = 0
	res = loop.run(context.Background())
	for _, l := range res.latencies {
		if l != 50*ms {
			t.Fatalf("closed loop latencies %v, want 50ms each", res.latencies)
		}
	}
}

// A fast server: the open loop waits for each vend's slot instead of sending early.
func TestBenchOpenLoopKeepsToSchedule(t *testing.T) {
	clock := &benchFakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	start := clock.Now()
	var sentAt []time.Duration
	loop := &benchLoop{clock: clock, concurrency: 1, duration: 40 * time.Millisecond, requests: 1000, rate: 250,
		send: func(context.Context, int64) benchOutcome {
			sentAt = append(sentAt, clock.Now().Sub(start))
			clock.advance(time.Millisecond)
			return benchOK
		}}
	res := loop.run(context.Background())
	ms := time.Millisecond
	// 250/s over 40 ms: slots at 0, 4, ..., 36 ms.
	want := []time.Duration{0, 4 * ms, 8 * ms, 12 * ms, 16 * ms, 20 * ms, 24 * ms, 28 * ms, 32 * ms, 36 * ms}
	if !slices.Equal(sentAt, want) {
		t.Errorf("sent at %v, want %v", sentAt, want)
	}
	if res.notSent != 0 || res.ok != 10 || res.latencies[len(res.latencies)-1] != ms {
		t.Errorf("ok %d, not sent %d, latencies %v: want 10 vends of 1ms, none left", res.ok, res.notSent, res.latencies)
	}
}

// A server slower than the rate when the time is up: the vends that were due but never sent are
// reported, not silently dropped.
func TestBenchOpenLoopCountsUnsent(t *testing.T) {
	clock := &benchFakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	loop := &benchLoop{clock: clock, concurrency: 1, duration: 100 * time.Millisecond, requests: 1000, rate: 100,
		send: func(context.Context, int64) benchOutcome { clock.advance(50 * time.Millisecond); return benchOK }}
	res := loop.run(context.Background())
	// Slots at 0, 10, ..., 90 ms; sends at 0 and 50 ms; at 100 ms the time is up.
	if res.sent != 2 || res.notSent != 8 {
		t.Errorf("sent %d, not sent %d; want 2 and 8", res.sent, res.notSent)
	}
	if got := benchScheduled(time.Second, 500, benchMaxRequests); got != 500 {
		t.Errorf("benchScheduled(1s, 500/s) = %d, want 500", got)
	}
	if got := benchScheduled(time.Second, 3, 2); got != 2 {
		t.Errorf("benchScheduled(1s, 3/s, max 2) = %d, want 2", got)
	}
}

func TestBenchCountsErrorsByStatus(t *testing.T) {
	var (
		mu   sync.Mutex
		keys = map[string]bool{}
		bad  []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Meter    string `json:"meter_number"`
			Amount   int64  `json:"amount_minor"`
			Currency string `json:"currency"`
		}
		err := json.NewDecoder(r.Body).Decode(&body)
		key := r.Header.Get("Idempotency-Key")
		mu.Lock()
		switch {
		case r.Method != http.MethodPost || r.URL.Path != "/v1/vends":
			bad = append(bad, r.Method+" "+r.URL.Path)
		case err != nil || body.Amount != 1234 || body.Currency != "ZAR" || body.Meter == "":
			bad = append(bad, "body")
		case !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer vgk_"):
			bad = append(bad, "authorization "+r.Header.Get("Authorization"))
		case keys[key]:
			bad = append(bad, "Idempotency-Key reused: "+key)
		}
		keys[key] = true
		mu.Unlock()
		seq, _ := strconv.Atoi(key[strings.LastIndexByte(key, '-')+1:])
		switch seq % 10 {
		case 3:
			w.WriteHeader(http.StatusConflict)
		case 7:
			w.WriteHeader(http.StatusInternalServerError)
		case 8:
			if seq%20 == 8 {
				w.WriteHeader(http.StatusOK)
			} else {
				w.WriteHeader(http.StatusServiceUnavailable)
			}
		default:
			w.WriteHeader(http.StatusCreated)
		}
		io.WriteString(w, `{}`)
	}))
	defer srv.Close()
	var out, errb bytes.Buffer
	code := RunREST(context.Background(), []string{"--url", srv.URL, "--api-key", "vgk_test",
		"--meters", demo.DRN("0700000001") + "," + demo.DRN("0700000002"), "--requests", "100", "--concurrency", "4",
		"--amount", "1234", "--json"}, nil, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if len(bad) > 0 {
		t.Errorf("the server saw bad requests: %q", bad)
	}
	if len(keys) != 100 {
		t.Errorf("%d distinct Idempotency-Keys, want 100", len(keys))
	}
	var rep Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("--json output %q: %v", out.String(), err)
	}
	want := map[string]int64{"409": 10, "500": 10, "503": 5}
	if rep.Vends != 75 || rep.Sent != 100 || rep.ErrorsTotal != 25 || len(rep.Errors) != len(want) {
		t.Errorf("vends %d sent %d errors %d %v; want 75, 100, 25 %v", rep.Vends, rep.Sent, rep.ErrorsTotal, rep.Errors, want)
	}
	for k, n := range want {
		if rep.Errors[k] != n {
			t.Errorf("errors[%s] = %d, want %d", k, rep.Errors[k], n)
		}
	}
	if line := errb.String(); !strings.Contains(line, "75 vends") || !strings.Contains(line, "errors 25 (409: 10, 500: 10, 503: 5)") {
		t.Errorf("summary line %q lacks the counts", line)
	}

	// Nothing listening: every request is a transport error, and the command fails.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	out.Reset()
	errb.Reset()
	code = RunREST(context.Background(), []string{"--url", "http://" + addr, "--api-key", "vgk_x",
		"--meters", demo.DRN("0700000001"), "--requests", "5", "--concurrency", "2"}, nil, &out, &errb)
	if code != 1 || !strings.Contains(out.String(), "errors 5 (transport: 5)") {
		t.Errorf("against a closed port: exit %d, output %q %q", code, out.String(), errb.String())
	}
}

func TestBenchRefusesUnboundedRuns(t *testing.T) {
	base := []string{"--url", "http://127.0.0.1:1", "--api-key", "vgk_x", "--meters", demo.DRN("0700000001")}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--duration", "10m1s"}, "--duration"},
		{[]string{"--duration", "0s"}, "--duration"},
		{[]string{"--requests", "10000001"}, "--requests"},
		{[]string{"--requests", "0"}, "--requests"},
		{[]string{"--concurrency", "0"}, "--concurrency"},
		{[]string{"--rate", "-1"}, "--rate"},
		{[]string{"--rate", "NaN"}, "--rate"},
		{[]string{"--amount", "0"}, "--amount"},
		{[]string{"--url", "http://192.168.0.10:8080"}, "loopback"},
		{[]string{"--meters", "123"}, "meter"},
	} {
		var out, errb bytes.Buffer
		code := RunREST(context.Background(), append(slices.Clone(base), c.args...), nil, &out, &errb)
		if code != 2 || !strings.Contains(errb.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, code, errb.String(), c.want)
		}
	}
	// The bounds themselves are accepted.
	p, err := benchParse("http://127.0.0.1:1", nil, 1, benchMaxDuration, benchMaxRequests, 0, 1, "ZAR", time.Second,
		map[string]bool{"duration": true, "requests": true})
	if err != nil || p.duration != benchMaxDuration || p.requests != benchMaxRequests {
		t.Errorf("the largest run: %+v, %v", p, err)
	}
	// --requests alone is still bounded in time, a duration alone in count.
	p, _ = benchParse("http://127.0.0.1:1", nil, 1, benchDefaultRun, 500, 0, 1, "ZAR", time.Second, map[string]bool{"requests": true})
	if p.duration != benchMaxDuration || p.requests != 500 {
		t.Errorf("--requests 500: duration %s, requests %d", p.duration, p.requests)
	}
	p, _ = benchParse("http://127.0.0.1:1", nil, 1, benchDefaultRun, 0, 0, 1, "ZAR", time.Second, map[string]bool{})
	if p.duration != benchDefaultRun || p.requests != benchMaxRequests {
		t.Errorf("defaults: duration %s, requests %d", p.duration, p.requests)
	}
}

// Requests in flight together go to different meters (a shared meter would serialise them on its
// row lock), and agents take turns.
func TestBenchPickSpreadsMeters(t *testing.T) {
	meters := make([]string, 200)
	for i := range meters {
		meters[i] = strconv.Itoa(i)
	}
	agents := make([]Agent, 50)
	for i := range agents {
		agents[i] = Agent{APIKey: strconv.Itoa(i), Meters: meters}
	}
	for _, n := range []int{50, 1} {
		for first := int64(0); first < 1000; first += 37 {
			seen := map[string]bool{}
			for seq := first; seq < first+64; seq++ {
				a, m := benchPick(agents[:n], seq)
				if want := strconv.FormatInt(seq%int64(n), 10); a.APIKey != want {
					t.Fatalf("%d agents, request %d: agent %s, want %s", n, seq, a.APIKey, want)
				}
				if seen[m] {
					t.Fatalf("%d agents: meter %s twice among requests %d to %d", n, m, first, first+63)
				}
				seen[m] = true
			}
		}
	}
}
