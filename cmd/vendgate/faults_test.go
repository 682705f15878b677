package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"

	"syscall"
	"testing"
	"time"

	"github.com/vendgate/vendgate/config"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
	"github.com/vendgate/vendgate/sts"
	"github.com/vendgate/vendgate/testkit"
	"github.com/vendgate/vendgate/testkit/smsc"
)

// TestMain lets the test binary be the server in a process of its own (VENDGATE_TEST_AS_SERVER=1),
// for the tests that kill it.
func TestMain(m *testing.M) {
	if os.Getenv("VENDGATE_TEST_AS_SERVER") == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := run(ctx, []string{"serve"}, os.Environ(), os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// fastReplies makes failed deliveries come back quickly, for tests.
func fastReplies(c *config.Config) {
	c.ReplyRetry, c.ReplyRetryMax, c.ReplyAttempts = 50*time.Millisecond, 200*time.Millisecond, 1000
	c.ReplyBreakerOpen = 200 * time.Millisecond
}

// submittedTokens counts, per token, the submit_sm the SMSC answered with a message id.
func submittedTokens(t *testing.T, srv *smsc.Server) map[sts.Token]int {
	t.Helper()
	out := map[sts.Token]int{}
	for _, s := range srv.Submits() {
		if s.Status != smsc.StatusOK || s.Dropped {
			continue
		}
		text, err := s.Text()
		if err != nil {
			t.Fatal(err)
		}
		for _, tok := range tokensIn(t, text) {
			out[tok]++
		}
	}
	return out
}

// everyVendReplied checks that the outbox holds n delivered replies, each for a vend, and that the
// SMSC accepted a submit_sm carrying every token of each of those vends.
func everyVendReplied(t *testing.T, m *Main, srv *smsc.Server, n int) {
	t.Helper()
	ctx := context.Background()
	replies, err := m.DB.RepliesByStatus(ctx, core.ReplyDelivered, 1000)
	if err != nil || len(replies) != n {
		t.Fatalf("%d delivered replies (%v), want %d", len(replies), err, n)
	}
	sent := submittedTokens(t, srv)
	for _, r := range replies {
		if r.VendID == 0 {
			t.Fatalf("reply %d answers no vend: %q", r.ID, r.Body)
		}
		v, err := m.DB.Vend(ctx, r.VendID)
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Tokens) == 0 {
			t.Errorf("vend %d has no token", v.ID)
		}
		for _, tok := range v.Tokens {
			if sent[tok.Token] == 0 {
				t.Errorf("vend %d: its %s token never reached the SMSC", v.ID, tok.Purpose)
			}
		}
	}
}

// TestSMSCCrashMidTraffic: the SMSC crashes while replies are on their way and comes back; every
// paid vend's reply arrives (at least once, never zero), and the outbox records each as delivered
// with the message id of a submit_sm the SMSC accepted.
func TestSMSCCrashMidTraffic(t *testing.T) {
	srv := smscFor(t, smsc.Config{})
	m, _ := bootWith(t, func(c *config.Config) { withSMSC(srv)(c); fastReplies(c) })
	waitFor(t, "the bind", func() bool { return m.sms.Link("smsc").Bound() })
	ctx := context.Background()
	srv.SetFaults(smsc.Faults{SubmitDelay: 300 * time.Millisecond}) // replies are in flight when it dies

	const n = 12
	for i := range n {
		dm := m.Demo.Meters[i%len(m.Demo.Meters)]
		d, err := srv.SendText(ctx, fmt.Sprintf("2782555%04d", i), "40404", fmt.Sprintf("BUY %s %d", dm.Number, 100+i))
		if err != nil || d.Status != smsc.StatusOK {
			t.Fatalf("MO %d: status 0x%X, %v", i, d.Status, err)
		}
	}
	srv.Kill()
	time.Sleep(300 * time.Millisecond) // down for a while: deliveries fail and back off
	srv.SetFaults(smsc.Faults{})
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}

	var replies []core.Reply
	waitFor(t, "every reply delivered after the SMSC came back", func() bool {
		rs, err := m.DB.RepliesByStatus(ctx, core.ReplyDelivered, 100)
		replies = rs
		return err == nil && len(rs) == n
	})
	byID := map[string]smsc.Submit{}
	for _, s := range srv.Submits() {
		if s.Status == smsc.StatusOK && !s.Dropped {
			byID[s.MessageID] = s
		}
	}
	everyVendReplied(t, m, srv, n)
	for _, r := range replies {
		s, ok := byID[r.ExternalID]
		if !ok {
			t.Errorf("reply %d is recorded as delivered under message id %q, which the SMSC never gave", r.ID, r.ExternalID)
			continue
		}
		if text, _ := s.Text(); text != r.Body {
			t.Errorf("reply %d's message id %s is another message's", r.ID, r.ExternalID)
		}
	}
	t.Logf("%d vends, %d submit_sm accepted after the crash and restart", n, len(byID))
}

