/*
 * message.c — turns a mail into the text sent over SMTP (RFC 5322 with MIME):
 * From, To, Subject (RFC 2047 encoded words for anything but plain ASCII),
 * Date, Message-ID, MIME-Version, Content-Type text/plain; charset=utf-8
 * and a quoted-printable body, so that any mail server takes it whatever
 * its line lengths and characters. Dot-stuffing is libcurl's job.
 */
#include "mail/mail.h"

#include <sodium.h>
#include <string.h>
#include <time.h>

#define QP_LINE_MAX 76
/* Lines of a header stay within 76 characters; an encoded word adds
 * "=?UTF-8?B?" and "?=" (12) to base64 of 4 characters per 3 bytes. */
#define HEADER_LINE 76
#define WORD_OVERHEAD 12
#define WORD_BYTES 45 /* on a continuation line: (76 - 1 - 12) / 4 * 3 */

static bool plain_ascii(const char *text)
{
	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			return false;
	/* "=?" would be read as the start of an encoded word. */
	return strstr(text, "=?") == NULL;
}

void mail_encode_header(buf *out, const char *text, size_t used)
{
	size_t len = strlen(text);
	if (plain_ascii(text) && used + len <= 78) {
		buf_puts(out, text);
		return;
	}
	const unsigned char *p = (const unsigned char *)text;
	bool first = true;
	while (len > 0) {
		/* The first word shares its line with the header's name. */
		size_t room = first ? (used + WORD_OVERHEAD + 8 < HEADER_LINE ? (HEADER_LINE - used - WORD_OVERHEAD) / 4 * 3 : 6)
				    : WORD_BYTES;
		/* Take whole UTF-8 characters only: never split a sequence between words. */
		size_t n = len < room ? len : room;
		while (n < len && n > 0 && (p[n] & 0xC0) == 0x80)
			n--;
		if (n == 0) /* not UTF-8 after all: cut anywhere rather than loop */
			n = len < room ? len : room;
		char b64[sodium_base64_ENCODED_LEN(WORD_BYTES, sodium_base64_VARIANT_ORIGINAL)];
		sodium_bin2base64(b64, sizeof(b64), p, n, sodium_base64_VARIANT_ORIGINAL);
		if (!first)
			buf_puts(out, "\r\n ");
		buf_printf(out, "=?UTF-8?B?%s?=", b64);
		first = false;
		p += n;
		len -= n;
	}
}

/* Appends one line (without its end) as quoted-printable, with soft breaks. */
static void qp_line(buf *out, const unsigned char *p, size_t len)
{
	size_t col = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = p[i];
		bool last = i + 1 == len;
		char piece[4];
		size_t n;
		/* Literal: printable ASCII except '='; space and tab unless they end the line. */
		if ((c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !last)) {
			piece[0] = (char)c;
			n = 1;
		} else {
			static const char hex[] = "0123456789ABCDEF";
			piece[0] = '=';
			piece[1] = hex[c >> 4];
			piece[2] = hex[c & 15];
			n = 3;
		}
		/* Room for a soft break '=' unless this is the line's last piece. */
		if (col + n > QP_LINE_MAX - (last ? 0 : 1)) {
			buf_puts(out, "=\r\n");
			col = 0;
		}
		buf_append(out, piece, n);
		col += n;
	}
}

void mail_quoted_printable(buf *out, const char *text)
{
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		size_t line_len = len > 0 && p[len - 1] == '\r' ? len - 1 : len;
		qp_line(out, (const unsigned char *)p, line_len);
		buf_puts(out, "\r\n");
		p += len + (nl ? 1 : 0);
	}
}

/* The Date header's value in UTC, with English names whatever the locale. */
static void format_date(buf *out, int64_t t)
{
	static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	buf_printf(out, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
		   tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* A display name as a quoted string, or encoded words when it is not plain ASCII. */
static void display_name(buf *out, const char *name)
{
	if (!plain_ascii(name)) {
		mail_encode_header(out, name, strlen("From: "));
		return;
	}
	buf_putc(out, '"');
	for (const char *p = name; *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_putc(out, '\\');
		buf_putc(out, *p);
	}
	buf_putc(out, '"');
}

void mail_format(buf *out, const mail_message *m)
{
	const char *at = strrchr(m->from, '@');
	buf_puts(out, "From: ");
	if (*m->from_name) {
		display_name(out, m->from_name);
		buf_putc(out, ' ');
	}
	buf_printf(out, "<%s>\r\n", m->from);
	buf_printf(out, "To: <%s>\r\n", m->to);
	buf_puts(out, "Subject: ");
	mail_encode_header(out, m->subject, strlen("Subject: "));
	buf_puts(out, "\r\nDate: ");
	format_date(out, m->date);
	buf_printf(out, "\r\nMessage-ID: <%s@%s>\r\n", m->message_id, at ? at + 1 : "trygg.invalid");
	buf_puts(out, "MIME-Version: 1.0\r\n"
		      "Content-Type: text/plain; charset=utf-8\r\n"
		      "Content-Transfer-Encoding: quoted-printable\r\n"
		      "Auto-Submitted: auto-generated\r\n"
		      "\r\n");
	mail_quoted_printable(out, m->body);
}

const char *mail_mask_address(arena *a, const char *address)
{
	const char *at = strrchr(address, '@');
	if (at == NULL || at == address)
		return "***";
	return arena_printf(a, "%c***%s", address[0], at);
}
