/* verbs_io.c — what every verb shares: the session's control channel, the state of this
 * process (confined or not), and reading the channel's JSON replies for the text forms. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cordon/control.h"
#include "cordon/strbuf.h"

#include "verbs_int.h"

int verbs_json_parse(struct cordon_json *j, const char *s)
{
	int r = cordon_json_parse(j, s, strlen(s), 0, NULL);
	if (r < 0)
		cordon_json_free(j);
	return r;
}

/* Copy token i's text into buf; strings are unescaped (RFC 8259 §7, ASCII \u only). */
const char *verbs_json_text(const struct cordon_json *j, int i, char *buf, size_t len)
{
	if (cordon_json_type(j, i) == CORDON_JSON_UNDEF) {
		snprintf(buf, len, "%s", "");
		return buf;
	}
	size_t n;
	const char *p = cordon_json_inner(j, i, &n);
	if (cordon_json_type(j, i) != CORDON_JSON_STR) {
		snprintf(buf, len, "%.*s", (int)n, p);
		return buf;
	}
	/* A string may hold what a confined process sent (a SOCKS5 host name is any bytes):
	 * control characters are shown as \xHH, never written raw to the person's terminal.
	 * A reply too long for buf is shown cut. */
	char *raw = malloc(len);
	size_t o = 0;
	if (!raw) {
		snprintf(buf, len, "?");
		return buf;
	}
	(void)cordon_json_unescape_ascii(p, n, raw, len);
	for (const unsigned char *c = (const unsigned char *)raw; *c && o + 1 < len; c++) {
		if (*c >= 0x20 && *c != 0x7f) {
			buf[o++] = (char)*c;
		} else if (o + 5 <= len) {
			snprintf(buf + o, len - o, "\\x%02x", *c);
			o += 4;
		} else {
			break;
		}
	}
	buf[o] = '\0';
	free(raw);
	return buf;
}

int verbs_json_bool(const struct cordon_json *j, int i)
{
	bool b = false;
	return cordon_json_bool(j, i, &b) && b;
}

/* An array of scalars as "a, b, c" or "none". */
void verbs_json_list(const struct cordon_json *j, int i, char *buf, size_t len)
{
	size_t o = 0;
	buf[0] = '\0';
	if (cordon_json_type(j, i) != CORDON_JSON_ARR || cordon_json_size(j, i) == 0) {
		snprintf(buf, len, "none");
		return;
	}
	int k = i + 1;
	for (int m = 0; m < cordon_json_size(j, i); m++) {
		char item[512];
		verbs_json_text(j, k, item, sizeof(item));
		int w = snprintf(buf + o, len - o, "%s%s", m ? ", " : "", item);
		if (w < 0 || (size_t)w >= len - o)
			break;
		o += (size_t)w;
		k = cordon_json_next(j, k);
	}
}

/* "NoNewPrivs:\t1" and "Seccomp:\t2" in /proc/self/status (proc(5)): confined by someone. */
bool verbs_self_confined(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	int nnp = 0, sec = 0;
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "NoNewPrivs: %d", &nnp);
		sscanf(line, "Seccomp: %d", &sec);
	}
	fclose(f);
	return nnp == 1 && sec == 2;
}

/* This shell is confined but holds no control channel (a shell started inside the sandbox). */
bool verbs_inherited(int ctl_fd)
{
	return ctl_fd < 0 && verbs_self_confined() && getenv("CORDON_SESSION");
}

/* Ask the session process; on failure print the message and return -1. */
int verbs_ask(const struct cordon_shell *sh, int ctl_fd, char **words, char **reply)
{
	struct cordon_error e = {{0}};
	int r = cordon_control_call(ctl_fd, words, -1, reply, &e);
	if (r < 0) {
		ERR("%s: %s\n", words[0], e.msg);
		return r;
	}
	return 0;
}

void verbs_append(char *buf, size_t len, const char *fmt, ...)
{
	size_t o = strlen(buf);
	va_list ap;
	va_start(ap, fmt);
	if (o < len)
		vsnprintf(buf + o, len - o, fmt, ap);
	va_end(ap);
}
