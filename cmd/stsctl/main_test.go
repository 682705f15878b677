package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vendgate/vendgate/sts"
)

// Keys of the public vectors (sts/testdata/vectors-public.json).
const (
	dk07 = "e653341f9d5bf36f"                 // DKGA02, STS 531 vectors
	dk11 = "f94b6ed353c3bfdb113e2d3a7ea3c41d" // DKGA04, EA11
)

var (
	dkga02 = []string{"--dkga", "02", "--vk", "abababababababab", "--kt", "2", "--sgc", "123456", "--ti", "01",
		"--krn", "1", "--iin", "600727", "--drn", "00000000000"}
	dkga04 = []string{"--dkga", "04", "--vk", "abababababababab949494949494949401234567", "--kt", "2", "--sgc", "123457",
		"--ti", "01", "--krn", "1", "--pan", "600727000000000009", "--base-date", "1993"}
)

func args(parts ...any) []string {
	var out []string
	for _, p := range parts {
		switch v := p.(type) {
		case string:
			out = append(out, strings.Fields(v)...)
		case []string:
			out = append(out, v...)
		}
	}
	return out
}

func runStsctl(t *testing.T, stdin string, a []string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(a, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

// runJSON runs a command that must succeed and print exactly one JSON object.
func runJSON(t *testing.T, a []string) map[string]any {
	t.Helper()
	code, out, errOut := runStsctl(t, "", append(a, "--json"))
	if code != 0 {
		t.Fatalf("%v: exit %d, stderr %q", a, code, errOut)
	}
	return parseObject(t, out)
}

func parseObject(t *testing.T, s string) map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		t.Fatalf("output %q: %v", s, err)
	}
	if dec.More() {
		t.Fatalf("output %q: more than one JSON value", s)
	}
	return obj
}

// checkFields compares JSON fields by their printed value ("0", "1818662.4", "true").
func checkFields(t *testing.T, obj map[string]any, want map[string]string) {
	t.Helper()
	for k, w := range want {
		if got := fmt.Sprint(obj[k]); got != w {
			t.Errorf("%s: got %s, want %s (object %v)", k, got, w, obj)
		}
	}
}

func tokens(t *testing.T, obj map[string]any) []string {
	t.Helper()
	list, _ := obj["tokens"].([]any)
	var s []string
	for _, v := range list {
		s = append(s, fmt.Sprint(v))
	}
	return s
}

func TestKeygen(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"DKGA02 STS531", args("keygen", dkga02), dk07},
		{"DKGA02 STS531 pan", args("keygen --dkga 02 --vk abababababababab --kt 2 --sgc 123456 --ti 01 --krn 1 --pan 600727000000000009"), dk07},
		{"DKGA04 EA11", args("keygen", dkga04, "--ea 11"), dk11},
		{"DKGA04 EA07", args("keygen", dkga04, "--ea 07"), "aa4baa8749c10d27"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runStsctl(t, "", tc.args)
			if code != 0 || out != tc.want+"\n" {
				t.Fatalf("exit %d, stdout %q, stderr %q; want %s", code, out, errOut, tc.want)
			}
			obj := runJSON(t, tc.args)
			checkFields(t, obj, map[string]string{"decoder_key": tc.want})
		})
	}
}

