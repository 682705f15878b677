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

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/config"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
)

// adminCommand is one `vendgate admin OBJECT VERB`: setup registers its flags (each with a line
// of help), then returns the work, whose result is printed as one JSON object (the one the
// operator API answers: backoffice's views). The commands live in one file per object
// (admin_utility.go, admin_meter.go ...): flags, one backoffice call as the signed-in operator,
// print.
type adminCommand struct {
	summary string
	setup   func(fs *flag.FlagSet) func(ctx context.Context, a *adminEnv) (any, error)
	// auth says who may run the command: a signed-in operator (the default), anybody who can
	// open the database (bootstrap), or an operator still on a one-time password (setting their
	// own password and second factor).
	auth adminAuth
}

// adminAuth is how a command is authenticated.
type adminAuth int

const (
	authOperator adminAuth = iota // a signed-in operator whose password is their own
	authNone                      // no sign-in: bootstrap, before any operator exists
	authSelf                      // a signed-in operator, a one-time password allowed
)

// adminEnv is what an admin command works with: the back office over the store, and the
// operator it runs as.
type adminEnv struct {
	db       *store.DB
	sealer   *core.Sealer
	svc      *backoffice.Service
	actor    backoffice.Actor
	environ  []string
	stdout   io.Writer
	stderr   io.Writer // where a long command tells its progress
	flags    *flag.FlagSet
	password string // the password the operator signed in with (operator password needs it)
}

// adminClock is the back office's clock in admin commands: the sign-in's second-factor codes and
// the audit trail read it. Tests move it.
var adminClock = time.Now

// adminOptions are more options of the admin commands' back office (tests make passwords cheap).
var adminOptions []backoffice.Option

// vendor is the vending core over the admin's store, as the server wires it.
func (a *adminEnv) vendor() *core.Vendor {
	return newVendor(a.db, a.sealer, time.Now, 0)
}

// usageError is a bad flag: exit 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

