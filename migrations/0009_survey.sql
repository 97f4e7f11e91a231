-- Trygghetsundersökningen: the safety survey (src/survey/).
-- Times are BIGINT seconds since the epoch, UTC.
--
-- A round's questionnaire is data: a JSON document in the format of
-- src/survey/questionnaire.h ("trygg-survey/1"), validated whenever it is
-- saved. Items keep their code across rounds ("problem.klotter"), which is
-- what makes rounds comparable. Answers are stored per item code.

CREATE TABLE survey_rounds (
	id {{id}},
	slug TEXT NOT NULL UNIQUE,             -- in addresses: /trygghetsundersokning/SLUG
	title_sv TEXT NOT NULL,
	title_en TEXT NOT NULL DEFAULT '',
	year BIGINT NOT NULL,                  -- the year the round describes (trend axis)
	status TEXT NOT NULL DEFAULT 'draft',  -- draft, open, closed, published
	questionnaire TEXT NOT NULL,           -- JSON, see src/survey/questionnaire.h
	open_link BIGINT NOT NULL DEFAULT 0,   -- 1: anyone with the round's address may answer
	opens_at BIGINT,                       -- NULL: as soon as status is open
	closes_at BIGINT,
	margins TEXT NOT NULL DEFAULT '',      -- raking margins, e.g. "age_group*sex,area" (background keys)
	min_n BIGINT NOT NULL DEFAULT 30,      -- fewest answers a published figure rests on
	trim_upper {{real}} NOT NULL DEFAULT 5, -- weights at most this × the mean weight (0: no trimming)
	generated BIGINT NOT NULL DEFAULT 0,   -- 1: generated demo answers, labelled as such
	method_sv TEXT NOT NULL DEFAULT '',    -- how the round was run (Markdown), for the methods page
	method_en TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	published_at BIGINT
);

-- One-time codes printed on invitation letters. Only a hash of each code is
-- kept (the printed letters are the only copy of the codes). A code opens
-- one response; once that response is submitted the code is used up.
CREATE TABLE survey_codes (
	id {{id}},
	round_id BIGINT NOT NULL REFERENCES survey_rounds(id),
	code_hash TEXT NOT NULL UNIQUE,
	batch TEXT NOT NULL DEFAULT '',        -- e.g. "utskick 1"
	created_at BIGINT NOT NULL,
	started_at BIGINT,
	used_at BIGINT
);
CREATE INDEX survey_codes_round ON survey_codes(round_id);

-- One respondent's answers. A web response in progress is found again by the
-- hash of its resume token (from the one-time code or a cookie/link for the
-- open link); nothing ties a response to a code once it is submitted.
CREATE TABLE survey_responses (
	id {{id}},
	round_id BIGINT NOT NULL REFERENCES survey_rounds(id),
	mode TEXT NOT NULL,                    -- web, phone, paper, import
	status TEXT NOT NULL DEFAULT 'in_progress', -- in_progress, complete
	resume_hash TEXT UNIQUE,               -- NULL once complete
	code_id BIGINT REFERENCES survey_codes(id), -- while in progress only
	area_id BIGINT,                        -- the respondent's area (background), for the lägesbild
	base_weight {{real}} NOT NULL DEFAULT 1,
	entered_by BIGINT,                     -- staff account for phone/paper entry
	import_id BIGINT,                      -- survey_imports row for imported answers
	source_ref TEXT NOT NULL DEFAULT '',   -- e.g. the paper form's number or the file's row
	started_at BIGINT NOT NULL,
	submitted_at BIGINT,
	updated_at BIGINT NOT NULL
);
CREATE INDEX survey_responses_round ON survey_responses(round_id, status);

-- One answer. value_code for scale items and numbers, value_text for text,
-- lat/lon (and area_id) for a place on the map. Free text is published only
-- after review: text_review pending → approved (text_public may be an edited
-- version without names) or rejected.
CREATE TABLE survey_answers (
	id {{id}},
	response_id BIGINT NOT NULL REFERENCES survey_responses(id) ON DELETE CASCADE,
	item_code TEXT NOT NULL,
	value_code BIGINT,
	value_text TEXT,
	lat {{real}},
	lon {{real}},
	area_id BIGINT,
	text_review TEXT,                      -- NULL (no text), pending, approved, rejected
	text_public TEXT,
	reviewed_by BIGINT,
	reviewed_at BIGINT,
	UNIQUE (response_id, item_code)
);
CREATE INDEX survey_answers_item ON survey_answers(item_code);

-- Population counts for weighting: one row per cell of a margin, e.g.
-- margin "age_group*sex", cell "25-44|kvinna", count 4120. Cells name the
-- answer codes' keys of the background items (see questionnaire.h); areas by
-- their area code.
CREATE TABLE survey_population (
	id {{id}},
	round_id BIGINT NOT NULL REFERENCES survey_rounds(id),
	margin TEXT NOT NULL,
	cell TEXT NOT NULL,
	count {{real}} NOT NULL,
	source TEXT NOT NULL DEFAULT '',
	imported_at BIGINT NOT NULL,
	UNIQUE (round_id, margin, cell)
);

-- A file of answers imported (telephone or paper rounds).
CREATE TABLE survey_imports (
	id {{id}},
	round_id BIGINT NOT NULL REFERENCES survey_rounds(id),
	filename TEXT NOT NULL,
	rows_total BIGINT NOT NULL,
	rows_imported BIGINT NOT NULL,
	rows_rejected BIGINT NOT NULL,
	report TEXT NOT NULL DEFAULT '',       -- the rejected rows and why (JSON)
	imported_by BIGINT,
	imported_at BIGINT NOT NULL
);
