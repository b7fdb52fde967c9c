/* test_json.c — the JSON reader every part of cordon shares: what it accepts (RFC 8259), what it
 * refuses and where, lookups by key and index, and string decoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cordon/json.h"

static int parse(struct cordon_json *d, const char *s, unsigned flags,
		 struct cordon_json_error *err)
{
	return cordon_json_parse(d, s, strlen(s), flags, err);
}

static void a_string_array_or_object_is_a_document_unless_an_object_is_asked_for(void **state)
{
	static const char *const ok[] = {"\"s\"", " [true, false, null, -0.5e+3] ",
					 "{\"a\": {\"b\": [1, {}]}}"};
	struct cordon_json d;
	struct cordon_json_error err;
	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (parse(&d, ok[i], 0, &err) < 0)
			fail_msg("refused %s: %s", ok[i], err.msg);
		cordon_json_free(&d);
	}
	assert_int_equal(parse(&d, "[1]", CORDON_JSON_OBJECT, &err), -EINVAL);
	assert_string_equal(err.msg, "the top level must be an object, got an array");
	cordon_json_free(&d);
}

static void malformed_text_is_refused_at_its_offset(void **state)
{
	static const struct {
		const char *js;
		size_t at;
		const char *msg;
	} bad[] = {
	    {"[1 2]", 3, "invalid JSON: expected ',' between members"},
	    {"{\"a\" 1}", 5, "invalid JSON: unexpected '1'"},
	    {"[1,]", 2, "invalid JSON: unexpected ','"},
	    {"[01]", 1, "invalid JSON: invalid literal \"01\""},
	    {"[1] [2]", 4, "invalid JSON: text after the top-level value"},
	    {"1", 1, "invalid JSON: unexpected end of input"}, /* jsmn: strict primitives */
	    {"   ", 3, "invalid JSON: empty document"},
	    {"[\"ab", 1, "invalid JSON: unterminated string"},
	};
	struct cordon_json d;
	struct cordon_json_error err;
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(&d, bad[i].js, 0, &err) == 0)
			fail_msg("accepted %s", bad[i].js);
		if (strcmp(err.msg, bad[i].msg) || err.offset != bad[i].at)
			fail_msg("for %s got \"%s\" at %zu, want \"%s\" at %zu", bad[i].js, err.msg,
				 err.offset, bad[i].msg, bad[i].at);
		cordon_json_free(&d);
	}
	assert_int_equal(cordon_json_parse(&d, "[1]\0", 4, 0, &err), -EINVAL);
	assert_string_equal(err.msg, "invalid JSON: NUL byte");
	cordon_json_free(&d);
}

static void members_and_elements_are_found_by_key_and_index(void **state)
{
	static const char js[] =
	    "{\"a\": [10, {\"x\": null}, \"s\"], \"b\": true, \"c\": -3, \"d\": 1.5}";
	struct cordon_json d;
	bool b = false;
	long l = 0;
	size_t n;
	(void)state;
	assert_int_equal(parse(&d, js, CORDON_JSON_OBJECT, NULL), 0);
	int a = cordon_json_get(&d, 0, "a");
	assert_int_equal(cordon_json_type(&d, a), CORDON_JSON_ARR);
	assert_int_equal(cordon_json_size(&d, a), 3);
	assert_true(cordon_json_is_null(&d, cordon_json_get(&d, cordon_json_elem(&d, a, 1), "x")));
	assert_int_equal(cordon_json_type(&d, cordon_json_elem(&d, a, 2)), CORDON_JSON_STR);
	assert_int_equal(cordon_json_elem(&d, a, 3), -1);
	assert_true(cordon_json_bool(&d, cordon_json_get(&d, 0, "b"), &b) && b);
	assert_true(cordon_json_long(&d, cordon_json_get(&d, 0, "c"), &l) && l == -3);
	assert_false(cordon_json_long(&d, cordon_json_get(&d, 0, "d"), &l));
	assert_int_equal(cordon_json_get(&d, 0, "missing"), -1);
	assert_int_equal(cordon_json_get(&d, a, "a"), -1); /* not an object */
	const char *raw = cordon_json_raw(&d, cordon_json_elem(&d, a, 2), &n);
	assert_int_equal(n, 3);
	assert_memory_equal(raw, "\"s\"", 3);
	assert_string_equal(cordon_json_type_name(&d, cordon_json_get(&d, 0, "b")), "a boolean");
	assert_int_equal(cordon_json_next(&d, 0), d.n);
	cordon_json_free(&d);
}

static void strings_decode_escapes_and_refuse_what_c_cannot_hold(void **state)
{
	struct cordon_json d;
	struct cordon_json_error err;
	char *s;
	(void)state;
	assert_int_equal(
	    parse(&d, "[\"a\\n\\u00e9\\ud83d\\ude00\\/\", \"\\u0000\", \"\\udc00\", 1]", 0, NULL),
	    0);
	assert_int_equal(cordon_json_strdup(&d, cordon_json_elem(&d, 0, 0), &s, &err), 0);
	assert_string_equal(s, "a\n\xc3\xa9\xf0\x9f\x98\x80/");
	free(s);
	assert_int_equal(cordon_json_strdup(&d, cordon_json_elem(&d, 0, 1), &s, &err), -EINVAL);
	assert_string_equal(err.msg, "\"\\u0000\" is not allowed");
	assert_int_equal(cordon_json_strdup(&d, cordon_json_elem(&d, 0, 2), &s, &err), -EINVAL);
	assert_string_equal(err.msg, "invalid JSON: unpaired surrogate escape");
	assert_int_equal(cordon_json_strdup(&d, cordon_json_elem(&d, 0, 3), &s, &err), -EINVAL);
	assert_null(s);
	cordon_json_free(&d);
	assert_int_equal(parse(&d, "[\"a\tb\"]", 0, NULL), 0);
	assert_int_equal(cordon_json_strdup(&d, 1, &s, &err), -EINVAL);
	assert_string_equal(err.msg, "invalid JSON: control character in a string");
	assert_int_equal(err.offset, 3);
	cordon_json_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(a_string_array_or_object_is_a_document_unless_an_object_is_asked_for),
	    cmocka_unit_test(malformed_text_is_refused_at_its_offset),
	    cmocka_unit_test(members_and_elements_are_found_by_key_and_index),
	    cmocka_unit_test(strings_decode_escapes_and_refuse_what_c_cannot_hold),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
