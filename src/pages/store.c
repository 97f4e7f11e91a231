/*
 * store.c — information pages and their versions in the database (see
 * pages.h and migrations/0004_pages.sql).
 *
 * Versions are only ever added. The number of a new version is the highest
 * number of its page and language plus one, read and written in one write
 * transaction; the unique (page_id, lang, number) key stops two processes
 * from taking the same number. The same transaction compares the highest
 * number with the one the writer saw, so that a coordinator who saves over
 * a colleague's newer version is told instead.
 *
 * What this file does not do: check titles and texts (editor.c does), or
 * render Markdown (markdown.c).
 */
#include "pages/pages.h"
#include "core/util.h"

#include <string.h>

const char *const page_state_names[PAGE_STATE__MAX] = { "draft", "published" };

static const char SQL_PAGE_FIND[] =
	"SELECT id, slug, menu_order, in_menu FROM pages WHERE slug = ?";
static const char SQL_PAGE_EACH[] =
	"SELECT id, slug, menu_order, in_menu FROM pages ORDER BY menu_order, slug";
static const char SQL_PAGE_CREATE[] =
	"INSERT INTO pages (slug, menu_order, in_menu, created_at, created_by) VALUES (?, ?, ?, ?, ?)"
	" ON CONFLICT (slug) DO NOTHING RETURNING id";
static const char SQL_PAGE_SET_MENU[] =
	"UPDATE pages SET menu_order = ?, in_menu = ? WHERE id = ?";

/* The columns of a version, in the order version_read() takes them. The
 * author is named by name, or by e-mail when the account has no name. */
#define VERSION_COLUMNS \
	"v.number, v.lang, v.title, v.body, v.state, COALESCE(NULLIF(u.name, ''), u.email, ''), v.created_at," \
	" v.restored_from FROM page_versions v LEFT JOIN users u ON u.id = v.author_id"
/* The newest version; with the second parameter 1, the newest published one. */
static const char SQL_VERSION_LATEST[] =
	"SELECT " VERSION_COLUMNS
	" WHERE v.page_id = ? AND v.lang = ? AND (? = 0 OR v.state = 'published')"
	" ORDER BY v.number DESC LIMIT 1";
static const char SQL_VERSION_GET[] =
	"SELECT " VERSION_COLUMNS " WHERE v.page_id = ? AND v.lang = ? AND v.number = ?";
static const char SQL_VERSION_EACH[] =
	"SELECT " VERSION_COLUMNS " WHERE v.page_id = ? AND v.lang = ? ORDER BY v.number DESC";
static const char SQL_VERSION_MAX[] =
	"SELECT COALESCE(MAX(number), 0) FROM page_versions WHERE page_id = ? AND lang = ?";
static const char SQL_VERSION_INSERT[] =
	"INSERT INTO page_versions (page_id, lang, number, title, body, state, author_id, created_at, restored_from)"
	" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
/* Each page in the menu with the title of its newest published version in the
 * language asked for and in Swedish; the asked-for language comes first. */
static const char SQL_MENU[] =
	"SELECT p.slug, v.title, v.lang FROM pages p JOIN page_versions v ON v.page_id = p.id"
	" WHERE p.in_menu = 1 AND v.state = 'published' AND (v.lang = ? OR v.lang = 'sv')"
	" AND v.number = (SELECT MAX(w.number) FROM page_versions w"
	"   WHERE w.page_id = p.id AND w.lang = v.lang AND w.state = 'published')"
	" ORDER BY p.menu_order, p.slug, CASE WHEN v.lang = ? THEN 0 ELSE 1 END";

bool page_slug_valid(const char *slug)
{
	size_t len = strlen(slug);
	if (len == 0 || len > PAGE_SLUG_MAX_BYTES || slug[0] == '-' || slug[len - 1] == '-')
		return false;
	for (size_t i = 0; i < len; i++) {
		char ch = slug[i];
		bool ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || (ch == '-' && slug[i + 1] != '-');
		if (!ok)
			return false;
	}
	return true;
}

/* Runs s to its end after a caller stopped early, so that it does not stay open. */
static int stmt_finish(db_stmt *s)
{
	int step;
	while ((step = db_step(s)) == DB_ROW)
		;
	return step == DB_DONE ? 0 : -1;
}

