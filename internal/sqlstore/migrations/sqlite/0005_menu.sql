-- +goose Up
-- The culture menu (文化菜单): providers, their items and the review of
-- each submission, residents' supports and branches' requests (点单), the
-- hub's deliveries (配送), ratings and series follows.

CREATE TABLE images (
	id           INTEGER PRIMARY KEY,
	content_type TEXT NOT NULL,
	width        INTEGER NOT NULL,
	height       INTEGER NOT NULL,
	size         INTEGER NOT NULL,
	sha256       TEXT NOT NULL,
	data         BLOB NOT NULL,
	created_by   INTEGER REFERENCES accounts(id),
	created_at   INTEGER NOT NULL
);

CREATE TABLE providers (
	id            INTEGER PRIMARY KEY,
	hub_id        INTEGER NOT NULL REFERENCES units(id),
	name          TEXT NOT NULL,
	level         TEXT NOT NULL,
	kind          TEXT NOT NULL,
	contact_name  TEXT NOT NULL DEFAULT '',
	contact_phone TEXT NOT NULL DEFAULT '',
	intro         TEXT NOT NULL DEFAULT '',
	logo_id       INTEGER REFERENCES images(id),
	created_at    INTEGER NOT NULL
);
CREATE INDEX providers_hub ON providers(hub_id);

-- A provider_staff grant names its provider; its unit is the provider's hub.
ALTER TABLE grants ADD COLUMN provider_id INTEGER REFERENCES providers(id);

-- The live (approved) version of each item; an item never approved holds
-- its latest submission with status pending or returned.
CREATE TABLE menu_items (
	id            INTEGER PRIMARY KEY,
	provider_id   INTEGER NOT NULL REFERENCES providers(id),
	status        TEXT NOT NULL,
	title         TEXT NOT NULL,
	category      TEXT NOT NULL,
	format        TEXT NOT NULL,
	sessions      INTEGER NOT NULL DEFAULT 1,
	audience_groups TEXT NOT NULL DEFAULT '',  -- comma-separated AudienceGroups
	age_min       INTEGER NOT NULL DEFAULT 0,
	age_max       INTEGER NOT NULL DEFAULT 0,
	minutes       INTEGER NOT NULL,
	capacity_min  INTEGER NOT NULL,
	capacity_max  INTEGER NOT NULL,
	needs         TEXT NOT NULL DEFAULT '',
	cost          INTEGER NOT NULL DEFAULT 0, -- yuan per delivery
	available     TEXT NOT NULL DEFAULT '',
	description   TEXT NOT NULL DEFAULT '',
	photo_ids     TEXT NOT NULL DEFAULT '',  -- comma-separated image ids
	series_id     INTEGER REFERENCES series(id),
	return_reason TEXT NOT NULL DEFAULT '',
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL
);
CREATE INDEX menu_items_provider ON menu_items(provider_id);
CREATE INDEX menu_items_status ON menu_items(status, category);
CREATE INDEX menu_items_series ON menu_items(series_id);

-- Each submission of an item's fields (JSON of culture.MenuItemFields).
CREATE TABLE menu_revisions (
	id           INTEGER PRIMARY KEY,
	item_id      INTEGER NOT NULL REFERENCES menu_items(id),
	state        TEXT NOT NULL,
	fields       TEXT NOT NULL,
	reason       TEXT NOT NULL DEFAULT '',
	submitted_by INTEGER NOT NULL REFERENCES accounts(id),
	submitted_at INTEGER NOT NULL,
	reviewed_by  INTEGER REFERENCES accounts(id),
	reviewed_at  INTEGER
);
CREATE UNIQUE INDEX menu_revisions_one_pending ON menu_revisions(item_id) WHERE state = 'pending';
CREATE INDEX menu_revisions_state ON menu_revisions(state, submitted_at);

CREATE TABLE menu_supports (
	id         INTEGER PRIMARY KEY,
	item_id    INTEGER NOT NULL REFERENCES menu_items(id),
	account_id INTEGER NOT NULL REFERENCES accounts(id),
	unit_id    INTEGER NOT NULL REFERENCES units(id),
	season     TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	UNIQUE (account_id, item_id, season)
);
CREATE INDEX menu_supports_item ON menu_supports(item_id, season);
CREATE INDEX menu_supports_unit ON menu_supports(unit_id, season);

CREATE TABLE menu_requests (
	id              INTEGER PRIMARY KEY,
	item_id         INTEGER NOT NULL REFERENCES menu_items(id),
	unit_id         INTEGER NOT NULL REFERENCES units(id),
	status          TEXT NOT NULL,
	preferred_dates TEXT NOT NULL DEFAULT '',
	audience        INTEGER NOT NULL,
	mode            TEXT NOT NULL,
	note            TEXT NOT NULL DEFAULT '',
	reason          TEXT NOT NULL DEFAULT '',
	delivery_id     INTEGER,
	created_by      INTEGER NOT NULL REFERENCES accounts(id),
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL
);
CREATE INDEX menu_requests_unit ON menu_requests(unit_id, status);
CREATE INDEX menu_requests_item ON menu_requests(item_id);

CREATE TABLE deliveries (
	id           INTEGER PRIMARY KEY,
	item_id      INTEGER NOT NULL REFERENCES menu_items(id),
	provider_id  INTEGER NOT NULL REFERENCES providers(id),
	unit_id      INTEGER NOT NULL REFERENCES units(id),
	room_id      INTEGER REFERENCES rooms(id),
	request_id   INTEGER REFERENCES menu_requests(id),
	starts_at    INTEGER NOT NULL,
	ends_at      INTEGER NOT NULL,
	capacity     INTEGER NOT NULL,
	mode         TEXT NOT NULL,
	status       TEXT NOT NULL,
	reason       TEXT NOT NULL DEFAULT '',
	activity_id  INTEGER REFERENCES activities(id),
	cost         INTEGER,
	attendance   INTEGER NOT NULL DEFAULT 0,
	note         TEXT NOT NULL DEFAULT '',
	created_by   INTEGER NOT NULL REFERENCES accounts(id),
	created_at   INTEGER NOT NULL,
	updated_at   INTEGER NOT NULL,
	confirmed_at INTEGER,
	held_at      INTEGER,
	settled_at   INTEGER
);
CREATE INDEX deliveries_unit ON deliveries(unit_id, starts_at);
CREATE INDEX deliveries_provider ON deliveries(provider_id, starts_at);
CREATE INDEX deliveries_item ON deliveries(item_id);
CREATE INDEX deliveries_status ON deliveries(status, ends_at);
CREATE UNIQUE INDEX deliveries_activity ON deliveries(activity_id);

CREATE TABLE ratings (
	id            INTEGER PRIMARY KEY,
	activity_id   INTEGER NOT NULL REFERENCES activities(id),
	account_id    INTEGER NOT NULL REFERENCES accounts(id),
	score         INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
	comment       TEXT NOT NULL DEFAULT '',
	hidden        INTEGER NOT NULL DEFAULT 0,
	hidden_reason TEXT NOT NULL DEFAULT '',
	created_at    INTEGER NOT NULL,
	UNIQUE (activity_id, account_id)
);

CREATE TABLE series_follows (
	account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	series_id  INTEGER NOT NULL REFERENCES series(id),
	created_at INTEGER NOT NULL,
	PRIMARY KEY (account_id, series_id)
);
CREATE INDEX series_follows_series ON series_follows(series_id);

-- +goose Down
SELECT 1;
