-- +goose Up
-- A resident's secret calendar feed token: /ical/me/{token}.ics lists the
-- account's bookings. The token is stored as is, as session tokens are, so
-- that /me/calendar can show the address again; a reset replaces it and
-- the old address stops working at once. One token per account.
CREATE TABLE feed_tokens (
	account_id INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
	token      TEXT NOT NULL UNIQUE,
	created_at INTEGER NOT NULL
);

-- +goose Down
SELECT 1;
