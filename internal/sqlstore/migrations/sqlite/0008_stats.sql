-- +goose Up
-- Statistics rollups (issue 6; docs/statistics.md). Every row here is
-- derived: RebuildRollups recounts them from the raw rows in a read
-- snapshot and writes the rows that differ, so they carry no foreign keys.

-- One value per unit, Asia/Shanghai day ((ts + 28800) / 86400), metric
-- (culture.Metrics) and dimension ('' when the metric has none).
CREATE TABLE stat_daily (
	unit_id INTEGER NOT NULL,
	day     INTEGER NOT NULL,
	metric  TEXT NOT NULL,
	dim     TEXT NOT NULL DEFAULT '',
	value   INTEGER NOT NULL,
	PRIMARY KEY (unit_id, day, metric, dim)
);
CREATE INDEX stat_daily_day ON stat_daily(day);

-- The distinct accounts checked in per unit and day (the activity's start
-- day), so that distinct participants are counted over any range and
-- subtree.
CREATE TABLE stat_participants (
	unit_id    INTEGER NOT NULL,
	day        INTEGER NOT NULL,
	account_id INTEGER NOT NULL,
	PRIMARY KEY (unit_id, day, account_id)
);
CREATE INDEX stat_participants_day ON stat_participants(day);

-- The last rebuild (finished_at 0: none yet). A rebuild applies its
-- difference only if this row is still what its snapshot saw; SQLite's one
-- writer serialises the applies.
CREATE TABLE stat_rebuild (
	id          INTEGER PRIMARY KEY CHECK (id = 1),
	row_count   INTEGER NOT NULL DEFAULT 0,
	took_ms     INTEGER NOT NULL DEFAULT 0,
	finished_at INTEGER NOT NULL DEFAULT 0
);
INSERT INTO stat_rebuild (id) VALUES (1);

-- A booking counts as made once it has been confirmed, even if it was
-- cancelled later; a cancelled application, waiting-list place or pending
-- request never was. was_confirmed records it: the triggers set it
-- whenever a booking is stored as confirmed, checked in or no-show.
ALTER TABLE bookings ADD COLUMN was_confirmed INTEGER NOT NULL DEFAULT 0;
-- Existing rows: the statuses say it, and for cancelled ones the best the
-- rows tell (a late cancellation, a lottery win, or a first-come booking
-- that never waited in line was confirmed).
UPDATE bookings SET was_confirmed = 1
WHERE status IN ('confirmed', 'checked_in', 'no_show')
	OR (status = 'cancelled' AND (late_cancel = 1 OR lottery_won = 1
		OR (queue_rank IS NULL AND activity_id IN (SELECT id FROM activities WHERE mode = 'first_come'))));
-- +goose StatementBegin
CREATE TRIGGER bookings_confirmed_ai AFTER INSERT ON bookings
WHEN new.status IN ('confirmed', 'checked_in', 'no_show') AND new.was_confirmed = 0 BEGIN
	UPDATE bookings SET was_confirmed = 1 WHERE id = new.id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER bookings_confirmed_au AFTER UPDATE OF status ON bookings
WHEN new.status IN ('confirmed', 'checked_in', 'no_show') AND new.was_confirmed = 0 BEGIN
	UPDATE bookings SET was_confirmed = 1 WHERE id = new.id;
END;
-- +goose StatementEnd

-- +goose Down
SELECT 1;
