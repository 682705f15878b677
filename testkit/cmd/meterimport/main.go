// Command meterimport measures a meter import (backoffice.Service.ImportMeters) of a generated
// manufacturer's CSV: it migrates a fresh database (SQLite in a temporary directory, or a
// database it creates and drops on the PostgreSQL server of --postgres), seeds a utility and a
// supply group, signs an administrator in, and runs a dry run and then the import of --rows rows,
// printing the time of each, the peak Go heap in use (sampled every 5 ms) and the process's peak
// resident memory. docs/performance.md records its figures.
//
//	go run ./testkit/cmd/meterimport --rows 100000
//	go run ./testkit/cmd/meterimport --rows 100000 --postgres "$VENDGATE_TEST_DATABASE_URL"
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/uptrace/bun/driver/pgdriver"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/internal/demo"
	"github.com/vendgate/vendgate/store"
	"github.com/vendgate/vendgate/sts"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "meterimport:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("meterimport", flag.ContinueOnError)
	rows := fs.Int("rows", 100_000, "rows of the generated CSV, 1 to backoffice.MaxImportRows")
	pg := fs.String("postgres", "", "`URL` of a PostgreSQL server to create (and drop) a database on; SQLite when empty")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *rows < 1 || *rows > backoffice.MaxImportRows {
		return fmt.Errorf("--rows: want 1 to %d", backoffice.MaxImportRows)
	}
	dbURL, drop, err := database(ctx, *pg)
	if err != nil {
		return err
	}
	defer drop()
	dir, err := os.MkdirTemp("", "meterimport")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	db, err := store.Open(ctx, dbURL, dir)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	u, err := seed(ctx, db)
	if err != nil {
		return fmt.Errorf("seeding: %w", err)
	}
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	svc := backoffice.New(db, backoffice.WithClock(clock), backoffice.WithCheapPasswords())
	admin, err := signIn(ctx, svc, func(d time.Duration) { now = now.Add(d) })
	if err != nil {
		return fmt.Errorf("signing in: %w", err)
	}
	csv := generate(*rows)
	fmt.Fprintf(out, "meterimport: %d rows (%.1f MiB of CSV) on %s, Go %s, %d CPUs\n", *rows, float64(len(csv))/(1<<20), db.Dialect(), runtime.Version(), runtime.NumCPU())
	batch := backoffice.BatchInfo{UtilityID: u.ID, Reference: "BENCH-1", Manufacturer: "Bench Meters"}
	for _, dry := range []bool{true, false} {
		runtime.GC()
		stop := sampleHeap()
		start := time.Now()
		res, err := svc.ImportMeters(ctx, admin, batch, bytes.NewReader(csv), dry, nil)
		took := time.Since(start)
		heap := stop()
		if err != nil {
			return err
		}
		what := "import"
		if dry {
			what = "dry run"
		}
		fmt.Fprintf(out, "%-8s %7d meters in %6.2f s (%6.0f rows/s), peak heap in use %5.1f MiB\n",
			what, res.Batch.Meters, took.Seconds(), float64(res.Batch.Meters)/took.Seconds(), float64(heap)/(1<<20))
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		fmt.Fprintf(out, "peak resident memory of the process %.1f MiB\n", float64(ru.Maxrss)/1024)
	}
	stock, err := svc.StockMeters(ctx, admin, backoffice.StockQuery{State: backoffice.StockInStore, Limit: 1})
	if err != nil || len(stock) != 1 {
		return fmt.Errorf("reading the imported meters back: %v", err)
	}
	return nil
}

// sampleHeap samples the heap in use every 5 ms until stop, which returns the peak seen.
func sampleHeap() func() uint64 {
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 { close(done); wg.Wait(); return peak.Load() }
}

// database returns the URL to open: "" for SQLite, or a new database on a PostgreSQL server,
// which drop removes.
func database(ctx context.Context, server string) (string, func(), error) {
	if server == "" {
		return "", func() {}, nil
	}
	u, err := url.Parse(server)
	if err != nil {
		return "", nil, fmt.Errorf("--postgres: %w", err)
	}
	admin := sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(server)))
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", nil, err
	}
	name := "vg_meterimport_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		_ = admin.Close()
		return "", nil, fmt.Errorf("creating a database on --postgres: %w", err)
	}
	u.Path = "/" + name
	return u.String(), func() {
		_, _ = admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		_ = admin.Close()
	}, nil
}

// seed stores a utility with the demo's tariff and supply group 123457 KRN 1 (DKGA04, the
// published test vending key).
func seed(ctx context.Context, db *store.DB) (*core.Utility, error) {
	u, _, err := demo.Utility(ctx, db, "Import Power")
	if err != nil {
		return nil, err
	}
	master := make([]byte, 32)
	if _, err := rand.Read(master); err != nil {
		return nil, err
	}
	sealer, err := core.NewSealer(master)
	if err != nil {
		return nil, err
	}
	vk, _ := hex.DecodeString(demo.VK04)
	g := &core.SupplyGroup{UtilityID: u.ID, SGC: 123457, KRN: 1, DKGA: sts.DKGA04, Name: "Import DKGA04"}
	return u, core.ImportVendingKey(ctx, db, sealer, g, vk)
}

// signIn bootstraps the administrator and takes it from its one-time password to a sign-in with
// a second factor, as a person would (advance moves the clock on between codes).
func signIn(ctx context.Context, svc *backoffice.Service, advance func(time.Duration)) (backoffice.Actor, error) {
	creds, err := svc.Bootstrap(ctx, "admin")
	if err != nil {
		return backoffice.Actor{}, err
	}
	const password = "meterimport measures imports"
	a, _, err := svc.SignIn(ctx, backoffice.SignInRequest{Username: "admin", Password: creds.Password, Via: "meterimport", From: "local"})
	if err != nil {
		return backoffice.Actor{}, err
	}
	if err := svc.ChangePassword(ctx, a, creds.Password, password); err != nil {
		return backoffice.Actor{}, err
	}
	enr, err := svc.EnrolTOTP(ctx, a, "Vendgate")
	if err != nil {
		return backoffice.Actor{}, err
	}
	at := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	code, err := backoffice.TOTPCode(enr.Secret, at)
	if err != nil {
		return backoffice.Actor{}, err
	}
	if err := svc.ConfirmTOTP(ctx, a, code); err != nil {
		return backoffice.Actor{}, err
	}
	advance(30 * time.Second)
	if code, err = backoffice.TOTPCode(enr.Secret, at.Add(30*time.Second)); err != nil {
		return backoffice.Actor{}, err
	}
	a, _, err = svc.SignIn(ctx, backoffice.SignInRequest{Username: "admin", Password: password, Code: code, Via: "meterimport", From: "local"})
	return a, err
}

// generate writes a manufacturer's CSV of n electricity meters of supply group 123457 KRN 1.
func generate(n int) []byte {
	var b bytes.Buffer
	b.WriteString("number,kind,sgc,krn,ti,kt,ea,base-date,ken\n")
	for i := range n {
		fmt.Fprintf(&b, "%s,electricity,123457,1,01,2,11,2014,255\n", demo.DRN(fmt.Sprintf("08%08d", i+1)))
	}
	return b.Bytes()
}
