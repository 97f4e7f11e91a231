/*
 * test_message.c — building mail: RFC 2047 encoded headers that never split a
 * UTF-8 character and keep lines short, quoted-printable bodies, the headers
 * of a whole message, and masked addresses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "mail/mail.h"

/* Decodes the encoded words of a header value back into UTF-8 (caller frees). */
static char *decode_words(const char *value)
{
	buf out = BUF_INIT;
	const char *p = value;
	while ((p = strstr(p, "=?UTF-8?B?")) != NULL) {
		p += strlen("=?UTF-8?B?");
		const char *end = strstr(p, "?=");
		assert_non_null(end);
		unsigned char bin[256];
		size_t len = 0;
		assert_int_equal(sodium_base642bin(bin, sizeof(bin), p, (size_t)(end - p), NULL, &len, NULL,
						   sodium_base64_VARIANT_ORIGINAL), 0);
		/* Each word holds whole characters: it is valid UTF-8 on its own. */
		bin[len] = '\0';
		assert_true(len == 0 || (bin[0] & 0xC0) != 0x80);
		buf_append(&out, bin, len);
		p = end + 2;
	}
	return buf_detach(&out);
}

static void ascii_header_stays_plain(void **state)
{
	buf b = BUF_INIT;
	mail_encode_header(&b, "We have received your message (K-AB12-CD34)", 9);
	assert_string_equal(b.data, "We have received your message (K-AB12-CD34)");
	buf_free(&b);
}

static void utf8_header_is_encoded_and_folded(void **state)
{
	const char *subject = "Hör av dig: Trygghet i mitt område – åäö ÅÄÖ éü ✓ och en lång text som måste delas upp (K-AB12-CD34)";
	buf b = BUF_INIT;
	buf_puts(&b, "Subject: ");
	mail_encode_header(&b, subject, strlen("Subject: "));
	for (const char *line = b.data; line; ) {
		const char *end = strstr(line, "\r\n");
		size_t len = end ? (size_t)(end - line) : strlen(line);
		assert_true(len <= 76);
		line = end ? end + 2 : NULL;
		if (line)
			assert_int_equal(line[0], ' '); /* folded onto a continuation line */
	}
	char *decoded = decode_words(b.data);
	assert_string_equal(decoded, subject);
	free(decoded);
	buf_free(&b);
}

static void quoted_printable_round_trip_rules(void **state)
{
	buf b = BUF_INIT;
	mail_quoted_printable(&b, "Hej Åsa!\nRad med = och slut med mellanslag \n.punkt\n");
	assert_string_equal(b.data, "Hej =C3=85sa!\r\nRad med =3D och slut med mellanslag=20\r\n.punkt\r\n");
	buf_reset(&b);
	char long_line[300];
	memset(long_line, 'x', sizeof(long_line) - 1);
	long_line[sizeof(long_line) - 1] = '\0';
	mail_quoted_printable(&b, long_line);
	for (const char *line = b.data; *line; ) {
		const char *end = strstr(line, "\r\n");
		assert_non_null(end);
		assert_true(end - line <= 76);
		line = end + 2;
	}
	buf_free(&b);
}

static void whole_message_has_the_headers(void **state)
{
	mail_message m = { "trygg@partille.se", "Trygg i Partille", "anna@example.se", "Svar på ditt meddelande",
			   "Hej!\n", "0123abcd", 0 };
	buf b = BUF_INIT;
	mail_format(&b, &m);
	const char *expected[] = {
		"From: \"Trygg i Partille\" <trygg@partille.se>\r\n",
		"To: <anna@example.se>\r\n",
		"Subject: =?UTF-8?B?",
		"Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n",
		"Message-ID: <0123abcd@partille.se>\r\n",
		"MIME-Version: 1.0\r\n",
		"Content-Type: text/plain; charset=utf-8\r\n",
		"Content-Transfer-Encoding: quoted-printable\r\n",
		"\r\n\r\nHej!\r\n",
	};
	for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++)
		assert_non_null(strstr(b.data, expected[i]));
	buf_free(&b);
}

static void addresses_are_masked(void **state)
{
	arena *a = arena_new();
	assert_string_equal(mail_mask_address(a, "cecilia@example.se"), "c***@example.se");
	assert_string_equal(mail_mask_address(a, "nonsense"), "***");
	arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ascii_header_stays_plain),
		cmocka_unit_test(utf8_header_is_encoded_and_folded),
		cmocka_unit_test(quoted_printable_round_trip_rules),
		cmocka_unit_test(whole_message_has_the_headers),
		cmocka_unit_test(addresses_are_masked),
	};
	return cmocka_run_group_tests_name("mail message", tests, NULL, NULL);
}
