-- +goose Up
CREATE TABLE units (
	id         INTEGER PRIMARY KEY,
	parent_id  INTEGER REFERENCES units(id),
	kind       TEXT NOT NULL,
	name       TEXT NOT NULL,
	address    TEXT NOT NULL DEFAULT '',
	phone      TEXT NOT NULL DEFAULT '',
	path       TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL
);
CREATE INDEX units_path ON units(path);
CREATE INDEX units_parent ON units(parent_id);

CREATE TABLE rooms (
	id         INTEGER PRIMARY KEY,
	unit_id    INTEGER NOT NULL REFERENCES units(id),
	name       TEXT NOT NULL,
	address    TEXT NOT NULL DEFAULT '',
	capacity   INTEGER NOT NULL,
	facilities TEXT NOT NULL DEFAULT ''
);
CREATE INDEX rooms_unit ON rooms(unit_id);

CREATE TABLE accounts (
	id            INTEGER PRIMARY KEY,
	phone         TEXT UNIQUE,
	username      TEXT UNIQUE,
	name          TEXT NOT NULL DEFAULT '',
	password_hash TEXT NOT NULL DEFAULT '',
	home_unit_id  INTEGER REFERENCES units(id),
	created_at    INTEGER NOT NULL
);

CREATE TABLE grants (
	id         INTEGER PRIMARY KEY,
	account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	role       TEXT NOT NULL,
	unit_id    INTEGER NOT NULL REFERENCES units(id),
	created_at INTEGER NOT NULL,
	UNIQUE (account_id, role, unit_id)
);

CREATE TABLE family_members (
	id         INTEGER PRIMARY KEY,
	account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	name       TEXT NOT NULL,
	relation   TEXT NOT NULL,
	birth_year INTEGER NOT NULL DEFAULT 0,
	deleted    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX family_account ON family_members(account_id);

CREATE TABLE login_codes (
	phone      TEXT PRIMARY KEY,
	code_hash  TEXT NOT NULL,
	attempts   INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
);

CREATE TABLE api_tokens (
	id         INTEGER PRIMARY KEY,
	token_hash TEXT NOT NULL UNIQUE,
	account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	name       TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
);

CREATE TABLE sessions (
	token  TEXT PRIMARY KEY,
	data   BLOB NOT NULL,
	expiry INTEGER NOT NULL
);
CREATE INDEX sessions_expiry ON sessions(expiry);

CREATE TABLE series (
	id          INTEGER PRIMARY KEY,
	slug        TEXT NOT NULL UNIQUE,
	name        TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT ''
);

CREATE TABLE activities (
	id              INTEGER PRIMARY KEY,
	unit_id         INTEGER NOT NULL REFERENCES units(id),
	room_id         INTEGER REFERENCES rooms(id),
	series_id       INTEGER REFERENCES series(id),
	title           TEXT NOT NULL,
	description     TEXT NOT NULL DEFAULT '',
	category        TEXT NOT NULL,
	audience        TEXT NOT NULL DEFAULT '',
	age_min         INTEGER NOT NULL DEFAULT 0,
	age_max         INTEGER NOT NULL DEFAULT 0,
	starts_at       INTEGER NOT NULL,
	ends_at         INTEGER NOT NULL,
	capacity        INTEGER NOT NULL,
	seats_left      INTEGER NOT NULL CHECK (seats_left >= 0),
	mode            TEXT NOT NULL,
	opens_at        INTEGER NOT NULL,
	closes_at       INTEGER NOT NULL,
	max_per_booking INTEGER NOT NULL DEFAULT 1,
	status          TEXT NOT NULL DEFAULT 'published',
	search_text     TEXT NOT NULL DEFAULT '',
	created_by      INTEGER REFERENCES accounts(id),
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL
);
CREATE INDEX activities_unit_start ON activities(unit_id, starts_at);
CREATE INDEX activities_start ON activities(starts_at);
CREATE INDEX activities_series ON activities(series_id);

-- Chinese search: search_text holds the unigrams and bigrams of the title,
-- category, description and place; FTS5 indexes them as words.
CREATE VIRTUAL TABLE activity_fts USING fts5(search_text, content='activities', content_rowid='id');
-- +goose StatementBegin
CREATE TRIGGER activities_fts_ai AFTER INSERT ON activities BEGIN
	INSERT INTO activity_fts(rowid, search_text) VALUES (new.id, new.search_text);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER activities_fts_ad AFTER DELETE ON activities BEGIN
	INSERT INTO activity_fts(activity_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER activities_fts_au AFTER UPDATE OF search_text ON activities BEGIN
	INSERT INTO activity_fts(activity_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
	INSERT INTO activity_fts(rowid, search_text) VALUES (new.id, new.search_text);
END;
-- +goose StatementEnd

CREATE TABLE bookings (
	id              INTEGER PRIMARY KEY,
	activity_id     INTEGER NOT NULL REFERENCES activities(id),
	account_id      INTEGER NOT NULL REFERENCES accounts(id),
	status          TEXT NOT NULL,
	seats           INTEGER NOT NULL CHECK (seats > 0),
	code            TEXT NOT NULL UNIQUE,
	idem_key        TEXT,
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL,
	checked_in_at   INTEGER,
	checked_in_by   INTEGER REFERENCES accounts(id)
);
-- One active booking per account per activity.
CREATE UNIQUE INDEX bookings_one_active ON bookings(activity_id, account_id)
	WHERE status IN ('pending', 'confirmed', 'checked_in');
CREATE UNIQUE INDEX bookings_idem ON bookings(account_id, idem_key);
CREATE INDEX bookings_account ON bookings(account_id, created_at);
CREATE INDEX bookings_activity ON bookings(activity_id, status);

CREATE TABLE booking_attendees (
	id               INTEGER PRIMARY KEY,
	booking_id       INTEGER NOT NULL REFERENCES bookings(id) ON DELETE CASCADE,
	name             TEXT NOT NULL,
	family_member_id INTEGER REFERENCES family_members(id),
	self             INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX booking_attendees_booking ON booking_attendees(booking_id);

CREATE TABLE audit_log (
	id         INTEGER PRIMARY KEY,
	account_id INTEGER REFERENCES accounts(id),
	action     TEXT NOT NULL,
	target     TEXT NOT NULL,
	reason     TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL
);

-- +goose Down
SELECT 1;
