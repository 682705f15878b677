// Command stsctl is Vendgate's offline STS token tool. It derives decoder keys, issues and decodes
// 20-digit STS tokens (IEC 62055-41: credit, class 1 test and class 2 management tokens, key
// changes), and runs a virtual keypad meter to try tokens on, all without a network or a server.
//
// Usage:
//
//	stsctl keygen  KEY
//	stsctl token credit KEY --subclass 0..4 --amount UNITS (--tid MINUTES | --issued RFC3339) [--rnd N]
//	stsctl token set-power-limit|clear-credit|set-tariff-rate|clear-tamper|set-phase-unbalance|set-water-factor KEY ...
//	stsctl token key-change KEY --new-dk HEX --new-krn N --new-kt N --new-ti NN --ken N [--rollover] [--new-sgc NNNNNN]
//	stsctl token test --subclass 0|1 --mfr CODE --control N
//	stsctl decode [KEY] TOKEN
//	stsctl meter [--state FILE] [KEY]
//
// KEY is --dk HEX, or --dkga 02|04 --vk HEX --kt N --sgc NNNNNN --ti NN --krn N with --pan or
// --iin and --drn, plus --ea and --base-date. Run "stsctl help" for the details. Every command
// takes --json to print one JSON object instead of text. Usage errors exit 2, failures exit 1.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

const usage = `stsctl: the offline STS (IEC 62055-41) token tool

  stsctl keygen KEY                          print the decoder key (hex, natural byte order)
  stsctl token credit KEY --subclass 0..4 --amount UNITS (--tid MINUTES | --issued RFC3339) [--rnd N]
  stsctl token set-power-limit     KEY --watts N    (--tid MINUTES | --issued RFC3339) [--rnd N]
  stsctl token clear-credit        KEY --register N (0..4, or 65535 for all) (--tid | --issued) [--rnd N]
  stsctl token set-tariff-rate     KEY --rate N     (--tid | --issued) [--rnd N]
  stsctl token clear-tamper        KEY              (--tid | --issued) [--rnd N]
  stsctl token set-phase-unbalance KEY --watts N    (--tid | --issued) [--rnd N]
  stsctl token set-water-factor    KEY --factor N   (--tid | --issued) [--rnd N]
  stsctl token key-change KEY --new-dk HEX --new-krn N --new-kt N --new-ti NN --ken N [--rollover] [--new-sgc NNNNNN]
  stsctl token test --subclass 0|1 --mfr CODE --control N
  stsctl decode [KEY] TOKEN                  (a class 1 token needs no KEY)
  stsctl meter [--state FILE] [--ken N] [--mfr CODE] KEY
                                             a virtual keypad meter reading tokens from stdin

KEY: --dk HEX
   | --dkga 02|04 --vk HEX --kt N --sgc NNNNNN --ti NN --krn N (--pan 18DIGITS | --iin 600727|0000 --drn DIGITS)
  with --ea 07|09|11 (default 07 for 8-byte keys, 11 for 16-byte keys; required with --dkga 04)
  and --base-date 1993|2014|2035 (required with --dkga 04 and with --issued).

--amount is in units (kWh for electricity) with at most one decimal place, rounded down to what a
token can carry; --watts likewise. --rnd defaults to a random 0..15. --json prints one JSON object.
`

// env is where a command reads and writes.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

// run runs stsctl with its arguments and returns the exit status: 0, 1 for a failure (a token that
// does not decode, an I/O error), 2 for a usage error.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	err := dispatch(args, e)
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errHelp):
		fmt.Fprint(stdout, usage)
		return 0
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, "stsctl: "+ue.msg)
		return 2
	}
	fmt.Fprintln(stderr, "stsctl: "+trimSTS(err.Error()))
	return 1
}

func dispatch(args []string, e *env) error {
	if len(args) == 0 {
		return usagef("command required: keygen, token, decode or meter (stsctl help)")
	}
	switch args[0] {
	case "keygen":
		return cmdKeygen(args[1:], e)
	case "token":
		return cmdToken(args[1:], e)
	case "decode":
		return cmdDecode(args[1:], e)
	case "meter":
		return cmdMeter(args[1:], e)
	case "help", "-h", "-help", "--help":
		return errHelp
	}
	return usagef("unknown command %q (keygen, token, decode, meter)", args[0])
}

// cmdKeygen prints the decoder key a vending key and meter parameters give.
func cmdKeygen(args []string, e *env) error {
	fs := newFlagSet()
	var kf keyFlags
	kf.register(fs)
	jsonOut := fs.Bool("json", false, "")
	if _, err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	if kf.dkga == "" {
		return usagef("--dkga: required (keygen derives the decoder key from a vending key)")
	}
	k, err := kf.build(e.stderr)
	if err != nil {
		return err
	}
	if !*jsonOut {
		_, err := fmt.Fprintf(e.stdout, "%x\n", k.key)
		return err
	}
	return writeRecord(e.stdout, true, record{
		{"decoder_key", fmt.Sprintf("%x", k.key)}, {"dkga", k.dkga.String()}, {"ea", k.ea.String()},
	})
}

// usageError is a mistake in the command line: exit status 2.
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

// flagError is a usage error about a flag's value, from an sts error.
func flagError(name string, err error) error {
	return usagef("--%s: %s", name, trimSTS(err.Error()))
}

func trimSTS(s string) string { return strings.TrimPrefix(s, "sts: ") }

var errHelp = errors.New("help requested")

func newFlagSet() *flag.FlagSet {
	fs := flag.NewFlagSet("stsctl", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parseFlags parses args into fs, allowing flags before and after positional arguments, and
// returns the positional arguments. More than maxPos of them is a usage error.
func parseFlags(fs *flag.FlagSet, args []string, maxPos int) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, flagParseError(err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	if len(pos) > maxPos {
		// The argument is not echoed: it may be a key typed without its flag.
		return nil, usagef("unexpected argument %d (flags start with --)", maxPos+1)
	}
	return pos, nil
}

// flagParseError rewrites an error of the flag package as one line naming the flag.
func flagParseError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return errHelp
	}
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		return usagef("--%s: unknown flag", name)
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: -"); ok {
		return usagef("--%s: needs a value", name)
	}
	if what, rest, ok := strings.Cut(msg, " for -"); ok {
		name, _, _ := strings.Cut(rest, ":")
		return usagef("--%s: %s", name, what)
	}
	return usageError{msg}
}

// field is one named value of a command's output.
type field struct {
	key string
	val any
}

// record is a command's output: a JSON object with its keys in order, or "key: value" lines.
type record []field

// writeRecord prints r as one JSON object on a line, or as aligned "key: value" lines.
func writeRecord(w io.Writer, asJSON bool, r record) error {
	var b strings.Builder
	if asJSON {
		b.WriteByte('{')
		for i, f := range r {
			k, _ := json.Marshal(f.key)
			v, err := json.Marshal(f.val)
			if err != nil {
				return err
			}
			if i > 0 {
				b.WriteByte(',')
			}
			b.Write(k)
			b.WriteByte(':')
			b.Write(v)
		}
		b.WriteString("}\n")
	} else {
		width := 0
		for _, f := range r {
			width = max(width, len(f.key))
		}
		for _, f := range r {
			fmt.Fprintf(&b, "%-*s %v\n", width+1, f.key+":", f.val)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