// TestTokenVectors issues public vectors and decodes them back.
func TestTokenVectors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		issue  []string
		decode []string // KEY flags for decode
		token  string
		fields map[string]string
	}{
		{
			name:   "credit STS531 step5B",
			issue:  args("token credit --dk", dk07, "--ea 07 --subclass 0 --amount 1818662.4 --tid 6472020 --rnd 5"),
			decode: args("--dk", dk07, "--ea 07"),
			token:  "18009632033176370418",
			fields: map[string]string{"kind": "electricity_credit", "class": "0", "subclass": "0", "rnd": "5",
				"tid": "6472020", "value_raw": "65520", "amount": "1818662.4"},
		},
		{
			name:   "credit from derived key",
			issue:  args("token credit", dkga02, "--subclass 0 --amount 1818662.4 --tid 6472020 --rnd 5"),
			decode: dkga02,
			token:  "18009632033176370418",
			fields: map[string]string{"amount": "1818662.4"},
		},
		{
			name:   "set power limit",
			issue:  args("token set-power-limit --dk", dk07, "--watts 1000 --tid 5910301 --rnd 5"),
			decode: args("--dk", dk07),
			token:  "50901894209860263092",
			fields: map[string]string{"kind": "set_power_limit", "class": "2", "subclass": "0", "rnd": "5",
				"tid": "5910301", "value_raw": "1000", "watts": "1000"},
		},
		{
			name:   "test",
			issue:  args("token test --subclass 0 --mfr 0 --control 68719476735"),
			token:  "56493153725450313471",
			fields: map[string]string{"kind": "test_display", "class": "1", "subclass": "0", "manufacturer_code": "0", "control": "68719476735"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			obj := runJSON(t, tc.issue)
			if got := tokens(t, obj); len(got) != 1 || got[0] != tc.token {
				t.Fatalf("tokens %v, want [%s]", got, tc.token)
			}
			checkFields(t, obj, tc.fields)
			// Decode it back, in display form, with the token before the flags.
			disp := strings.Join([]string{tc.token[0:4], tc.token[4:8], tc.token[8:12], tc.token[12:16], tc.token[16:]}, "-")
			dec := runJSON(t, append([]string{"decode", disp}, tc.decode...))
			checkFields(t, dec, tc.fields)
			checkFields(t, dec, map[string]string{"crc_ok": "true"})
		})
	}
}

