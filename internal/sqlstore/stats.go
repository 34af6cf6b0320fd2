package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

var _ culture.StatsService = (*Store)(nil)

// The rollup (docs/statistics.md): stat_daily holds one row per unit,
// Asia/Shanghai day, metric and dimension; stat_participants the distinct
// (unit, day, account) check-ins behind MetricParticipants, so that
// distinct people can be counted over any range and subtree; stat_rebuild
// the last rebuild. A rebuild deletes both tables and counts them again
// from the raw rows in one transaction.

// dayOf is the Asia/Shanghai day of a stored Unix time, culture.DayOf in
// SQL: the same integer arithmetic on both engines.
func dayOf(col string) string {
	return fmt.Sprintf("(%s + %d) / 86400", col, culture.ShanghaiOffset)
}

// rollupNow is the time a rollup is counted at: activities that ended by
// now are held, deliveries whose start day is today or earlier are due.
type rollupNow struct {
	unix  int64
	today int64
}

func rollupAt(t time.Time) rollupNow {
	return rollupNow{unix: t.Unix(), today: int64(culture.DayOf(t))}
}

// rollupMetric counts one metric. facts selects one row per fact from the
// raw tables, with columns unit_id, day, dim and v; agg folds the facts of
// a (unit, day, dim) into the value. args gives facts' arguments.
type rollupMetric struct {
	metric string
	agg    string
	facts  string
	args   func(rollupNow) []any
}

func noArgs(rollupNow) []any      { return nil }
func heldArgs(n rollupNow) []any  { return []any{n.unix} }
func todayArgs(n rollupNow) []any { return []any{n.today} }

// Facts shared by several metrics.
var (
	// heldActivities: ended by now and not cancelled, on the start day.
	heldActivities = `SELECT a.unit_id, ` + dayOf("a.starts_at") + ` AS day, a.category AS dim, 1 AS v
		FROM activities a WHERE a.status <> 'cancelled' AND a.ends_at <= ?`
	// bookingsOn joins bookings to their activity; callers add the
	// condition. startDay selects the activity's unit and start day;
	// callers add the value.
	bookingsOn = ` FROM bookings b JOIN activities a ON a.id = b.activity_id WHERE `
	startDay   = `SELECT a.unit_id, ` + dayOf("a.starts_at") + ` AS day, '' AS dim, `
	// dueDeliveries: confirmed by the provider, start day come; dim item.
	dueDeliveries = `SELECT d.unit_id, ` + dayOf("d.starts_at") + ` AS day, CAST(d.item_id AS TEXT) AS dim, 1 AS v
		FROM deliveries d WHERE ` + dayOf("d.starts_at") + ` <= ? AND d.status IN `
	// ratedDay selects the activity's unit and the rating's day (callers
	// add the value) of ratingsShown, the visible ratings.
	ratedDay     = `SELECT a.unit_id, ` + dayOf("r.created_at") + ` AS day, '' AS dim, `
	ratingsShown = ` FROM ratings r JOIN activities a ON a.id = r.activity_id WHERE r.hidden = 0`
)

// rollupMetrics lists how each metric is counted, in culture.Metrics order.
// The definitions are those of internal/culture/stats.go.
var rollupMetrics = []rollupMetric{
	{culture.MetricActivities, "COUNT(*)", heldActivities, heldArgs},
	{culture.MetricBookable, "COUNT(*)", heldActivities + ` AND a.mode <> 'open'`, heldArgs},
	// Made on the day of created_at; was_confirmed (set by a trigger,
	// migration 0008) tells a cancelled booking that had been confirmed.
	{culture.MetricBookings, "COUNT(*)", `SELECT a.unit_id, ` + dayOf("b.created_at") + ` AS day, '' AS dim, 1 AS v` +
		bookingsOn + `b.was_confirmed = 1 AND b.status IN ('confirmed', 'checked_in', 'no_show', 'cancelled')`, noArgs},
	{culture.MetricCheckins, "COUNT(*)", startDay + `1 AS v` + bookingsOn + `b.status = 'checked_in'`, noArgs},
	{culture.MetricNoShows, "COUNT(*)", startDay + `1 AS v` + bookingsOn + `b.status = 'no_show'`, noArgs},
	{culture.MetricAttendance, "SUM(f.v)", startDay + `b.seats AS v` + bookingsOn + `b.status = 'checked_in'`, noArgs},
	{culture.MetricParticipants, "COUNT(DISTINCT f.v)", startDay + `b.account_id AS v` + bookingsOn + `b.status = 'checked_in'`, noArgs},
	{culture.MetricSupports, "COUNT(*)", `SELECT s.unit_id, ` + dayOf("s.created_at") + ` AS day, CAST(s.item_id AS TEXT) AS dim, 1 AS v
		FROM menu_supports s`, noArgs},
	{culture.MetricRequests, "COUNT(*)", `SELECT q.unit_id, ` + dayOf("q.created_at") + ` AS day, CAST(q.item_id AS TEXT) AS dim, 1 AS v
		FROM menu_requests q WHERE q.status <> 'withdrawn'`, noArgs},
	{culture.MetricDeliveriesDue, "COUNT(*)", dueDeliveries + `('confirmed', 'published', 'held', 'rated', 'settled')`, todayArgs},
	{culture.MetricDeliveriesHeld, "COUNT(*)", dueDeliveries + `('held', 'rated', 'settled')`, todayArgs},
	{culture.MetricMembers, "COUNT(*)", `SELECT m.unit_id, ` + dayOf("m.joined_at") + ` AS day, '' AS dim, 1 AS v
		FROM community_members m`, noArgs},
	{culture.MetricRatings, "COUNT(*)", ratedDay + `1 AS v` + ratingsShown, noArgs},
	{culture.MetricRatingPoints, "SUM(f.v)", ratedDay + `r.score AS v` + ratingsShown, noArgs},
}

