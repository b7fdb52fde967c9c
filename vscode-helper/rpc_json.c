/* rpc_json.c — compact JSON output and jsmn-based message access for `cordon serve --stdio`
 * (rpc.h). jsmn is tokenizer only; this file adds the checks strict JSON needs on top of it. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The jsmn implementation, static to this file (config.c and vlog.c have their own copies). */
#define JSMN_STATIC
#define JSMN_STRICT
#define JSMN_PARENT_LINKS
#include <jsmn.h>

#include "rpc.h"

void jb_compact(struct cordon_strbuf *b, const char *json)
{
	bool in_str = false;
	size_t start = 0, i;

	for (i = 0; json[i]; i++) {
		char c = json[i];
		if (in_str) {
			if (c == '\\' && json[i + 1])
				i++;
			else if (c == '"')
				in_str = false;
		} else if (c == '"') {
			in_str = true;
		} else if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
			cordon_sb_addn(b, json + start, i - start);
			start = i + 1;
		}
	}
	cordon_sb_addn(b, json + start, i - start);
}

/* ---- parsing ---------------------------------------------------------------------------- */

#define TOK(d) ((jsmntok_t *)(d)->tok)

/* valid_primitive: jsmn's strict mode only checks the first character of a primitive. */
static bool valid_primitive(const char *s, size_t n)
{
	char buf[64], *end;

	if ((n == 4 && !memcmp(s, "true", 4)) || (n == 5 && !memcmp(s, "false", 5)) ||
	    (n == 4 && !memcmp(s, "null", 4)))
		return true;
	if (n == 0 || n >= sizeof(buf))
		return false;
	/* RFC 8259 §6 number: no leading '+', no leading zeros, no hex/inf/nan. */
	if (s[0] == '+' || (s[0] == '0' && n > 1 && s[1] >= '0' && s[1] <= '9') ||
	    (s[0] == '-' && (n == 1 || s[1] < '0' || s[1] > '9' ||
			     (s[1] == '0' && n > 2 && s[2] >= '0' && s[2] <= '9'))))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789+-.eE", s[i]))
			return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno = 0;
	strtod(buf, &end);
	return *end == '\0' && s[n - 1] != '.';
}

static int raw_start(const jsmntok_t *t)
{
	return t->type == JSMN_STRING ? t->start - 1 : t->start;
}

static int raw_end(const jsmntok_t *t)
{
	return t->type == JSMN_STRING ? t->end + 1 : t->end;
}

/* gap: js[from, to) is white space around exactly one sep (or only white space when sep is 0). */
static bool gap(const char *js, int from, int to, char sep)
{
	int seen = 0;

	for (int i = from; i < to; i++) {
		if (sep && js[i] == sep && !seen++)
			continue;
		if (!strchr(" \t\r\n", js[i]))
			return false;
	}
	return seen == (sep != 0);
}

/* separated: jsmn takes "[1 2]", "[1,,2]", "[1,]" and "{"a" 1}": check every gap of the
 * container at i — '[' elem ',' elem ']' and '{' key ':' value ',' ... '}' (RFC 8259 §4, §5). */
static bool separated(const struct jdoc *d, int i)
{
	const jsmntok_t *t = d->tok;
	int prev_end = t[i].start + 1, k = i + 1;
	bool obj = t[i].type == JSMN_OBJECT;

	for (int m = 0; m < t[i].size; m++) {
		if (!gap(d->js, prev_end, raw_start(&t[k]), m ? ',' : 0))
			return false;
		if (obj) {
			if (k + 1 >= d->n || !gap(d->js, raw_end(&t[k]), raw_start(&t[k + 1]), ':'))
				return false;
			k++;
		}
		int next = jdoc_next(d, k);
		/* The value's span ends where its own token ends (containers include children). */
		prev_end = raw_end(&t[k]);
		k = next;
	}
	return gap(d->js, prev_end, t[i].end - 1, 0);
}

int jdoc_parse(struct jdoc *d, const char *js, size_t len)
{
	jsmn_parser p;
	jsmntok_t *t;
	int n;

	memset(d, 0, sizeof(*d));
	d->js = js;
	d->len = len;
	jsmn_init(&p);
	n = jsmn_parse(&p, js, len, NULL, 0);
	if (n < 1)
		return -1;
	t = calloc(n, sizeof(*t));
	if (!t)
		return -1;
	d->tok = t;
	jsmn_init(&p);
	if (jsmn_parse(&p, js, len, t, n) != n)
		return -1;
	d->n = n;
	/* One value, and nothing but white space after it. */
	if (jdoc_next(d, 0) != n)
		return -1;
	for (size_t i = t[0].type == JSMN_STRING ? t[0].end + 1 : t[0].end; i < len; i++)
		if (!strchr(" \t\r\n", js[i]))
			return -1;
	for (int i = 0; i < n; i++) {
		if (t[i].type == JSMN_PRIMITIVE &&
		    !valid_primitive(js + t[i].start, t[i].end - t[i].start))
			return -1;
		if ((t[i].type == JSMN_OBJECT || t[i].type == JSMN_ARRAY) && !separated(d, i))
			return -1;
		if (t[i].type == JSMN_OBJECT) {
			/* jsmn hangs a member without its ',' or ':' under the key: every key must
			 * be a string with exactly one value. */
			int k = i + 1;
			for (int m = 0; m < t[i].size; m++) {
				if (k >= n || t[k].type != JSMN_STRING || t[k].size != 1)
					return -1;
				k = jdoc_next(d, k);
			}
		}
	}
	return 0;
}

void jdoc_free(struct jdoc *d)
{
	free(d->tok);
	memset(d, 0, sizeof(*d));
}

