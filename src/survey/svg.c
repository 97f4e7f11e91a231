/*
 * svg.c — the survey's charts (see svg.h).
 *
 * Geometry is in viewBox units; the SVG scales to its container's width.
 * Numbers are written with one decimal in the locale's style.
 */
#include "survey/svg.h"

#include <math.h>
#include <string.h>

/* Each bar has its label on a line of its own above it, so that long labels
 * keep the whole width. */
#define BAR_WIDTH 640.0
#define BAR_LABEL 10.0    /* where the bars start */
#define BAR_AREA 480.0    /* the bars; their numbers follow on the right */
#define BAR_ROW 46.0
#define BAR_TEXT 16.0     /* the label's baseline within the row */
#define BAR_Y 22.0        /* the bar's top within the row */
#define BAR_HEIGHT 16.0
#define BAR_TOP 4.0
#define BAR_BOTTOM 30.0   /* the axis and its numbers */

#define TREND_WIDTH 640.0
#define TREND_HEIGHT 280.0
#define TREND_LEFT 60.0
#define TREND_RIGHT 30.0
#define TREND_TOP 30.0
#define TREND_BOTTOM 40.0
#define TICKS 4

static void esc(buf *out, const char *s)
{
	buf_html_escape(out, s ? s : "", strlen(s ? s : ""));
}

void svg_format(buf *out, const svg_chart *chart, double value)
{
	if (isnan(value)) {
		esc(out, chart->suppressed ? chart->suppressed : "-");
		return;
	}
	size_t start = out->len;
	if (chart->percent)
		buf_printf(out, "%.0f %%", value * 100);
	else
		buf_printf(out, "%.1f", value);
	if (chart->decimal_comma) {
		for (size_t i = start; i < out->len; i++)
			if (out->data[i] == '.')
				out->data[i] = ',';
	}
}

/* Appends the parts (escaped when their index is odd) to out: the SVG
 * frame is literal markup with the caller's texts in between. */
static void put_parts(buf *out, const char *const *parts, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i % 2)
			esc(out, parts[i]);
		else
			buf_puts(out, parts[i]);
	}
}

static void open_svg(buf *out, const svg_chart *chart, double width, double height)
{
	buf_printf(out,
	           "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"100%%\" viewBox=\"0 0 %.0f %.0f\" ",
	           width, height);
	const char *const parts[] = {
		"role=\"img\" aria-labelledby=\"", chart->id,
		"-title ", chart->id,
		"-desc\" font-family=\"sans-serif\" font-size=\"13\"><title id=\"", chart->id,
		"-title\">", chart->title,
		"</title><desc id=\"", chart->id,
		"-desc\">", chart->desc,
		"</desc>",
	};
	put_parts(out, parts, sizeof parts / sizeof parts[0]);
}

static double clamp(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

void svg_bar_chart(buf *out, const svg_chart *chart, const svg_value *bars, size_t n)
{
	double max = chart->max > 0 ? chart->max : 1;
	double height = BAR_TOP + (double)n * BAR_ROW + BAR_BOTTOM;
	open_svg(out, chart, BAR_WIDTH, height);
	double axis_y = BAR_TOP + (double)n * BAR_ROW;
	/* grid and axis numbers */
	for (int t = 0; t <= TICKS; t++) {
		double x = BAR_LABEL + BAR_AREA * t / TICKS;
		buf_printf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"%s\"/>",
		           x, BAR_TOP, x, axis_y, SVG_GRID_COLOUR, t == 0 ? "1.5" : "0.5");
		buf_printf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" fill=\"%s\">", x, axis_y + 18,
		           t == 0 ? "start" : "middle", SVG_TEXT_COLOUR);
		svg_format(out, chart, max * t / TICKS);
		buf_puts(out, "</text>");
	}
	for (size_t i = 0; i < n; i++) {
		const svg_value *b = &bars[i];
		double y = BAR_TOP + (double)i * BAR_ROW;
		double ym = y + BAR_Y + BAR_HEIGHT / 2;
		buf_printf(out, "<g><text x=\"%.1f\" y=\"%.1f\" fill=\"%s\">", BAR_LABEL, y + BAR_TEXT, SVG_TEXT_COLOUR);
		esc(out, b->label);
		buf_puts(out, "</text>");
		double end = BAR_LABEL;
		if (!isnan(b->value)) {
			double w = BAR_AREA * clamp(b->value, 0, max) / max;
			buf_printf(out,
			           "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" "
			           "stroke=\"%s\" stroke-width=\"1\"/>",
			           BAR_LABEL, y + BAR_Y, w, BAR_HEIGHT, SVG_BAR_COLOUR, SVG_TEXT_COLOUR);
			end = BAR_LABEL + w;
			if (!isnan(b->low) && !isnan(b->high)) {
				double x1 = BAR_LABEL + BAR_AREA * clamp(b->low, 0, max) / max;
				double x2 = BAR_LABEL + BAR_AREA * clamp(b->high, 0, max) / max;
				buf_printf(out,
				           "<path d=\"M%.1f %.1fH%.1fM%.1f %.1fV%.1fM%.1f %.1fV%.1f\" stroke=\"%s\" "
				           "stroke-width=\"1.5\" fill=\"none\"/>",
				           x1, ym, x2, x1, ym - 6, ym + 6, x2, ym - 6, ym + 6, SVG_TEXT_COLOUR);
				if (x2 > end)
					end = x2;
			}
		}
		buf_printf(out, "<text x=\"%.1f\" y=\"%.1f\" fill=\"%s\">", end + 6, ym + 4, SVG_TEXT_COLOUR);
		svg_format(out, chart, b->value);
		buf_puts(out, "</text></g>");
	}
	buf_puts(out, "</svg>");
}

