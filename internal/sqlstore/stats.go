package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

var _ culture.StatsService = (*Store)(nil)

// The rollup (docs/statistics.md): stat_daily holds one row per unit,
// Asia/Shanghai day, metric and dimension; stat_participants the distinct
// (unit, day, account) check-ins behind MetricParticipants, so that
// distinct people can be counted over any range and subtree; stat_rebuild
// the last rebuild. A rebuild counts the raw rows again in a read
// snapshot, compares them with the stored rollup read in that snapshot,
// and then writes only the difference in a short write transaction.

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

// participantFacts are the distinct check-ins behind MetricParticipants.
var participantFacts = `SELECT DISTINCT a.unit_id, ` + dayOf("a.starts_at") + ` AS day, b.account_id` +
	bookingsOn + `b.status = 'checked_in'`

// rollupSteps is the number of steps progress reports: one per metric's
// recount and one for the apply.
var rollupSteps = len(rollupMetrics) + 1

// rollupIsolation is the isolation of the read snapshot a rebuild, a
// recount or a check counts from:
//
//	SQLite:     default (a read transaction on the read pool reads one
//	            WAL snapshot from its first SELECT to its end)
//	PostgreSQL: REPEATABLE READ, READ ONLY (one snapshot for the whole
//	            transaction)
func rollupIsolation(d dialect) sql.IsolationLevel {
	if d.name() == "postgres" {
		return sql.LevelRepeatableRead
	}
	return sql.LevelDefault
}

// snapshot runs fn in a read-only transaction that reads one snapshot of
// the whole database, on the read pool: it takes no write lock, so
// bookings and every other write go on meanwhile. SQLite "database is
// locked" is retried as update does.
func (s *Store) snapshot(ctx context.Context, fn func(*Tx) error) error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		err = s.snapshotOnce(ctx, fn)
		if !s.dialect.isBusy(err) {
			return err
		}
		time.Sleep(time.Duration(50<<attempt) * time.Millisecond)
	}
	return err
}

func (s *Store) snapshotOnce(ctx context.Context, fn func(*Tx) error) error {
	opts := &sql.TxOptions{Isolation: rollupIsolation(s.dialect), ReadOnly: s.dialect.name() == "postgres"}
	sqlTx, err := s.read.BeginTx(ctx, opts)
	if err != nil {
		return err
	}
	tx := &Tx{tx: sqlTx, d: s.dialect, now: s.Now().UTC().Truncate(time.Second), grab: s.grab, onSends: s.onSends}
	if err := fn(tx); err != nil {
		return errors.Join(err, ignoreDone(sqlTx.Rollback()))
	}
	return sqlTx.Commit()
}

// rollupMarker is the stat_rebuild row: the last applied rebuild's row
// count, time taken and finish time. It serves as the rollup's version
// (migration 0008 has no version column): a rebuild reads it in its
// snapshot and applies only if the row is unchanged at apply time. Every
// apply changes it (applyRollups nudges took_ms by a millisecond when the
// new row would equal the old), so a changed row means another rebuild
// was applied in between.
type rollupMarker struct{ rows, tookMS, finished int64 }

const markerSQL = `SELECT row_count, took_ms, finished_at FROM stat_rebuild WHERE id = 1`

// readMarker reads the stat_rebuild row; suffix locks it in a write
// transaction (tx.d.forUpdate()).
func readMarker(ctx context.Context, tx *Tx, suffix string) (rollupMarker, error) {
	var m rollupMarker
	err := tx.queryRow(ctx, markerSQL+suffix).Scan(&m.rows, &m.tookMS, &m.finished)
	return m, err
}

// run is the rebuild the marker records; the zero RollupRun for none.
func (m rollupMarker) run() culture.RollupRun {
	if m.finished == 0 {
		return culture.RollupRun{}
	}
	return culture.RollupRun{Rows: int(m.rows), Took: time.Duration(m.tookMS) * time.Millisecond, Finished: fromUnix(m.finished)}
}

// statKey is a stat_daily primary key.
type statKey struct {
	unit   int64
	day    culture.Day
	metric string
	dim    string
}

func keyOf(r culture.StatRow) statKey { return statKey{r.UnitID, r.Day, r.Metric, r.Dim} }

// participantRow is a stat_participants row.
type participantRow struct {
	unit    int64
	day     culture.Day
	account int64
}

// rollupPlan is what a rebuild writes: the difference between a recount
// and the stored rollup, both read from one snapshot in which the
// stat_rebuild row was marker.
type rollupPlan struct {
	marker rollupMarker
	// rows counts the recount's stat_daily rows (the rollup's size once
	// applied).
	rows int
	// upserts are recounted rows stored with another value or not at all;
	// deletes the stored rows the recount no longer has.
	upserts, deletes []culture.StatRow
	// addParts and dropParts are the participants rows to insert and
	// delete.
	addParts, dropParts []participantRow
}

