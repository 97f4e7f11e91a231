/*
 * answer_areas.c — areas as answers (see answer_areas.h).
 */
#include "survey/answer_areas.h"

#include <string.h>

#include "areas/area.h"
#include "core/util.h"
#include "web/web.h"

static const char SQL_LOOKUP[] =
	"SELECT id FROM areas WHERE kind = 'area' AND retired_at IS NULL AND (code = ? OR id = ?) "
	"ORDER BY id LIMIT 1";

typedef struct areas_list {
	json_t *rows;
	int64_t selected;
} areas_list;

static int area_row(void *ud, const area *a)
{
	areas_list *l = ud;
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(a->id));
	json_object_set_new(o, "code", json_string(a->code));
	json_object_set_new(o, "name", json_string(a->name));
	json_object_set_new(o, "selected", json_boolean(a->id == l->selected));
	json_array_append_new(l->rows, o);
	return 0;
}

json_t *survey_areas_json(http_req *r, int64_t selected)
{
	areas_list l = { json_array(), selected };
	if (area_each(web_db(r), 0, area_row, &l) != 0) {
		json_decref(l.rows);
		return NULL;
	}
	return l.rows;
}

int64_t survey_area_lookup(void *ud, const char *text)
{
	http_req *r = ud;
	int64_t id = 0;
	if (str_to_int64(text, &id) != 0)
		id = -1;
	db_stmt *s = db_prepare(web_db(r), SQL_LOOKUP);
	if (s == NULL)
		return 0;
	db_bind_text(s, 1, text);
	db_bind_int(s, 2, id);
	if (db_step(s) != DB_ROW)
		return 0;
	int64_t found = db_column_int(s, 0);
	db_step(s);
	return found;
}

const char *survey_area_name(http_req *r, int64_t id)
{
	area a;
	if (id <= 0 || area_find(web_db(r), r->arena, id, &a) != 1)
		return "";
	return a.name;
}