enum jtype jdoc_type(const struct jdoc *d, int i)
{
	if (i < 0 || i >= d->n)
		return J_UNDEF;
	switch (TOK(d)[i].type) {
	case JSMN_OBJECT:
		return J_OBJECT;
	case JSMN_ARRAY:
		return J_ARRAY;
	case JSMN_STRING:
		return J_STRING;
	case JSMN_PRIMITIVE:
		return J_PRIMITIVE;
	default:
		return J_UNDEF;
	}
}

int jdoc_next(const struct jdoc *d, int i)
{
	const jsmntok_t *t = TOK(d);
	int pending = 1;

	/* Tokens come in pre-order; size counts the direct children (a key's child is its value).
	 */
	while (pending > 0 && i < d->n)
		pending += t[i++].size - 1;
	return i;
}

int jdoc_size(const struct jdoc *d, int i)
{
	return i >= 0 && i < d->n ? TOK(d)[i].size : 0;
}

int jdoc_get(const struct jdoc *d, int obj, const char *key)
{
	const jsmntok_t *t = TOK(d);
	size_t kl = strlen(key);

	if (jdoc_type(d, obj) != J_OBJECT)
		return -1;
	int k = obj + 1;
	for (int m = 0; m < t[obj].size; m++) {
		/* Keys are compared raw: a key spelled with escapes does not match (none of ours
		 * needs them). */
		if ((size_t)(t[k].end - t[k].start) == kl && !memcmp(d->js + t[k].start, key, kl))
			return k + 1;
		k = jdoc_next(d, k);
	}
	return -1;
}

int jdoc_elem(const struct jdoc *d, int arr, int k)
{
	if (jdoc_type(d, arr) != J_ARRAY || k < 0 || k >= TOK(d)[arr].size)
		return -1;
	int i = arr + 1;
	while (k-- > 0)
		i = jdoc_next(d, i);
	return i;
}

const char *jdoc_raw(const struct jdoc *d, int i, size_t *n)
{
	const jsmntok_t *t = TOK(d) + i;
	int q = t->type == JSMN_STRING;

	*n = t->end - t->start + 2 * q;
	return d->js + t->start - q;
}

static int hex4(const char *s, uint32_t *out)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++) {
		char c = s[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	*out = v;
	return 0;
}

static size_t put_utf8(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = 0xc0 | cp >> 6;
		o[1] = 0x80 | (cp & 0x3f);
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = 0xe0 | cp >> 12;
		o[1] = 0x80 | (cp >> 6 & 0x3f);
		o[2] = 0x80 | (cp & 0x3f);
		return 3;
	}
	o[0] = 0xf0 | cp >> 18;
	o[1] = 0x80 | (cp >> 12 & 0x3f);
	o[2] = 0x80 | (cp >> 6 & 0x3f);
	o[3] = 0x80 | (cp & 0x3f);
	return 4;
}

char *jdoc_strdup(const struct jdoc *d, int i)
{
	if (jdoc_type(d, i) != J_STRING)
		return NULL;
	const char *s = d->js + TOK(d)[i].start;
	size_t n = TOK(d)[i].end - TOK(d)[i].start, k = 0;
	char *o = malloc(n + 1);

	if (!o)
		return NULL;
	for (size_t j = 0; j < n; j++) {
		if (s[j] != '\\') {
			o[k++] = s[j];
			continue;
		}
		if (++j >= n)
			goto bad;
		switch (s[j]) {
		case '"':
			o[k++] = '"';
			break;
		case '\\':
			o[k++] = '\\';
			break;
		case '/':
			o[k++] = '/';
			break;
		case 'b':
			o[k++] = '\b';
			break;
		case 'f':
			o[k++] = '\f';
			break;
		case 'n':
			o[k++] = '\n';
			break;
		case 'r':
			o[k++] = '\r';
			break;
		case 't':
			o[k++] = '\t';
			break;
		case 'u': {
			uint32_t cp, lo;
			if (j + 4 >= n || hex4(s + j + 1, &cp) < 0)
				goto bad;
			j += 4;
			/* RFC 8259 §7: a character outside the BMP is a surrogate pair. */
			if (cp >= 0xd800 && cp <= 0xdbff && j + 6 < n && s[j + 1] == '\\' &&
			    s[j + 2] == 'u' && hex4(s + j + 3, &lo) == 0 && lo >= 0xdc00 &&
			    lo <= 0xdfff) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				j += 6;
			} else if (cp >= 0xd800 && cp <= 0xdfff) {
				cp = 0xfffd;
			}
			if (cp == 0)
				goto bad;
			k += put_utf8(o + k, cp);
			break;
		}
		default:
			goto bad;
		}
	}
	o[k] = '\0';
	return o;
bad:
	free(o);
	return NULL;
}

bool jdoc_is_null(const struct jdoc *d, int i)
{
	size_t n;
	const char *s;

	if (jdoc_type(d, i) != J_PRIMITIVE)
		return false;
	s = jdoc_raw(d, i, &n);
	return n == 4 && !memcmp(s, "null", 4);
}

bool jdoc_bool(const struct jdoc *d, int i, bool *out)
{
	size_t n;
	const char *s;

	if (jdoc_type(d, i) != J_PRIMITIVE)
		return false;
	s = jdoc_raw(d, i, &n);
	if (n == 4 && !memcmp(s, "true", 4))
		*out = true;
	else if (n == 5 && !memcmp(s, "false", 5))
		*out = false;
	else
		return false;
	return true;
}

bool jdoc_long(const struct jdoc *d, int i, long *out)
{
	char buf[32], *end;
	size_t n;
	const char *s;

	if (jdoc_type(d, i) != J_PRIMITIVE)
		return false;
	s = jdoc_raw(d, i, &n);
	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno = 0;
	*out = strtol(buf, &end, 10);
	return *end == '\0' && errno == 0;
}
