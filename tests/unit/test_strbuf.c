/* test_strbuf.c — the shared text buffer: appends of any length, and JSON string literals that are
 * valid JSON (RFC 8259 §7) under each treatment of bytes >= 0x80. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cordon/strbuf.h"

static char *json(const char *s, size_t n, enum cordon_json_bytes how)
{
	struct cordon_strbuf b = {0};
	char *out;

	cordon_sb_json_strn(&b, s, n, how);
	assert_int_equal(cordon_sb_take(&b, &out), 0);
	return out;
}

static void quotes_backslashes_and_control_characters_are_escaped(void **state)
{
	static const char in[] = "a\"b\\c\nd\re\tf\x01g\x1fh\x7fi";
	(void)state;
	for (int how = CORDON_JSON_UTF8; how <= CORDON_JSON_BYTES; how++) {
		char *out = json(in, sizeof(in) - 1, how);
		assert_string_equal(out, "\"a\\\"b\\\\c\\nd\\re\\tf\\u0001g\\u001fh\\u007fi\"");
		free(out);
	}
}

static void utf8_mode_keeps_valid_utf8_and_replaces_the_rest(void **state)
{
	/* é, an overlong '/', a lone continuation byte, a surrogate, a truncated sequence */
	static const char in[] = "caf\xc3\xa9 \xc0\xaf \x80 \xed\xa0\x80 \xe2\x82";
	char *out;
	(void)state;
	out = json(in, sizeof(in) - 1, CORDON_JSON_UTF8);
	assert_string_equal(out, "\"caf\xc3\xa9 \\ufffd\\ufffd \\ufffd \\ufffd\\ufffd\\ufffd "
				 "\\ufffd\\ufffd\"");
	free(out);
}

static void ascii_mode_escapes_every_byte_above_del(void **state)
{
	static const char in[] = "caf\xc3\xa9\xff";
	char *out;
	(void)state;
	out = json(in, sizeof(in) - 1, CORDON_JSON_ASCII);
	assert_string_equal(out, "\"caf\\u00c3\\u00a9\\u00ff\"");
	free(out);
}

static void bytes_mode_copies_bytes_above_del(void **state)
{
	static const char in[] = "caf\xc3\xa9\xff";
	char *out;
	(void)state;
	out = json(in, sizeof(in) - 1, CORDON_JSON_BYTES);
	assert_string_equal(out, "\"caf\xc3\xa9\xff\"");
	free(out);
}

static void formatted_appends_are_not_cut_at_any_length(void **state)
{
	struct cordon_strbuf b = {0};
	char big[5000], *out;
	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	cordon_sb_add(&b, "<");
	cordon_sb_addf(&b, "%s>%d", big, 7);
	assert_int_equal(b.len, 1 + strlen(big) + 2);
	assert_int_equal(cordon_sb_take(&b, &out), 0);
	assert_int_equal(strlen(out), 1 + strlen(big) + 2);
	assert_null(b.s);
	free(out);
}

static void an_empty_buffer_hands_out_an_empty_string(void **state)
{
	struct cordon_strbuf b = {0};
	char *out = NULL;
	(void)state;
	assert_int_equal(cordon_sb_take(&b, &out), 0);
	assert_non_null(out);
	assert_string_equal(out, "");
	free(out);
}

static void a_failed_append_is_reported_once_at_the_end(void **state)
{
	struct cordon_strbuf b = {0};
	char *out = (char *)1;
	(void)state;
	cordon_sb_add(&b, "abc");
	b.oom = true; /* as after a realloc(3) failure */
	cordon_sb_add(&b, "def");
	assert_string_equal(b.s, "abc");
	assert_int_equal(cordon_sb_take(&b, &out), -ENOMEM);
	assert_null(out);
	assert_null(b.s);
}

static void ascii_text_reads_back_with_non_ascii_escapes_as_question_marks(void **state)
{
	static const char in[] = "a\"b\\/\n\t\x01\xc3\xa9z";
	char *lit, out[64], small[4];
	(void)state;
	lit = json(in, sizeof(in) - 1, CORDON_JSON_ASCII);
	assert_int_equal(cordon_json_unescape_ascii(lit + 1, strlen(lit) - 2, out, sizeof(out)), 0);
	assert_string_equal(out, "a\"b\\/\n\t\x01??z");
	assert_int_equal(cordon_json_unescape_ascii("\\u0000x", 7, out, sizeof(out)), 0);
	assert_string_equal(out, "?x");
	assert_int_equal(cordon_json_unescape_ascii(lit + 1, strlen(lit) - 2, small, sizeof(small)),
			 -ENOSPC);
	assert_string_equal(small, "a\"b");
	free(lit);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(quotes_backslashes_and_control_characters_are_escaped),
	    cmocka_unit_test(utf8_mode_keeps_valid_utf8_and_replaces_the_rest),
	    cmocka_unit_test(ascii_mode_escapes_every_byte_above_del),
	    cmocka_unit_test(bytes_mode_copies_bytes_above_del),
	    cmocka_unit_test(formatted_appends_are_not_cut_at_any_length),
	    cmocka_unit_test(an_empty_buffer_hands_out_an_empty_string),
	    cmocka_unit_test(a_failed_append_is_reported_once_at_the_end),
	    cmocka_unit_test(ascii_text_reads_back_with_non_ascii_escapes_as_question_marks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
