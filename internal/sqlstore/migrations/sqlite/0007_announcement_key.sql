-- +goose Up
-- The idempotency key of an announcement: a double submit or an API retry
-- with the same key returns the first announcement instead of posting
-- (and notifying) again. Keys are per author and unit; NULL (no key) is
-- never equal to another NULL, so unkeyed announcements never conflict.

ALTER TABLE announcements ADD COLUMN idem_key TEXT;
CREATE UNIQUE INDEX announcements_idem ON announcements(unit_id, author_id, idem_key);

-- +goose Down
SELECT 1;
