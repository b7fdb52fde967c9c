/* json.c — the JSON reader (json.h): jsmn tokens, then the grammar jsmn leaves open checked over
 * them (RFC 8259), lookups by key and index, and string decoding. */
#include "cordon/json.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* jsmn is header-only: this file holds libcordon's one (static) copy. Strict mode refuses bare
 * words; parent links let closing brackets find their opener. */
#define JSMN_STATIC
#define JSMN_STRICT
#define JSMN_PARENT_LINKS
#include <jsmn.h>

#define TOK(d) ((jsmntok_t *)(d)->tok)
#define MAX_TOKENS (1u << 22) /* far above any text cordon reads (a config is at most 1 MiB) */
#define MAX_DEPTH 64	      /* cordon's own texts nest less than 10 levels */

/* fail: fill err (if any) and return -errnum. */
static int __attribute__((format(printf, 4, 5)))
fail(struct cordon_json_error *err, size_t off, int errnum, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		err->offset = off;
		err->errnum = errnum;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return -errnum;
}

/* The text a token covers, quotes included for strings. */
static size_t tok_begin(const jsmntok_t *t)
{
	return (size_t)(t->type == JSMN_STRING ? t->start - 1 : t->start);
}

static size_t tok_end(const jsmntok_t *t)
{
	return (size_t)(t->type == JSMN_STRING ? t->end + 1 : t->end);
}

static bool is_ws(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r'; /* RFC 8259 §2 */
}

struct ctx {
	const struct cordon_json *d;
	const jsmntok_t *t;
	struct cordon_json_error *err;
};

/* gap: the text between two tokens must be whitespace, the separator sep (if non-zero), and
 * whitespace. jsmn accepts stray ',' and ':' and missing separators; this refuses them. */
static int gap(const struct ctx *c, size_t from, size_t to, char sep, const char *what)
{
	const char *js = c->d->js;
	size_t i = from;

	while (i < to && is_ws(js[i]))
		i++;
	if (sep) {
		if (i >= to || js[i] != sep)
			return fail(c->err, i, EINVAL, "invalid JSON: expected '%c' %s", sep, what);
		i++;
		while (i < to && is_ws(js[i]))
			i++;
	}
	if (i < to)
		return fail(c->err, i, EINVAL, "invalid JSON: unexpected '%c'", js[i]);
	return 0;
}

