package backoffice

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"

	"github.com/vendgate/vendgate/core"
)

// argon2id parameters (RFC 9106's second recommended option: 64 MiB, 3 passes), kept in each
// hash's PHC string so that they can be raised without invalidating stored hashes.
const (
	argonTime    = 3
	argonMemory  = 64 * 1024 // KiB
	argonThreads = 2
	argonKeyLen  = 32
	argonSaltLen = 16
)

// MinPasswordLength is the shortest password an operator may set.
const MinPasswordLength = 12

// argonCost is argon2id's time and memory cost.
type argonCost struct {
	time   uint32
	memory uint32 // KiB
}

var defaultArgonCost = argonCost{argonTime, argonMemory}

// hashPassword returns the argon2id hash of password in the PHC string format.
func hashPassword(password string) (string, error) { return defaultArgonCost.hash(password) }

// hash returns the argon2id hash of password at this cost, in the PHC string format.
func (c argonCost) hash(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", core.Internal(err, "reading random bytes")
	}
	key := argon2.IDKey([]byte(password), salt, c.time, c.memory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, c.memory, c.time, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// checkPassword reports whether password matches a PHC argon2id hash, in constant time.
func checkPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	var memory, time uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &time, &threads); err != nil || memory == 0 || time == 0 || threads == 0 {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, time, memory, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// checkNewPassword refuses a password that is too short or that is the username.
func checkNewPassword(username, password string) error {
	switch {
	case len([]rune(password)) < MinPasswordLength:
		return core.Errorf(core.CodeInvalid, ReasonWeakPassword, "a password needs at least %d characters", MinPasswordLength).OnField("password")
	case strings.EqualFold(password, username):
		return core.Errorf(core.CodeInvalid, ReasonWeakPassword, "a password must not be the username").OnField("password")
	}
	return nil
}

// randomSecret returns n random bytes as unpadded base32 (no 0, 1, 8, 9: easy to read aloud), for
// one-time passwords.
func randomPassword() (string, error) {
	const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		return "", core.Internal(err, "reading random bytes")
	}
	out := make([]byte, len(b))
	for i, c := range b {
		out[i] = alphabet[int(c)%len(alphabet)]
	}
	return string(out), nil
}
