/* serve_out.c — the messages `cordon serve` writes: responses, errors and notifications, one
 * per line on stdout. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "serve.h"

struct run **serve_runs;

uint64_t serve_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- output ----------------------------------------------------------------------------- */

/* send_line: one message and its '\n' on stdout, whole (stdout is the only writer). */
void serve_send_line(struct cordon_strbuf *b)
{
	cordon_sb_addn(b, "\n", 1);
	if (b->oom) {
		fputs("cordon serve: out of memory building a message\n", stderr);
		return;
	}
	for (size_t off = 0; off < b->len;) {
		ssize_t n = write(1, b->s + off, b->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "cordon serve: stdout: %m\n");
			/* The editor is gone: end the commands (cordon run forwards SIGTERM). */
			for (struct run *r = serve_runs ? *serve_runs : NULL; r; r = r->next)
				kill(-r->pid, SIGTERM);
			exit(0);
		}
		off += n;
	}
}

void serve_reply_result(const char *id, const char *result)
{
	struct cordon_strbuf b = {0};
	cordon_sb_addf(&b, "{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":%s}", id, result);
	serve_send_line(&b);
	cordon_sb_free(&b);
}

void serve_reply_error(const char *id, int code, const char *msg)
{
	struct cordon_strbuf b = {0};
	cordon_sb_addf(&b, "{\"jsonrpc\":\"2.0\",\"id\":%s,\"error\":{\"code\":%d,\"message\":",
		       id ? id : "null", code);
	cordon_sb_json_str(&b, msg, CORDON_JSON_UTF8);
	cordon_sb_add(&b, "}}");
	serve_send_line(&b);
	cordon_sb_free(&b);
}

void serve_notify(const char *method, const char *params)
{
	struct cordon_strbuf b = {0};
	cordon_sb_add(&b, "{\"jsonrpc\":\"2.0\",\"method\":");
	cordon_sb_json_str(&b, method, CORDON_JSON_UTF8);
	cordon_sb_addf(&b, ",\"params\":%s}", params);
	serve_send_line(&b);
	cordon_sb_free(&b);
}