var adminCommands = map[string]adminCommand{
	"bootstrap":                 adminBootstrap,
	"operator create":           adminOperatorCreate,
	"operator password":         adminOperatorPassword,
	"operator totp-enrol":       adminOperatorTOTPEnrol,
	"operator totp-confirm":     adminOperatorTOTPConfirm,
	"audit list":                adminAuditList,
	"audit verify":              adminAuditVerify,
	"audit export":              adminAuditExport,
	"utility create":            adminUtilityCreate,
	"utility list":              adminUtilityList,
	"utility show":              adminUtilityShow,
	"utility update":            adminUtilityUpdate,
	"utility set-parameters":    adminUtilityParameters,
	"customer list":             adminCustomerList,
	"customer show":             adminCustomerShow,
	"customer update":           adminCustomerUpdate,
	"meter list":                adminMeterList,
	"meter show":                adminMeterShow,
	"meter update":              adminMeterUpdate,
	"agent list":                adminAgentList,
	"agent show":                adminAgentShow,
	"agent update":              adminAgentUpdate,
	"agent deactivate":          adminAgentDeactivate,
	"supply-group create":       adminSupplyGroupCreate,
	"tariff create":             adminTariffCreate,
	"customer create":           adminCustomerCreate,
	"meter create":              adminMeterCreate,
	"meter key-change":          adminMeterKeyChange,
	"meter confirm-key-change":  adminMeterConfirm,
	"meter set-status":          adminMeterSetStatus,
	"agent create":              adminAgentCreate,
	"agent top-up":              adminAgentTopUp,
	"agent api-key issue":       adminAPIKeyIssue,
	"agent api-key revoke":      adminAPIKeyRevoke,
	"institution create":        adminInstitutionCreate,
	"ledger check":              adminLedgerCheck,
	"vend reverse":              adminVendReverse,
	"vend reversed":             adminVendReversed,
	"replies list":              adminRepliesList,
	"replies resend":            adminRepliesResend,
	"service-code create":       adminServiceCodeCreate,
	"service-code list":         adminServiceCodeList,
	"token issue":               adminTokenIssue,
	"token list":                adminTokenList,
	"token revoke":              adminTokenRevoke,
	"operator list":             adminOperatorList,
	"operator show":             adminOperatorShow,
	"operator update":           adminOperatorUpdate,
	"operator deactivate":       adminOperatorDeactivate,
	"operator reactivate":       adminOperatorReactivate,
	"operator unlock":           adminOperatorUnlock,
	"operator reset-password":   adminOperatorResetPassword,
	"operator reset-totp":       adminOperatorResetTOTP,
	"operator sessions":         adminOperatorSessions,
	"operator revoke-sessions":  adminOperatorRevokeSessions,
	"role list":                 adminRoleList,
	"role create":               adminRoleCreate,
	"role update":               adminRoleUpdate,
	"role deactivate":           adminRoleDeactivate,
	"approval list":             adminApprovalList,
	"approval show":             adminApprovalShow,
	"approval approve":          adminApprovalApprove,
	"approval reject":           adminApprovalReject,
	"approval-policy list":      adminApprovalPolicyList,
	"approval-policy set":       adminApprovalPolicySet,
	"agent adjust-float":        adminAgentAdjustFloat,
	"agent set-credit-limit":    adminAgentSetCreditLimit,
	"agent set-commission":      adminAgentSetCommission,
	"department list":           adminDepartmentList,
	"department show":           adminDepartmentShow,
	"department create":         adminDepartmentCreate,
	"department update":         adminDepartmentUpdate,
	"department deactivate":     adminDepartmentDeactivate,
	"hall list":                 adminHallList,
	"hall show":                 adminHallShow,
	"hall create":               adminHallCreate,
	"hall update":               adminHallUpdate,
	"hall deactivate":           adminHallDeactivate,
	"terminal list":             adminTerminalList,
	"terminal show":             adminTerminalShow,
	"terminal create":           adminTerminalCreate,
	"terminal update":           adminTerminalUpdate,
	"terminal deactivate":       adminTerminalDeactivate,
	"terminal issue-key":        adminTerminalIssueKey,
	"tariff change":             adminTariffChange,
	"tariff history":            adminTariffHistory,
	"utility change-parameters": adminUtilityChangeParameters,
	"utility parameter-history": adminUtilityParameterHistory,
	"meter move":                adminMeterMove,
	"meter stock":               adminMeterStock,
	"meter movements":           adminMeterMovements,
	"meter import":              adminMeterImport,
	"meter batches":             adminMeterBatches,
	"meter engineering-token":   adminMeterEngineeringToken,
	"meter tokens":              adminMeterTokens,
	"meter reprint":             adminMeterReprint,
	"contract open":             adminContractOpen,
	"contract close":            adminContractClose,
	"contract list":             adminContractList,
	"contract show":             adminContractShow,
	"debt add":                  adminDebtAdd,
	"debt adjust":               adminDebtAdjust,
	"debt write-off":            adminDebtWriteOff,
	"debt show":                 adminDebtShow,
	"charge-type create":        adminChargeTypeCreate,
	"charge-type list":          adminChargeTypeList,
	"charge-type update":        adminChargeTypeUpdate,
	"charge-type deactivate":    adminChargeTypeDeactivate,
	"charge add":                adminChargeAdd,
	"charge collect":            adminChargeCollect,
	"charge list":               adminChargeList,
	"refund request":            adminRefundRequest,
	"meter exchange":            adminMeterExchange,
	"contract meters":           adminContractMeters,
	"meter exchanges":           adminMeterExchanges,
	"reading record":            adminReadingRecord,
	"reading import":            adminReadingImport,
	"reading list":              adminReadingList,
	"meter consumption":         adminMeterConsumption,
	"reading exceptions":        adminReadingExceptions,
	"reading tamper-suspects":   adminReadingTamperSuspects,
	"tamper report":             adminTamperReport,
	"tamper resolve":            adminTamperResolve,
	"tamper list":               adminTamperList,
	"tamper show":               adminTamperShow,
	"order complete":            adminOrderComplete,
	"order list":                adminOrderList,
	"meter status-history":      adminMeterStatusHistory,
	"agent contract-sign":       adminAgentContractSign,
	"agent contract-cancel":     adminAgentContractCancel,
	"agent contracts":           adminAgentContracts,
	"agent sales-limits":        adminAgentSalesLimits,
	"agent set-sales-limits":    adminAgentSetSalesLimits,
	"commission statement":      adminCommissionStatement,
	"commission run":            adminCommissionRun,
	"commission show":           adminCommissionShow,
	"commission export":         adminCommissionExport,
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
		fmt.Fprintf(&b, "  %-28s %s\n", n, adminCommands[n].summary)
	}
	b.WriteString("vendgate admin OBJECT VERB --help lists a command's flags; every command takes\n" +
		"--config, --data-dir, --database-url and --master-key-file as serve does.\n" +
		"Every command but bootstrap runs as an operator: VENDGATE_OPERATOR and VENDGATE_PASSWORD\n" +
		"(and VENDGATE_TOTP, the current code, once a second factor is enrolled), or VENDGATE_OPS_TOKEN,\n" +
		"an operator API token from vendgate admin token issue.")
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
	for n := 3; n >= 1 && name == ""; n-- {
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
	out, err := adminRun(ctx, cfg, cmd.auth, &adminEnv{environ: environ, stdout: stdout, flags: fs}, stderr, do)
	var ue usageError
	switch {
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "vendgate admin %s: %s\n", name, ue.msg)
		return 2
	case err != nil:
		fmt.Fprintf(stderr, "vendgate admin %s: %s\n", name, adminMessage(err, fs))
		return 1
	}
	if _, done := out.(written); !done {
		raw, _ := json.Marshal(out)
		fmt.Fprintf(stdout, "%s\n", raw)
	}
	if f, ok := out.(interface{ failure() string }); ok && f.failure() != "" {
		fmt.Fprintf(stderr, "vendgate admin %s: %s\n", name, f.failure())
		return 1
	}
	return 0
}