static void page_read(db_stmt *s, arena *a, page *out)
{
	out->id = db_column_int(s, 0);
	out->slug = arena_strdup(a, db_column_text(s, 1));
	out->menu_order = db_column_int(s, 2);
	out->in_menu = db_column_int(s, 3) != 0;
}

int page_find(db_conn *c, arena *a, const char *slug, page *out)
{
	db_stmt *s = db_prepare(c, SQL_PAGE_FIND);
	if (s == NULL)
		return -1;
	db_bind_text(s, 1, slug);
	int step = db_step(s);
	if (step != DB_ROW)
		return step == DB_DONE ? 0 : -1;
	page_read(s, a, out);
	return stmt_finish(s) == 0 ? 1 : -1;
}

int page_each(db_conn *c, arena *a, int (*fn)(void *ud, const page *p), void *ud)
{
	db_stmt *s = db_prepare(c, SQL_PAGE_EACH);
	if (s == NULL)
		return -1;
	/* Read every row first: fn may run queries of its own. */
	size_t count = 0, cap = 16;
	page *all = arena_alloc(a, cap * sizeof(*all));
	int step;
	while ((step = db_step(s)) == DB_ROW) {
		if (count == cap) {
			page *more = arena_alloc(a, 2 * cap * sizeof(*more));
			memcpy(more, all, cap * sizeof(*all));
			all = more;
			cap *= 2;
		}
		page_read(s, a, &all[count++]);
	}
	if (step != DB_DONE)
		return -1;
	for (size_t i = 0; i < count; i++)
		if (fn(ud, &all[i]) != 0)
			break;
	return (int)count;
}

int64_t page_create(db_conn *c, const char *slug, int64_t menu_order, bool in_menu, int64_t user_id, int64_t now)
{
	int64_t id = -1;
	if (db_begin_write(c) != 0)
		return -1;
	db_stmt *s = db_prepare(c, SQL_PAGE_CREATE);
	if (s == NULL)
		goto out;
	db_bind_text(s, 1, slug);
	db_bind_int(s, 2, menu_order);
	db_bind_int(s, 3, in_menu);
	db_bind_int(s, 4, now);
	if (user_id > 0)
		db_bind_int(s, 5, user_id);
	else
		db_bind_null(s, 5);
	int step = db_step(s);
	if (step == DB_DONE) {
		id = 0; /* the slug is taken: nothing was inserted */
	} else if (step == DB_ROW) {
		int64_t new_id = db_column_int(s, 0);
		if (stmt_finish(s) != 0)
			goto out;
		id = new_id;
	} else {
		goto out;
	}
	if (db_commit(c) != 0)
		id = -1;
out:
	if (id < 0)
		db_rollback(c);
	return id;
}

int page_set_menu(db_conn *c, int64_t page_id, int64_t menu_order, bool in_menu)
{
	if (db_begin_write(c) != 0)
		return -1;
	db_stmt *s = db_prepare(c, SQL_PAGE_SET_MENU);
	if (s == NULL)
		goto fail;
	db_bind_int(s, 1, menu_order);
	db_bind_int(s, 2, in_menu);
	db_bind_int(s, 3, page_id);
	if (db_step(s) != DB_DONE)
		goto fail;
	return db_commit(c);
fail:
	db_rollback(c);
	return -1;
}

/* Fills *out from a row of VERSION_COLUMNS (strings in a). */
static void version_read(db_stmt *s, arena *a, page_version *out)
{
	out->number = db_column_int(s, 0);
	out->lang = arena_strdup(a, db_column_text(s, 1));
	out->title = arena_strdup(a, db_column_text(s, 2));
	out->body = arena_strdup(a, db_column_text(s, 3));
	const char *state = db_column_text(s, 4);
	out->state = state && strcmp(state, page_state_names[PAGE_PUBLISHED]) == 0 ? PAGE_PUBLISHED : PAGE_DRAFT;
	out->author = arena_strdup(a, db_column_is_null(s, 5) ? "" : db_column_text(s, 5));
	out->created_at = db_column_int(s, 6);
	out->restored_from = db_column_int(s, 7);
}

