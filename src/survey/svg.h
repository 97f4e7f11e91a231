/*
 * svg.h — the survey's charts as SVG written by the server: horizontal bar
 * charts with interval whiskers and a trend chart of points with interval
 * bars. Each chart is an <svg role="img"> with a viewBox, a <title> and a
 * <desc>, every bar and point carries its number as text (no information in
 * colour alone), all text is escaped, and nothing needs JavaScript or CSS:
 * the charts print as they are. The page puts a table beside each chart;
 * the chart repeats the table, never the other way round.
 *
 * Pure: no database, no HTTP. The caller owns every string it passes in.
 */
#ifndef TRYGG_SURVEY_SVG_H
#define TRYGG_SURVEY_SVG_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"

/* The colours: both reach at least 3:1 against white (graphics, WCAG 1.4.11)
 * and the text colour 4.5:1. */
#define SVG_BAR_COLOUR "#1d5a85"
#define SVG_TEXT_COLOUR "#1a1a1a"
#define SVG_GRID_COLOUR "#767676"

typedef struct svg_chart {
	const char *id;         /* unique on the page: ids of title and desc derive from it */
	const char *title;      /* what the chart shows */
	const char *desc;       /* how to read it (and where the table is) */
	double max;             /* the axis runs 0 … max (> 0) */
	bool percent;           /* values are shares 0…1, written as per cent */
	bool decimal_comma;     /* write 1,5 (Swedish) instead of 1.5 */
	const char *suppressed; /* the text for a figure that is not shown, e.g. "–" */
} svg_chart;

/* One bar or one point. value NaN: not shown (suppressed) and written as
 * chart->suppressed; low/high NaN: no interval. */
typedef struct svg_value {
	const char *label;
	double value, low, high;
} svg_value;

/* Writes the number as the chart writes it ("34 %", "2,1") to out. */
void svg_format(buf *out, const svg_chart *chart, double value);

/* Appends a horizontal bar chart of n bars to out. */
void svg_bar_chart(buf *out, const svg_chart *chart, const svg_value *bars, size_t n);

/* Appends a trend chart of n points (in time order; labels are the years)
 * joined by a line, each with its interval bar, to out. */
void svg_trend_chart(buf *out, const svg_chart *chart, const svg_value *points, size_t n);

#endif