/* valid_primitive: true, false, null or a number (RFC 8259 §3, §6). */
static bool valid_primitive(const char *s, size_t n)
{
	size_t i = 0;

	if ((n == 4 && !strncmp(s, "true", 4)) || (n == 5 && !strncmp(s, "false", 5)) ||
	    (n == 4 && !strncmp(s, "null", 4)))
		return true;
	if (i < n && s[i] == '-')
		i++;
	if (i < n && s[i] == '0')
		i++;
	else if (i < n && s[i] >= '1' && s[i] <= '9')
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	else
		return false;
	if (i < n && s[i] == '.') {
		if (++i >= n || s[i] < '0' || s[i] > '9')
			return false;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		if (++i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= n || s[i] < '0' || s[i] > '9')
			return false;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	return i == n;
}

/* skip: index of the token after t[i] and everything it contains (a key's size is 1: its value). */
static int skip(const jsmntok_t *t, int n, int i)
{
	int pending = 1;

	/* Tokens come in pre-order; size counts the direct children. */
	while (pending > 0 && i < n)
		pending += t[i++].size - 1;
	return i;
}

/* check: the grammar jsmn does not enforce, over the subtree at token i; *next receives the
 * index after it. */
static int check(const struct ctx *c, int i, int *next)
{
	const jsmntok_t *t = &c->t[i];
	const char *js = c->d->js;
	int r, j = i + 1;

	switch (t->type) {
	case JSMN_STRING:
		break; /* decoded (and refused if malformed) by cordon_json_strdup */
	case JSMN_PRIMITIVE:
		if (!valid_primitive(js + t->start, (size_t)(t->end - t->start)))
			return fail(c->err, (size_t)t->start, EINVAL,
				    "invalid JSON: invalid literal \"%.*s\"", t->end - t->start,
				    js + t->start);
		break;
	case JSMN_OBJECT:
	case JSMN_ARRAY: {
		bool obj = t->type == JSMN_OBJECT;
		size_t pos = tok_begin(t) + 1;
		for (int k = 0; k < t->size; k++) {
			const jsmntok_t *el = &c->t[j];
			if ((r = gap(c, pos, tok_begin(el), k ? ',' : 0, "between members")) < 0)
				return r;
			if (obj) {
				if (el->type != JSMN_STRING)
					return fail(c->err, tok_begin(el), EINVAL,
						    "invalid JSON: object keys must be strings");
				if (el->size == 0)
					return fail(c->err, tok_end(el), EINVAL,
						    "invalid JSON: expected ':' after a key");
				if (el->size > 1) {
					/* jsmn hangs a member that lacks its ',' under the key
					 * before it: report the missing ','. */
					int nx = skip(c->t, c->d->n, j + 1);
					if ((r = gap(c, tok_end(&c->t[j + 1]), tok_begin(&c->t[nx]),
						     ',', "between members")) < 0)
						return r;
					return fail(c->err, tok_end(el), EINVAL, "invalid JSON");
				}
				const jsmntok_t *val = &c->t[j + 1];
				if ((r = gap(c, tok_end(el), tok_begin(val), ':', "after a key")) <
				    0)
					return r;
				el = val;
				j++;
			}
			if ((r = check(c, j, &j)) < 0)
				return r;
			pos = tok_end(el);
		}
		if ((r = gap(c, pos, tok_end(t) - 1, 0, "")) < 0)
			return r;
		break;
	}
	default:
		return fail(c->err, (size_t)t->start, EINVAL, "invalid JSON");
	}
	*next = j;
	return 0;
}

/* depth_ok: no bracket outside a string opens more than MAX_DEPTH levels. Checked before jsmn,
 * whose closing bracket walks up from the innermost token (quadratic in the depth: minutes for
 * a 1 MiB "[[[[...") and before check(), which recurses once per level (a stack overflow, in
 * the shell's own process for the bash builtin and the zsh module). */
static int depth_ok(const char *js, size_t len, struct cordon_json_error *err)
{
	bool str = false;
	int depth = 0;

	for (size_t i = 0; i < len; i++) {
		if (str) {
			if (js[i] == '\\')
				i++;
			else if (js[i] == '"')
				str = false;
		} else if (js[i] == '"') {
			str = true;
		} else if (js[i] == '[' || js[i] == '{') {
			if (++depth > MAX_DEPTH)
				return fail(err, i, EINVAL,
					    "invalid JSON: nested deeper than %d levels",
					    MAX_DEPTH);
		} else if (js[i] == ']' || js[i] == '}') {
			depth--; /* a stray one is jsmn's to report */
		}
	}
	return 0;
}

static int tokenize(struct cordon_json *d, struct cordon_json_error *err)
{
	jsmn_parser parser;
	unsigned int cap = 64;
	int r;

	for (;;) {
		jsmntok_t *t = realloc(d->tok, cap * sizeof(*t));
		if (!t)
			return fail(err, 0, ENOMEM, "out of memory");
		d->tok = t;
		jsmn_init(&parser);
		r = jsmn_parse(&parser, d->js, d->len, t, cap);
		if (r != JSMN_ERROR_NOMEM)
			break;
		if (cap >= MAX_TOKENS)
			return fail(err, 0, E2BIG, "too many JSON tokens");
		cap *= 2;
	}
	if (r >= 0) {
		d->n = r;
		return 0;
	}
	size_t at = parser.pos;
	if (r == JSMN_ERROR_PART && at < d->len && d->js[at] == '"')
		return fail(err, at, EINVAL, "invalid JSON: unterminated string");
	if (r == JSMN_ERROR_PART)
		return fail(err, d->len, EINVAL, "invalid JSON: unexpected end of input");
	if (at < d->len)
		return fail(err, at, EINVAL, "invalid JSON: unexpected '%c'", d->js[at]);
	return fail(err, at, EINVAL, "invalid JSON");
}

int cordon_json_parse(struct cordon_json *d, const char *js, size_t len, unsigned flags,
		      struct cordon_json_error *err)
{
	bool obj = flags & CORDON_JSON_OBJECT;
	const char *nul = memchr(js, '\0', len);
	struct ctx c = {.d = d, .err = err};
	int r, next;

	memset(d, 0, sizeof(*d));
	d->js = js;
	d->len = len;
	if (nul)
		return fail(err, (size_t)(nul - js), EINVAL, "invalid JSON: NUL byte");
	if ((r = depth_ok(js, len, err)) < 0 || (r = tokenize(d, err)) < 0)
		return r;
	c.t = TOK(d);
	if (d->n == 0)
		return fail(err, len, EINVAL, "invalid JSON: empty document");
	if ((r = gap(&c, 0, tok_begin(&c.t[0]), 0, "")) < 0)
		return r;
	if (obj && c.t[0].type != JSMN_OBJECT)
		return fail(err, tok_begin(&c.t[0]), EINVAL,
			    "the top level must be an object, got %s", cordon_json_type_name(d, 0));
	if ((r = check(&c, 0, &next)) < 0)
		return r;
	if (next < d->n)
		return fail(err, tok_begin(&c.t[next]), EINVAL,
			    "invalid JSON: text after the top-level %s", obj ? "object" : "value");
	return gap(&c, tok_end(&c.t[0]), len, 0, "");
}

void cordon_json_free(struct cordon_json *d)
{
	free(d->tok);
	memset(d, 0, sizeof(*d));
}

enum cordon_json_type cordon_json_type(const struct cordon_json *d, int i)
{
	if (i < 0 || i >= d->n)
		return CORDON_JSON_UNDEF;
	switch (TOK(d)[i].type) {
	case JSMN_OBJECT:
		return CORDON_JSON_OBJ;
	case JSMN_ARRAY:
		return CORDON_JSON_ARR;
	case JSMN_STRING:
		return CORDON_JSON_STR;
	case JSMN_PRIMITIVE:
		return CORDON_JSON_PRIM;
	default:
		return CORDON_JSON_UNDEF;
	}
}

const char *cordon_json_type_name(const struct cordon_json *d, int i)
{
	switch (cordon_json_type(d, i)) {
	case CORDON_JSON_OBJ:
		return "an object";
	case CORDON_JSON_ARR:
		return "an array";
	case CORDON_JSON_STR:
		return "a string";
	case CORDON_JSON_PRIM: {
		char ch = d->js[TOK(d)[i].start];
		if (ch == 't' || ch == 'f')
			return "a boolean";
		if (ch == 'n')
			return "null";
		return "a number";
	}
	default:
		return "nothing";
	}
}

int cordon_json_next(const struct cordon_json *d, int i)
{
	return skip(TOK(d), d->n, i);
}

int cordon_json_size(const struct cordon_json *d, int i)
{
	return i >= 0 && i < d->n ? TOK(d)[i].size : 0;
}

bool cordon_json_key_is(const struct cordon_json *d, int i, const char *key)
{
	size_t kl = strlen(key);

	if (cordon_json_type(d, i) != CORDON_JSON_STR)
		return false;
	const jsmntok_t *t = &TOK(d)[i];
	return (size_t)(t->end - t->start) == kl && !memcmp(d->js + t->start, key, kl);
}

int cordon_json_get(const struct cordon_json *d, int obj, const char *key)
{
	if (cordon_json_type(d, obj) != CORDON_JSON_OBJ)
		return -1;
	int k = obj + 1;
	for (int m = 0; m < TOK(d)[obj].size && k < d->n; m++) {
		if (cordon_json_key_is(d, k, key))
			return k + 1;
		k = cordon_json_next(d, k);
	}
	return -1;
}

int cordon_json_elem(const struct cordon_json *d, int arr, int k)
{
	if (cordon_json_type(d, arr) != CORDON_JSON_ARR || k < 0 || k >= TOK(d)[arr].size)
		return -1;
	int i = arr + 1;
	while (k-- > 0)
		i = cordon_json_next(d, i);
	return i;
}

const char *cordon_json_raw(const struct cordon_json *d, int i, size_t *n)
{
	const jsmntok_t *t = TOK(d) + i;

	*n = tok_end(t) - tok_begin(t);
	return d->js + tok_begin(t);
}

const char *cordon_json_inner(const struct cordon_json *d, int i, size_t *n)
{
	const jsmntok_t *t = TOK(d) + i;

	*n = (size_t)(t->end - t->start);
	return d->js + t->start;
}

size_t cordon_json_offset(const struct cordon_json *d, int i)
{
	return i >= 0 && i < d->n ? tok_begin(&TOK(d)[i]) : d->len;
}

size_t cordon_json_end(const struct cordon_json *d, int i)
{
	return i >= 0 && i < d->n ? tok_end(&TOK(d)[i]) : d->len;
}

/* hex4: four hex digits (jsmn checked that they are). */
static uint32_t hex4(const char *s)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++) {
		char c = s[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
	}
	return v;
}

