package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vendgate/vendgate/testkit/smsc"
)

// load is one run against a bound Vendgate.
type load struct {
	o   options
	srv *smsc.Server
	tr  *tracker
	out io.Writer // the figures
	log io.Writer // progress

	next atomic.Int64 // the next message's number

	mu     sync.Mutex
	errs   map[string]int64 // errors by kind
	sent   int64            // deliver_sm sent
	unsent int64            // open loop: messages not sent, --inflight awaiting their reply
}

func (l *load) fail(kind string) {
	l.mu.Lock()
	if l.errs == nil {
		l.errs = map[string]int64{}
	}
	l.errs[kind]++
	l.mu.Unlock()
}

func (l *load) errors() (total int64, words string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	kinds := make([]string, 0, len(l.errs))
	for k, n := range l.errs {
		total += n
		kinds = append(kinds, fmt.Sprintf("%s %d", k, n))
	}
	sort.Strings(kinds)
	if len(kinds) == 0 {
		return 0, "0"
	}
	return total, fmt.Sprintf("%d (%s)", total, strings.Join(kinds, ", "))
}

// send sends message i as an MO at sent and reports whether Vendgate took it (deliver_sm_resp
// ESME_ROK); a message not taken is forgotten and counted as an error.
func (l *load) send(ctx context.Context, i int64, sent time.Time) (*message, bool) {
	phone := l.o.phones.phone(i)
	m := l.tr.expect(phone, sent)
	d, err := l.srv.SendText(ctx, phone, l.o.shortCode, moText(l.o.meters, l.o.amount, i))
	l.mu.Lock()
	l.sent++
	l.mu.Unlock()
	switch {
	case err != nil && ctx.Err() != nil:
		l.tr.forget(phone)
		return nil, false
	case err != nil:
		l.tr.forget(phone)
		l.fail("deliver_sm unanswered")
		return nil, false
	case d.Status != smsc.StatusOK:
		l.tr.forget(phone)
		l.fail(fmt.Sprintf("deliver_sm refused 0x%02X", d.Status))
		return nil, false
	}
	return m, true
}

// await waits for m's token reply, up to --reply-timeout.
func (l *load) await(ctx context.Context, m *message) {
	t := time.NewTimer(l.o.replyTimeout)
	defer t.Stop()
	select {
	case <-m.done:
	case <-t.C:
	case <-ctx.Done():
	}
}

// loopRun is the closed or open loop, and its report.
func (l *load) loopRun(ctx context.Context) int {
	start := time.Now()
	end := start.Add(l.o.duration)
	limit := l.o.count
	if l.o.rate > 0 && limit == 0 {
		limit = int64(l.o.rate*l.o.duration.Seconds() + 0.5)
	}
	var wg sync.WaitGroup
	if l.o.rate > 0 {
		l.openLoop(ctx, start, limit, &wg)
	} else {
		for range l.o.inflight {
			wg.Go(func() {
				for ctx.Err() == nil {
					i := l.next.Add(1) - 1
					if (limit > 0 && i >= limit) || (limit == 0 && !time.Now().Before(end)) {
						return
					}
					if m, ok := l.send(ctx, i, time.Now()); ok {
						l.await(ctx, m)
					}
				}
			})
		}
	}
	wg.Wait()
	sending := time.Since(start)
	l.settle(ctx, l.tr.counts().MOs)

	lat := l.tr.latencies()
	arr := l.tr.arrived()
	c := l.tr.counts()
	elapsed := sending
	if len(arr) > 0 {
		elapsed = arr[len(arr)-1].Sub(start)
	}
	mode := fmt.Sprintf("closed loop, %d in flight", l.o.inflight)
	if l.o.rate > 0 {
		mode = fmt.Sprintf("open loop at %g/s (at most %d awaiting a reply)", l.o.rate, l.o.inflight)
	}
	nerr, errWords := l.errors()
	fmt.Fprintf(l.out, "smsload: %s, %.1f s: %d MOs sent, %d answered with a token: %.1f SMS vends/s; reply latency p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms; errors %s",
		mode, elapsed.Seconds(), l.sent, c.Answered, float64(c.Answered)/elapsed.Seconds(),
		ms(percentile(lat, 500)), ms(percentile(lat, 900)), ms(percentile(lat, 990)), ms(percentile(lat, 1000)), errWords)
	if l.unsent > 0 {
		fmt.Fprintf(l.out, "; not sent (%d awaiting a reply) %d", l.o.inflight, l.unsent)
	}
	fmt.Fprintln(l.out)
	fmt.Fprintln(l.out, "smsload: "+c.String())
	if !c.ok() || nerr > 0 || l.unsent > 0 {
		return 1
	}
	return 0
}