// selectSQL returns the metric's rows: unit_id, day, dim, value.
func (m rollupMetric) selectSQL() string {
	return `SELECT f.unit_id, f.day, f.dim, CAST(` + m.agg + ` AS BIGINT) FROM (` + m.facts + `) f
		GROUP BY f.unit_id, f.day, f.dim`
}

// insertSQL stores the metric's rows. The metric names are constants
// without quotes, so they go in as literals.
func (m rollupMetric) insertSQL() string {
	return `INSERT INTO stat_daily (unit_id, day, metric, dim, value)
		SELECT f.unit_id, f.day, '` + m.metric + `', f.dim, CAST(` + m.agg + ` AS BIGINT) FROM (` + m.facts + `) f
		GROUP BY f.unit_id, f.day, f.dim`
}

// participantFacts are the distinct check-ins behind MetricParticipants.
var participantFacts = `SELECT DISTINCT a.unit_id, ` + dayOf("a.starts_at") + ` AS day, b.account_id` +
	bookingsOn + `b.status = 'checked_in'`

// rollupSteps is the number of steps progress reports: one per metric and
// one for the participants.
var rollupSteps = len(rollupMetrics) + 1

// rollupSnapshot returns the isolation of the rollup's transactions and
// the statement that serialises rebuilds before their snapshot is taken:
//
//	SQLite:     default; none (the writer begins IMMEDIATE: one writer, and
//	            a transaction reads one snapshot)
//	PostgreSQL: REPEATABLE READ; LOCK TABLE stat_rebuild IN EXCLUSIVE MODE
//
// On PostgreSQL the lock comes before any SELECT, so a second rebuild
// waits for the first and then takes its snapshot, which includes the
// first one's rows (LOCK takes no snapshot; see the LOCK documentation).
// Every metric is then counted from that one snapshot.
func rollupSnapshot(d dialect) (sql.IsolationLevel, string) {
	if d.name() == "postgres" {
		return sql.LevelRepeatableRead, "LOCK TABLE stat_rebuild IN EXCLUSIVE MODE"
	}
	return sql.LevelDefault, ""
}

// snapshot runs fn in a transaction that reads one snapshot of the whole
// database: a write transaction (serialised with other rebuilds) unless
// readOnly. SQLite "database is locked" is retried as update does.
func (s *Store) snapshot(ctx context.Context, readOnly bool, fn func(*Tx) error) error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		err = s.snapshotOnce(ctx, readOnly, fn)
		if !s.dialect.isBusy(err) {
			return err
		}
		time.Sleep(time.Duration(50<<attempt) * time.Millisecond)
	}
	return err
}

func (s *Store) snapshotOnce(ctx context.Context, readOnly bool, fn func(*Tx) error) error {
	db := s.write
	if readOnly {
		db = s.read
	}
	level, lock := rollupSnapshot(s.dialect)
	sqlTx, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: level, ReadOnly: readOnly && s.dialect.name() == "postgres"})
	if err != nil {
		return err
	}
	tx := &Tx{tx: sqlTx, d: s.dialect, now: s.Now().UTC().Truncate(time.Second), grab: s.grab, onSends: s.onSends}
	if lock != "" && !readOnly {
		_, err = tx.exec(ctx, lock)
	}
	if err == nil {
		err = fn(tx)
	}
	if err != nil {
		return errors.Join(err, ignoreDone(sqlTx.Rollback()))
	}
	return sqlTx.Commit()
}