void svg_trend_chart(buf *out, const svg_chart *chart, const svg_value *points, size_t n)
{
	double max = chart->max > 0 ? chart->max : 1;
	double plot_w = TREND_WIDTH - TREND_LEFT - TREND_RIGHT;
	double plot_h = TREND_HEIGHT - TREND_TOP - TREND_BOTTOM;
	double base = TREND_TOP + plot_h;
	open_svg(out, chart, TREND_WIDTH, TREND_HEIGHT);
	for (int t = 0; t <= TICKS; t++) {
		double y = base - plot_h * t / TICKS;
		buf_printf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"%s\"/>",
		           TREND_LEFT, y, TREND_WIDTH - TREND_RIGHT, y, SVG_GRID_COLOUR, t == 0 ? "1.5" : "0.5");
		buf_printf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" fill=\"%s\">", TREND_LEFT - 6, y + 4,
		           SVG_TEXT_COLOUR);
		svg_format(out, chart, max * t / TICKS);
		buf_puts(out, "</text>");
	}
	double step = n > 1 ? plot_w / (double)(n - 1) : 0;
	/* the line through the points that are shown */
	bool started = false;
	buf_printf(out, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"2\" d=\"", SVG_BAR_COLOUR);
	for (size_t i = 0; i < n; i++) {
		if (isnan(points[i].value))
			continue;
		double x = TREND_LEFT + (n > 1 ? step * (double)i : plot_w / 2);
		double y = base - plot_h * clamp(points[i].value, 0, max) / max;
		buf_printf(out, "%s%.1f %.1f", started ? "L" : "M", x, y);
		started = true;
	}
	buf_puts(out, "\"/>");
	for (size_t i = 0; i < n; i++) {
		const svg_value *p = &points[i];
		double x = TREND_LEFT + (n > 1 ? step * (double)i : plot_w / 2);
		buf_printf(out, "<g><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"%s\">", x, base + 20,
		           SVG_TEXT_COLOUR);
		esc(out, p->label);
		buf_puts(out, "</text>");
		double label_y = base - 8;
		if (!isnan(p->value)) {
			double y = base - plot_h * clamp(p->value, 0, max) / max;
			label_y = y - 10;
			if (!isnan(p->low) && !isnan(p->high)) {
				double y1 = base - plot_h * clamp(p->low, 0, max) / max;
				double y2 = base - plot_h * clamp(p->high, 0, max) / max;
				buf_printf(out,
				           "<path d=\"M%.1f %.1fV%.1fM%.1f %.1fH%.1fM%.1f %.1fH%.1f\" stroke=\"%s\" "
				           "stroke-width=\"1.5\" fill=\"none\"/>",
				           x, y1, y2, x - 6, y1, x + 6, x - 6, y2, x + 6, SVG_TEXT_COLOUR);
				label_y = y2 - 6;
			}
			/* a square marker with a white edge: visible on the line and in print */
			buf_printf(out,
			           "<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\" fill=\"%s\" stroke=\"#ffffff\" "
			           "stroke-width=\"1.5\"/>",
			           x - 5, y - 5, SVG_BAR_COLOUR);
		}
		buf_printf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"%s\" font-weight=\"bold\">", x,
		           label_y < 12 ? 12 : label_y, SVG_TEXT_COLOUR);
		svg_format(out, chart, p->value);
		buf_puts(out, "</text></g>");
	}
	buf_puts(out, "</svg>");
}
