-- Information pages written by the coordinator in Markdown (src/pages/).
-- A page is its address (slug) and its place in the menu; its text lives in
-- versions, one series per language. A version is never changed or deleted:
-- saving adds a draft, publishing adds a published version, restoring an old
-- version adds a draft with its text. Visitors see the newest published
-- version of their language. Times are seconds since the epoch, UTC.

CREATE TABLE pages (
	id {{id}},
	slug TEXT NOT NULL UNIQUE,           -- the address: /sida/SLUG; a-z, 0-9 and '-'
	menu_order BIGINT NOT NULL DEFAULT 0, -- position in the menu of pages, lowest first
	in_menu BIGINT NOT NULL DEFAULT 1,   -- 1: listed in the menu once published
	created_at BIGINT NOT NULL,
	created_by BIGINT REFERENCES users(id) ON DELETE SET NULL -- NULL: the system (demo data)
);

CREATE TABLE page_versions (
	id {{id}},
	page_id BIGINT NOT NULL REFERENCES pages(id) ON DELETE CASCADE,
	lang TEXT NOT NULL,                  -- 'sv' or 'en'
	number BIGINT NOT NULL,              -- 1, 2, 3 … within the page and language
	title TEXT NOT NULL,
	body TEXT NOT NULL,                  -- Markdown, rendered with raw HTML disabled
	state TEXT NOT NULL,                 -- 'draft' or 'published'
	author_id BIGINT REFERENCES users(id) ON DELETE SET NULL, -- NULL: the system (demo data)
	created_at BIGINT NOT NULL,
	restored_from BIGINT NOT NULL DEFAULT 0, -- number of the version this one restores, 0 if none
	UNIQUE (page_id, lang, number)
);
CREATE INDEX page_versions_state ON page_versions(page_id, lang, state, number);
