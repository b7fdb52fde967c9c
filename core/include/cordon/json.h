/* json.h — the one JSON reader of libcordon (jsmn tokens, RFC 8259 checked on top): config files,
 * violation-log lines, control replies and editor messages are all read through it. */
#ifndef CORDON_JSON_H
#define CORDON_JSON_H

#include <stdbool.h>
#include <stddef.h>

/* A parsed JSON text: js is borrowed (it must outlive the document), the tokens are owned.
 * Values are named by token index: 0 is the top-level value; the members of an object or the
 * elements of an array follow their container in order, each key directly before its value. */
struct cordon_json {
	const char *js;
	size_t len;
	void *tok; /* jsmntok_t array */
	int n;	   /* number of tokens */
};

/* Where and why a text was refused: offset is the byte offset into js (0-based) the message is
 * about; msg is e.g. "invalid JSON: expected ',' between members". */
struct cordon_json_error {
	size_t offset;
	int errnum; /* EINVAL, E2BIG (too many tokens) or ENOMEM */
	char msg[160];
};

/* Flags of cordon_json_parse. */
enum {
	/* The top-level value must be an object ("the top level must be an object, got an array").
	 */
	CORDON_JSON_OBJECT = 1,
};

/* cordon_json_parse: tokenize js (len bytes, need not be NUL-terminated) and check the grammar
 * jsmn leaves open (RFC 8259 §2-§6): separators between members and elements, literals (true,
 * false, null, numbers), string keys, one value and nothing but white space around it, no NUL
 * byte, at most 64 levels of nesting. The top-level value is an object, an array or a string
 * (jsmn's strict mode refuses a bare literal there). Strings are checked when read
 * (cordon_json_strdup). Returns 0, or -EINVAL / -E2BIG / -ENOMEM with *err (may be NULL) naming the
 * offset and the reason. Free d with cordon_json_free in both cases. */
int cordon_json_parse(struct cordon_json *d, const char *js, size_t len, unsigned flags,
		      struct cordon_json_error *err);
void cordon_json_free(struct cordon_json *d);

enum cordon_json_type {
	CORDON_JSON_UNDEF, /* no such token (i < 0 or past the end) */
	CORDON_JSON_OBJ,
	CORDON_JSON_ARR,
	CORDON_JSON_STR,
	CORDON_JSON_PRIM, /* true, false, null or a number */
};

enum cordon_json_type cordon_json_type(const struct cordon_json *d, int i);

/* cordon_json_type_name: "an object", "an array", "a string", "a boolean", "null", "a number",
 * for messages ("expected a boolean, got a string"). */
const char *cordon_json_type_name(const struct cordon_json *d, int i);

/* cordon_json_next: the index of the token after the value at i and everything it holds (for a
 * key: after its value). The members of the object at o are o + 1 (key), o + 2 (value), then
 * k = cordon_json_next(d, k) from key to key, cordon_json_size(d, o) times. */
int cordon_json_next(const struct cordon_json *d, int i);

/* cordon_json_size: the number of elements (array) or members (object) at i; 0 otherwise. */
int cordon_json_size(const struct cordon_json *d, int i);

/* cordon_json_get: the value of key in the object at obj, or -1 (not an object, no such key).
 * Keys are compared as written: a key spelled with escapes does not match. */
int cordon_json_get(const struct cordon_json *d, int obj, const char *key);

/* cordon_json_elem: the k-th element (0-based) of the array at arr, or -1. */
int cordon_json_elem(const struct cordon_json *d, int arr, int k);

/* cordon_json_key_is: the token at i is a string spelled exactly key (no escapes). */
bool cordon_json_key_is(const struct cordon_json *d, int i, const char *key);

/* cordon_json_raw: the text of the value at i as it appears, strings with their quotes; *n gets
 * its length. cordon_json_inner: for a string, the text between the quotes (escapes undecoded,
 * for cordon_json_unescape_ascii); for anything else the same as cordon_json_raw. */
const char *cordon_json_raw(const struct cordon_json *d, int i, size_t *n);
const char *cordon_json_inner(const struct cordon_json *d, int i, size_t *n);

/* cordon_json_offset / cordon_json_end: the byte offsets where the value at i begins (its opening
 * quote for a string) and ends (one past its closing quote or bracket), for messages. */
size_t cordon_json_offset(const struct cordon_json *d, int i);
size_t cordon_json_end(const struct cordon_json *d, int i);

/* cordon_json_strdup: the string at i with its escapes decoded (RFC 8259 §7: \uXXXX surrogate
 * pairs become one UTF-8 sequence), malloc'd into *out. Refused with -EINVAL, *err naming the
 * offset: not a string ("expected a string"), a raw control character, an unpaired surrogate
 * escape, "\u0000" (it cannot be in a C string). -ENOMEM when out of memory. */
int cordon_json_strdup(const struct cordon_json *d, int i, char **out,
		       struct cordon_json_error *err);

/* cordon_json_bool / cordon_json_long: true when the value at i is true/false / an integer that
 * fits a long, with *out set. cordon_json_is_null: the value at i is null. */
bool cordon_json_bool(const struct cordon_json *d, int i, bool *out);
bool cordon_json_long(const struct cordon_json *d, int i, long *out);
bool cordon_json_is_null(const struct cordon_json *d, int i);

#endif
