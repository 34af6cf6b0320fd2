package sqlstore

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
)

// benchChunk is how many rows one INSERT of BenchResidents carries: well
// under the bound on bound parameters of both engines.
const benchChunk = 500

// BenchResidents creates n resident accounts with one API token each, in
// one transaction, for load tests (wenyun bench grab, the crash test). The
// phones are phonePrefix followed by a zero-padded index to 11 digits; the
// tokens are made and stored (hashed) as CreateToken does. It returns the
// account ids and the tokens, index by index.
func (s *Store) BenchResidents(ctx context.Context, n int, phonePrefix string) (ids []int64, tokens []string, err error) {
	defer wrapStoreCall(&err, "BenchResidents(%d, %q)", n, phonePrefix)
	width := 11 - len(phonePrefix)
	if n <= 0 || width <= 0 || n > pow10(width) {
		return nil, nil, fmt.Errorf("cannot make %d 11-digit phones after %q", n, phonePrefix)
	}
	phones := make([]string, n)
	for i := range phones {
		phones[i] = fmt.Sprintf("%s%0*d", phonePrefix, width, i)
	}
	tokens, err = benchTokens(n)
	if err != nil {
		return nil, nil, err
	}
	err = s.update(ctx, func(tx *Tx) error {
		var err error
		ids, err = benchInsert(ctx, tx, phones, tokens)
		return err
	})
	return ids, tokens, err
}

func pow10(n int) int {
	p := 1
	for ; n > 0 && p < 1<<40; n-- {
		p *= 10
	}
	return p
}

// benchTokens makes n bearer tokens of the form CreateToken issues.
func benchTokens(n int) ([]string, error) {
	raw := make([]byte, 32*n)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	tokens := make([]string, n)
	for i := range tokens {
		tokens[i] = apiTokenPrefix + base64.RawURLEncoding.EncodeToString(raw[32*i:32*i+32])
	}
	return tokens, nil
}

func benchInsert(ctx context.Context, tx *Tx, phones, tokens []string) ([]int64, error) {
	ids := make([]int64, 0, len(phones))
	for lo := 0; lo < len(phones); lo += benchChunk {
		hi := min(lo+benchChunk, len(phones))
		chunk, err := benchAccounts(ctx, tx, phones[lo:hi])
		if err != nil {
			return nil, err
		}
		if err := benchTokenRows(ctx, tx, chunk, tokens[lo:hi]); err != nil {
			return nil, err
		}
		ids = append(ids, chunk...)
	}
	return ids, nil
}

// benchAccounts inserts residents with the phones and returns their ids in
// the order of phones.
func benchAccounts(ctx context.Context, tx *Tx, phones []string) ([]int64, error) {
	args := make([]any, 0, 2*len(phones))
	for _, p := range phones {
		args = append(args, p, tx.nowUnix())
	}
	q := `INSERT INTO accounts (phone, created_at) VALUES ` + benchRows(len(phones), "(?, ?)")
	if _, err := tx.exec(ctx, q, args...); err != nil {
		return nil, err
	}
	byPhone := make(map[string]int64, len(phones))
	for i := range phones {
		args[i] = phones[i]
	}
	rows, err := tx.query(ctx, `SELECT id, phone FROM accounts WHERE phone IN (`+
		bookingMarks(len(phones))+`)`, args[:len(phones)]...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var phone string
		if err := rows.Scan(&id, &phone); err != nil {
			return nil, err
		}
		byPhone[phone] = id
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	ids := make([]int64, len(phones))
	for i, p := range phones {
		ids[i] = byPhone[p]
	}
	return ids, nil
}

// benchTokenRows stores one 90-day API token per account.
func benchTokenRows(ctx context.Context, tx *Tx, ids []int64, tokens []string) error {
	args := make([]any, 0, 4*len(ids))
	expires := unix(tx.now.Add(apiTokenTTL))
	for i, id := range ids {
		args = append(args, authHash(tokens[i]), id, tx.nowUnix(), expires)
	}
	_, err := tx.exec(ctx, `INSERT INTO api_tokens (token_hash, account_id, name, created_at, expires_at)
		VALUES `+benchRows(len(ids), "(?, ?, 'bench', ?, ?)"), args...)
	return err
}

func benchRows(n int, row string) string {
	return strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
}
