-- Counters for rate limits on public forms. The key is a keyed hash of the
-- purpose, the client's address and the time window, so it changes every
-- window and cannot be turned back into an address; old windows are deleted.
CREATE TABLE rate_limits (
	key TEXT PRIMARY KEY,
	hits BIGINT NOT NULL,
	window_end BIGINT NOT NULL
);
CREATE INDEX rate_limits_end ON rate_limits(window_end);
