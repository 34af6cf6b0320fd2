package sqlstore

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/wenyun/wenyun/internal/culture"
)

// Argon2id parameters for new hashes: OWASP's first recommended
// configuration (Password Storage Cheat Sheet): 19 MiB of memory, two passes,
// one lane. It costs about 20–40 ms per hash here, which keeps sign-in and
// the test suite quick while staying memory-hard; the heavier RFC 9106
// choice (m=64 MiB) would cost each concurrent sign-in three times the
// memory. Stored hashes carry their own parameters, so raising these later
// leaves old hashes verifiable.
const (
	passwordMemory  = 19 * 1024 // KiB
	passwordTime    = 2
	passwordThreads = 1
	passwordSaltLen = 16
	passwordKeyLen  = 32

	passwordMinLen = 8
	passwordMaxLen = 128
)

// passwordSlots bounds concurrent hashing, so that a burst of sign-ins costs
// at most GOMAXPROCS × 19 MiB instead of growing with the burst.
var passwordSlots = make(chan struct{}, runtime.GOMAXPROCS(0))

// validatePassword checks a new staff password's length in characters.
func validatePassword(password string) error {
	n := utf8.RuneCountInString(password)
	if n < passwordMinLen || n > passwordMaxLen {
		return culture.Invalid("password", fmt.Sprintf("密码长度应在 %d 到 %d 个字符之间。", passwordMinLen, passwordMaxLen))
	}
	return nil
}

// hashPassword returns the argon2id hash of password in PHC string format:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash> (unpadded standard base64).
func hashPassword(password string) (string, error) {
	salt := make([]byte, passwordSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := passwordKey(password, salt, passwordTime, passwordMemory, passwordThreads, passwordKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		passwordMemory, passwordTime, passwordThreads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// verifyPassword reports whether password matches the PHC-format hash,
// comparing in constant time. A malformed hash is an error.
func verifyPassword(hash, password string) (bool, error) {
	p, err := parsePasswordHash(hash)
	if err != nil {
		return false, err
	}
	key := passwordKey(password, p.salt, p.time, p.memory, p.threads, uint32(len(p.key)))
	return subtle.ConstantTimeCompare(key, p.key) == 1, nil
}

func passwordKey(password string, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte {
	passwordSlots <- struct{}{}
	defer func() { <-passwordSlots }()
	return argon2.IDKey([]byte(password), salt, time, memory, threads, keyLen)
}

// passwordHash is a parsed PHC string.
type passwordHash struct {
	memory, time uint32
	threads      uint8
	salt, key    []byte
}

var errPasswordHash = errors.New("malformed password hash")

func parsePasswordHash(hash string) (*passwordHash, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return nil, errPasswordHash
	}
	var p passwordHash
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.memory, &p.time, &p.threads); err != nil {
		return nil, fmt.Errorf("%w: %v", errPasswordHash, err)
	}
	var err1, err2 error
	p.salt, err1 = base64.RawStdEncoding.DecodeString(parts[4])
	p.key, err2 = base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(p.key) == 0 || p.time == 0 || p.threads == 0 {
		return nil, errPasswordHash
	}
	return &p, nil
}

// dummyPasswordHash is verified against when a username is unknown, so that
// a wrong username costs as much time as a wrong password.
var dummyPasswordHash = sync.OnceValue(func() string {
	h, err := hashPassword(rand.Text())
	if err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return h
})
