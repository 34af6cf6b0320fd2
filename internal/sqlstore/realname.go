package sqlstore

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/wenyun/wenyun/internal/culture"
)

// idKeys encrypt resident ID numbers (AES-256-GCM) and hash them
// (HMAC-SHA256) for the one-booking-per-ID index. Both keys derive from
// one 32-byte secret, so the hash reveals nothing without it.
type idKeys struct {
	aead cipher.AEAD
	mac  []byte
}

func newIDKeys(secret []byte) (*idKeys, error) {
	if len(secret) != 32 {
		return nil, fmt.Errorf("secret key: want 32 bytes (64 hex digits), got %d", len(secret))
	}
	block, err := aes.NewCipher(derive(secret, "wenyun id encryption"))
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &idKeys{aead: aead, mac: derive(secret, "wenyun id hash")}, nil
}

func derive(secret []byte, purpose string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(purpose))
	return m.Sum(nil)
}

// hash returns the hex HMAC of a normalised ID number.
func (k *idKeys) hash(id string) string {
	m := hmac.New(sha256.New, k.mac)
	m.Write([]byte(id))
	return hex.EncodeToString(m.Sum(nil))
}

// seal encrypts an ID number: base64 of nonce followed by the ciphertext.
func (k *idKeys) seal(id string) (string, error) {
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(k.aead.Seal(nonce, nonce, []byte(id), nil)), nil
}

func (k *idKeys) open(s string) (string, error) {
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(raw) < k.aead.NonceSize() {
		return "", errors.New("id cipher: malformed")
	}
	n := k.aead.NonceSize()
	plain, err := k.aead.Open(nil, raw[:n], raw[n:], nil)
	return string(plain), err
}

// loadIDKey loads the ID key kept in the settings table, creating a random
// one on first start. ON CONFLICT keeps the first of several processes
// starting at once, and every process reads that one back.
func (s *Store) loadIDKey(ctx context.Context) error {
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return err
	}
	var stored string
	err := s.update(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `INSERT INTO settings (name, value) VALUES ('id_key', ?)
			ON CONFLICT (name) DO NOTHING`, hex.EncodeToString(fresh))
		if err != nil {
			return err
		}
		return tx.queryRow(ctx, `SELECT value FROM settings WHERE name = 'id_key'`).Scan(&stored)
	})
	if err != nil {
		return fmt.Errorf("load id key: %w", err)
	}
	return s.SetSecretKey(stored)
}

// SetSecretKey sets the key (64 hex digits) that encrypts and hashes
// resident ID numbers, replacing the one kept in the database. Call it at
// start, before serving; every process must use the same key.
func (s *Store) SetSecretKey(hexKey string) error {
	secret, err := hex.DecodeString(hexKey)
	if err != nil {
		return errors.New("secret key: want 64 hex digits")
	}
	keys, err := newIDKeys(secret)
	if err != nil {
		return err
	}
	s.grab.keys = keys
	return nil
}

// DecryptIDNumber decrypts a stored id_cipher, for staff tools and tests.
func (s *Store) DecryptIDNumber(cipherText string) (string, error) {
	return s.grab.keys.open(cipherText)
}

// normalizeID trims an ID number and upper-cases its check character.
func normalizeID(id string) string { return strings.ToUpper(strings.TrimSpace(id)) }

// checkRealNames checks the names and ID numbers of a real-name booking:
// one per attendee, valid check digits, no ID twice, and none already
// holding a booking of the activity.
func checkRealNames(ctx context.Context, tx *Tx, act *culture.Activity, req *culture.BookingRequest) error {
	if !act.RealName {
		return nil
	}
	if len(req.RealNames) != req.Seats() {
		return culture.ErrRealNames
	}
	seen := map[string]bool{}
	for _, rn := range req.RealNames {
		id := normalizeID(rn.IDNumber)
		if n := utf8.RuneCountInString(strings.TrimSpace(rn.Name)); n < 1 || n > 30 {
			return culture.Invalid("real_names", "请填写参加人姓名（最多 30 个字）。")
		}
		if !culture.ValidIDNumber(id) {
			return culture.ErrBadID
		}
		if seen[id] {
			return culture.ErrIDTaken
		}
		seen[id] = true
		if taken, err := idClaimed(ctx, tx, act.ID, tx.grab.keys.hash(id)); err != nil || taken {
			return errors.Join(err, takenErr(taken))
		}
	}
	return nil
}

func takenErr(taken bool) error {
	if taken {
		return culture.ErrIDTaken
	}
	return nil
}

func idClaimed(ctx context.Context, tx *Tx, activityID int64, hash string) (bool, error) {
	var one int
	err := tx.queryRow(ctx, `SELECT 1 FROM realname_claims WHERE activity_id = ? AND id_hash = ?`,
		activityID, hash).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// saveRealNames stores the real names of a new booking's attendees (in
// attendee order) with their IDs encrypted, hashed and masked, and claims
// each ID for the activity. A concurrent claim of the same ID fails the
// primary key: the caller retries and then sees the claim.
func saveRealNames(ctx context.Context, tx *Tx, act *culture.Activity, bookingID int64, names []culture.RealName) error {
	if !act.RealName {
		return nil
	}
	ids, err := attendeeRowIDs(ctx, tx, bookingID)
	if err != nil {
		return err
	}
	for i, rn := range names {
		if i >= len(ids) {
			break
		}
		if err := saveRealName(ctx, tx, act.ID, bookingID, ids[i], rn); err != nil {
			return err
		}
	}
	return nil
}

func saveRealName(ctx context.Context, tx *Tx, activityID, bookingID, rowID int64, rn culture.RealName) error {
	id := normalizeID(rn.IDNumber)
	sealed, err := tx.grab.keys.seal(id)
	if err != nil {
		return err
	}
	hash := tx.grab.keys.hash(id)
	_, err = tx.exec(ctx, `UPDATE booking_attendees SET name = ?, id_hash = ?, id_cipher = ?, id_masked = ?
		WHERE id = ?`, strings.TrimSpace(rn.Name), hash, sealed, culture.MaskID(id), rowID)
	if err != nil {
		return err
	}
	_, err = tx.exec(ctx, `INSERT INTO realname_claims (activity_id, id_hash, booking_id) VALUES (?, ?, ?)`,
		activityID, hash, bookingID)
	return err
}

func attendeeRowIDs(ctx context.Context, tx *Tx, bookingID int64) ([]int64, error) {
	return tx.queryIDs(ctx, `SELECT id FROM booking_attendees WHERE booking_id = ? ORDER BY id`, bookingID)
}

// releaseClaims frees the IDs a booking held, when it stops being active.
func releaseClaims(ctx context.Context, tx *Tx, bookingID int64) error {
	_, err := tx.exec(ctx, `DELETE FROM realname_claims WHERE booking_id = ?`, bookingID)
	return err
}
