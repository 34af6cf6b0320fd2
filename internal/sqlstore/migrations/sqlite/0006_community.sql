-- +goose Up
-- Communities, announcements, notifications (inbox and the sends of each
-- external channel), preferences, and news.

ALTER TABLE accounts ADD COLUMN email TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN wechat_openid TEXT NOT NULL DEFAULT '';
-- Comma-separated external channels the account chose (sms,email,wechat).
ALTER TABLE accounts ADD COLUMN notify_channels TEXT NOT NULL DEFAULT '';

CREATE TABLE community_members (
	unit_id    INTEGER NOT NULL REFERENCES units(id),
	account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	joined_at  INTEGER NOT NULL,
	PRIMARY KEY (unit_id, account_id)
);
CREATE INDEX community_members_account ON community_members(account_id);

CREATE TABLE announcements (
	id         INTEGER PRIMARY KEY,
	unit_id    INTEGER NOT NULL REFERENCES units(id),
	title      TEXT NOT NULL,
	body       TEXT NOT NULL,
	author_id  INTEGER NOT NULL REFERENCES accounts(id),
	created_at INTEGER NOT NULL
);
CREATE INDEX announcements_unit ON announcements(unit_id, created_at);

CREATE TABLE notifications (
	id         INTEGER PRIMARY KEY,
	account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	kind       TEXT NOT NULL,
	title      TEXT NOT NULL,
	body       TEXT NOT NULL DEFAULT '',
	link       TEXT NOT NULL DEFAULT '',
	key        TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	read_at    INTEGER,
	UNIQUE (account_id, key)
);
CREATE INDEX notifications_account ON notifications(account_id, created_at);

CREATE TABLE notification_sends (
	id              INTEGER PRIMARY KEY,
	notification_id INTEGER NOT NULL REFERENCES notifications(id) ON DELETE CASCADE,
	channel         TEXT NOT NULL,
	state           TEXT NOT NULL,
	attempts        INTEGER NOT NULL DEFAULT 0,
	last_error      TEXT NOT NULL DEFAULT '',
	created_at      INTEGER NOT NULL,
	sent_at         INTEGER,
	UNIQUE (notification_id, channel)
);
CREATE INDEX notification_sends_state ON notification_sends(state, created_at);

CREATE TABLE articles (
	id         INTEGER PRIMARY KEY,
	unit_id    INTEGER NOT NULL REFERENCES units(id),
	title      TEXT NOT NULL,
	summary    TEXT NOT NULL DEFAULT '',
	body       TEXT NOT NULL,
	cover_id   INTEGER REFERENCES images(id),
	author_id  INTEGER NOT NULL REFERENCES accounts(id),
	published  INTEGER NOT NULL DEFAULT 1,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);
CREATE INDEX articles_unit ON articles(unit_id, created_at);
CREATE INDEX articles_created ON articles(created_at);

-- +goose Down
SELECT 1;
