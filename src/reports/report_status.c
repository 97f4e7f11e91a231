/*
 * report_status.c — the pure parts of Felanmälan: the table of statuses and
 * how each maps to Open311's open/closed, ISO 8601 times with zone, and the
 * XML writer that turns the same jansson value the JSON answers are made of
 * into GeoReport v2 XML, so that both formats always hold the same fields.
 *
 * No database and no request here; tests/unit/reports/ tests it all.
 */
#include "reports/report_internal.h"
#include "core/util.h"

#include <ctype.h>
#include <string.h>
#include <time.h>

#ifndef N_
#define N_(msgid) (msgid) /* marks a text for translation (as in web.h) */
#endif

const report_status_info report_statuses[REPORT_STATUS__MAX] = {
	[REPORT_RECEIVED] = { "received", true, "OPEN", N_("Mottagen") },
	[REPORT_IN_PROGRESS] = { "in_progress", true, "IN_PROGRESS", N_("Påbörjad") },
	[REPORT_ACTION_SCHEDULED] = { "action_scheduled", true, "ACTION_SCHEDULED", N_("Åtgärd planerad") },
	[REPORT_FIXED] = { "fixed", false, "FIXED", N_("Åtgärdad") },
	[REPORT_NOT_RESPONSIBLE] = { "not_responsible", false, "NOT_COUNCILS_RESPONSIBILITY", N_("Inte kommunens ansvar") },
	[REPORT_DUPLICATE] = { "duplicate", false, "DUPLICATE", N_("Dubblett") },
	[REPORT_NO_FURTHER_ACTION] = { "no_further_action", false, "NO_FURTHER_ACTION", N_("Ingen vidare åtgärd") },
	[REPORT_REOPENED] = { "reopened", true, "REOPEN", N_("Återöppnad") },
	[REPORT_WITHDRAWN] = { "withdrawn", false, "CLOSED", N_("Återkallad av anmälaren") },
};

int report_status_find(const char *name)
{
	for (int i = 0; i < REPORT_STATUS__MAX; i++)
		if (name && strcmp(report_statuses[i].name, name) == 0)
			return i;
	return -1;
}

bool report_code_valid(const char *code)
{
	size_t n = 0;
	for (const char *p = code; *p; p++, n++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
			return false;
	return n > 0 && n <= 64;
}

const char *report_iso_time(arena *a, int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;
	if (gmtime_r(&tt, &tm) == NULL)
		return "";
	return arena_printf(a, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			    tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Reads exactly n digits at *p into *v and moves past them. 0 or -1. */
static int digits(const char **p, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		*v = *v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	return 0;
}

/* Reads a date "YYYY-MM-DD" as the start of that day, days_after days later,
 * in the time zone that times are shown in (the process's, see config
 * timezone). 0, or -1 when it is not a date. */
int report_parse_day(const char *text, int days_after, int64_t *out)
{
	int64_t utc;
	struct tm day;
	if (strlen(text) != 10 || report_parse_time(text, &utc) != 0)
		return -1;
	time_t t = (time_t)utc;
	gmtime_r(&t, &day);
	struct tm local = { .tm_year = day.tm_year, .tm_mon = day.tm_mon, .tm_mday = day.tm_mday + days_after, .tm_isdst = -1 };
	time_t start = mktime(&local);
	if (start == (time_t)-1)
		return -1;
	*out = (int64_t)start;
	return 0;
}

int report_parse_time(const char *text, int64_t *out)
{
	const char *p = text;
	int y, mo, d, h = 0, mi = 0, s = 0, zh = 0, zm = 0, sign = 0;
	if (text == NULL || digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' || digits(&p, 2, &d))
		return -1;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi))
			return -1;
		if (*p == ':') {
			p++;
			if (digits(&p, 2, &s))
				return -1;
			if (*p == '.' || *p == ',') {
				p++;
				if (!isdigit((unsigned char)*p))
					return -1;
				while (isdigit((unsigned char)*p))
					p++;
			}
		}
		if (*p == 'Z' || *p == 'z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			sign = *p++ == '-' ? -1 : 1;
			if (digits(&p, 2, &zh))
				return -1;
			if (*p == ':')
				p++;
			if (*p && digits(&p, 2, &zm))
				return -1;
		}
	}
	if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 24 || mi > 59 || s > 60 || zh > 14 || zm > 59)
		return -1;
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_sec = s };
	time_t t = timegm(&tm);
	if (t == (time_t)-1 && !(y == 1969))
		return -1;
	*out = (int64_t)t - sign * (zh * 3600 + zm * 60);
	return 0;
}

/* What the elements of each list are called in GeoReport v2 XML. */
static const struct {
	const char *list, *item;
} xml_items[] = {
	{ "services", "service" },
	{ "service_requests", "request" },
	{ "attributes", "attribute" },
	{ "values", "value" },
	{ "endpoints", "endpoint" },
	{ "formats", "format" },
	{ "errors", "error" },
	{ "notes", "note" },
	{ "service_request_updates", "request_update" },
	{ "photos", "photo" },
	{ "media_urls", "media_url" },
};

int report_json_append(const char *text, size_t len, void *out)
{
	buf_append(out, text, len);
	return 0;
}

const char *report_xml_item_name(const char *list)
{
	for (size_t i = 0; i < ARRAY_LEN(xml_items); i++)
		if (strcmp(xml_items[i].list, list) == 0)
			return xml_items[i].item;
	return "item";
}

void report_xml_escape(buf *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		switch (ch) {
		case '&': buf_puts(out, "&amp;"); break;
		case '<': buf_puts(out, "&lt;"); break;
		case '>': buf_puts(out, "&gt;"); break;
		case '"': buf_puts(out, "&quot;"); break;
		case '\'': buf_puts(out, "&apos;"); break;
		default:
			/* Control characters other than tab, LF and CR are not allowed in XML 1.0. */
			if (ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r')
				break;
			buf_putc(out, (char)ch);
		}
	}
}

void report_xml_write(buf *out, const char *name, json_t *value)
{
	if (value == NULL || json_is_null(value)) {
		buf_printf(out, "<%s/>", name);
		return;
	}
	buf_printf(out, "<%s>", name);
	if (json_is_object(value)) {
		const char *k;
		json_t *v;
		json_object_foreach(value, k, v)
			report_xml_write(out, k, v);
	} else if (json_is_array(value)) {
		size_t i;
		json_t *v;
		const char *item = report_xml_item_name(name);
		json_array_foreach(value, i, v)
			report_xml_write(out, item, v);
	} else if (json_is_string(value)) {
		report_xml_escape(out, json_string_value(value), json_string_length(value));
	} else if (json_is_integer(value)) {
		buf_printf(out, "%lld", (long long)json_integer_value(value));
	} else if (json_is_real(value)) {
		buf_printf(out, "%.7f", json_real_value(value));
	} else {
		buf_puts(out, json_is_true(value) ? "true" : "false");
	}
	buf_printf(out, "</%s>", name);
}