// errRollupMoved reports that another rebuild was applied between a
// rebuild's snapshot and its apply.
var errRollupMoved = errors.New("another rebuild was applied since this one's snapshot")

// rollupApplyHook, when set, runs between a rebuild's recount and its
// apply. Tests only (stats_export_test.go): it lets them write through the
// store while a rebuild is under way, without timing.
var rollupApplyHook atomic.Pointer[func(*Store)]

// RebuildRollups recounts stat_daily and stat_participants from the raw
// rows in a read snapshot, without holding the writer, then applies only
// the rows that differ from the stored rollup in one short write
// transaction and records the run. Readers see the old rollup or the new,
// never a mix.
//
// If another rebuild (in this process or another) was applied after this
// one's snapshot, it counts again once from a new snapshot; if that is
// overtaken too, it applies nothing and returns the newer rebuild's run.
func (s *Store) RebuildRollups(ctx context.Context, progress func(done, total int)) (run culture.RollupRun, err error) {
	defer wrapStoreCall(&err, "RebuildRollups")
	start, steps := time.Now(), progress
	for attempt := 0; ; attempt++ {
		var p *rollupPlan
		err = s.snapshot(ctx, func(tx *Tx) (err error) {
			p, err = planRollups(ctx, tx, steps)
			return err
		})
		if err != nil {
			return run, err
		}
		if hook := rollupApplyHook.Load(); hook != nil {
			(*hook)(s)
		}
		run, err = s.applyRollups(ctx, p, start)
		if !errors.Is(err, errRollupMoved) {
			break
		} else if attempt == 1 {
			s.log.Info("rollups: newer rebuilds were applied meanwhile; this one applies nothing", "rows", run.Rows)
			err = nil
			break
		}
		steps = nil // the second count reports no steps again
	}
	if err == nil {
		report(progress, rollupSteps)
	}
	return run, err
}

// planRollups recounts every metric and the participants in tx and
// compares them with the stored rollup read in tx.
func planRollups(ctx context.Context, tx *Tx, progress func(done, total int)) (*rollupPlan, error) {
	p := &rollupPlan{}
	var err error
	if p.marker, err = readMarker(ctx, tx, ""); err != nil {
		return nil, err
	}
	stored, err := storedRollup(ctx, tx)
	if err != nil {
		return nil, err
	}
	now := rollupAt(tx.now)
	for i, m := range rollupMetrics {
		rows, err := recountMetric(ctx, tx, m, now)
		if err != nil {
			return nil, err
		}
		p.rows += len(rows)
		for _, r := range rows {
			if v, ok := stored[keyOf(r)]; !ok || v != r.Value {
				p.upserts = append(p.upserts, r)
			}
			delete(stored, keyOf(r))
		}
		report(progress, i+1)
	}
	for k := range stored {
		p.deletes = append(p.deletes, culture.StatRow{UnitID: k.unit, Day: k.day, Metric: k.metric, Dim: k.dim})
	}
	SortStatRows(p.deletes)
	p.addParts, p.dropParts, err = diffParticipants(ctx, tx)
	return p, err
}