// RebuildRollups recounts stat_daily and stat_participants from the raw
// rows and replaces them in one transaction, then records the run.
// Concurrent rebuilds, in this process or others, run one after the other.
func (s *Store) RebuildRollups(ctx context.Context, progress func(done, total int)) (run culture.RollupRun, err error) {
	defer wrapStoreCall(&err, "RebuildRollups")
	err = s.snapshot(ctx, false, func(tx *Tx) error {
		start := time.Now()
		rows, err := rebuildRollups(ctx, tx, progress)
		if err != nil {
			return err
		}
		run = culture.RollupRun{Rows: rows, Took: time.Since(start).Round(time.Millisecond),
			Finished: s.Now().UTC().Truncate(time.Second)}
		_, err = tx.exec(ctx, `UPDATE stat_rebuild SET row_count = ?, took_ms = ?, finished_at = ? WHERE id = 1`,
			run.Rows, run.Took.Milliseconds(), unix(run.Finished))
		return err
	})
	return run, err
}

// rebuildRollups replaces the rollup tables in tx and returns the number
// of stat_daily rows.
func rebuildRollups(ctx context.Context, tx *Tx, progress func(done, total int)) (int, error) {
	if _, err := tx.exec(ctx, `DELETE FROM stat_daily`); err != nil {
		return 0, err
	}
	if _, err := tx.exec(ctx, `DELETE FROM stat_participants`); err != nil {
		return 0, err
	}
	now, rows := rollupAt(tx.now), 0
	for i, m := range rollupMetrics {
		res, err := tx.exec(ctx, m.insertSQL(), m.args(now)...)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", m.metric, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return 0, err
		}
		rows += int(n)
		report(progress, i+1)
	}
	_, err := tx.exec(ctx, `INSERT INTO stat_participants (unit_id, day, account_id) `+participantFacts)
	if err != nil {
		return 0, fmt.Errorf("participants: %w", err)
	}
	report(progress, rollupSteps)
	return rows, nil
}

func report(progress func(done, total int), done int) {
	if progress != nil {
		progress(done, rollupSteps)
	}
}

// RecountRollups counts the raw rows as RebuildRollups does, from one
// snapshot, without storing them; ordered as FindRollups orders.
func (s *Store) RecountRollups(ctx context.Context) (rows []culture.StatRow, err error) {
	defer wrapStoreCall(&err, "RecountRollups")
	err = s.snapshot(ctx, true, func(tx *Tx) error {
		rows, err = recountRollups(ctx, tx)
		return err
	})
	return rows, err
}

func recountRollups(ctx context.Context, tx *Tx) ([]culture.StatRow, error) {
	now, out := rollupAt(tx.now), []culture.StatRow{}
	for _, m := range rollupMetrics {
		rows, err := tx.query(ctx, m.selectSQL(), m.args(now)...)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", m.metric, err)
		}
		got, err := scanAll(rows, func(r rowScanner) (culture.StatRow, error) {
			row := culture.StatRow{Metric: m.metric}
			return row, r.Scan(&row.UnitID, &row.Day, &row.Dim, &row.Value)
		})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", m.metric, err)
		}
		out = append(out, got...)
	}
	SortStatRows(out)
	return out, nil
}

// SortStatRows orders rows by day, unit, metric and dim (bytewise), the
// order of FindRollups. The database's collation may order text otherwise.
func SortStatRows(rows []culture.StatRow) {
	slices.SortFunc(rows, func(a, b culture.StatRow) int {
		return cmp.Or(cmp.Compare(a.Day, b.Day), cmp.Compare(a.UnitID, b.UnitID),
			strings.Compare(a.Metric, b.Metric), strings.Compare(a.Dim, b.Dim))
	})
}

// statRowColumns are stat_daily's columns, as scanStatRow reads them.
const statRowColumns = `d.unit_id, d.day, d.metric, d.dim, d.value`

func scanStatRow(r rowScanner) (culture.StatRow, error) {
	var row culture.StatRow
	var day int64
	err := r.Scan(&row.UnitID, &day, &row.Metric, &row.Dim, &row.Value)
	row.Day = culture.Day(day)
	return row, err
}

