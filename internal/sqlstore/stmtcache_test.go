package sqlstore

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
)

// After close, a miss noted by a transaction still running, or one that
// ends after the close, prepares nothing: the statement would never be
// closed.
func TestStmtCacheClosedPreparesNothing(t *testing.T) {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c := newStmtCache(db)
	q := `SELECT 1`
	c.get(q) // missed before the close
	c.close()
	c.get(`SELECT 2`) // and after it
	c.prepareMissed(context.Background())
	if st := c.get(q); st != nil || len(c.m) != 0 {
		t.Errorf("after close: %d statements cached", len(c.m))
	}
}