// serverProcess is vendgate serve in a process of its own (the test binary, see TestMain).
type serverProcess struct {
	cmd *exec.Cmd
	out *testkit.Logs
}

func startServer(t *testing.T, env ...string) *serverProcess {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append([]string{"VENDGATE_TEST_AS_SERVER=1"}, env...)...)
	out := &testkit.Logs{} // the process's output, written while the test reads it
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serverProcess{cmd: cmd, out: out}
	t.Cleanup(func() { _ = p.cmd.Process.Kill(); _, _ = p.cmd.Process.Wait() })
	return p
}

// TestReplySurvivesSIGKILL: the server is killed with SIGKILL after a vend committed and while its
// reply was on its way to the SMSC (sent, never acknowledged); started again, it sends the reply.
func TestReplySurvivesSIGKILL(t *testing.T) {
	srv := smscFor(t, smsc.Config{})
	dir := t.TempDir()
	env := []string{"VENDGATE_DATA_DIR=" + dir, "VENDGATE_HTTP_ADDR=127.0.0.1:0", "VENDGATE_ISO8583_ADDR=off",
		"VENDGATE_SMPP_ADDR=" + srv.Addr(), "VENDGATE_SMPP_SYSTEM_ID=vendgate", "VENDGATE_SMPP_PASSWORD=s3cret-smpp",
		"VENDGATE_REPLY_LEASE=15s", "VENDGATE_REPLY_RETRY=100ms", "VENDGATE_LOG_LEVEL=debug"}
	srv.SetFaults(smsc.Faults{DropSubmits: true}) // the reply goes out and is never acknowledged
	first := startServer(t, env...)
	waitFor(t, "the bind", func() bool { return srv.Sessions() == 1 })

	raw, err := os.ReadFile(filepath.Join(dir, "demo.json"))
	if err != nil {
		t.Fatal(err)
	}
	var demo demoFile
	if err := json.Unmarshal(raw, &demo); err != nil {
		t.Fatal(err)
	}
	dm := demo.Meters[0]
	ctx := context.Background()
	if d, err := srv.SendText(ctx, "27824446666", "40404", "BUY "+dm.Number+" 40"); err != nil || d.Status != smsc.StatusOK {
		t.Fatalf("MO: status 0x%X, %v", d.Status, err)
	}
	waitFor(t, "the reply's submit_sm", func() bool { return len(srv.Submits()) == 1 })
	if err := first.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_, _ = first.cmd.Process.Wait()

	srv.SetFaults(smsc.Faults{})
	second := startServer(t, env...)
	var tok []sts.Token
	waitWithin(t, 40*time.Second, "the reply sent by the restarted server, once the dead server's 15 s lease lapsed", func() bool {
		for _, s := range srv.Submits() {
			if s.Status == smsc.StatusOK && !s.Dropped {
				text, _ := s.Text()
				tok = tokensIn(t, text)
				return true
			}
		}
		return false
	})
	if len(tok) != 1 {
		t.Fatalf("the reply after the restart carries %d tokens", len(tok))
	}
	if r := demoMeterFor(t, dm).Enter(tok[0].String()); !r.Code.OK() {
		t.Fatalf("the virtual meter took the token as %v", r)
	}
	// Stopped cleanly, the server leaves the outbox to read: one vend, its reply delivered.
	if err := second.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := second.cmd.Wait(); err != nil {
		t.Fatalf("the restarted server: %v\n%s", err, second.out.String())
	}
	db, err := store.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	vends, err := db.VendsByMeter(ctx, dm.Number, 0, 10)
	if err != nil || len(vends) != 1 {
		t.Fatalf("%d vends (%v), want 1", len(vends), err)
	}
	delivered, err := db.RepliesByStatus(ctx, core.ReplyDelivered, 10)
	if err != nil || len(delivered) != 1 || delivered[0].VendID != vends[0].ID {
		t.Fatalf("delivered replies %+v (%v), want the vend's", delivered, err)
	}
	if bytes.Contains([]byte(first.out.String()+second.out.String()), []byte(tok[0].String())) {
		t.Error("a log line carries the token")
	}
}