func TestTokenHumanOutput(t *testing.T) {
	code, out, errOut := runStsctl(t, "", args("token credit --dk", dk07, "--subclass 0 --amount 1818662.4 --tid 6472020 --rnd 5 --base-date 1993"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"1800-9632-0331-7637-0418  18009632033176370418\n", "amount:", "1818662.4", "2005-04-22T11:00:00Z"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestRegisterTokens(t *testing.T) {
	key := args("--dk", dk07, "--rnd 7 --tid 100")
	for _, tc := range []struct {
		kind   string
		flags  string
		fields map[string]string
	}{
		{"set-power-limit", "--watts 16385", map[string]string{"kind": "set_power_limit", "watts": "16384", "watts_requested": "16385"}},
		{"clear-credit", "--register 65535", map[string]string{"kind": "clear_credit", "subclass": "1", "register": "65535"}},
		{"set-tariff-rate", "--rate 1234", map[string]string{"kind": "set_tariff_rate", "rate": "1234"}},
		{"clear-tamper", "", map[string]string{"kind": "clear_tamper", "value_raw": "0"}},
		{"set-phase-unbalance", "--watts 500", map[string]string{"kind": "set_phase_unbalance", "watts": "500"}},
		{"set-water-factor", "--factor 3", map[string]string{"kind": "set_water_factor", "factor": "3"}},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			obj := runJSON(t, args("token", tc.kind, key, tc.flags))
			checkFields(t, obj, tc.fields)
			checkFields(t, obj, map[string]string{"rnd": "7", "tid": "100", "class": "2"})
			dec := runJSON(t, args("decode --dk", dk07, tokens(t, obj)[0]))
			delete(tc.fields, "watts_requested")
			checkFields(t, dec, tc.fields)
		})
	}
}

func TestCreditIssuedAndRandomRND(t *testing.T) {
	// 2005-04-22T11:00Z is TID 6472020 from 1993; the DKGA04 key binds the base date too.
	obj := runJSON(t, args("token credit --dk", dk07, "--subclass 0 --amount 1818662.4 --issued 2005-04-22T13:00:30+02:00 --base-date 1993 --rnd 5"))
	if got := tokens(t, obj); len(got) != 1 || got[0] != "18009632033176370418" {
		t.Fatalf("tokens %v", got)
	}
	checkFields(t, obj, map[string]string{"tid_time": "2005-04-22T11:00:00Z"})
	for range 5 {
		obj := runJSON(t, args("token credit", dkga04, "--ea 11 --subclass 1 --amount 12.5 --tid 9"))
		dec := runJSON(t, args("decode", dkga04, "--ea 11", tokens(t, obj)[0]))
		checkFields(t, dec, map[string]string{"kind": "water_credit", "amount": "12.5", "rnd": fmt.Sprint(obj["rnd"])})
	}
}

// TestCreditAmountZero: a credit token of 0 is valid STS (it was refused: "--amount: must be
// more than 0").
func TestCreditAmountZero(t *testing.T) {
	obj := runJSON(t, args("token credit --dk", dk07, "--subclass 0 --amount 0 --tid 1 --rnd 1"))
	toks := tokens(t, obj)
	if len(toks) != 1 {
		t.Fatalf("tokens %v, want one", toks)
	}
	dec := runJSON(t, args("decode --dk", dk07, toks[0]))
	checkFields(t, dec, map[string]string{"kind": "electricity_credit", "amount": "0.0"})
}

// TestPANFailingCheckDigitDerives: an explicit --pan whose meter number fails its own check digit
// still derives a key (the derivation is defined for any digits), with a warning on stderr; it
// was refused ("--pan: meter number ... fails its check digit").
func TestPANFailingCheckDigitDerives(t *testing.T) {
	const pan = "600727000000000017" // DRN 00000000001: its Luhn digit should be 0
	if _, err := sts.ParsePAN(pan); err == nil {
		t.Fatal("the test PAN passes its checks: pick one that fails")
	}
	keygen := args("keygen --dkga 02 --vk abababababababab --kt 2 --sgc 123456 --ti 01 --krn 1 --pan", pan)
	code, out, errOut := runStsctl(t, "", keygen)
	dk := strings.TrimSpace(out)
	if code != 0 || len(dk) != 16 {
		t.Fatalf("keygen --pan %s: exit %d, stdout %q, stderr %q; want a key", pan, code, out, errOut)
	}
	if !strings.Contains(errOut, "warning") || !strings.Contains(errOut, "check digit") {
		t.Errorf("stderr %q: want a warning about the check digit", errOut)
	}
	if dk == dk07 {
		t.Errorf("the key is the one of PAN 600727000000000009: the digits given were not used")
	}
	// A token made from the derived vending key decodes under the printed decoder key.
	obj := runJSON(t, args("token credit --dkga 02 --vk abababababababab --kt 2 --sgc 123456 --ti 01 --krn 1 --pan", pan,
		"--subclass 0 --amount 10 --tid 1"))
	dec := runJSON(t, args("decode --dk", dk, tokens(t, obj)[0]))
	checkFields(t, dec, map[string]string{"amount": "10.0"})
	// The --iin/--drn path names a meter to register and stays strict.
	if code, _, errOut := runStsctl(t, "", args("keygen --dkga 02 --vk abababababababab --kt 2 --sgc 123456 --ti 01 --krn 1 --iin 600727 --drn 00000000001")); code != 2 || !strings.Contains(errOut, "--drn:") {
		t.Errorf("--drn with a wrong check digit: exit %d, stderr %q; want a usage error", code, errOut)
	}
}

func TestCreditRoundsDown(t *testing.T) {
	obj := runJSON(t, args("token credit --dk", dk07, "--subclass 0 --amount 1818662.5 --tid 1 --rnd 1"))
	checkFields(t, obj, map[string]string{"amount": "1818662.4", "amount_requested": "1818662.5", "value_raw": "65520"})
}

func TestKeyChange(t *testing.T) {
	for _, tc := range []struct {
		name   string
		key    []string
		flags  string
		tokens []string // the public vector, when there is one
		kinds  []string
		fields []map[string]string
	}{
		{
			name:   "64-bit, public vector",
			key:    args("--dk", dk07),
			flags:  "--new-dk 060b8643c59a27f1 --new-krn 1 --new-kt 2 --new-ti 2 --ken 255",
			tokens: []string{"51638423060042734509", "15361891762113502242"},
			kinds:  []string{"key_change_1", "key_change_2"},
			fields: []map[string]string{
				{"kenho": "15", "new_krn": "1", "new_kt": "2", "ro": "false", "nkho": "060b8643"},
				{"kenlo": "15", "new_ti": "2", "nklo": "c59a27f1"},
			},
		},
		{
			name:  "128-bit with rollover",
			key:   args(dkga04, "--ea 11"),
			flags: "--new-dk 00112233445566778899aabbccddeeff --new-krn 2 --new-kt 3 --new-ti 7 --ken 18 --rollover --new-sgc 654321",
			kinds: []string{"key_change_1", "key_change_2", "key_change_3", "key_change_4"},
			fields: []map[string]string{
				{"kenho": "1", "new_krn": "2", "new_kt": "3", "ro": "true", "nkho": "00112233"},
				{"kenlo": "2", "new_ti": "7", "nklo": "ccddeeff"},
				{"sgc_low": fmt.Sprint(654321 & 0xFFF), "nkmo2": "44556677"},
				{"sgc_high": fmt.Sprint(654321 >> 12), "nkmo1": "8899aabb"},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			obj := runJSON(t, args("token key-change", tc.key, tc.flags))
			toks := tokens(t, obj)
			if len(toks) != len(tc.kinds) {
				t.Fatalf("%d tokens, want %d", len(toks), len(tc.kinds))
			}
			if tc.tokens != nil && !equal(toks, tc.tokens) {
				t.Fatalf("tokens %v, want %v", toks, tc.tokens)
			}
			for i, tok := range toks {
				dec := runJSON(t, args("decode", tc.key, tok))
				checkFields(t, dec, map[string]string{"kind": tc.kinds[i], "crc_ok": "true"})
				checkFields(t, dec, tc.fields[i])
			}
		})
	}
}

func equal(a, b []string) bool { return strings.Join(a, ",") == strings.Join(b, ",") }

func TestUsageErrors(t *testing.T) {
	credit := "--subclass 0 --amount 12.5 --tid 1"
	for _, tc := range []struct {
		args []string
		want string // the start of the error, after "stsctl: "
	}{
		{args("token credit", dkga04, credit), "--ea: required"},
		{args("token credit --dk", dk07, "--subclass 0 --amount 12.345 --tid 1"), `--amount: "12.345" has more than one decimal place`},
		{args("token credit --dk", dk07, "--subclass 0 --tid 1"), "--amount: required"},
		{args("token credit --dk", dk07, "--amount 1 --tid 1"), "--subclass: required"},
		{args("token credit --dk", dk07, "--subclass 0 --amount 1"), "--tid: required"},
		{args("token credit --dk", dk07, "--subclass 0 --amount 1 --issued 2026-01-01T00:00:00Z"), "--base-date: required"},
		{args("token credit --dk", dk07, "--subclass 0 --amount 1 --tid 1 --rnd 16"), "--rnd:"},
		{args("token credit --dk", dk07, "--subclass 5 --amount 1 --tid 1"), "--subclass:"},
		{args("token credit --dk", dk07, "--ea 11", credit), "--dk: 8 bytes, but EA11"},
		{args("token credit", credit), "--dk: required"},
		{args("token credit --dkga 02 --vk abababababababab --kt 2 --sgc 12345 --ti 01 --krn 1 --iin 600727 --drn 00000000000", credit), "--sgc:"},
		{args("token credit --dkga 02 --vk abababababababab --kt 2 --ti 01 --krn 1 --iin 600727 --drn 00000000000", credit), "--sgc: required"},
		{args("token credit --dkga 02 --vk abababababababab --kt 2 --sgc 123456 --ti 01 --krn 0 --iin 600727 --drn 00000000000", credit), "--krn:"},
		{args("token credit --dkga 02 --vk abababababababab --kt 2 --sgc 123456 --ti 01 --krn 1 --iin 600727 --drn 00000000001", credit), "--drn:"},
		{args("token credit --dkga 04 --ea 11 --vk abababababababab949494949494949401234567 --kt 2 --sgc 123457 --ti 01 --krn 1 --pan 600727000000000009", credit), "--base-date: required"},
		{args("token clear-credit --dk", dk07, "--register 5 --tid 1"), "--register:"},
		{args("token set-power-limit --dk", dk07, "--watts 1.5 --tid 1"), "--watts:"},
		{args("token key-change --dk", dk07, "--new-dk 00112233445566778899aabbccddeeff --new-krn 1 --new-kt 2 --new-ti 1 --ken 255"), "--new-dk: 16 bytes"},
		{args("token key-change --dk", dk11, "--new-dk 00112233445566778899aabbccddeeff --new-krn 1 --new-kt 2 --new-ti 1 --ken 255"), "--new-sgc: required"},
		{args("token key-change --dk", dk07, "--new-dk 060b8643c59a27f1 --new-krn 1 --new-kt 2 --new-ti 1"), "--ken: required"},
		{args("token key-change --dk", dk07, "--new-dk 060b8643c59a27f1 --new-krn 1 --new-kt 0 --new-ti 1 --ken 1"), "--new-kt:"},
		{args("token test --subclass 0 --mfr 256 --control 1"), "--mfr:"},
		{args("token test --subclass 1 --mfr 1 --control 268435456"), "--control:"},
		{args("token test --dk", dk07, "--subclass 0 --mfr 1 --control 1"), "--dk: unknown flag"},
		{args("token credit --dk", dk07, credit, "--frobnicate"), "--frobnicate: unknown flag"},
		{args("token credit --dk", dk07, credit, "--rnd"), "--rnd: needs a value"},
		{args("token credit --dk", dk07, credit, "surplus"), "unexpected argument"},
		{args("token bogus"), "token: unknown kind"},
		{args("frobnicate"), "unknown command"},
		{nil, "command required"},
		{args("keygen --dk", dk07), "--dkga: required"},
		{args("decode --dk", dk07), "decode: TOKEN required"},
		{args("decode 18009632033176370418"), "--dk: required"},
		{args("meter"), "--dk: required"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, errOut := runStsctl(t, "", tc.args)
			if code != 2 {
				t.Fatalf("exit %d, want 2 (stderr %q)", code, errOut)
			}
			if out != "" {
				t.Errorf("stdout %q, want nothing", out)
			}
			if strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "stsctl: "+tc.want) {
				t.Errorf("stderr %q, want one line starting %q", errOut, "stsctl: "+tc.want)
			}
		})
	}
}