// written is the result of a command that wrote its output itself (an export).
type written struct{}

func adminRun(ctx context.Context, cfg config.Config, auth adminAuth, env *adminEnv, stderr io.Writer, do func(context.Context, *adminEnv) (any, error)) (any, error) {
	db, sealer, notes, err := openStore(ctx, cfg, false)
	if err != nil {
		return nil, startError{err}
	}
	defer db.Close()
	for _, n := range notes {
		fmt.Fprintf(stderr, "vendgate admin: warning: %s: %s\n", n.path, n.msg)
	}
	env.db, env.sealer, env.stderr = db, sealer, stderr
	vendor := env.vendor()
	env.svc = backoffice.New(db, append([]backoffice.Option{backoffice.WithClock(adminClock), backoffice.WithSealer(sealer),
		backoffice.WithReverser(vendor), backoffice.WithTokenIssuer(vendor.Issuer)}, adminOptions...)...)
	if auth != authNone {
		if err := env.signIn(ctx, auth); err != nil {
			return nil, err
		}
	}
	return do(ctx, env)
}

// startError is a failure to open the database: its text is this program's own (configuration,
// master key, connection), and is printed as it is.
type startError struct{ err error }

func (e startError) Error() string { return e.err.Error() }
func (e startError) Unwrap() error { return e.err }

// adminMessage is what an operator reads for a failure: core's message for a refusal, what
// failed for a database that fails, and for errors of the start (configuration, master key,
// database connection) their own text, which this program wrote and which holds no secret.
func adminMessage(err error, fs *flag.FlagSet) string {
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
		return onFlag(fs, e.Field) + e.Message
	case errors.As(err, &e):
		return fmt.Sprintf("%s: %v", e.Message, e.Err)
	case errors.Is(err, core.ErrNotFound):
		return "a record it refers to does not exist"
	case errors.Is(err, core.ErrDuplicate):
		return "it exists already"
	}
	return fmt.Sprintf("the database failed (%v)", err)
}

// onFlag names the flag a refused field came from, with the value given: "--customer 999: ".
// The back office names fields in the API's words (customer_id); a flag drops the _id.
func onFlag(fs *flag.FlagSet, field string) string {
	if fs == nil || field == "" {
		return ""
	}
	name := strings.ReplaceAll(strings.TrimSuffix(field, "_id"), "_", "-")
	f := fs.Lookup(name)
	if f == nil && name != field {
		f = fs.Lookup(strings.ReplaceAll(field, "_", "-"))
	}
	switch {
	case f == nil:
		return ""
	case f.Value.String() == "" || f.Name == "code": // a second-factor code is not repeated

		return "--" + f.Name + ": "
	}
	return "--" + f.Name + " " + f.Value.String() + ": "
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

// gated prints what an action under the approval policy did, as the operator API answers it:
// the result when it ran, the pending approval request when it waits for a second operator.
func gated[T any](r backoffice.Result[T], err error) (any, error) {
	if err != nil {
		return nil, err
	}
	if r.Pending != nil {
		return r.Pending.View(), nil
	}
	return r.Value, nil
}