/* put_utf8: cp as UTF-8 (RFC 3629 §3) at o; returns the number of bytes. */
static size_t put_utf8(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

int cordon_json_strdup(const struct cordon_json *d, int i, char **out,
		       struct cordon_json_error *err)
{
	*out = NULL;
	if (cordon_json_type(d, i) != CORDON_JSON_STR)
		return fail(err, cordon_json_offset(d, i), EINVAL, "expected a string");
	const jsmntok_t *t = &TOK(d)[i];
	const char *s = d->js + t->start;
	size_t n = (size_t)(t->end - t->start);
	char *buf = malloc(n + 1), *o = buf;

	if (!buf)
		return fail(err, (size_t)t->start, ENOMEM, "out of memory");
	for (size_t k = 0; k < n; k++) {
		unsigned char ch = (unsigned char)s[k];
		size_t at = (size_t)t->start + k;
		if (ch < 0x20) {
			free(buf);
			return fail(err, at, EINVAL, "invalid JSON: control character in a string");
		}
		if (ch != '\\') {
			*o++ = (char)ch;
			continue;
		}
		ch = (unsigned char)s[++k]; /* jsmn checked that an escape is complete */
		switch (ch) {
		case 'b':
			*o++ = '\b';
			break;
		case 'f':
			*o++ = '\f';
			break;
		case 'n':
			*o++ = '\n';
			break;
		case 'r':
			*o++ = '\r';
			break;
		case 't':
			*o++ = '\t';
			break;
		case 'u': {
			uint32_t cp = hex4(s + k + 1);
			k += 4;
			/* RFC 8259 §7: a character outside the BMP is a surrogate pair. */
			if (cp >= 0xd800 && cp <= 0xdbff && k + 6 < n && s[k + 1] == '\\' &&
			    s[k + 2] == 'u') {
				uint32_t lo = hex4(s + k + 3);
				if (lo >= 0xdc00 && lo <= 0xdfff) {
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
					k += 6;
				}
			}
			if (cp == 0 || (cp >= 0xd800 && cp <= 0xdfff)) {
				free(buf);
				return fail(err, at, EINVAL, "%s",
					    cp ? "invalid JSON: unpaired surrogate escape"
					       : "\"\\u0000\" is not allowed");
			}
			o += put_utf8(o, cp);
			break;
		}
		default:
			*o++ = (char)ch; /* '"', '\\', '/' */
		}
	}
	*o = '\0';
	*out = buf;
	return 0;
}

/* literal: the primitive at i is spelled word. */
static bool literal(const struct cordon_json *d, int i, const char *word)
{
	size_t n, wl = strlen(word);
	const char *s;

	if (cordon_json_type(d, i) != CORDON_JSON_PRIM)
		return false;
	s = cordon_json_raw(d, i, &n);
	return n == wl && !memcmp(s, word, wl);
}

bool cordon_json_is_null(const struct cordon_json *d, int i)
{
	return literal(d, i, "null");
}

bool cordon_json_bool(const struct cordon_json *d, int i, bool *out)
{
	if (literal(d, i, "true"))
		*out = true;
	else if (literal(d, i, "false"))
		*out = false;
	else
		return false;
	return true;
}

bool cordon_json_long(const struct cordon_json *d, int i, long *out)
{
	char buf[32], *end;
	size_t n;
	const char *s;

	if (cordon_json_type(d, i) != CORDON_JSON_PRIM)
		return false;
	s = cordon_json_raw(d, i, &n);
	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno = 0;
	*out = strtol(buf, &end, 10);
	return *end == '\0' && errno == 0;
}
