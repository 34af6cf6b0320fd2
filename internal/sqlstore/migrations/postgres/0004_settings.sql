-- +goose Up
-- Settings shared by every process on the database, such as the key that
-- encrypts and hashes resident ID numbers when none is configured.
CREATE TABLE settings (
	name  TEXT PRIMARY KEY,
	value TEXT NOT NULL
);

-- +goose Down
SELECT 1;