// TestSecretsNotEchoed checks that errors about key flags do not repeat the keys.
func TestSecretsNotEchoed(t *testing.T) {
	const vk = "abababababababab9494949494949494012345"
	for _, a := range [][]string{
		args("keygen --dkga 04 --ea 11 --base-date 1993 --kt 2 --sgc 123457 --ti 01 --krn 1 --pan 600727000000000009 --vk", vk),
		args("keygen --dkga 02 --kt 2 --sgc 123457 --ti 01 --krn 1 --pan 600727000000000009 --vk", vk+"zz"),
		args("token credit --subclass 0 --amount 1 --tid 1 --dk", vk),
		args("token credit --subclass 0 --amount 1 --tid 1 --dk", vk+"q"),
		args("decode 1800963203317637041", vk),
	} {
		code, _, errOut := runStsctl(t, "", a)
		if code == 0 || strings.Contains(errOut, vk[:16]) {
			t.Errorf("%v: exit %d, stderr %q", a, code, errOut)
		}
	}
}

func TestEA09Warns(t *testing.T) {
	code, out, errOut := runStsctl(t, "", args("token credit --dk", dk07, "--ea 09 --subclass 0 --amount 1 --tid 1 --rnd 1 --json"))
	if code != 0 || !strings.Contains(errOut, "EA09") || !strings.Contains(errOut, "unverified") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	parseObject(t, out)
}

