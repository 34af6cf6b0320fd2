-- +goose Up
-- Webhooks (issue 6): a unit's receivers of its subtree's events. Each
-- event becomes one delivery per matching webhook, inserted with the change
-- it reports; (webhook, event key) is unique, so a repeated event is
-- delivered once. Every POST is logged in webhook_attempts.

CREATE TABLE webhooks (
	id         INTEGER PRIMARY KEY,
	unit_id    INTEGER NOT NULL REFERENCES units(id),
	url        TEXT NOT NULL,
	secret     TEXT NOT NULL,
	events     TEXT NOT NULL DEFAULT '',
	active     INTEGER NOT NULL DEFAULT 1,
	created_by INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);
-- The events' lookup reads the active webhooks first: with none, an event
-- costs this one index probe.
CREATE INDEX webhooks_active_unit ON webhooks(active, unit_id);
CREATE INDEX webhooks_unit ON webhooks(unit_id);

CREATE TABLE webhook_deliveries (
	id           INTEGER PRIMARY KEY,
	webhook_id   INTEGER NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
	event_key    TEXT NOT NULL,
	event_type   TEXT NOT NULL,
	payload      TEXT NOT NULL,
	status       TEXT NOT NULL DEFAULT 'pending',
	attempts     INTEGER NOT NULL DEFAULT 0,
	resends      INTEGER NOT NULL DEFAULT 0,
	last_status  INTEGER NOT NULL DEFAULT 0,
	last_error   TEXT NOT NULL DEFAULT '',
	created_at   INTEGER NOT NULL,
	updated_at   INTEGER NOT NULL,
	delivered_at INTEGER,
	UNIQUE (webhook_id, event_key)
);
CREATE INDEX webhook_deliveries_list ON webhook_deliveries(webhook_id, id);
CREATE INDEX webhook_deliveries_status ON webhook_deliveries(webhook_id, status, id);

CREATE TABLE webhook_attempts (
	id          INTEGER PRIMARY KEY,
	delivery_id INTEGER NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
	resend      INTEGER NOT NULL DEFAULT 0,
	at          INTEGER NOT NULL,
	status_code INTEGER NOT NULL DEFAULT 0,
	error       TEXT NOT NULL DEFAULT '',
	duration_ms INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts(delivery_id, id);

-- +goose Down
SELECT 1;