// openLoop sends limit messages at --rate, each from its intended start, at most --inflight
// awaiting their reply (past that a message is not sent and counted).
func (l *load) openLoop(ctx context.Context, start time.Time, limit int64, wg *sync.WaitGroup) {
	slots := make(chan struct{}, l.o.inflight)
	for i := range limit {
		at := start.Add(time.Duration(float64(i) / l.o.rate * float64(time.Second)))
		if d := time.Until(at); d > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(d):
			}
		}
		select {
		case slots <- struct{}{}:
		default:
			l.mu.Lock()
			l.unsent++
			l.mu.Unlock()
			continue
		}
		wg.Go(func() {
			defer func() { <-slots }()
			if m, ok := l.send(ctx, i, at); ok {
				l.await(ctx, m)
			}
		})
	}
}

// settle waits for the replies still missing (up to --reply-timeout from now) and then --settle
// more, so that a duplicate reply is seen.
func (l *load) settle(ctx context.Context, want int) {
	deadline := time.Now().Add(l.o.replyTimeout)
	for l.tr.answeredCount() < want && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case <-ctx.Done():
	case <-time.After(l.o.settle):
	}
}

// backlogRun piles up --backlog replies while the SMSC throttles every submit, then lets them
// through and measures the drain.
func (l *load) backlogRun(ctx context.Context) int {
	n := l.o.backlog
	l.srv.SetFaults(smsc.Faults{SubmitStatus: smsc.StatusThrottled})
	start := time.Now()
	var taken atomic.Int64
	var wg sync.WaitGroup
	for range l.o.inflight {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := l.next.Add(1) - 1
				if i >= n {
					return
				}
				if _, ok := l.send(ctx, i, time.Now()); ok {
					if k := taken.Add(1); k%10_000 == 0 {
						fmt.Fprintf(l.log, "smsload: backlog: %d messages taken in %.1f s\n", k, time.Since(start).Seconds())
					}
				}
			}
		})
	}
	wg.Wait()
	sending := time.Since(start)
	before := l.tr.counts()
	nerr, errWords := l.errors()
	fmt.Fprintf(l.out, "smsload: backlog: %d MOs taken by Vendgate in %.1f s (%.1f MOs/s, %d in flight) while the SMSC answered every submit_sm ESME_RTHROTTLED: %d submits refused, %d replies got through; errors %s\n",
		taken.Load(), sending.Seconds(), float64(taken.Load())/sending.Seconds(), l.o.inflight, before.Refused, before.Answered, errWords)

	l.srv.SetFaults(smsc.Faults{})
	back := time.Now()
	fmt.Fprintf(l.log, "smsload: the SMSC accepts submits again; %d replies waiting\n", int(taken.Load())-before.Answered)
	want := int(taken.Load())
	deadline := back.Add(l.o.drainTimeout)
	lastLog := back
	for l.tr.answeredCount() < want && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(50 * time.Millisecond)
		if time.Since(lastLog) >= 10*time.Second {
			lastLog = time.Now()
			fmt.Fprintf(l.log, "smsload: drain: %d of %d replies after %.0f s\n", l.tr.answeredCount(), want, time.Since(back).Seconds())
		}
	}
	select {
	case <-ctx.Done():
	case <-time.After(l.o.settle):
	}
	arr := l.tr.arrived()
	c := l.tr.counts()
	d := drainOf(arr, back)
	throttle := "not given"
	if l.o.throttle > 0 {
		throttle = fmt.Sprintf("%d/s, so %.1f s at the least", l.o.throttle, float64(want)/float64(l.o.throttle))
	}
	fmt.Fprintf(l.out, "smsload: drain: %d of %d replies arrived %.1f s after the SMSC returned (throttle %s); the first after %.1f s, then %.1f replies/s from first to last, %.1f replies/s from the 10th to the 90th percentile\n",
		d.n, want, d.total.Seconds(), throttle, d.first.Seconds(), d.rate, d.mid)
	fmt.Fprintln(l.out, "smsload: "+c.String())
	if !c.ok() || nerr > 0 || c.Answered != want {
		return 1
	}
	return 0
}

// drain is how replies arrived after the SMSC returned.
type drain struct {
	n     int
	first time.Duration // from the return to the first reply
	total time.Duration // from the return to the last reply
	rate  float64       // replies/s from the first to the last
	mid   float64       // replies/s between the 10th and the 90th percentile arrivals
}

// drainOf reads sorted arrival times; replies before back (which got through while the SMSC
// throttled) do not count.
func drainOf(arrivals []time.Time, back time.Time) drain {
	i := sort.Search(len(arrivals), func(i int) bool { return !arrivals[i].Before(back) })
	a := arrivals[i:]
	d := drain{n: len(a)}
	if len(a) == 0 {
		return d
	}
	d.first, d.total = a[0].Sub(back), a[len(a)-1].Sub(back)
	if span := a[len(a)-1].Sub(a[0]).Seconds(); span > 0 {
		d.rate = float64(len(a)-1) / span
	}
	lo, hi := len(a)/10, len(a)*9/10
	if hi > lo {
		if span := a[hi].Sub(a[lo]).Seconds(); span > 0 {
			d.mid = float64(hi-lo) / span
		}
	}
	return d
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
