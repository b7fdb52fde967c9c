/* strbuf.h — a growable NUL-terminated text buffer, JSON string literals written into it (RFC 8259
 * §7) and read back as ASCII: one builder for control replies, the log, policy --json, serve. */
#ifndef CORDON_STRBUF_H
#define CORDON_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

/* A buffer; start from {0}. Every append keeps s NUL-terminated. An allocation failure sets oom
 * and turns the later appends into no-ops, so a builder checks once, at the end. */
struct cordon_strbuf {
	char *s;
	size_t len, cap;
	bool oom;
};

/* cordon_sb_addn / cordon_sb_add: append n bytes of s / the string s. */
void cordon_sb_addn(struct cordon_strbuf *b, const char *s, size_t n);
void cordon_sb_add(struct cordon_strbuf *b, const char *s);

/* cordon_sb_addf: append printf(3)-formatted text, whatever its length. */
void cordon_sb_addf(struct cordon_strbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* cordon_sb_free: release the text and reset b to {0}. */
void cordon_sb_free(struct cordon_strbuf *b);

/* cordon_sb_take: hand the text to the caller (*out, free(3) it; "" for an empty buffer) and reset
 * b. Returns 0, or -ENOMEM with *out NULL and the text released when an append failed. */
int cordon_sb_take(struct cordon_strbuf *b, char **out);

/* What a JSON string literal does with bytes >= 0x80. */
enum cordon_json_bytes {
	/* Valid UTF-8 (RFC 3629 §4: no overlongs, surrogates or code points above U+10FFFF) is
	 * copied; any other byte becomes \ufffd, so the text is valid JSON (RFC 8259 §8.1). */
	CORDON_JSON_UTF8,
	/* Each byte as \u00XX: the text stays ASCII whatever bytes it was given (a host name as a
	 * client sent it need not be UTF-8). */
	CORDON_JSON_ASCII,
	/* Copied unchanged: the caller's text is taken to be UTF-8 already. */
	CORDON_JSON_BYTES,
};

/* cordon_sb_json_strn / cordon_sb_json_str: append s (n bytes / a string) as a JSON string literal
 * with its quotes (RFC 8259 §7): '"' and '\' escaped, \n \r \t in their two-character forms, the
 * other control characters and DEL as \u00XX, bytes >= 0x80 as `how` says. */
void cordon_sb_json_strn(struct cordon_strbuf *b, const char *s, size_t n,
			 enum cordon_json_bytes how);
void cordon_sb_json_str(struct cordon_strbuf *b, const char *s, enum cordon_json_bytes how);

/* cordon_json_unescape_ascii: the text of a JSON string token (s, n bytes, without its quotes, as
 * cordon_json_inner gives it) with its escapes decoded (RFC 8259 §7) into out (len bytes, NUL-terminated).
 * For display and for text written in CORDON_JSON_ASCII mode: a \uXXXX escape of U+0000 or of a
 * code point above U+007F becomes '?'. Returns 0; -ENOSPC with out holding what fit; -EINVAL for
 * an escape cut short (the reader refuses those). */
int cordon_json_unescape_ascii(const char *s, size_t n, char *out, size_t len);

#endif
