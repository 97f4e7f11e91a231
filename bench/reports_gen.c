/*
 * reports_gen.c — fault reports for bench/reports.sh, written straight into a
 * Trygg SQLite database that `trygg demo` has set up (migrations, areas of
 * Partille, the demo categories).
 *
 *   reports_gen fill DB N [SEED]      N reports over the 3 years up to now
 *   reports_gen loop DB SECONDS       the plain-C floor for durable writes
 *
 * fill: one transaction of prepared INSERTs (synchronous off while it runs:
 * the file is thrown away if the run fails). Each report gets a demo category
 * (weighted: more street lights and littering than abandoned cars), an area
 * and a point inside that area's bounding box (the demo borders are
 * approximate anyway), a time spread over 3 years with more in summer, a
 * status that depends on its age (old ones mostly closed), a description and
 * address from small word lists, contact details for some, and the history
 * rows the web form and staff would have written ("created", and a public
 * status update with text for handled ones).
 *
 * loop: what the POST benchmark is compared with. The rows an Open311 POST
 * writes (the report with fresh tokens, its "created" update), inserted by a
 * single C loop with Trygg's durability: WAL, synchronous=FULL, one commit
 * per report. Prints "loop: N reports in S s" on standard output.
 *
 * Not part of Trygg; no SQL text comes from input. Built by bench/reports.sh
 * with cc … -lsqlite3 -lsodium.
 */
#include <math.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define YEAR_SECONDS (365LL * 86400)
#define AREAS_MAX 64
#define CATEGORIES_MAX 32

/* xorshift64*: fast, seeded, good enough for test data. */
static uint64_t rng_state = 88172645463325252ULL;

