-- +goose Up
-- Lottery draws (issue 3), recorded so that anyone can recompute them:
-- lottery_seats is the number of seats the draw had to give out (the public
-- seats left at the draw); every application
-- in the draw keeps its weight, its position in the draw order (1-based)
-- and whether it won. Applications outside the draw keep NULLs.
ALTER TABLE activities ADD COLUMN lottery_seats INTEGER;
ALTER TABLE bookings ADD COLUMN lottery_weight REAL;
ALTER TABLE bookings ADD COLUMN lottery_rank INTEGER;
ALTER TABLE bookings ADD COLUMN lottery_won INTEGER NOT NULL DEFAULT 0;

-- +goose Down
SELECT 1;
