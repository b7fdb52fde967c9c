/* serve.h — what the files of `cordon serve --stdio` share: the server's state, a request, the
 * output of messages, the policy from session.start, the methods, the runs and network/ask. */
#ifndef CORDON_SERVE_H
#define CORDON_SERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cordon/json.h"
#include "cordon/policy.h"
#include "cordon/policy_build.h"
#include "cordon/strbuf.h"
#include "rpc.h"

#ifndef CORDON_VERSION
#define CORDON_VERSION "0.1.0"
#endif
#define PROTOCOL_VERSION 1
#define MAX_LINE (4 << 20)   /* largest message accepted on stdin, bytes */
#define DEFAULT_ASK_MS 30000 /* network/ask unanswered for this long: deny */

struct run {
	struct run *next;
	char *id; /* the request's id, raw JSON */
	pid_t pid;
	int pidfd, out, err; /* -1 once closed */
	int status;	     /* -1 while running */
	char pend[2][4];     /* an incomplete UTF-8 sequence held back per stream */
	size_t npend[2];
};

struct conn { /* a session process connected to the ask socket */
	struct conn *next;
	int fd;
	char id[64];
	char *log_path;
	long caller;  /* the process that started the session ("caller PID"), 0 if not told */
	char *run_id; /* the request id of our run whose session it is (raw JSON), or NULL */
	bool bye;     /* it said its session ends as it should */
};

struct ask {
	struct ask *next;
	long rpc_id; /* our request's id */
	int fd;	     /* the session's connection */
	char token[32];
	char host[256];
	unsigned port;
	uint64_t deadline;
};

struct serve {
	/* session.start: the policy request, kept so each run builds its policy for its cwd */
	struct cordon_policy_request req;
	bool started;
	char **session_hosts; /* allowed for the session through network/ask */
	size_t n_session_hosts;

	bool ask_enabled; /* the client declared capabilities.networkAsk */
	long ask_ms;
	long next_rpc_id;
	int ask_listen;
	char ask_name[108]; /* abstract socket name, without the leading NUL */

	struct run *runs;
	struct conn *conns;
	struct ask *asks;
	bool quit;
};

/* One request being handled. */
struct req {
	struct serve *s;
	struct cordon_json *d;
	const char *id; /* raw JSON id, or NULL for a notification */
	int params;	/* token of params, or -1 */
};

/* serve_out.c: the runs, for serve_send_line to end them when stdout is gone (the adapter's
 * only global); CLOCK_MONOTONIC in ms; one message and its '\n' on stdout, whole (stdout is
 * the only writer; exits when the editor is gone); a response, an error response, a
 * notification. */
extern struct run **serve_runs;
uint64_t serve_now_ms(void);
void serve_send_line(struct cordon_strbuf *b);
void serve_reply_result(const char *id, const char *result);
void serve_reply_error(const char *id, int code, const char *msg);
void serve_notify(const char *method, const char *params);

/* serve_params.c: NULL-terminated string vectors; the session's policy for a command in cwd
 * (the request of session.start plus the hosts allowed for the session); a request's params
 * (a string, *bad set on another type; an array of strings; a boolean); the policy for
 * params.cwd, or an error reply (-1). */
void serve_strv_free(char **v, size_t n);
int serve_strv_push(char ***v, size_t *n, const char *str);
int serve_build_policy(const struct serve *s, const char *cwd, struct cordon_policy *p,
		       struct cordon_error *e);
char *serve_param_str(const struct req *q, const char *key, bool *bad);
int serve_param_strv(const struct req *q, const char *key, char ***out, size_t *n);
bool serve_param_bool(const struct req *q, const char *key, bool *out, bool *bad);
int serve_with_policy(struct req *q, struct cordon_policy *p);

/* serve_methods.c: the method named name, or NULL; the kernel report as JSON (report.h). */
typedef void (*serve_method_fn)(struct req *q);
serve_method_fn serve_method(const char *name);
void serve_kernel_json(struct cordon_strbuf *b);

/* serve_run.c: the run and run.cancel methods; a run's output pumped into `output`
 * notifications (false at EOF); the end of a run (`exit`, then the response); its reaping.
 */
void serve_m_run(struct req *q);
void serve_m_run_cancel(struct req *q);
bool serve_pump(struct run *r, int which);
void serve_finish_run(struct serve *s, struct run *r);
bool serve_reap(struct run *r);

/* serve_ask.c: network/ask — the abstract socket sessions connect to, a connection
 * accepted, a message from a session, a client's response to our request, an answer to a
 * session. */
int serve_ask_listen(struct serve *s);
void serve_on_accept(struct serve *s);
void serve_on_conn(struct serve *s, struct conn *c);
void serve_on_response(struct serve *s, struct cordon_json *d, int id);
void serve_ask_answer(struct serve *s, struct ask *a, const char *verdict);

#endif
