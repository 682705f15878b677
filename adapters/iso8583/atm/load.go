package atm

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// LoadConfig is a load run: Conns connections, each with InFlight purchases in flight at all
// times, for Duration.
type LoadConfig struct {
	Client   Config
	Conns    int
	InFlight int
	Duration time.Duration
	Meters   []string // purchases cycle through these
	Amount   int64    // minor units per purchase
	// Rate, when positive, makes the run an open loop: purchase i is due at start + i/Rate
	// whatever the server does, and its latency counts from that intended start (no coordinated
	// omission). Zero keeps every slot busy (a closed loop).
	Rate float64
}

// Result is what a load run measured.
type Result struct {
	Vends    int            // purchases answered 00
	Declined map[string]int // purchases answered otherwise, by response code
	Errors   int            // purchases with no answer (timeout, closed connection)
	Elapsed  time.Duration
	P50, P99 time.Duration // latency of the answered purchases
}

// PerSecond returns the approved vends per second.
func (r Result) PerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Vends) / r.Elapsed.Seconds()
}

// String prints the figures: vends/s, p50, p99.
func (r Result) String() string {
	return fmt.Sprintf("%d vends in %s: %.0f vends/s, p50 %s, p99 %s, declined %v, errors %d",
		r.Vends, r.Elapsed.Round(time.Millisecond), r.PerSecond(), r.P50, r.P99, r.Declined, r.Errors)
}

// Load signs on cfg.Conns connections and keeps cfg.InFlight purchases pipelined on each until
// cfg.Duration passes or ctx ends.
func Load(ctx context.Context, cfg LoadConfig) (Result, error) {
	if cfg.Conns <= 0 || cfg.InFlight <= 0 || cfg.Duration <= 0 || len(cfg.Meters) == 0 || cfg.Amount <= 0 {
		return Result{}, errors.New("atm: Load needs Conns, InFlight, Duration, Meters and Amount")
	}
	clients := make([]*Client, 0, cfg.Conns)
	defer func() {
		for _, c := range clients {
			c.Close()
		}
	}()
	for i := range cfg.Conns {
		cc := cfg.Client
		cc.Terminal = fmt.Sprintf("LOAD%04d", i%10000)
		c, err := Dial(ctx, cc)
		if err != nil {
			return Result{}, err
		}
		clients = append(clients, c)
		if err := c.SignOn(); err != nil {
			return Result{}, err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	var (
		mu        sync.Mutex
		latencies []time.Duration
		res       = Result{Declined: map[string]int{}}
		wg        sync.WaitGroup
	)
	start := time.Now()
	var next atomic.Int64 // the next purchase's number, for the open loop
	workers := cfg.Conns * cfg.InFlight
	for ci, c := range clients {
		for w := range cfg.InFlight {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// A worker's meters are its own (n advances by the number of workers), so that no
				// two purchases in flight share a meter unless there are fewer meters than workers.
				for n := ci*cfg.InFlight + w; ctx.Err() == nil; n += workers {
					t := time.Now()
					if cfg.Rate > 0 {
						i := next.Add(1) - 1
						t = start.Add(time.Duration(float64(i) / cfg.Rate * float64(time.Second)))
						if d := time.Until(t); d > 0 {
							select {
							case <-ctx.Done():
								return
							case <-time.After(d):
							}
						}
					}
					r, err := c.Send(c.Purchase(cfg.Meters[n%len(cfg.Meters)], cfg.Amount))
					took := time.Since(t)
					mu.Lock()
					switch {
					case err != nil:
						res.Errors++
					case r.RC == "00":
						res.Vends++
						latencies = append(latencies, took)
					default:
						res.Declined[r.RC]++
						latencies = append(latencies, took)
					}
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	slices.Sort(latencies)
	if n := len(latencies); n > 0 {
		res.P50 = latencies[n*50/100]
		res.P99 = latencies[min(n-1, n*99/100)]
	}
	return res, nil
}
