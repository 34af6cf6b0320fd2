package sqlstore

import (
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
)

func (postgresDialect) isUnique(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == "23505"
}

// isBusy: serialization failures and deadlocks are worth one more try.
func (postgresDialect) isBusy(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && (e.Code == "40001" || e.Code == "40P01")
}

// isBadInput: 22021 is invalid byte sequence for encoding (bad UTF-8 or a
// NUL byte in text); 22P02 and 22003 are malformed or out-of-range numbers.
func (postgresDialect) isBadInput(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && (e.Code == "22021" || e.Code == "22P02" || e.Code == "22003")
}
