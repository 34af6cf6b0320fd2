package sqlstore

import (
	"strconv"
	"strings"
	"sync"
)

// dialect isolates what differs between SQLite and PostgreSQL. Everything
// else is one SQL text written with ? placeholders.
type dialect interface {
	name() string
	rebind(q string) string
	// searchMatch returns a WHERE fragment (with one ? for the query) that
	// selects activities a. matching the search terms, and the argument.
	searchMatch(terms []string) (string, any)
	isUnique(err error) bool
	isBusy(err error) bool
	// isBadInput reports a value the engine refuses to store as text.
	isBadInput(err error) bool
	// forUpdate is the row-lock suffix of a SELECT in a write transaction.
	forUpdate() string
}

type sqliteDialect struct{}

func (sqliteDialect) name() string           { return "sqlite" }
func (sqliteDialect) rebind(q string) string { return q }

// searchMatch on SQLite: the FTS5 table over search_text.
//
//	a.id IN (SELECT rowid FROM activity_fts WHERE activity_fts MATCH '"文化" "化馆"')
func (sqliteDialect) searchMatch(terms []string) (string, any) {
	q := make([]string, len(terms))
	for i, t := range terms {
		q[i] = `"` + strings.ReplaceAll(t, `"`, `""`) + `"`
	}
	return "a.id IN (SELECT rowid FROM activity_fts WHERE activity_fts MATCH ?)", strings.Join(q, " ")
}

// forUpdate on SQLite is empty: write transactions begin IMMEDIATE
// (_txlock=immediate), so the whole database is already locked.
//
//	SELECT seats_left FROM activities WHERE id = ?
func (sqliteDialect) forUpdate() string { return "" }

type postgresDialect struct{}

// forUpdate on PostgreSQL locks the rows read until the transaction ends.
//
//	SELECT seats_left FROM activities WHERE id = $1 FOR UPDATE
func (postgresDialect) forUpdate() string { return " FOR UPDATE" }

func (postgresDialect) name() string { return "postgres" }

var rebindCache sync.Map

// rebind turns ? placeholders into $1, $2, ... The SQL in this package has
// no ? inside string literals, so a plain scan is enough.
func (postgresDialect) rebind(q string) string {
	if v, ok := rebindCache.Load(q); ok {
		return v.(string)
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	out := b.String()
	rebindCache.Store(q, out)
	return out
}

// searchMatch on PostgreSQL: a GIN index on the 'simple' tsvector.
//
//	to_tsvector('simple', a.search_text) @@ to_tsquery('simple', '文化 & 化馆')
func (postgresDialect) searchMatch(terms []string) (string, any) {
	q := make([]string, len(terms))
	for i, t := range terms {
		q[i] = "'" + strings.ReplaceAll(t, "'", "''") + "'"
	}
	return "to_tsvector('simple', a.search_text) @@ to_tsquery('simple', ?)", strings.Join(q, " & ")
}

// durableCommitSQL returns the statement that makes a write transaction's
// COMMIT wait for the disk, or "" when the connection already does.
//
//	SQLite:     "" (synchronous=FULL is in the DSN of the writer)
//	PostgreSQL: SET LOCAL synchronous_commit TO on (a role or server may default it to off)
func durableCommitSQL(d dialect) string {
	if d.name() == "postgres" {
		return "SET LOCAL synchronous_commit TO on"
	}
	return ""
}