// FindRollups returns the stored rows of the units in q.UnitID's subtree
// on days q.From to q.To. ENOTFOUND for no such unit; EINVALID for a
// range culture.CheckRange refuses.
func (s *Store) FindRollups(ctx context.Context, q culture.StatsQuery) (rows []culture.StatRow, err error) {
	defer wrapStoreCall(&err, "FindRollups(unit=%d, %s to %s)", q.UnitID, q.From, q.To)
	if err := culture.CheckRange(q.From, q.To); err != nil {
		return nil, err
	}
	err = s.view(ctx, func(tx *Tx) error {
		u, err := findUnit(ctx, tx, q.UnitID)
		if err != nil {
			return err
		}
		r, err := tx.query(ctx, `SELECT `+statRowColumns+` FROM stat_daily d
			WHERE d.unit_id IN (SELECT u.id FROM units u WHERE u.path LIKE ?) AND d.day BETWEEN ? AND ?`, u.Path+"%", int64(q.From), int64(q.To))
		if err != nil {
			return err
		}
		rows, err = scanAll(r, scanStatRow)
		return err
	})
	if err != nil {
		return nil, err
	}
	SortStatRows(rows)
	return rows, nil
}

// UniqueParticipants counts the distinct accounts checked in at
// activities that started from to to (Asia/Shanghai days) within each
// root's subtree. ENOTFOUND for an unknown root.
func (s *Store) UniqueParticipants(ctx context.Context, roots []int64, from, to culture.Day) (out map[int64]int, err error) {
	defer wrapStoreCall(&err, "UniqueParticipants(%v, %s to %s)", roots, from, to)
	if err := culture.CheckRange(from, to); err != nil {
		return nil, err
	}
	err = s.view(ctx, func(tx *Tx) error {
		out = make(map[int64]int, len(roots))
		for _, id := range roots {
			u, err := findUnit(ctx, tx, id)
			if err != nil {
				return err
			}
			var n int
			err = tx.queryRow(ctx, `SELECT COUNT(DISTINCT p.account_id) FROM stat_participants p
				JOIN units u ON u.id = p.unit_id WHERE u.path LIKE ? AND p.day BETWEEN ? AND ?`,
				u.Path+"%", int64(from), int64(to)).Scan(&n)
			if err != nil {
				return err
			}
			out[id] = n
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// LastRollup reports the last rebuild; the zero RollupRun when none.
func (s *Store) LastRollup(ctx context.Context) (run culture.RollupRun, err error) {
	defer wrapStoreCall(&err, "LastRollup")
	err = s.view(ctx, func(tx *Tx) error {
		var rows, took, finished int64
		err := tx.queryRow(ctx, `SELECT row_count, took_ms, finished_at FROM stat_rebuild WHERE id = 1`).
			Scan(&rows, &took, &finished)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && finished == 0) {
			return nil
		} else if err != nil {
			return err
		}
		run = culture.RollupRun{Rows: int(rows), Took: time.Duration(took) * time.Millisecond, Finished: fromUnix(finished)}
		return nil
	})
	return run, err
}

// RollupCheck is a recount of the rollup beside the stored rollup, both
// read from one snapshot (wenyun stats verify).
type RollupCheck struct {
	// Recount and Stored hold every row, in FindRollups order.
	Recount, Stored []culture.StatRow
	// MissingParticipants counts the distinct (unit, day, account)
	// check-ins the raw rows have and stat_participants lacks;
	// ExtraParticipants those it has and the raw rows do not.
	MissingParticipants, ExtraParticipants int
}

// CheckRollups recounts the rollup and reads the stored one, in one
// snapshot, so that writes meanwhile cannot show as differences.
func (s *Store) CheckRollups(ctx context.Context) (c RollupCheck, err error) {
	defer wrapStoreCall(&err, "CheckRollups")
	err = s.snapshot(ctx, true, func(tx *Tx) error {
		var err error
		c, err = checkRollups(ctx, tx)
		return err
	})
	return c, err
}

// storedParticipants are the rows of stat_participants.
const storedParticipants = `SELECT unit_id, day, account_id FROM stat_participants`

func checkRollups(ctx context.Context, tx *Tx) (c RollupCheck, err error) {
	if c.Recount, err = recountRollups(ctx, tx); err != nil {
		return c, err
	}
	rows, err := tx.query(ctx, `SELECT `+statRowColumns+` FROM stat_daily d`)
	if err != nil {
		return c, err
	}
	if c.Stored, err = scanAll(rows, scanStatRow); err != nil {
		return c, err
	}
	SortStatRows(c.Stored)
	err = tx.queryRow(ctx, `SELECT
		(SELECT COUNT(*) FROM (`+participantFacts+` EXCEPT `+storedParticipants+`) m),
		(SELECT COUNT(*) FROM (`+storedParticipants+` EXCEPT `+participantFacts+`) x)`).
		Scan(&c.MissingParticipants, &c.ExtraParticipants)
	return c, err
}
