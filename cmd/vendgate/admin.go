package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vendgate/vendgate/config"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
)

// adminCommand is one `vendgate admin OBJECT VERB`: setup registers its flags (each with a line
// of help), then returns the work, whose result is printed as one JSON object. The commands live
// in one file per object (admin_utility.go, admin_meter.go ...): flags, one call, print.
type adminCommand struct {
	summary string
	setup   func(fs *flag.FlagSet) func(ctx context.Context, a *adminEnv) (any, error)
}

// adminEnv is what an admin command works with.
type adminEnv struct {
	db     *store.DB
	sealer *core.Sealer
}

// vendor is the vending core over the admin's store, as the server wires it.
func (a *adminEnv) vendor() *core.Vendor {
	return newVendor(a.db, a.sealer, time.Now, 0)
}

// usageError is a bad flag: exit 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

var adminCommands = map[string]adminCommand{
	"utility create":           adminUtilityCreate,
	"supply-group create":      adminSupplyGroupCreate,
	"tariff create":            adminTariffCreate,
	"customer create":          adminCustomerCreate,
	"meter create":             adminMeterCreate,
	"meter key-change":         adminMeterKeyChange,
	"meter confirm-key-change": adminMeterConfirm,
	"meter set-status":         adminMeterSetStatus,
	"agent create":             adminAgentCreate,
	"agent top-up":             adminAgentTopUp,
	"agent api-key issue":      adminAPIKeyIssue,
	"agent api-key revoke":     adminAPIKeyRevoke,
	"institution create":       adminInstitutionCreate,
	"ledger check":             adminLedgerCheck,
	"vend reverse":             adminVendReverse,
	"vend reversed":            adminVendReversed,
	"replies list":             adminRepliesList,
	"replies resend":           adminRepliesResend,
	"service-code create":      adminServiceCodeCreate,
	"service-code list":        adminServiceCodeList,
}

func adminUsage() string {
	names := make([]string, 0, len(adminCommands))
	for n := range adminCommands {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("usage: vendgate admin OBJECT VERB [flags]   (each prints one JSON object)\n")
	for _, n := range names {
		fmt.Fprintf(&b, "  %-26s %s\n", n, adminCommands[n].summary)
	}
	b.WriteString("vendgate admin OBJECT VERB --help lists a command's flags; every command takes\n" +
		"--config, --data-dir, --database-url and --master-key-file as serve does")
	return b.String()
}

// isHelp reports whether an argument asks for help.
func isHelp(arg string) bool {
	return arg == "-h" || arg == "-help" || arg == "--help" || arg == "help"
}

// flagHelp lists a flag set's flags, one line each: the flag, its value's kind, what it is.
func flagHelp(fs *flag.FlagSet) string {
	var b strings.Builder
	fs.VisitAll(func(f *flag.Flag) {
		kind, usage := flag.UnquoteUsage(f)
		name := "--" + f.Name
		if kind != "" {
			name += " " + strings.ToUpper(kind)
		}
		if f.DefValue != "" && f.DefValue != "0" && f.DefValue != "false" {
			usage += " (default " + f.DefValue + ")"
		}
		fmt.Fprintf(&b, "  %-30s %s\n", name, usage)
	})
	return b.String()
}

// adminConfigFlags are the flags of every admin command that override configuration keys.
var adminConfigFlags = [][2]string{
	{"data-dir", "`dir`ectory of the embedded database and its master key"},
	{"database-url", "PostgreSQL `url` (postgres://...) instead of the embedded database"},
	{"master-key-file", "`file` holding the master key (64 hex digits)"},
}

// runAdmin sets up what the server sells: every success prints one JSON object; a usage error
// exits 2 with one line naming the flag, a refusal or failure exits 1.
func runAdmin(ctx context.Context, args, environ []string, stdout, stderr io.Writer) int {
	var (
		cmd  adminCommand
		name string
	)
	for n := 3; n >= 2 && name == ""; n-- {
		if len(args) >= n {
			if c, ok := adminCommands[strings.Join(args[:n], " ")]; ok {
				name, cmd, args = strings.Join(args[:n], " "), c, args[n:]
			}
		}
	}
	if name == "" {
		if len(args) > 0 && isHelp(args[0]) {
			fmt.Fprintln(stdout, adminUsage())
			return 0
		}
		fmt.Fprintln(stderr, adminUsage())
		return 2
	}
	fs := flag.NewFlagSet("vendgate admin "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfgFile := fs.String("config", "", "TOML configuration `file`")
	cfgFlags := map[string]*string{}
	for _, f := range adminConfigFlags {
		cfgFlags[f[0]] = fs.String(f[0], "", f[1])
	}
	do := cmd.setup(fs)
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(stdout, "usage: vendgate admin %s [flags]\n%s\n%s", name, cmd.summary, flagHelp(fs))
		return 0
	} else if err != nil {
		fmt.Fprintf(stderr, "vendgate admin %s: %v\n", name, err)
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "vendgate admin %s: unexpected argument %q\n", name, fs.Arg(0))
		return 2
	}
	overrides := map[string]any{}
	fs.Visit(func(f *flag.Flag) {
		if p, ok := cfgFlags[f.Name]; ok {
			overrides[underscore(f.Name)] = *p
		}
	})
	cfg, err := config.Load(*cfgFile, environ, overrides)
	if err != nil {
		fmt.Fprintf(stderr, "vendgate admin: configuration: %v\n", strings.ReplaceAll(err.Error(), "\n", "; "))
		return 2
	}
	out, err := adminRun(ctx, cfg, stderr, do)
	var ue usageError
	switch {
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "vendgate admin %s: %s\n", name, ue.msg)
		return 2
	case err != nil:
		fmt.Fprintf(stderr, "vendgate admin %s: %s\n", name, adminMessage(err))
		return 1
	}
	raw, _ := json.Marshal(out)
	fmt.Fprintf(stdout, "%s\n", raw)
	if r, ok := out.(ledgerReport); ok && len(r.Differences) > 0 {
		return 1
	}
	return 0
}

