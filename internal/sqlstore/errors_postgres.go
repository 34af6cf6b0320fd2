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