// redisServer is a Redis of the test's own, to stop and start again.
type redisServer struct {
	port string
	cmd  *exec.Cmd
}

func (r *redisServer) start(t *testing.T) {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatal("redis-server is not installed: make test installs it (scripts/testenv.sh)")
	}
	r.cmd = exec.Command(bin, "--port", r.port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "Redis", func() bool {
		c, err := net.Dial("tcp", "127.0.0.1:"+r.port)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
}

func (r *redisServer) kill() {
	_ = r.cmd.Process.Kill()
	_, _ = r.cmd.Process.Wait()
}

// TestRedisDown: with replies queued on Redis, Redis dies; vends go on, their replies wait in the
// outbox, and when Redis is back they are delivered.
func TestRedisDown(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(l.Addr().String())
	l.Close()
	redis := &redisServer{port: port}
	redis.start(t)
	t.Cleanup(redis.kill)

	srv := smscFor(t, smsc.Config{})
	m, _ := bootWith(t, func(c *config.Config) {
		withSMSC(srv)(c)
		fastReplies(c)
		c.RedisAddr, c.ReplySweep = "127.0.0.1:"+port, 200*time.Millisecond
	})
	waitFor(t, "the bind", func() bool { return m.sms.Link("smsc").Bound() })
	ctx := context.Background()
	buy := func(i int) {
		t.Helper()
		dm := m.Demo.Meters[i%len(m.Demo.Meters)]
		d, err := srv.SendText(ctx, fmt.Sprintf("2782777%04d", i), "40404", fmt.Sprintf("BUY %s %d", dm.Number, 100+i))
		if err != nil || d.Status != smsc.StatusOK {
			t.Fatalf("MO %d: status 0x%X, %v", i, d.Status, err)
		}
	}
	delivered := func() int {
		rs, err := m.DB.RepliesByStatus(ctx, core.ReplyDelivered, 100)
		if err != nil {
			t.Fatal(err)
		}
		return len(rs)
	}
	buy(0)
	waitFor(t, "the first reply through Redis", func() bool { return delivered() == 1 })

	redis.kill()
	for i := 1; i <= 4; i++ {
		buy(i) // the vends still commit
	}
	pending, err := m.DB.RepliesByStatus(ctx, core.ReplyPending, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(pending)+delivered() != 5 {
		t.Fatalf("%d pending and %d delivered replies for 5 vends", len(pending), delivered())
	}

	redis.start(t)
	waitFor(t, "the replies that waited for Redis", func() bool { return delivered() == 5 })
	everyVendReplied(t, m, srv, 5)
}
