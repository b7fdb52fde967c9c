/* cmd_serve.c — `cordon serve --stdio`: JSON-RPC 2.0 for editors, one message per line on
 * stdin/stdout (logs on stderr): the options, the loop, and each message to its method. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "serve.h"

static const char serve_usage[] =
    "usage: cordon serve --stdio [--ask-timeout SECONDS]\n"
    "  JSON-RPC 2.0, one message per line on stdin/stdout, logs on stderr. Methods: initialize,\n"
    "  session.start, run, run.cancel, status, policy.get, hosts.list, hosts.allow, log.list,\n"
    "  shutdown.\n"
    "  The server asks the client network/ask {host, port} for hosts neither list decides\n"
    "  (when the client declared capabilities.networkAsk); no answer in time means deny.\n";

/* ---- messages and the loop -------------------------------------------------------------- */

static void handle_line(struct serve *s, const char *line, size_t len)
{
	struct cordon_json d;
	struct req q = {.s = s, .d = &d, .params = -1};
	char *id = NULL, *method = NULL;
	int i;

	while (len && (line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t'))
		len--;
	if (len == 0)
		return;
	if (cordon_json_parse(&d, line, len, 0, NULL) < 0) {
		serve_reply_error(NULL, RPC_PARSE_ERROR, "parse error: not a JSON text");
		goto out;
	}
	if (cordon_json_type(&d, 0) != CORDON_JSON_OBJ) {
		serve_reply_error(
		    NULL, RPC_INVALID_REQUEST,
		    "invalid request: a JSON-RPC 2.0 request object is expected (no batches)");
		goto out;
	}
	i = cordon_json_get(&d, 0, "id");
	if (i >= 0) {
		size_t n;
		const char *raw = cordon_json_raw(&d, i, &n);
		enum cordon_json_type t = cordon_json_type(&d, i);
		long l;
		if (t == CORDON_JSON_STR || cordon_json_is_null(&d, i) ||
		    (t == CORDON_JSON_PRIM && cordon_json_long(&d, i, &l)))
			id = strndup(raw, n);
	}
	int v = cordon_json_get(&d, 0, "jsonrpc"), m = cordon_json_get(&d, 0, "method");
	char *ver = rpc_strdup(&d, v);
	bool v2 = ver && !strcmp(ver, "2.0");
	free(ver);
	if (v2 && m < 0 && i >= 0 &&
	    (cordon_json_get(&d, 0, "result") >= 0 || cordon_json_get(&d, 0, "error") >= 0)) {
		serve_on_response(s, &d, i);
		goto out;
	}
	method = rpc_strdup(&d, m);
	if (!v2 || !method || (i >= 0 && !id)) {
		serve_reply_error(
		    id, RPC_INVALID_REQUEST,
		    "invalid request: needs \"jsonrpc\":\"2.0\", a string \"method\" and an id "
		    "that is a string, an integer or null");
		goto out;
	}
	q.id = id;
	q.params = cordon_json_get(&d, 0, "params");
	if (q.params >= 0 && cordon_json_type(&d, q.params) != CORDON_JSON_OBJ) {
		if (id)
			serve_reply_error(id, RPC_INVALID_PARAMS, "params must be an object");
		goto out;
	}
	serve_method_fn fn = serve_method(method);
	if (fn) {
		fn(&q);
		goto out;
	}
	if (id) {
		char msg[160];
		snprintf(msg, sizeof(msg), "method not found: %.100s", method);
		serve_reply_error(id, RPC_METHOD_NOT_FOUND, msg);
	}
out:
	free(method);
	free(id);
	cordon_json_free(&d);
}

static long parse_timeout_ms(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end || v < 0 || v > 86400)
		return -1;
	return (long)(v * 1000);
}

int cmd_serve(int argc, char **argv)
{
	struct serve s = {.ask_ms = DEFAULT_ASK_MS, .ask_listen = -1};
	bool stdio = false;
	char *in = NULL;
	size_t in_len = 0, in_cap = 0;
	bool skipping = false, eof = false;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--stdio")) {
			stdio = true;
		} else if (!strcmp(argv[i], "--ask-timeout") && i + 1 < argc) {
			s.ask_ms = parse_timeout_ms(argv[++i]);
			if (s.ask_ms < 0) {
				fprintf(stderr, "cordon serve: bad --ask-timeout \"%s\"\n%s",
					argv[i], serve_usage);
				return CORDON_EXIT_USAGE;
			}
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(serve_usage, stdout);
			return 0;
		} else {
			fprintf(stderr, "cordon serve: unknown argument \"%s\"\n%s", argv[i],
				serve_usage);
			return CORDON_EXIT_USAGE;
		}
	}
	if (!stdio) {
		fputs(serve_usage, stderr);
		return CORDON_EXIT_USAGE;
	}
	signal(SIGPIPE, SIG_IGN);
	serve_runs = &s.runs;
	s.ask_listen = serve_ask_listen(&s);
	if (s.ask_listen < 0)
		fprintf(stderr, "cordon serve: network/ask unavailable: ask socket: %m\n");

	while (!s.quit && (!eof || s.runs)) {
		size_t nr = 0, nc = 0, k = 0;
		for (struct run *r = s.runs; r; r = r->next)
			nr++;
		for (struct conn *c = s.conns; c; c = c->next)
			nc++;
		struct pollfd *pf = calloc(2 + 3 * nr + nc, sizeof(*pf));
		if (!pf)
			return CORDON_EXIT_SETUP;
		pf[k++] = (struct pollfd){.fd = eof ? -1 : 0, .events = POLLIN};
		pf[k++] = (struct pollfd){.fd = s.ask_listen, .events = POLLIN};
		for (struct run *r = s.runs; r; r = r->next) {
			pf[k++] = (struct pollfd){.fd = r->out, .events = POLLIN};
			pf[k++] = (struct pollfd){.fd = r->err, .events = POLLIN};
			pf[k++] = (struct pollfd){.fd = r->pidfd, .events = POLLIN};
		}
		for (struct conn *c = s.conns; c; c = c->next)
			pf[k++] = (struct pollfd){.fd = c->fd, .events = POLLIN};
		int timeout = -1;
		uint64_t now = serve_now_ms();
		for (struct ask *a = s.asks; a; a = a->next) {
			long left = a->deadline > now ? (long)(a->deadline - now) : 0;
			if (timeout < 0 || left < timeout)
				timeout = left;
		}
		if (poll(pf, k, timeout) < 0 && errno != EINTR) {
			fprintf(stderr, "cordon serve: poll: %m\n");
			free(pf);
			break;
		}
		/* Sessions first: a session/died comes before the exit of the run it ends. */
		k = 2 + 3 * nr;
		for (struct conn *c = s.conns; c; c = c->next, k++)
			if (pf[k].revents && c->fd >= 0)
				serve_on_conn(&s, c);
		k = 2;
		for (struct run *r = s.runs, *nx; r; r = nx) {
			nx = r->next;
			if (pf[k].revents && r->out >= 0)
				serve_pump(r, 0);
			if (pf[k + 1].revents && r->err >= 0)
				serve_pump(r, 1);
			if ((pf[k + 2].revents || r->pidfd < 0) && serve_reap(r))
				serve_finish_run(&s, r);
			k += 3;
		}
		if (pf[1].revents)
			serve_on_accept(&s);
		now = serve_now_ms();
		for (struct ask *a = s.asks, *nx; a; a = nx) {
			nx = a->next;
			if (a->deadline <= now)
				serve_ask_answer(&s, a, "deny");
		}
		if (pf[0].revents) {
			if (in_len + 65536 > in_cap) {
				size_t cap = in_cap ? in_cap * 2 : 131072;
				char *p = realloc(in, cap);
				if (!p) {
					free(pf);
					return CORDON_EXIT_SETUP;
				}
				in = p;
				in_cap = cap;
			}
			ssize_t n = read(0, in + in_len, 65536);
			if (n <= 0 && !(n < 0 && errno == EINTR)) {
				/* End of requests: the runs still finish and report (so a script
				 * can pipe requests in); a client that is gone shows on the next
				 * write. */
				eof = true;
			} else if (n > 0) {
				in_len += n;
				char *start = in, *nl;
				while ((nl = memchr(start, '\n', in + in_len - start))) {
					if (!skipping)
						handle_line(&s, start, nl - start);
					skipping = false;
					start = nl + 1;
				}
				in_len -= start - in;
				memmove(in, start, in_len);
				if (in_len > MAX_LINE) {
					serve_reply_error(NULL, RPC_PARSE_ERROR,
							  "parse error: message too long");
					skipping = true;
					in_len = 0;
				}
			}
		}
		free(pf);
	}
	if (s.quit)
		for (struct run *r = s.runs; r; r = r->next)
			kill(-r->pid, SIGTERM);
	free(in);
	return 0;
}