func adminRun(ctx context.Context, cfg config.Config, stderr io.Writer, do func(context.Context, *adminEnv) (any, error)) (any, error) {
	db, sealer, notes, err := openStore(ctx, cfg, false)
	if err != nil {
		return nil, startError{err}
	}
	defer db.Close()
	for _, n := range notes {
		fmt.Fprintf(stderr, "vendgate admin: warning: %s: %s\n", n.path, n.msg)
	}
	return do(ctx, &adminEnv{db: db, sealer: sealer})
}

// startError is a failure to open the database: its text is this program's own (configuration,
// master key, connection), and is printed as it is.
type startError struct{ err error }

func (e startError) Error() string { return e.err.Error() }
func (e startError) Unwrap() error { return e.err }

// adminMessage is what an operator reads for a failure: core's message for a refusal, what
// failed for a database that fails, and for errors of the start (configuration, master key,
// database connection) their own text, which this program wrote and which holds no secret.
func adminMessage(err error) string {
	var (
		e     *core.Error
		start startError
	)
	switch {
	case errors.As(err, &start):
		return start.Error()
	case errors.As(err, &e) && e.Code == core.CodeUnavailable:
		return fmt.Sprintf("the database failed (%v); try again", e.Err)
	case errors.As(err, &e) && e.Code != core.CodeInternal:
		return e.Message
	case errors.As(err, &e):
		return fmt.Sprintf("%s: %v", e.Message, e.Err)
	case errors.Is(err, core.ErrNotFound):
		return "a record it refers to does not exist"
	case errors.Is(err, core.ErrDuplicate):
		return "it exists already"
	}
	return fmt.Sprintf("the database failed (%v)", err)
}

// notFound answers a missing record by its flag and what the operator gave.
func notFound(flagName, what string, id any) error {
	return core.Errorf(core.CodeNotFound, core.ReasonNotFound, "--%s %v: %s %v does not exist", flagName, id, what, id)
}

// lookup turns a store's ErrNotFound for a flag's record into notFound.
func lookup(err error, flagName, what string, id any) error {
	if errors.Is(err, core.ErrNotFound) {
		return notFound(flagName, what, id)
	}
	return err
}

// Flag value parsers: each names its flag in its error.

func required(name, v string) error {
	if strings.TrimSpace(v) == "" {
		return usagef("--%s: required", name)
	}
	return nil
}

func parseDecimal(name, v string) (decimal.Decimal, error) {
	d, err := decimal.NewFromString(v)
	if err != nil || d.IsNegative() {
		return decimal.Decimal{}, usagef("--%s: %q is not a non-negative decimal", name, v)
	}
	return d, nil
}

func parseInt(name, v string, lo, hi int64) (int64, error) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < lo || n > hi {
		return 0, usagef("--%s: %q is not a whole number from %d to %d", name, v, lo, hi)
	}
	return n, nil
}

// adminTime prints a time in UTC, RFC 3339; the zero time prints as "".
func adminTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