func TestDecodeFailures(t *testing.T) {
	for _, tc := range []struct {
		name, token string
		crcOK       string
	}{
		{"mistyped digit", "18009632033176370419", "false"},
		{"reserved class 3", "00000000000402653184", "false"}, // class bits 28..27 set
		{"too short", "1800963203317637041", "false"},
		{"not digits", "1800963203317637041x", "false"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := args("decode --dk", dk07, tc.token)
			code, out, errOut := runStsctl(t, "", a)
			if code != 1 || out != "" || strings.Count(errOut, "\n") != 1 {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit 1, one stderr line", code, out, errOut)
			}
			code, out, _ = runStsctl(t, "", append(a, "--json"))
			if code != 1 {
				t.Fatalf("--json: exit %d", code)
			}
			obj := parseObject(t, out)
			checkFields(t, obj, map[string]string{"crc_ok": tc.crcOK})
			if obj["error"] == nil {
				t.Errorf("no error in %v", obj)
			}
		})
	}
}

// TestDecodeUnknownSubclass decodes a token with a good CRC and a subclass the standard does not
// define: exit 1, with the subclass reported.
func TestDecodeUnknownSubclass(t *testing.T) {
	c, err := sts.NewSTA([]byte{0xe6, 0x53, 0x34, 0x1f, 0x9d, 0x5b, 0xf3, 0x6f})
	if err != nil {
		t.Fatal(err)
	}
	// No payload type makes a reserved subclass: build the block by hand.
	b := uint64(10)<<60 | 1<<32
	b |= uint64(sts.CRC(sts.ClassManagement, b))
	var buf [8]byte
	binary.BigEndian.PutUint64(buf[:], b)
	c.Encrypt(buf[:], buf[:])
	tok := sts.Assemble(sts.ClassManagement, binary.BigEndian.Uint64(buf[:]))
	code, out, errOut := runStsctl(t, "", args("decode --json --dk", dk07, tok.String()))
	if code != 1 || strings.Count(errOut, "\n") != 1 {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	checkFields(t, parseObject(t, out), map[string]string{"class": "2", "subclass": "10", "kind": "class_2_subclass_10", "crc_ok": "true"})
}

func TestMeter(t *testing.T) {
	const credit = "1800 9632 0331 7637 0418"
	code, out, errOut := runStsctl(t, credit+"\nstatus\n18009632033176370418\n", args("meter --dk", dk07))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if lines[0] != "accepted: electricity_credit +1818662.4" {
		t.Errorf("first line %q", lines[0])
	}
	if !strings.HasPrefix(lines[len(lines)-1], "used") {
		t.Errorf("last line %q, want used", lines[len(lines)-1])
	}
	if !strings.Contains(out, "electricity_credit:") || strings.Contains(out, dk07) {
		t.Errorf("status shows no register, or shows the key:\n%s", out)
	}
	if strings.Contains(out, "meter> ") {
		t.Errorf("prompt printed for a non-terminal")
	}
}

func TestMeterJSON(t *testing.T) {
	code, out, _ := runStsctl(t, "18009632033176370418\n50901894209860263092\n18009632033176370418\nquit\n56493153725450313471\n",
		args("meter --json --dk", dk07))
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("got %d lines, want 3 (quit stops):\n%s", len(lines), out)
	}
	want := []map[string]string{
		{"result": "accepted", "ok": "true", "kind": "electricity_credit", "tid": "6472020", "amount": "1818662.4", "balance": "1818662.4"},
		{"result": "accepted", "kind": "set_power_limit", "watts": "1000"},
		{"result": "used", "ok": "false"},
	}
	for i, l := range lines {
		checkFields(t, parseObject(t, l), want[i])
	}
}

