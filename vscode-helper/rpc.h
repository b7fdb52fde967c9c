/* rpc.h — JSON for `cordon serve --stdio`: output compacted to one line (built in a strbuf.h
 * buffer), and a parsed message (jsmn tokens) with lookups by key and string unescaping. */
#ifndef CORDON_RPC_H
#define CORDON_RPC_H

#include <stdbool.h>
#include <stddef.h>

#include "cordon/strbuf.h"

/* JSON-RPC 2.0 error codes (JSON-RPC 2.0 specification §5.1). */
#define RPC_PARSE_ERROR -32700
#define RPC_INVALID_REQUEST -32600
#define RPC_METHOD_NOT_FOUND -32601
#define RPC_INVALID_PARAMS -32602
#define RPC_INTERNAL_ERROR -32603

/* jb_compact: a JSON text (e.g. pretty-printed) without the white space outside its strings, so
 * it fits the one-message-per-line framing. */
void jb_compact(struct cordon_strbuf *b, const char *json);

/* A parsed JSON text. */
struct jdoc {
	const char *js;
	size_t len;
	void *tok; /* jsmntok_t array */
	int n;
};

/* jdoc_parse: tokenize js (len bytes) with jsmn (strict mode) and check what jsmn lets through
 * (primitives other than true/false/null/numbers, members without a value). Returns 0, or -1 when
 * the text is not one valid JSON value. Free with jdoc_free in both cases. */
int jdoc_parse(struct jdoc *d, const char *js, size_t len);
void jdoc_free(struct jdoc *d);

enum jtype { J_UNDEF, J_OBJECT, J_ARRAY, J_STRING, J_PRIMITIVE };

enum jtype jdoc_type(const struct jdoc *d, int i);
/* jdoc_next: the index of the token after the value at i and all its children. */
int jdoc_next(const struct jdoc *d, int i);
/* jdoc_get: the value of key in the object at i, or -1. */
int jdoc_get(const struct jdoc *d, int obj, const char *key);
/* jdoc_size: the number of elements (array) or members (object) at i. */
int jdoc_size(const struct jdoc *d, int i);
/* jdoc_elem: the k-th element of the array at i, or -1. */
int jdoc_elem(const struct jdoc *d, int arr, int k);
/* jdoc_raw: the text of the value at i as it appears (strings with their quotes). */
const char *jdoc_raw(const struct jdoc *d, int i, size_t *n);
/* jdoc_strdup: the unescaped value of the string at i, malloc'd (RFC 8259 §7; \uXXXX surrogate
 * pairs become UTF-8). NULL if i is not a string, contains NUL, or on allocation failure. */
char *jdoc_strdup(const struct jdoc *d, int i);
/* jdoc_bool / jdoc_long: true when i is such a value, with *out set. */
bool jdoc_bool(const struct jdoc *d, int i, bool *out);
bool jdoc_long(const struct jdoc *d, int i, long *out);
/* jdoc_is_null: i is the literal null. */
bool jdoc_is_null(const struct jdoc *d, int i);

#endif