static uint64_t rng_next(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

/* A number in [0, 1). */
static double rng_unit(void)
{
	return (double)(rng_next() >> 11) / 9007199254740992.0;
}

static unsigned rng_below(unsigned n)
{
	return (unsigned)(rng_unit() * n);
}

typedef struct area_box {
	int64_t id;
	double min_lon, min_lat, max_lon, max_lat;
} area_box;

typedef struct category_row {
	int64_t id;
	char code[64];
} category_row;

typedef struct gen_state {
	sqlite3 *db;
	area_box areas[AREAS_MAX];
	double area_weights[AREAS_MAX];
	size_t area_count;
	category_row categories[CATEGORIES_MAX];
	double category_weights[CATEGORIES_MAX];
	size_t category_count;
	sqlite3_stmt *insert_report, *insert_update;
} gen_state;

static const struct {
	const char *code;
	double weight;
	const char *texts[3];
} category_texts[] = {
	{ "gatubelysning", 5, { "Lampan är släckt sedan flera kvällar.", "Gatlampan blinkar hela natten.",
				"Stolpen lutar efter en påkörning." } },
	{ "klotter", 3, { "Klotter på elskåpet vid busshållplatsen.", "Nytt klotter på bullerplanket.",
			  "Taggar på skylten vid gångtunneln." } },
	{ "skadegorelse", 2, { "Krossad ruta i busskuren.", "Parkbänken är sönderslagen.", "Någon har vält papperskorgen." } },
	{ "nedskrapning", 5, { "Fulla papperskorgar och skräp runt bänkarna.", "Dumpade sopsäckar vid återvinningen.",
			       "Mycket glas på gångvägen." } },
	{ "lekplats", 1.5, { "Gungan har en trasig kedja.", "Rutschkanan har en vass kant.", "Sanden i lådan är full av glas." } },
	{ "felparkerad", 3, { "Bil parkerad på trottoaren.", "Fordon står på platsen för rörelsehindrade.",
			      "Lastbil blockerar utfarten." } },
	{ "overgivet-fordon", 0.5, { "Bilen har stått här i månader utan skyltar.", "Släpvagn som lämnats vid vändplanen.",
				     "Moped utan ägare i buskaget." } },
};

static const char *const streets[] = { "Gamla Kronvägen", "Göteborgsvägen", "Landvettervägen", "Ugglumsleden",
				       "Kåhögsvägen", "Brattåsvägen", "Lexbyvägen", "Furulundsvägen", "Vallhamra torg",
				       "Mellbyvägen", "Björndammsterrassen", "Öjersjövägen", "Partille torg",
				       "Jonseredsvägen", "Sävedalsvägen", "Skulltorpsvägen" };
static const char *const first_names[] = { "Anna", "Erik", "Maria", "Lars", "Fatima", "Johan", "Sara", "Ali", "Karin", "Mikael" };
static const char *const last_names[] = { "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Hassan", "Larsson", "Olsson" };

/* Status mix by age: a report under a week old is mostly untouched; one
 * older than two months mostly closed. */
static const struct {
	const char *name;
	int open;
	double young, middle, old; /* weights under 7 days, under 60 days, older */
	const char *text;
} statuses[] = {
	{ "received", 1, 70, 15, 2, "" },
	{ "in_progress", 1, 15, 20, 2, "Vi har skickat ut en arbetsorder." },
	{ "action_scheduled", 1, 10, 20, 2, "Åtgärden är planerad till nästa vecka." },
	{ "fixed", 0, 4, 30, 65, "Felet är åtgärdat. Tack för anmälan!" },
	{ "not_responsible", 0, 0.5, 5, 10, "Platsen sköts inte av kommunen; vi har meddelat fastighetsägaren." },
	{ "duplicate", 0, 0.3, 4, 7, "Det här felet är redan anmält." },
	{ "no_further_action", 0, 0.1, 4, 9, "Vi har tittat på platsen och gör ingen vidare åtgärd." },
	{ "reopened", 1, 0, 1, 1, "Felet har kommit tillbaka; vi tittar igen." },
	{ "withdrawn", 0, 0.1, 1, 2, "" },
};

static const char SQL_AREAS[] =
	"SELECT id, min_lon, min_lat, max_lon, max_lat FROM areas WHERE kind = 'area' AND retired_at IS NULL ORDER BY id";
static const char SQL_CATEGORIES[] = "SELECT id, code FROM report_categories WHERE active = 1 ORDER BY id";
static const char SQL_REPORT[] =
	"INSERT INTO reports (category_id, status, is_open, area_id, has_point, lat, lon, address, description, "
	"requested_at, updated_at, closed_at, source, public_token, follow_hash, reporter_name, reporter_email, "
	"reporter_phone, lang, personal_erased_at) VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'sv', ?)";
static const char SQL_UPDATE[] =
	"INSERT INTO report_updates (report_id, at, kind, status, text, public) VALUES (?, ?, ?, ?, ?, 1)";

static int fail(gen_state *g, const char *what)
{
	fprintf(stderr, "reports_gen: %s: %s\n", what, sqlite3_errmsg(g->db));
	return -1;
}

static int load_lists(gen_state *g)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(g->db, SQL_AREAS, -1, &s, NULL) != SQLITE_OK)
		return fail(g, "areas");
	while (sqlite3_step(s) == SQLITE_ROW && g->area_count < AREAS_MAX) {
		area_box *a = &g->areas[g->area_count++];
		a->id = sqlite3_column_int64(s, 0);
		a->min_lon = sqlite3_column_double(s, 1);
		a->min_lat = sqlite3_column_double(s, 2);
		a->max_lon = sqlite3_column_double(s, 3);
		a->max_lat = sqlite3_column_double(s, 4);
		/* Denser, central areas report more: weight by an arbitrary but fixed factor. */
		g->area_weights[g->area_count - 1] = 1.0 + (double)(a->id % 4);
	}
	sqlite3_finalize(s);
	if (sqlite3_prepare_v2(g->db, SQL_CATEGORIES, -1, &s, NULL) != SQLITE_OK)
		return fail(g, "categories");
	while (sqlite3_step(s) == SQLITE_ROW && g->category_count < CATEGORIES_MAX) {
		category_row *c = &g->categories[g->category_count++];
		c->id = sqlite3_column_int64(s, 0);
		snprintf(c->code, sizeof(c->code), "%s", (const char *)sqlite3_column_text(s, 1));
		double *weight = &g->category_weights[g->category_count - 1];
		*weight = 1;
		for (size_t i = 0; i < sizeof(category_texts) / sizeof(category_texts[0]); i++)
			if (strcmp(category_texts[i].code, c->code) == 0)
				*weight = category_texts[i].weight;
	}
	sqlite3_finalize(s);
	if (g->area_count == 0 || g->category_count == 0) {
		fprintf(stderr, "reports_gen: the database has no areas or categories: run `trygg demo` on it first\n");
		return -1;
	}
	if (sqlite3_prepare_v2(g->db, SQL_REPORT, -1, &g->insert_report, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(g->db, SQL_UPDATE, -1, &g->insert_update, NULL) != SQLITE_OK)
		return fail(g, "prepare");
	return 0;
}

