-- +goose Up
-- Ticket grabbing at scale (issue 3): lottery, waiting list, reserved seats,
-- real-name activities, no-show rules.

-- Lottery: the SHA-256 commitment is public from the start of the window;
-- the seed stays secret until the draw, then is published beside it.
ALTER TABLE activities ADD COLUMN lottery_commit TEXT NOT NULL DEFAULT '';
ALTER TABLE activities ADD COLUMN lottery_seed TEXT NOT NULL DEFAULT '';
ALTER TABLE activities ADD COLUMN lottery_weighted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE activities ADD COLUMN lottery_drawn_at INTEGER;
-- Real-name activities: every attendee gives a name and resident ID.
ALTER TABLE activities ADD COLUMN real_name INTEGER NOT NULL DEFAULT 0;
-- Reserved seats (适老化 walk-in / phone, branch community), released to
-- everyone at reserve_release_at if unused. seats_left is the public pool.
ALTER TABLE activities ADD COLUMN reserved_walkin INTEGER NOT NULL DEFAULT 0;
ALTER TABLE activities ADD COLUMN reserved_community INTEGER NOT NULL DEFAULT 0;
ALTER TABLE activities ADD COLUMN walkin_left INTEGER NOT NULL DEFAULT 0 CHECK (walkin_left >= 0);
ALTER TABLE activities ADD COLUMN community_left INTEGER NOT NULL DEFAULT 0 CHECK (community_left >= 0);
ALTER TABLE activities ADD COLUMN reserve_release_at INTEGER;
ALTER TABLE activities ADD COLUMN reserve_released INTEGER NOT NULL DEFAULT 0;
-- Set once the no-show job has settled the activity's bookings.
ALTER TABLE activities ADD COLUMN attendance_settled INTEGER NOT NULL DEFAULT 0;
CREATE INDEX activities_lottery_due ON activities(mode, lottery_drawn_at, closes_at);
CREATE INDEX activities_settle_due ON activities(attendance_settled, ends_at);

-- Which pool a booking's seats came from: online, walkin, community.
ALTER TABLE bookings ADD COLUMN pool TEXT NOT NULL DEFAULT 'online';
-- Waiting list order (arrival, or lottery draw rank).
ALTER TABLE bookings ADD COLUMN queue_rank INTEGER;
ALTER TABLE bookings ADD COLUMN offer_expires_at INTEGER;
-- A cancellation after the cutoff counts like a no-show.
ALTER TABLE bookings ADD COLUMN late_cancel INTEGER NOT NULL DEFAULT 0;
-- A no-show (or late cancellation) waived by staff, with the reason audited.
ALTER TABLE bookings ADD COLUMN waived INTEGER NOT NULL DEFAULT 0;
ALTER TABLE bookings ADD COLUMN booked_by INTEGER REFERENCES accounts(id);
CREATE INDEX bookings_queue ON bookings(activity_id, status, queue_rank);
CREATE INDEX bookings_offer_due ON bookings(status, offer_expires_at);

-- Waitlisted, offered and lottery applications also hold the account's one
-- place per activity.
DROP INDEX bookings_one_active;
CREATE UNIQUE INDEX bookings_one_active ON bookings(activity_id, account_id)
	WHERE status IN ('pending', 'confirmed', 'checked_in', 'waitlisted', 'offered', 'applied');

-- Real-name attendees: the ID number is stored encrypted (AES-GCM) and as a
-- keyed hash, so "one booking per ID" is a unique index that reveals nothing.
ALTER TABLE booking_attendees ADD COLUMN id_hash TEXT;
ALTER TABLE booking_attendees ADD COLUMN id_cipher TEXT;
ALTER TABLE booking_attendees ADD COLUMN id_masked TEXT NOT NULL DEFAULT '';
CREATE TABLE realname_claims (
	activity_id INTEGER NOT NULL REFERENCES activities(id),
	id_hash     TEXT NOT NULL,
	booking_id  INTEGER NOT NULL REFERENCES bookings(id) ON DELETE CASCADE,
	PRIMARY KEY (activity_id, id_hash)
);

-- No-show restriction, kept by the settle job and by waivers.
ALTER TABLE accounts ADD COLUMN restricted_until INTEGER NOT NULL DEFAULT 0;

-- +goose Down
SELECT 1;