// storedRollup reads stat_daily by key.
func storedRollup(ctx context.Context, tx *Tx) (map[statKey]int64, error) {
	rows, err := tx.query(ctx, `SELECT `+statRowColumns+` FROM stat_daily d`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[statKey]int64{}
	for rows.Next() {
		r, err := scanStatRow(rows)
		if err != nil {
			return nil, err
		}
		out[keyOf(r)] = r.Value
	}
	return out, rows.Err()
}

// storedParticipants are the rows of stat_participants.
const storedParticipants = `SELECT unit_id, day, account_id FROM stat_participants`

// diffParticipants returns the distinct check-ins stat_participants lacks
// (add) and the rows it holds that the raw rows do not (drop).
func diffParticipants(ctx context.Context, tx *Tx) (add, drop []participantRow, err error) {
	rows, err := tx.query(ctx, `SELECT 1, m.unit_id, m.day, m.account_id FROM (`+participantFacts+` EXCEPT `+storedParticipants+`) m
		UNION ALL SELECT 0, x.unit_id, x.day, x.account_id FROM (`+storedParticipants+` EXCEPT `+participantFacts+`) x`)
	if err != nil {
		return nil, nil, fmt.Errorf("participants: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var missing int
		var p participantRow
		if err := rows.Scan(&missing, &p.unit, &p.day, &p.account); err != nil {
			return nil, nil, err
		}
		if missing == 1 {
			add = append(add, p)
		} else {
			drop = append(drop, p)
		}
	}
	return add, drop, rows.Err()
}

// applyRollups writes p in a write transaction unless another rebuild
// was applied since p's snapshot (errRollupMoved, with that rebuild's
// run). start is when the rebuild began.
func (s *Store) applyRollups(ctx context.Context, p *rollupPlan, start time.Time) (run culture.RollupRun, err error) {
	err = s.update(ctx, func(tx *Tx) error {
		cur, err := readMarker(ctx, tx, tx.d.forUpdate())
		if err != nil {
			return err
		} else if cur != p.marker {
			run = cur.run()
			return errRollupMoved
		}
		if err := applyRollupPlan(ctx, tx, p); err != nil {
			return err
		}
		run = culture.RollupRun{Rows: p.rows, Took: time.Since(start).Round(time.Millisecond), Finished: tx.now}
		next := rollupMarker{int64(run.Rows), run.Took.Milliseconds(), unix(run.Finished)}
		if next == cur { // same rows, second and duration: nudge, so that the row changes
			next.tookMS++
			run.Took += time.Millisecond
		}
		_, err = tx.exec(ctx, `UPDATE stat_rebuild SET row_count = ?, took_ms = ?, finished_at = ? WHERE id = 1`,
			next.rows, next.tookMS, next.finished)
		return err
	})
	if err == nil {
		s.log.Debug("rollups applied", "rows", run.Rows, "upserted", len(p.upserts), "deleted", len(p.deletes),
			"participants_added", len(p.addParts), "participants_removed", len(p.dropParts), "took", run.Took)
	}
	return run, err
}

// applyRollupPlan writes the plan's rows: upserts, deletes, then the
// participants.
func applyRollupPlan(ctx context.Context, tx *Tx, p *rollupPlan) error {
	err := inBatches(len(p.upserts), func(lo, hi int) error {
		args := make([]any, 0, (hi-lo)*5)
		for _, r := range p.upserts[lo:hi] {
			args = append(args, r.UnitID, int64(r.Day), r.Metric, r.Dim, r.Value)
		}
		_, err := tx.exec(ctx, `INSERT INTO stat_daily (unit_id, day, metric, dim, value) VALUES `+repeatSQL("(?, ?, ?, ?, ?)", ", ", hi-lo)+`
			ON CONFLICT (unit_id, day, metric, dim) DO UPDATE SET value = excluded.value WHERE stat_daily.value <> excluded.value`, args...)
		return err
	})
	if err == nil {
		err = inBatches(len(p.deletes), func(lo, hi int) error {
			args := make([]any, 0, (hi-lo)*4)
			for _, r := range p.deletes[lo:hi] {
				args = append(args, r.UnitID, int64(r.Day), r.Metric, r.Dim)
			}
			_, err := tx.exec(ctx, `DELETE FROM stat_daily WHERE `+repeatSQL("(unit_id = ? AND day = ? AND metric = ? AND dim = ?)", " OR ", hi-lo), args...)
			return err
		})
	}
	if err == nil {
		err = applyParticipants(ctx, tx, p)
	}
	return err
}

// applyParticipants inserts and deletes the plan's participants rows.
func applyParticipants(ctx context.Context, tx *Tx, p *rollupPlan) error {
	args := func(rows []participantRow) []any {
		out := make([]any, 0, len(rows)*3)
		for _, r := range rows {
			out = append(out, r.unit, int64(r.day), r.account)
		}
		return out
	}
	err := inBatches(len(p.addParts), func(lo, hi int) error {
		_, err := tx.exec(ctx, `INSERT INTO stat_participants (unit_id, day, account_id) VALUES `+repeatSQL("(?, ?, ?)", ", ", hi-lo)+`
			ON CONFLICT (unit_id, day, account_id) DO NOTHING`, args(p.addParts[lo:hi])...)
		return err
	})
	if err != nil {
		return err
	}
	return inBatches(len(p.dropParts), func(lo, hi int) error {
		_, err := tx.exec(ctx, `DELETE FROM stat_participants WHERE `+repeatSQL("(unit_id = ? AND day = ? AND account_id = ?)", " OR ", hi-lo),
			args(p.dropParts[lo:hi])...)
		return err
	})
}

// rollupBatch bounds the rows of one statement: at most 5 × 128 = 640
// parameters, below SQLite's (32,766; 999 before 3.32) and PostgreSQL's
// (65,535) limits.
const rollupBatch = 128

// inBatches calls fn for consecutive ranges [lo, hi) covering n items.
// Each range's length is a power of two, so that a statement is written in
// at most eight texts (prepared once each) whatever n is.
func inBatches(n int, fn func(lo, hi int) error) error {
	for lo := 0; lo < n; {
		size := rollupBatch
		for size > n-lo {
			size /= 2
		}
		if err := fn(lo, lo+size); err != nil {
			return err
		}
		lo += size
	}
	return nil
}

// repeatSQL joins n copies of part with sep.
func repeatSQL(part, sep string, n int) string {
	return strings.Repeat(part+sep, n-1) + part
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
	err = s.snapshot(ctx, func(tx *Tx) error {
		rows, err = recountRollups(ctx, tx)
		return err
	})
	return rows, err
}

func recountRollups(ctx context.Context, tx *Tx) ([]culture.StatRow, error) {
	now, out := rollupAt(tx.now), []culture.StatRow{}
	for _, m := range rollupMetrics {
		rows, err := recountMetric(ctx, tx, m, now)
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
	}
	SortStatRows(out)
	return out, nil
}

// recountMetric counts one metric's rows from the raw rows.
func recountMetric(ctx context.Context, tx *Tx, m rollupMetric, now rollupNow) ([]culture.StatRow, error) {
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
	return got, nil
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
		out, err = uniqueParticipants(ctx, tx, roots, from, to)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// uniqueParticipants counts the distinct accounts checked in within each
// root's subtree from from to to, all roots in one query (a hub's annual
// report asks for a dozen roots per month); a root that names no unit is
// ENOTFOUND, as findUnit says.
func uniqueParticipants(ctx context.Context, tx *Tx, roots []int64, from, to culture.Day) (map[int64]int, error) {
	out := make(map[int64]int, len(roots))
	if len(roots) == 0 {
		return out, nil
	}
	args := []any{int64(from), int64(to)}
	for _, id := range roots {
		args = append(args, id)
	}
	rows, err := tx.query(ctx, `SELECT r.id, COUNT(DISTINCT p.account_id) FROM units r
		JOIN units u ON u.path LIKE r.path || '%'
		LEFT JOIN stat_participants p ON p.unit_id = u.id AND p.day BETWEEN ? AND ?
		WHERE r.id IN (`+strings.Repeat(",?", len(roots))[1:]+`) GROUP BY r.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] = n
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, id := range roots {
		if _, ok := out[id]; !ok {
			if _, err := findUnit(ctx, tx, id); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// LastRollup reports the last rebuild; the zero RollupRun when none.
func (s *Store) LastRollup(ctx context.Context) (run culture.RollupRun, err error) {
	defer wrapStoreCall(&err, "LastRollup")
	err = s.view(ctx, func(tx *Tx) error {
		m, err := readMarker(ctx, tx, "")
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		run = m.run()
		return err
	})
	return run, err
}

// RollupCheck is a recount of the rollup beside the stored rollup and the
// last rebuild, all read from one snapshot (wenyun stats verify).
type RollupCheck struct {
	// Recount and Stored hold every row, in FindRollups order.
	Recount, Stored []culture.StatRow
	// MissingParticipants counts the distinct (unit, day, account)
	// check-ins the raw rows have and stat_participants lacks;
	// ExtraParticipants those it has and the raw rows do not.
	MissingParticipants, ExtraParticipants int
	// ParticipantDays splits those counts by day, in day order.
	ParticipantDays []ParticipantDiff
	// Last is the last rebuild applied; zero when none.
	Last culture.RollupRun
}

// ParticipantDiff counts a day's missing and extra participants rows.
type ParticipantDiff struct {
	Day            culture.Day
	Missing, Extra int
}

// CheckRollups recounts the rollup and reads the stored one and the last
// rebuild, in one snapshot, so that writes meanwhile cannot show as
// differences.
func (s *Store) CheckRollups(ctx context.Context) (c RollupCheck, err error) {
	defer wrapStoreCall(&err, "CheckRollups")
	err = s.snapshot(ctx, func(tx *Tx) error {
		var err error
		c, err = checkRollups(ctx, tx)
		return err
	})
	return c, err
}

func checkRollups(ctx context.Context, tx *Tx) (c RollupCheck, err error) {
	marker, err := readMarker(ctx, tx, "")
	if err != nil {
		return c, err
	}
	c.Last = marker.run()
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
	add, drop, err := diffParticipants(ctx, tx)
	c.MissingParticipants, c.ExtraParticipants = len(add), len(drop)
	c.ParticipantDays = participantDays(add, drop)
	return c, err
}

// participantDays counts missing (add) and extra (drop) rows per day.
func participantDays(add, drop []participantRow) []ParticipantDiff {
	at := map[culture.Day]*ParticipantDiff{}
	day := func(d culture.Day) *ParticipantDiff {
		if at[d] == nil {
			at[d] = &ParticipantDiff{Day: d}
		}
		return at[d]
	}
	for _, p := range add {
		day(p.day).Missing++
	}
	for _, p := range drop {
		day(p.day).Extra++
	}
	out := []ParticipantDiff{}
	for _, d := range at {
		out = append(out, *d)
	}
	slices.SortFunc(out, func(a, b ParticipantDiff) int { return cmp.Compare(a.Day, b.Day) })
	return out
}
