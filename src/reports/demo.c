/*
 * demo.c — the demo categories of Felanmälan (grouped Gata / Park /
 * Parkering, in Swedish and English) with their extra questions. They are
 * data: staff change them in the database, nothing here is used at run time.
 */
#include "reports/report_internal.h"
#include "core/util.h"

#include <string.h>

static const struct {
	const char *code, *group, *name_sv, *name_en, *description_sv, *description_en, *keywords;
} demo_categories[] = {
	{ "gatubelysning", "gata", "Trasig gatubelysning", "Broken street light", "En gatlampa som är släckt, blinkar eller är skadad.",
	  "A street light that is out, flickers or is damaged.", "belysning,lampa,light" },
	{ "klotter", "gata", "Klotter", "Graffiti", "Klotter på kommunens väggar, skyltar eller bänkar.",
	  "Graffiti on the municipality's walls, signs or benches.", "klotter,graffiti" },
	{ "skadegorelse", "gata", "Skadegörelse", "Vandalism", "Något som har förstörts med avsikt.",
	  "Something that has been damaged on purpose.", "vandalism,skadegörelse" },
	{ "nedskrapning", "park", "Nedskräpning", "Littering", "Skräp, fulla papperskorgar eller dumpat avfall.",
	  "Litter, full bins or dumped waste.", "skräp,litter" },
	{ "lekplats", "park", "Trasig lekplats", "Broken playground", "Lekutrustning som är trasig eller farlig.",
	  "Play equipment that is broken or dangerous.", "lekplats,playground" },
	{ "felparkerad", "parkering", "Felparkerat fordon", "Wrongly parked vehicle",
	  "Ett fordon som står där det inte får stå.", "A vehicle parked where it must not be.", "parkering,parking" },
	{ "overgivet-fordon", "parkering", "Övergivet fordon", "Abandoned vehicle",
	  "Ett fordon som verkar ha lämnats för gott.", "A vehicle that seems to have been left for good.", "fordon,vehicle" },
};

static const struct {
	const char *category, *code, *datatype;
	int required;
	const char *name_sv, *name_en, *hint_sv, *hint_en, *choices;
} demo_attributes[] = {
	{ "felparkerad", "registreringsnummer", "string", 1, "Registreringsnummer", "Registration number",
	  "Till exempel ABC 123.", "For example ABC 123.", "" },
	{ "felparkerad", "hinder", "singlevaluelist", 0, "Hindrar fordonet något?", "Is the vehicle in the way?", "", "",
	  "utfart|Står för en utfart|Blocks a driveway\nrorelsehinder|Står på en plats för rörelsehindrade|Parked in a disabled space\nannat|Annat|Other" },
	{ "overgivet-fordon", "registreringsnummer", "string", 0, "Registreringsnummer", "Registration number",
	  "Om det finns en skylt.", "If there is a plate.", "" },
	{ "klotter", "stotande", "singlevaluelist", 0, "Är klottret stötande eller hotfullt?", "Is the graffiti offensive or threatening?",
	  "", "", "ja|Ja|Yes\nnej|Nej|No" },
};

static const char SQL_ANY[] = "SELECT COUNT(*) FROM report_categories";
static const char SQL_CATEGORY[] =
	"INSERT INTO report_categories (code, group_code, name_sv, name_en, description_sv, description_en, keywords, "
	"sort_order) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
static const char SQL_ATTRIBUTE[] =
	"INSERT INTO report_attributes (category_id, code, datatype, required, name_sv, name_en, hint_sv, hint_en, choices, "
	"sort_order) VALUES ((SELECT id FROM report_categories WHERE code = ?), ?, ?, ?, ?, ?, ?, ?, ?, ?)";

int report_demo_load(db_conn *c, const config *cfg, FILE *out)
{
	(void)cfg;
	db_stmt *s;
	if (db_begin_write(c) != 0 || (s = db_prepare(c, SQL_ANY)) == NULL || db_step(s) != DB_ROW)
		goto fail;
	int64_t existing = db_column_int(s, 0);
	db_step(s);
	if (existing > 0)
		return db_rollback(c) == 0 ? 0 : -1;
	for (size_t i = 0; i < ARRAY_LEN(demo_categories); i++) {
		if ((s = db_prepare(c, SQL_CATEGORY)) == NULL)
			goto fail;
		db_bind_text(s, 1, demo_categories[i].code);
		db_bind_text(s, 2, demo_categories[i].group);
		db_bind_text(s, 3, demo_categories[i].name_sv);
		db_bind_text(s, 4, demo_categories[i].name_en);
		db_bind_text(s, 5, demo_categories[i].description_sv);
		db_bind_text(s, 6, demo_categories[i].description_en);
		db_bind_text(s, 7, demo_categories[i].keywords);
		db_bind_int(s, 8, (int64_t)i);
		if (db_step(s) != DB_ROW)
			goto fail;
		db_step(s);
	}
	for (size_t i = 0; i < ARRAY_LEN(demo_attributes); i++) {
		if ((s = db_prepare(c, SQL_ATTRIBUTE)) == NULL)
			goto fail;
		db_bind_text(s, 1, demo_attributes[i].category);
		db_bind_text(s, 2, demo_attributes[i].code);
		db_bind_text(s, 3, demo_attributes[i].datatype);
		db_bind_int(s, 4, demo_attributes[i].required);
		db_bind_text(s, 5, demo_attributes[i].name_sv);
		db_bind_text(s, 6, demo_attributes[i].name_en);
		db_bind_text(s, 7, demo_attributes[i].hint_sv);
		db_bind_text(s, 8, demo_attributes[i].hint_en);
		db_bind_text(s, 9, demo_attributes[i].choices);
		db_bind_int(s, 10, (int64_t)i);
		if (db_step(s) != DB_DONE)
			goto fail;
	}
	if (db_commit(c) != 0)
		goto fail;
	if (out)
		fprintf(out, "fault report categories: %zu\n", ARRAY_LEN(demo_categories));
	return 0;
fail:
	fprintf(stderr, "trygg: %s\n", db_errmsg(c));
	db_rollback(c);
	return -1;
}
