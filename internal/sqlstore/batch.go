package sqlstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/wenyun/wenyun/internal/culture"
)

// BatchResult is the answer to one request of CreateBookings: a booking or
// an error, never both.
type BatchResult struct {
	Booking *culture.Booking
	Err     error
}

// CreateBookings books many requests in one transaction and one COMMIT,
// so one fsync serves them all. Each request runs inside its own SAVEPOINT
// through the same code as CreateBooking: a refusal, or a unique violation
// that on PostgreSQL aborts only to the savepoint, rolls back that request
// alone and the others go on. The answers come back in the order of reqs,
// only after the COMMIT returned; if the transaction itself fails (BEGIN
// or COMMIT), every request gets that error. On PostgreSQL the batch runs
// with synchronous_commit on, and SQLite's writer has synchronous=FULL, so
// an answered booking survives a crash.
func (s *Store) CreateBookings(ctx context.Context, reqs []*culture.BookingRequest) []BatchResult {
	out := make([]BatchResult, len(reqs))
	var valid []int
	for i, req := range reqs {
		if err := req.Validate(); err != nil {
			out[i].Err = batchWrap(req, err)
			continue
		}
		valid = append(valid, i)
	}
	if len(valid) == 0 {
		return out
	}
	var results []BatchResult
	err := s.update(ctx, func(tx *Tx) error {
		results = make([]BatchResult, len(valid)) // update may run fn again
		if q := durableCommitSQL(tx.d); q != "" {
			if _, err := tx.exec(ctx, q); err != nil {
				return err
			}
		}
		for j, i := range valid {
			b, err := batchOne(ctx, tx, reqs[i])
			var fatal *savepointError
			if errors.As(err, &fatal) {
				return err
			}
			results[j] = BatchResult{Booking: b, Err: err}
		}
		return nil
	})
	for j, i := range valid {
		if err != nil {
			out[i] = BatchResult{Err: batchWrap(reqs[i], err)}
			continue
		}
		out[i] = results[j]
		if out[i].Err != nil {
			out[i].Err = batchWrap(reqs[i], out[i].Err)
		}
	}
	return out
}

func batchWrap(req *culture.BookingRequest, err error) error {
	return fmt.Errorf("CreateBookings(activity=%d, account=%d): %w", req.ActivityID, req.AccountID, err)
}

// batchOne books one request of a batch inside a savepoint. Like
// CreateBooking it answers a refusal or a lost race with the booking an
// earlier request with the same idempotency key made (it may have
// committed in another process while this transaction ran), explains a
// unique violation by an active booking as ErrAlreadyBooked, and tries a
// ticket-code collision again. A *savepointError means the transaction
// itself is broken.
func batchOne(ctx context.Context, tx *Tx, req *culture.BookingRequest) (*culture.Booking, error) {
	for attempt := 0; ; attempt++ {
		b, err := inSavepoint(ctx, tx, func() (*culture.Booking, error) { return createBooking(ctx, tx, req) })
		var fatal *savepointError
		switch {
		case err == nil:
			return b, nil
		case errors.As(err, &fatal):
			return nil, err
		case tx.d.isBadInput(err):
			return nil, errBadText
		}
		if prior, err2 := batchReplay(ctx, tx, req, err); prior != nil || err2 != nil {
			return prior, err2
		}
		if !tx.d.isUnique(err) && !tx.d.isBusy(err) || attempt == 2 {
			return nil, err
		}
		if active, err2 := hasActiveBooking(ctx, tx, req.ActivityID, req.AccountID); err2 != nil {
			return nil, &savepointError{err2}
		} else if active {
			return nil, culture.ErrAlreadyBooked
		}
	}
}

// batchReplay is bookingReplay inside the batch transaction: under READ
// COMMITTED each statement sees what other transactions committed.
func batchReplay(ctx context.Context, tx *Tx, req *culture.BookingRequest, cause error) (*culture.Booking, error) {
	if req.IdempotencyKey == "" || (!tx.d.isUnique(cause) && culture.ErrorCode(cause) == culture.EINTERNAL) {
		return nil, nil
	}
	b, err := bookingByKey(ctx, tx, req)
	switch {
	case errors.Is(err, errNoBooking):
		return nil, nil
	case culture.ErrorCode(err) == culture.EINTERNAL:
		return nil, &savepointError{err}
	}
	return b, err
}

// savepointError reports that a savepoint could not be set, released or
// rolled back to, or a statement outside one failed: the transaction is
// broken and the whole batch fails.
type savepointError struct{ err error }

func (e *savepointError) Error() string { return "batch: " + e.err.Error() }
func (e *savepointError) Unwrap() error { return e.err }

// inSavepoint runs fn between SAVEPOINT and RELEASE; when fn fails it rolls
// back to the savepoint, undoing fn's writes only. Both engines take
//
//	SAVEPOINT booking; … RELEASE SAVEPOINT booking
//	SAVEPOINT booking; … ROLLBACK TO SAVEPOINT booking; RELEASE SAVEPOINT booking
func inSavepoint(ctx context.Context, tx *Tx, fn func() (*culture.Booking, error)) (*culture.Booking, error) {
	if _, err := tx.exec(ctx, "SAVEPOINT booking"); err != nil {
		return nil, &savepointError{err}
	}
	b, err := fn()
	if err != nil {
		if _, rbErr := tx.exec(ctx, "ROLLBACK TO SAVEPOINT booking"); rbErr != nil {
			return nil, &savepointError{errors.Join(err, rbErr)}
		}
	}
	if _, relErr := tx.exec(ctx, "RELEASE SAVEPOINT booking"); relErr != nil {
		return nil, &savepointError{relErr}
	}
	return b, err
}

// FindBookingByKey returns the booking the account made with an
// idempotency key, on the read pool; ENOTFOUND when there is none. The
// booking engine uses it to answer a replay without a write transaction.
func (s *Store) FindBookingByKey(ctx context.Context, accountID int64, key string) (b *culture.Booking, err error) {
	defer wrapStoreCall(&err, "FindBookingByKey(account=%d)", accountID)
	err = s.view(ctx, func(tx *Tx) error {
		b, err = bookingWhere(ctx, tx, "b.account_id = ? AND b.idem_key = ?", accountID, key)
		return err
	})
	return b, err
}