/* An index below n, each i drawn with probability weights[i] / their sum. */
static size_t pick_weighted(const double *weights, size_t n)
{
	double total = 0, x;
	for (size_t i = 0; i < n; i++)
		total += weights[i];
	x = rng_unit() * total;
	for (size_t i = 0; i + 1 < n; i++) {
		if (x < weights[i])
			return i;
		x -= weights[i];
	}
	return n - 1;
}

static const area_box *pick_area(const gen_state *g)
{
	return &g->areas[pick_weighted(g->area_weights, g->area_count)];
}

static const category_row *pick_category(const gen_state *g)
{
	return &g->categories[pick_weighted(g->category_weights, g->category_count)];
}

static const char *category_text(const category_row *c)
{
	for (size_t i = 0; i < sizeof(category_texts) / sizeof(category_texts[0]); i++)
		if (strcmp(category_texts[i].code, c->code) == 0)
			return category_texts[i].texts[rng_below(3)];
	return "Något behöver åtgärdas här.";
}

static size_t pick_status(int64_t age)
{
	double weights[sizeof(statuses) / sizeof(statuses[0])];
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		weights[i] = age < 7 * 86400 ? statuses[i].young : age < 60 * 86400 ? statuses[i].middle : statuses[i].old;
	return pick_weighted(weights, sizeof(statuses) / sizeof(statuses[0]));
}

/* A token as Trygg makes them (report_new_token): 26 letters and digits. */
static void new_token(char out[27])
{
	static const char alphabet[] = "abcdefghijkmnpqrstuvwxyz23456789";
	for (int i = 0; i < 26; i++)
		out[i] = alphabet[rng_next() % (sizeof(alphabet) - 1)];
	out[26] = '\0';
}

/* The hex BLAKE2b of a token, as report_token_hash() stores it. */
static void token_hash(const char *token, char out[2 * crypto_generichash_BYTES + 1])
{
	unsigned char hash[crypto_generichash_BYTES];
	crypto_generichash(hash, sizeof(hash), (const unsigned char *)token, strlen(token), NULL, 0);
	sodium_bin2hex(out, 2 * crypto_generichash_BYTES + 1, hash, sizeof(hash));
}

static int add_update(gen_state *g, int64_t id, int64_t at, const char *kind, const char *status, const char *text)
{
	sqlite3_stmt *s = g->insert_update;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, at);
	sqlite3_bind_text(s, 3, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, status, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, text, -1, SQLITE_STATIC);
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : fail(g, "insert update");
}

/*
 * Inserts one report requested at time at (status index status) with its
 * history, as of now. Returns 0, or -1 with the error printed.
 */
static int add_report(gen_state *g, int64_t at, int64_t now, size_t status, const char *source)
{
	const area_box *a = pick_area(g);
	const category_row *c = pick_category(g);
	double lat = a->min_lat + rng_unit() * (a->max_lat - a->min_lat);
	double lon = a->min_lon + rng_unit() * (a->max_lon - a->min_lon);
	char address[96], token[27], follow[27], follow_hash[2 * crypto_generichash_BYTES + 1], name[64] = "",
									     email[96] = "", phone[32] = "";
	snprintf(address, sizeof(address), "%s %u", streets[rng_below(sizeof(streets) / sizeof(streets[0]))],
		 1 + rng_below(80));
	new_token(token);
	new_token(follow);
	token_hash(follow, follow_hash);
	int64_t handled = at + 3600 + (int64_t)rng_below(14 * 86400);
	if (handled > now)
		handled = now;
	bool touched = strcmp(statuses[status].name, "received") != 0;
	bool closed = !statuses[status].open;
	bool erased = closed && now - handled > YEAR_SECONDS;
	if (!erased && rng_unit() < 0.4) {
		unsigned f = rng_below(10), l = rng_below(8);
		snprintf(name, sizeof(name), "%s %s", first_names[f], last_names[l]);
		snprintf(email, sizeof(email), "%s.%s%u@example.se", first_names[f], last_names[l], rng_below(100));
		if (rng_unit() < 0.5)
			snprintf(phone, sizeof(phone), "070-%03u %02u %02u", rng_below(1000), rng_below(100), rng_below(100));
	}
	sqlite3_stmt *s = g->insert_report;
	int i = 1;
	sqlite3_bind_int64(s, i++, c->id);
	sqlite3_bind_text(s, i++, statuses[status].name, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, i++, statuses[status].open);
	sqlite3_bind_int64(s, i++, a->id);
	sqlite3_bind_double(s, i++, lat);
	sqlite3_bind_double(s, i++, lon);
	sqlite3_bind_text(s, i++, address, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, i++, category_text(c), -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, i++, at);
	sqlite3_bind_int64(s, i++, touched ? handled : at);
	if (closed)
		sqlite3_bind_int64(s, i++, handled);
	else
		sqlite3_bind_null(s, i++);
	sqlite3_bind_text(s, i++, source, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, i++, token, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, i++, follow_hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, i++, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, i++, email, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, i++, phone, -1, SQLITE_STATIC);
	if (erased)
		sqlite3_bind_int64(s, i++, handled + YEAR_SECONDS);
	else
		sqlite3_bind_null(s, i++);
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return fail(g, "insert report");
	int64_t id = sqlite3_last_insert_rowid(g->db);
	if (add_update(g, id, at, "created", "received", "") != 0)
		return -1;
	if (touched && add_update(g, id, handled, "status", statuses[status].name, statuses[status].text) != 0)
		return -1;
	return 0;
}

