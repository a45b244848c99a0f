-- The due scan goes alert by alert. A cancelled or finished alert leaves its deliveries'
-- old entries in a partial index on next_try_at until VACUUM, and they sort before a new
-- alert's; and statistics taken while nothing is due make the planner think a partial index
-- is empty and scan it for single-row updates. One full index by alert avoids both.
CREATE INDEX deliveries_alert_due ON deliveries (alert_id, next_try_at, id);
DROP INDEX deliveries_due;
