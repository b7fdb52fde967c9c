/* strbuf.c — the growable text buffer and JSON string literals of strbuf.h: appends that latch
 * out-of-memory, and RFC 8259 §7 escaping with a choice of what becomes of non-ASCII bytes. */
#include "cordon/strbuf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cordon_sb_addn(struct cordon_strbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->s, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void cordon_sb_add(struct cordon_strbuf *b, const char *s)
{
	cordon_sb_addn(b, s, strlen(s));
}

void cordon_sb_addf(struct cordon_strbuf *b, const char *fmt, ...)
{
	char small[256], *big = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->oom = true;
		return;
	}
	if ((size_t)n < sizeof(small)) {
		cordon_sb_addn(b, small, (size_t)n);
		return;
	}
	va_start(ap, fmt);
	n = vasprintf(&big, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->oom = true;
		return;
	}
	cordon_sb_addn(b, big, (size_t)n);
	free(big);
}

void cordon_sb_free(struct cordon_strbuf *b)
{
	free(b->s);
	memset(b, 0, sizeof(*b));
}

int cordon_sb_take(struct cordon_strbuf *b, char **out)
{
	cordon_sb_addn(b, "", 0); /* an empty buffer still hands out a string */
	if (b->oom) {
		cordon_sb_free(b);
		*out = NULL;
		return -ENOMEM;
	}
	*out = b->s;
	memset(b, 0, sizeof(*b));
	return 0;
}

/* utf8_len: length of the valid UTF-8 sequence at s (at most n bytes, s[0] >= 0x80), or 0 if
 * invalid (RFC 3629 §4: no overlongs, no surrogates, nothing above U+10FFFF). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	uint32_t cp;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

void cordon_sb_json_strn(struct cordon_strbuf *b, const char *s, size_t n,
			 enum cordon_json_bytes how)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, run = 0; /* run: bytes before i still to copy as they are */

	cordon_sb_addn(b, "\"", 1);
	while (i < n) {
		unsigned char c = u[i];
		size_t keep = 0;
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			keep = 1;
		else if (c >= 0x80 && how == CORDON_JSON_BYTES)
			keep = 1;
		else if (c >= 0x80 && how == CORDON_JSON_UTF8)
			keep = utf8_len(u + i, n - i);
		if (keep) {
			i += keep;
			run += keep;
			continue;
		}
		cordon_sb_addn(b, s + i - run, run);
		run = 0;
		char esc[7] = {'\\', (char)c, 0};
		if (c == '\n')
			esc[1] = 'n';
		else if (c == '\r')
			esc[1] = 'r';
		else if (c == '\t')
			esc[1] = 't';
		else if (c >= 0x80 && how == CORDON_JSON_UTF8)
			memcpy(esc, "\\ufffd", 7);
		else if (c != '"' && c != '\\')
			snprintf(esc, sizeof(esc), "\\u00%c%c", hex[c >> 4], hex[c & 15]);
		cordon_sb_add(b, esc);
		i++;
	}
	cordon_sb_addn(b, s + i - run, run);
	cordon_sb_addn(b, "\"", 1);
}

void cordon_sb_json_str(struct cordon_strbuf *b, const char *s, enum cordon_json_bytes how)
{
	cordon_sb_json_strn(b, s, strlen(s), how);
}

int cordon_json_unescape_ascii(const char *s, size_t n, char *out, size_t len)
{
	size_t o = 0;

	if (len == 0)
		return -ENOSPC;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '\\') {
			if (++i >= n)
				return out[o] = '\0', -EINVAL;
			switch (s[i]) {
			case 'n':
				c = '\n';
				break;
			case 't':
				c = '\t';
				break;
			case 'r':
				c = '\r';
				break;
			case 'b':
				c = '\b';
				break;
			case 'f':
				c = '\f';
				break;
			case 'u': {
				char hx[5] = {0};
				if (i + 4 >= n)
					return out[o] = '\0', -EINVAL;
				memcpy(hx, s + i + 1, 4);
				unsigned long u = strtoul(hx, NULL, 16);
				c = u > 0 && u < 0x80 ? (char)u : '?';
				i += 4;
				break;
			}
			default: /* '"', '\\', '/' */
				c = s[i];
			}
		}
		if (o + 1 >= len)
			return out[o] = '\0', -ENOSPC;
		out[o++] = c;
	}
	out[o] = '\0';
	return 0;
}