/* A request time in the 3 years up to now, more of them in summer. */
static int64_t pick_time(int64_t now)
{
	for (;;) {
		int64_t t = now - (int64_t)(rng_unit() * 3 * YEAR_SECONDS);
		double season = cos(2 * M_PI * (double)((t / 86400 + 170) % 365) / 365.0); /* peaks in June */
		if (rng_unit() < 0.6 + 0.4 * season)
			return t;
	}
}

static int exec(gen_state *g, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(g->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "reports_gen: %s: %s\n", sql, msg ? msg : "?");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static int compare_times(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static int fill(gen_state *g, long count)
{
	int64_t now = (int64_t)time(NULL);
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* Oldest first, as a real database grows: ids follow time, and one
	 * period's reports lie together in the table. */
	int64_t *times = malloc((size_t)(count > 0 ? count : 1) * sizeof(*times));
	if (times == NULL)
		return -1;
	for (long n = 0; n < count; n++)
		times[n] = pick_time(now);
	qsort(times, (size_t)count, sizeof(*times), compare_times);
	int rc = exec(g, "PRAGMA synchronous=OFF; PRAGMA cache_size=-400000; BEGIN");
	for (long n = 0; n < count && rc == 0; n++)
		rc = add_report(g, times[n], now, pick_status(now - times[n]), rng_unit() < 0.1 ? "api" : "web");
	free(times);
	if (rc != 0)
		return -1;
	if (exec(g, "COMMIT; ANALYZE; PRAGMA wal_checkpoint(TRUNCATE)") != 0)
		return -1;
	printf("fill: %ld reports in %.1f s\n", count, seconds_since(&t0));
	return 0;
}

static int loop(gen_state *g, double seconds)
{
	struct timespec t0;
	long n = 0;
	if (exec(g, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON") != 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (seconds_since(&t0) < seconds) {
		if (exec(g, "BEGIN IMMEDIATE") != 0 || add_report(g, (int64_t)time(NULL), (int64_t)time(NULL), 0, "api") != 0 ||
		    exec(g, "COMMIT") != 0)
			return -1;
		n++;
	}
	double took = seconds_since(&t0);
	printf("loop: %ld reports in %.3f s\n", n, took);
	return 0;
}

int main(int argc, char **argv)
{
	gen_state g = { 0 };
	int rc = 1;
	if (argc < 4 || (strcmp(argv[1], "fill") != 0 && strcmp(argv[1], "loop") != 0)) {
		fprintf(stderr, "usage: reports_gen fill DB N [SEED] | reports_gen loop DB SECONDS\n");
		return 2;
	}
	if (sodium_init() < 0)
		return 1;
	if (argc > 4)
		rng_state ^= strtoull(argv[4], NULL, 10) * 0x9E3779B97F4A7C15ULL;
	if (strcmp(argv[1], "loop") == 0) /* the tokens must not repeat those of fill */
		rng_state ^= (uint64_t)randombytes_random() << 32 | randombytes_random();
	if (sqlite3_open_v2(argv[2], &g.db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		fprintf(stderr, "reports_gen: cannot open %s\n", argv[2]);
		goto out;
	}
	sqlite3_busy_timeout(g.db, 10000);
	if (load_lists(&g) != 0)
		goto out;
	if (strcmp(argv[1], "fill") == 0)
		rc = fill(&g, strtol(argv[3], NULL, 10)) == 0 ? 0 : 1;
	else
		rc = loop(&g, strtod(argv[3], NULL)) == 0 ? 0 : 1;
out:
	sqlite3_finalize(g.insert_report);
	sqlite3_finalize(g.insert_update);
	sqlite3_close(g.db);
	return rc;
}