/* Steps s once: 1 and *out filled on a row, 0 when there is none, -1 on error. */
static int version_one(db_stmt *s, arena *a, page_version *out)
{
	int step = db_step(s);
	if (step != DB_ROW)
		return step == DB_DONE ? 0 : -1;
	version_read(s, a, out);
	return stmt_finish(s) == 0 ? 1 : -1;
}

int page_version_latest(db_conn *c, arena *a, int64_t page_id, const char *lang, bool published_only,
			page_version *out)
{
	db_stmt *s = db_prepare(c, SQL_VERSION_LATEST);
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, page_id);
	db_bind_text(s, 2, lang);
	db_bind_int(s, 3, published_only);
	return version_one(s, a, out);
}

int page_version_get(db_conn *c, arena *a, int64_t page_id, const char *lang, int64_t number, page_version *out)
{
	db_stmt *s = db_prepare(c, SQL_VERSION_GET);
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, page_id);
	db_bind_text(s, 2, lang);
	db_bind_int(s, 3, number);
	return version_one(s, a, out);
}

int page_version_each(db_conn *c, arena *a, int64_t page_id, const char *lang,
		      int (*fn)(void *ud, const page_version *v), void *ud)
{
	db_stmt *s = db_prepare(c, SQL_VERSION_EACH);
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, page_id);
	db_bind_text(s, 2, lang);
	int count = 0, step;
	while ((step = db_step(s)) == DB_ROW) {
		page_version v;
		version_read(s, a, &v);
		count++;
		if (fn(ud, &v) != 0)
			return stmt_finish(s) == 0 ? count : -1;
	}
	return step == DB_DONE ? count : -1;
}

int64_t page_version_add(db_conn *c, const page_version_new *v, const char *title, const char *body)
{
	int64_t number = -1;
	if (db_begin_write(c) != 0)
		return -1;
	db_stmt *s = db_prepare(c, SQL_VERSION_MAX);
	if (s == NULL)
		goto out;
	db_bind_int(s, 1, v->page_id);
	db_bind_text(s, 2, v->lang);
	if (db_step(s) != DB_ROW)
		goto out;
	int64_t newest = db_column_int(s, 0);
	if (stmt_finish(s) != 0)
		goto out;
	if (v->base >= 0 && newest != v->base) {
		number = 0;
		goto out;
	}
	s = db_prepare(c, SQL_VERSION_INSERT);
	if (s == NULL)
		goto out;
	db_bind_int(s, 1, v->page_id);
	db_bind_text(s, 2, v->lang);
	db_bind_int(s, 3, newest + 1);
	db_bind_text(s, 4, title);
	db_bind_text(s, 5, body);
	db_bind_text(s, 6, page_state_names[v->state]);
	if (v->author_id > 0)
		db_bind_int(s, 7, v->author_id);
	else
		db_bind_null(s, 7);
	db_bind_int(s, 8, v->now);
	db_bind_int(s, 9, v->restored_from);
	if (db_step(s) != DB_DONE) {
		/* Another process took the number between our read and write (PostgreSQL). */
		if (db_error_is_conflict(c))
			number = 0;
		goto out;
	}
	if (db_commit(c) != 0)
		goto out;
	return newest + 1;
out:
	db_rollback(c);
	return number;
}

int page_menu_each(db_conn *c, arena *a, const char *lang, int (*fn)(void *ud, const page_menu_item *m), void *ud)
{
	db_stmt *s = db_prepare(c, SQL_MENU);
	if (s == NULL)
		return -1;
	db_bind_text(s, 1, lang);
	db_bind_text(s, 2, lang);
	int count = 0, step;
	const char *previous = "";
	bool stopped = false;
	while ((step = db_step(s)) == DB_ROW) {
		const char *slug = db_column_text(s, 0);
		/* The asked-for language comes first; a page's Swedish row after it is skipped. */
		if (stopped || strcmp(slug, previous) == 0)
			continue;
		page_menu_item m = {
			.slug = arena_strdup(a, slug),
			.title = arena_strdup(a, db_column_text(s, 1)),
			.lang = arena_strdup(a, db_column_text(s, 2)),
		};
		previous = m.slug;
		count++;
		stopped = fn(ud, &m) != 0;
	}
	return step == DB_DONE ? count : -1;
}
