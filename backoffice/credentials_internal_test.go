package backoffice

import (
	"encoding/base32"
	"strings"
	"testing"
	"time"
)

// TestTOTPRFC6238 checks the codes against RFC 6238 Appendix B's SHA-1 vectors (secret
// "12345678901234567890"), whose 8-digit codes end in the 6 digits an app shows.
func TestTOTPRFC6238(t *testing.T) {
	secret := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString([]byte("12345678901234567890"))
	for _, v := range []struct {
		unix int64
		code string // RFC 6238 Appendix B, SHA1 column
	}{
		{59, "94287082"}, {1111111109, "07081804"}, {1111111111, "14050471"},
		{1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"},
	} {
		got, err := TOTPCode(secret, time.Unix(v.unix, 0))
		if err != nil {
			t.Fatal(err)
		}
		if want := v.code[2:]; got != want {
			t.Errorf("T=%d: got %s, want %s", v.unix, got, want)
		}
		if _, ok := checkTOTP(secret, v.code[2:], time.Unix(v.unix+30, 0)); !ok {
			t.Errorf("T=%d: a code one step old is refused", v.unix)
		}
		if _, ok := checkTOTP(secret, v.code[2:], time.Unix(v.unix+90, 0)); ok {
			t.Errorf("T=%d: a code three steps old is accepted", v.unix)
		}
	}
	if _, ok := checkTOTP(secret, "12345", time.Unix(59, 0)); ok {
		t.Error("a 5-digit code is accepted")
	}
}

func TestPasswordHash(t *testing.T) {
	for _, c := range []argonCost{defaultArgonCost, {time: 1, memory: 64}} {
		h, err := c.hash("correct horse battery staple")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(h, "$argon2id$v=19$") || strings.Contains(h, "correct") {
			t.Errorf("got hash %q", h)
		}
		if !checkPassword(h, "correct horse battery staple") {
			t.Error("the right password is refused")
		}
		if checkPassword(h, "correct horse battery stapler") {
			t.Error("a wrong password is accepted")
		}
		other, _ := c.hash("correct horse battery staple")
		if other == h {
			t.Error("two hashes of one password are equal: the salt is not random")
		}
	}
	for _, bad := range []string{"", "$argon2id$", "$argon2i$v=19$m=64,t=1,p=2$c2FsdA$a2V5", "$argon2id$v=19$m=0,t=1,p=2$c2FsdA$a2V5",
		"$argon2id$v=19$m=64,t=1,p=2$!!$a2V5"} {
		if checkPassword(bad, "x") {
			t.Errorf("the malformed hash %q accepts a password", bad)
		}
	}
}

func TestLockoutBackoff(t *testing.T) {
	for n, want := range map[int]time.Duration{1: 0, 4: 0, 5: 30 * time.Second, 6: time.Minute, 7: 2 * time.Minute,
		11: 32 * time.Minute, 12: time.Hour, 50: time.Hour} {
		if got := lockoutAfter(n); got != want {
			t.Errorf("after %d failures: got %v, want %v", n, got, want)
		}
	}
}

func TestNewPasswordRules(t *testing.T) {
	if err := checkNewPassword("admin", "short"); err == nil {
		t.Error("a short password is accepted")
	}
	if err := checkNewPassword("administrator1", "Administrator1"); err == nil {
		t.Error("the username as password is accepted")
	}
	if err := checkNewPassword("admin", "a long enough passphrase"); err != nil {
		t.Error(err)
	}
}
