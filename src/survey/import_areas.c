/*
 * import_areas.c — the municipality's areas as the survey's files name them:
 * by id, by code ("1402C1150", "1402C1080+1402C1120") or by name, without
 * regard to case (see import.h).
 */
#include "survey/import.h"

#include <stdlib.h>
#include <string.h>

#include "areas/area.h"
#include "core/util.h"

typedef struct collect {
	arena *a;
	size_t count, cap;
	survey_area_ref *items; /* malloc'd while collecting */
} collect;

static int collect_area(void *ud, const area *ar)
{
	collect *c = ud;
	if (c->count == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 32;
		c->items = xrealloc(c->items, c->cap * sizeof *c->items);
	}
	c->items[c->count++] = (survey_area_ref){
		.id = ar->id, .code = arena_strdup(c->a, ar->code), .name = arena_strdup(c->a, ar->name),
		.geometry = arena_strdup(c->a, ar->geometry ? ar->geometry : ""), .bbox_w = ar->bbox.min_lon, .bbox_s = ar->bbox.min_lat, .bbox_e = ar->bbox.max_lon, .bbox_n = ar->bbox.max_lat,
	};
	return 0;
}

int survey_area_list_load(db_conn *c, arena *a, survey_area_list *out)
{
	collect col = { .a = a };
	memset(out, 0, sizeof *out);
	int rc = area_each(c, AREA_EACH_GEOMETRY, collect_area, &col);
	out->count = col.count;
	out->items = arena_alloc(a, (col.count ? col.count : 1) * sizeof *out->items);
	if (col.count)
		memcpy(out->items, col.items, col.count * sizeof *col.items);
	free(col.items);
	return rc;
}

int64_t survey_area_list_lookup(void *ud, const char *text)
{
	const survey_area_list *l = ud;
	int64_t id;
	if (str_to_int64(text, &id) == 0 && survey_area_list_find(l, id) != NULL)
		return id;
	for (size_t i = 0; i < l->count; i++)
		if (survey_fold_equal(l->items[i].code, text) || survey_fold_equal(l->items[i].name, text))
			return l->items[i].id;
	return 0;
}

const survey_area_ref *survey_area_list_find(const survey_area_list *l, int64_t id)
{
	for (size_t i = 0; i < l->count; i++)
		if (l->items[i].id == id)
			return &l->items[i];
	return NULL;
}
