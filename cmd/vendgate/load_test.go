package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/rs/zerolog"

	"github.com/vendgate/vendgate/config"
	"github.com/vendgate/vendgate/internal/demo"
	"github.com/vendgate/vendgate/testkit/load"
)

// The seeding mode makes a database that a real server vends from: meters with valid numbers and
// keys, agents with float and working API keys.
func TestLoadSeedsAServerThatVends(t *testing.T) {
	dir := t.TempDir()
	agentsFile := filepath.Join(dir, "agents.json")
	var out, errb bytes.Buffer
	code := load.RunREST(context.Background(), []string{"--seed-agents", "2", "--seed-meters", "3",
		"--data-dir", filepath.Join(dir, "data"), "--agents-file", agentsFile}, nil, &out, &errb)
	if code != 0 {
		t.Fatalf("seeding: exit %d: %s", code, errb.String())
	}
	agents, err := load.LoadAgents(agentsFile, "", "", 0, nil)
	if err != nil || len(agents) != 2 || len(agents[0].Meters) != 3 {
		t.Fatalf("agents file: %+v, %v", agents, err)
	}
	// The file also names the telco customers text for the SMS load (bench itself skips it).
	var all []load.Agent
	if raw, err := os.ReadFile(agentsFile); err != nil || json.Unmarshal(raw, &all) != nil || len(all) != 3 {
		t.Fatalf("agents file: got %d entries (%v), want 2 agents and the telco", len(all), err)
	}
	if tel := all[2]; tel.APIKey != "" || tel.ShortCode != demo.ShortCode || tel.Route != "smsc" || len(tel.Meters) != 3 {
		t.Errorf("the telco entry: got %+v, want short code %s on route smsc with the 3 meters", tel, demo.ShortCode)
	}
	// Seeding again into the same database is refused.
	if code := load.RunREST(context.Background(), []string{"--seed-agents", "1", "--seed-meters", "1",
		"--data-dir", filepath.Join(dir, "data"), "--agents-file", filepath.Join(dir, "again.json")}, nil, &out, &errb); code != 1 {
		t.Errorf("a second seed: exit %d, want 1", code)
	}

	cfg := config.Defaults()
	cfg.HTTPAddr = "127.0.0.1:0"
	cfg.ISO8583Addr = "127.0.0.1:0"
	cfg.DataDir = filepath.Join(dir, "data")
	m := &Main{Config: cfg, Stdout: io.Discard, Logger: zerolog.New(io.Discard)}
	ctx, cancel := context.WithCancel(context.Background())
	if err := m.Open(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	defer func() {
		cancel()
		<-done
		m.Close()
	}()
	if m.Demo != nil {
		t.Error("the server seeded its demo over the bench data")
	}
	out.Reset()
	errb.Reset()
	code = load.RunREST(context.Background(), []string{"--url", "http://" + m.Addr(), "--agents-file", agentsFile,
		"--requests", "12", "--concurrency", "3", "--json"}, nil, &out, &errb)
	if code != 0 {
		t.Fatalf("bench: exit %d: %s", code, errb.String())
	}
	var rep load.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Vends != 12 || rep.ErrorsTotal != 0 || rep.Agents != 2 {
		t.Errorf("report %+v: want 12 vends by 2 agents, no errors (%s)", rep, errb.String())
	}

	// The seeded bank buys over ISO 8583: every purchase isoload counts is a committed vend.
	before := countVends(t, m, agents[0].Meters)
	out.Reset()
	errb.Reset()
	code = load.RunISO(context.Background(), []string{"--addr", m.ISO8583Addr(), "--agents-file", agentsFile,
		"--conns", "2", "--inflight", "2", "--duration", "300ms"}, &out, &errb)
	var n int
	var perS, p50, p99 float64
	var elapsed float64
	if _, err := fmt.Sscanf(out.String(), "iso8583 pipelined, 2 connections x 2 in flight: %d vends in %fs = %f vends/s; latency p50 %fms p99 %fms",
		&n, &elapsed, &perS, &p50, &p99); code != 0 || err != nil || n == 0 {
		t.Fatalf("isoload: exit %d, %v: %s%s", code, err, out.String(), errb.String())
	}
	if got := countVends(t, m, agents[0].Meters) - before; got != n {
		t.Errorf("isoload counted %d vends, the database holds %d more", n, got)
	}
}

// countVends counts the committed vends of meters (at most 1,000 each).
func countVends(t *testing.T, m *Main, meters []string) int {
	t.Helper()
	total := 0
	for _, number := range meters {
		vends, err := m.DB.VendsByMeter(context.Background(), number, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		total += len(vends)
	}
	return total
}
