package backoffice

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"net/url"
	"time"

	"github.com/vendgate/vendgate/core"
)

// TOTP (RFC 6238): HMAC-SHA1 over the count of 30-second steps since the Unix epoch, truncated
// to 6 digits (RFC 4226 §5.3), as every authenticator app computes it.
const (
	totpStep   = 30 * time.Second
	totpDigits = 6
	// totpSkew is how many steps before and after now a code is accepted: a phone's clock drifts.
	totpSkew = 1
)

var totpEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// newTOTPSecret returns a new 160-bit secret, base32 as authenticator apps take it.
func newTOTPSecret() (string, error) {
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		return "", core.Internal(err, "reading random bytes")
	}
	return totpEncoding.EncodeToString(b), nil
}

// TOTPCode returns the code an authenticator app shows at t for a base32 secret, as a sign-in
// checks it (the CLI's and the tests' authenticator).
func TOTPCode(secretB32 string, t time.Time) (string, error) {
	secret, err := totpEncoding.DecodeString(secretB32)
	if err != nil {
		return "", core.Errorf(core.CodeInvalid, ReasonBadTOTPCode, "the second-factor secret is not base32").OnField("secret")
	}
	return hotp(secret, uint64(t.Unix()/int64(totpStep/time.Second))), nil
}

func hotp(secret []byte, counter uint64) string {
	m := hmac.New(sha1.New, secret)
	var c [8]byte
	binary.BigEndian.PutUint64(c[:], counter)
	m.Write(c[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	v := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%0*d", totpDigits, v%1_000_000)
}

// checkTOTP reports whether code is the secret's code at now, give or take totpSkew steps, and
// the step it matched (so that a code is not accepted twice).
func checkTOTP(secretB32, code string, now time.Time) (step int64, ok bool) {
	secret, err := totpEncoding.DecodeString(secretB32)
	if err != nil || len(code) != totpDigits {
		return 0, false
	}
	base := now.Unix() / int64(totpStep/time.Second)
	for d := int64(-totpSkew); d <= totpSkew; d++ {
		if subtle.ConstantTimeCompare([]byte(hotp(secret, uint64(base+d))), []byte(code)) == 1 {
			return base + d, true
		}
	}
	return 0, false
}

// totpURI is the otpauth:// URI an authenticator app scans (as a QR code) to enrol the secret.
func totpURI(issuer, account, secretB32 string) string {
	label := url.PathEscape(issuer + ":" + account)
	q := url.Values{"secret": {secretB32}, "issuer": {issuer}, "algorithm": {"SHA1"}, "digits": {"6"}, "period": {"30"}}
	return "otpauth://totp/" + label + "?" + q.Encode()
}