func TestMeterState(t *testing.T) {
	path := filepath.Join(t.TempDir(), "meter.json")
	code, out, errOut := runStsctl(t, "18009632033176370418\n", args("meter --state", path, "--dk", dk07))
	if code != 0 || !strings.HasPrefix(out, "accepted") {
		t.Fatalf("first run: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("state file mode %v, want 0600", fi.Mode().Perm())
	}
	// Restored without KEY flags: the credit is remembered and the token is used.
	code, out, _ = runStsctl(t, "18009632033176370418\nstatus\n", args("meter --json --state", path))
	if code != 0 {
		t.Fatalf("second run: exit %d", code)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	checkFields(t, parseObject(t, lines[0]), map[string]string{"result": "used"})
	checkFields(t, parseObject(t, lines[1]), map[string]string{"electricity_credit": "1818662.4", "tid_memory_used": "1"})
	// A key change survives a restart between its sections.
	if code, out, _ = runStsctl(t, "51638423060042734509\n", args("meter --state", path, "--dk", dk07)); code != 0 || !strings.HasPrefix(out, "key_change_pending") {
		t.Fatalf("key change 1: exit %d, %q", code, out)
	}
	if code, out, _ = runStsctl(t, "15361891762113502242\n", args("meter --state", path)); code != 0 || !strings.HasPrefix(out, "accepted") {
		t.Fatalf("key change 2: exit %d, %q", code, out)
	}
	// The state now has the new key: the old one no longer matches.
	code, _, errOut = runStsctl(t, "", args("meter --state", path, "--dk", dk07))
	if code != 2 || !strings.HasPrefix(errOut, "stsctl: --state:") {
		t.Fatalf("mismatched key: exit %d, stderr %q", code, errOut)
	}
	if code, _, _ = runStsctl(t, "", args("meter --state", path, "--dk 060b8643c59a27f1")); code != 0 {
		t.Fatalf("matching key: exit %d", code)
	}
}
