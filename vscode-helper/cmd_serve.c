/* cmd_serve.c — `cordon serve --stdio`: JSON-RPC 2.0 for editors, one message per line on
 * stdin/stdout (logs on stderr): session policy, confined runs with streamed output, network/ask.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "cordon/ask.h"
#include "cordon/config.h"
#include "cordon/hostpat.h"
#include "cordon/layers.h"
#include "cordon/policy.h"
#include "cordon/proxy.h"
#include "cordon/run.h"
#include "cordon/vlog.h"
#include "rpc.h"

#ifndef CORDON_VERSION
#define CORDON_VERSION "0.1.0"
#endif
#define PROTOCOL_VERSION 1
#define MAX_LINE (4 << 20)   /* largest message accepted on stdin, bytes */
#define DEFAULT_ASK_MS 30000 /* network/ask unanswered for this long: deny */

static const char serve_usage[] =
    "usage: cordon serve --stdio [--ask-timeout SECONDS]\n"
    "  JSON-RPC 2.0, one message per line on stdin/stdout, logs on stderr. Methods: initialize,\n"
    "  session.start, run, run.cancel, status, policy.get, hosts.list, hosts.allow, log.list,\n"
    "  shutdown.\n"
    "  The server asks the client network/ask {host, port} for hosts neither list decides\n"
    "  (when the client declared capabilities.networkAsk); no answer in time means deny.\n";

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
	/* session.start: the policy inputs, kept so each run builds its policy for its cwd */
	char *config;
	char **allow_write, **allow_host; /* NULL-terminated */
	size_t n_allow_write, n_allow_host;
	char *settings; /* JSON object text of config-file keys, or NULL */
	bool strict, lock, started;
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

/* The runs, for send_line to end them when stdout is gone (the adapter's only global). */
static struct run **g_runs;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- output ----------------------------------------------------------------------------- */

/* send_line: one message and its '\n' on stdout, whole (stdout is the only writer). */
static void send_line(struct cordon_strbuf *b)
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
			for (struct run *r = g_runs ? *g_runs : NULL; r; r = r->next)
				kill(-r->pid, SIGTERM);
			exit(0);
		}
		off += n;
	}
}

static void reply_result(const char *id, const char *result)
{
	struct cordon_strbuf b = {0};
	cordon_sb_addf(&b, "{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":%s}", id, result);
	send_line(&b);
	cordon_sb_free(&b);
}

static void reply_error(const char *id, int code, const char *msg)
{
	struct cordon_strbuf b = {0};
	cordon_sb_addf(&b, "{\"jsonrpc\":\"2.0\",\"id\":%s,\"error\":{\"code\":%d,\"message\":",
		       id ? id : "null", code);
	cordon_sb_json_str(&b, msg, CORDON_JSON_UTF8);
	cordon_sb_add(&b, "}}");
	send_line(&b);
	cordon_sb_free(&b);
}

static void notify(const char *method, const char *params)
{
	struct cordon_strbuf b = {0};
	cordon_sb_add(&b, "{\"jsonrpc\":\"2.0\",\"method\":");
	cordon_sb_json_str(&b, method, CORDON_JSON_UTF8);
	cordon_sb_addf(&b, ",\"params\":%s}", params);
	send_line(&b);
	cordon_sb_free(&b);
}

/* ---- policy ----------------------------------------------------------------------------- */

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void serve_policy_clear(struct serve *s)
{
	free(s->config);
	free(s->settings);
	strv_free(s->allow_write, s->n_allow_write);
	strv_free(s->allow_host, s->n_allow_host);
	s->config = s->settings = NULL;
	s->allow_write = s->allow_host = NULL;
	s->n_allow_write = s->n_allow_host = 0;
	s->strict = s->lock = false;
}

static int strv_push(char ***v, size_t *n, const char *str)
{
	char **nv = realloc(*v, (*n + 2) * sizeof(**v));

	if (!nv)
		return -ENOMEM;
	*v = nv;
	nv[*n] = strdup(str);
	if (!nv[*n])
		return -ENOMEM;
	nv[++*n] = NULL;
	return 0;
}

/* build_policy: the session's policy for a command in cwd: the merge of cordon_policy_build
 * (user config, "config", allowWrite, allowHost and the hosts allowed for the session,
 * .cordon.json), then the inline "settings" (config-file keys; relative paths against cwd),
 * then strict/lock, finished again for cwd. */
static int build_policy(const struct serve *s, const char *cwd, struct cordon_policy *p,
			struct cordon_error *e)
{
	char **hosts;
	size_t nh = s->n_allow_host + s->n_session_hosts;
	int r;

	hosts = calloc(nh + 1, sizeof(*hosts));
	if (!hosts)
		return cordon_error_set(e, ENOMEM, "out of memory");
	for (size_t i = 0; i < s->n_allow_host; i++)
		hosts[i] = s->allow_host[i];
	for (size_t i = 0; i < s->n_session_hosts; i++)
		hosts[s->n_allow_host + i] = s->session_hosts[i];
	r = cordon_policy_build(p, s->config, s->allow_write, s->n_allow_write, hosts, nh, cwd, e);
	free(hosts);
	if (r < 0)
		return r;
	if (s->settings) {
		r = cordon_config_load_string(p, s->settings, strlen(s->settings), "settings", cwd,
					      getenv("HOME"), e);
		if (r < 0)
			return r;
		r = cordon_policy_finish(p, cwd, e);
		if (r < 0)
			return r;
	}
	p->strict = p->strict || s->strict;
	p->lock_policy = p->lock_policy || s->lock;
	return 0;
}

/* ---- requests --------------------------------------------------------------------------- */

struct req {
	struct serve *s;
	struct jdoc *d;
	const char *id; /* raw JSON id, or NULL for a notification */
	int params;	/* token of params, or -1 */
};

/* param_str: params[key] as a malloc'd string; *bad set when present with another type. */
static char *param_str(const struct req *q, const char *key, bool *bad)
{
	int i = jdoc_get(q->d, q->params, key);

	if (i < 0 || jdoc_is_null(q->d, i))
		return NULL;
	char *v = jdoc_strdup(q->d, i);
	if (!v)
		*bad = true;
	return v;
}

/* param_strv: params[key], an array of strings, into a NULL-terminated malloc'd vector. */
static int param_strv(const struct req *q, const char *key, char ***out, size_t *n)
{
	int i = jdoc_get(q->d, q->params, key);

	*out = NULL;
	*n = 0;
	if (i < 0 || jdoc_is_null(q->d, i))
		return 0;
	if (jdoc_type(q->d, i) != J_ARRAY)
		return -EINVAL;
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (int k = 0; k < jdoc_size(q->d, i); k++) {
		char *v = jdoc_strdup(q->d, jdoc_elem(q->d, i, k));
		if (!v || strv_push(out, n, v) < 0) {
			free(v);
			strv_free(*out, *n);
			*out = NULL;
			*n = 0;
			return -EINVAL;
		}
		free(v);
	}
	return 0;
}

static bool param_bool(const struct req *q, const char *key, bool *out, bool *bad)
{
	int i = jdoc_get(q->d, q->params, key);

	if (i < 0 || jdoc_is_null(q->d, i))
		return false;
	if (!jdoc_bool(q->d, i, out))
		*bad = true;
	return true;
}

static void kernel_json(struct cordon_strbuf *b)
{
	struct cordon_kernel k;
	struct cordon_error e = {{0}};

	if (cordon_kernel_probe(&k, &e) < 0) {
		cordon_sb_add(b, "{\"error\":");
		cordon_sb_json_str(b, e.msg, CORDON_JSON_UTF8);
		cordon_sb_add(b, "}");
		return;
	}
	cordon_sb_add(b, "{\"release\":");
	cordon_sb_json_str(b, k.release, CORDON_JSON_UTF8);
	cordon_sb_addf(b,
		       ",\"userns\":%s,\"landlock_abi\":%d,\"seccomp\":%s,\"seccomp_notify\":%s,"
		       "\"legacy_tiocsti\":%s,\"mount_setattr\":%s}",
		       k.userns ? "true" : "false", k.landlock_abi,
		       k.seccomp_filter ? "true" : "false", k.seccomp_notify ? "true" : "false",
		       k.legacy_tiocsti ? "true" : "false", k.mount_setattr ? "true" : "false");
}

static void m_initialize(struct req *q)
{
	struct cordon_strbuf b = {0};
	int caps = jdoc_get(q->d, q->params, "capabilities");
	bool ask = false;

	if (caps >= 0 && jdoc_type(q->d, caps) != J_OBJECT) {
		reply_error(q->id, RPC_INVALID_PARAMS, "capabilities must be an object");
		return;
	}
	int a = jdoc_get(q->d, caps, "networkAsk");
	if (a >= 0 && !jdoc_bool(q->d, a, &ask)) {
		reply_error(q->id, RPC_INVALID_PARAMS, "capabilities.networkAsk must be a boolean");
		return;
	}
	q->s->ask_enabled = ask;
	cordon_sb_addf(&b,
		       "{\"serverInfo\":{\"name\":\"cordon\",\"version\":\"%s\"},"
		       "\"protocolVersion\":%d,\"capabilities\":{\"run\":true,\"cancel\":true,"
		       "\"networkAsk\":%s,\"askTimeoutMs\":%ld,\"methods\":[\"initialize\","
		       "\"session.start\",\"run\",\"run.cancel\",\"status\",\"policy.get\","
		       "\"hosts.list\",\"hosts.allow\",\"log.list\",\"shutdown\"]},",
		       CORDON_VERSION, PROTOCOL_VERSION, q->s->ask_listen >= 0 ? "true" : "false",
		       q->s->ask_ms);
	/* For terminals the client starts itself (`cordon shell` with this in CORDON_ASK_SOCKET):
	 * their sessions ask through this server too. */
	cordon_sb_add(&b, "\"askSocket\":");
	if (ask && q->s->ask_listen >= 0)
		cordon_sb_json_str(&b, q->s->ask_name, CORDON_JSON_UTF8);
	else
		cordon_sb_add(&b, "null");
	cordon_sb_add(&b, ",\"kernel\":");
	kernel_json(&b);
	cordon_sb_add(&b, "}");
	if (q->id)
		reply_result(q->id, b.s);
	cordon_sb_free(&b);
}

/* m_session_start: {config?, allowWrite?, allowHost?, strict?, lock?, settings?, cwd?}: replace
 * the session's policy inputs after checking that they build; result {policy}. */
static void m_session_start(struct req *q)
{
	struct serve tmp = {0}, *s = q->s;
	struct cordon_policy p;
	struct cordon_error e = {{0}};
	char cwd[PATH_MAX], *c, *json = NULL;
	bool bad = false;
	int st;

	tmp.config = param_str(q, "config", &bad);
	c = param_str(q, "cwd", &bad);
	if (param_strv(q, "allowWrite", &tmp.allow_write, &tmp.n_allow_write) < 0 ||
	    param_strv(q, "allowHost", &tmp.allow_host, &tmp.n_allow_host) < 0)
		bad = true;
	param_bool(q, "strict", &tmp.strict, &bad);
	param_bool(q, "lock", &tmp.lock, &bad);
	st = jdoc_get(q->d, q->params, "settings");
	if (st >= 0 && !jdoc_is_null(q->d, st)) {
		size_t n;
		const char *raw = jdoc_raw(q->d, st, &n);
		if (jdoc_type(q->d, st) != J_OBJECT)
			bad = true;
		else
			tmp.settings = strndup(raw, n);
	}
	if (bad) {
		reply_error(q->id, RPC_INVALID_PARAMS,
			    "session.start: config and cwd are strings, allowWrite and allowHost "
			    "arrays of strings, strict and lock booleans, settings an object");
		goto out;
	}
	if (!c && !getcwd(cwd, sizeof(cwd)))
		strcpy(cwd, "/");
	tmp.session_hosts = s->session_hosts;
	tmp.n_session_hosts = s->n_session_hosts;
	if (build_policy(&tmp, c ? c : cwd, &p, &e) < 0) {
		reply_error(q->id, RPC_INVALID_PARAMS, e.msg);
		cordon_policy_free(&p);
		goto out;
	}
	if (cordon_policy_to_json(&p, &json, &e) < 0) {
		reply_error(q->id, RPC_INTERNAL_ERROR, e.msg);
		cordon_policy_free(&p);
		goto out;
	}
	cordon_policy_free(&p);
	serve_policy_clear(s);
	s->config = tmp.config;
	s->settings = tmp.settings;
	s->allow_write = tmp.allow_write;
	s->n_allow_write = tmp.n_allow_write;
	s->allow_host = tmp.allow_host;
	s->n_allow_host = tmp.n_allow_host;
	s->strict = tmp.strict;
	s->lock = tmp.lock;
	s->started = true;
	memset(&tmp, 0, sizeof(tmp));
	if (q->id) {
		struct cordon_strbuf b = {0};
		cordon_sb_add(&b, "{\"policy\":");
		jb_compact(&b, json);
		cordon_sb_add(&b, "}");
		reply_result(q->id, b.s);
		cordon_sb_free(&b);
	}
out:
	free(json);
	free(c);
	tmp.session_hosts = NULL;
	tmp.n_session_hosts = 0;
	serve_policy_clear(&tmp);
}

/* run_child: the forked child of a `run`: stdio, environment, cwd, policy, then cordon_run,
 * which confines this process; exits with the command's status (125 on setup failure). */
__attribute__((noreturn)) static void run_child(struct serve *s, char **argv, const char *cwd,
						char **env_set, size_t n_set, int out, int err)
{
	struct cordon_policy p;
	struct cordon_error e = {{0}};
	int null = open("/dev/null", O_RDONLY);
	char here[PATH_MAX];

	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	setsid(); /* its own process group: run.cancel signals the whole group */
	if (null < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
		_exit(CORDON_EXIT_SETUP);
	close_range(3, ~0U, 0);
	for (size_t i = 0; i + 1 < n_set; i += 2) {
		if (env_set[i + 1])
			setenv(env_set[i], env_set[i + 1], 1);
		else
			unsetenv(env_set[i]);
	}
	/* Always: the session says hello (its id and log, for log.list and status) even when the
	 * client takes no questions; its questions are then denied at once (on_conn). */
	if (s->ask_listen >= 0)
		setenv(CORDON_ASK_ENV, s->ask_name, 1);
	else
		unsetenv(CORDON_ASK_ENV);
	if (cwd && chdir(cwd) < 0) {
		fprintf(stderr, "cordon serve: run: cwd %s: %m\n", cwd);
		_exit(CORDON_EXIT_SETUP);
	}
	if (!getcwd(here, sizeof(here))) {
		fprintf(stderr, "cordon serve: run: getcwd: %m\n");
		_exit(CORDON_EXIT_SETUP);
	}
	if (build_policy(s, here, &p, &e) < 0) {
		fprintf(stderr, "cordon: %s\n", e.msg);
		_exit(CORDON_EXIT_SETUP);
	}
	struct cordon_run_opts o = {.policy = &p, .argv = argv, .cwd = here};
	int r = cordon_run(&o, &e);
	if (r < 0) {
		fprintf(stderr, "cordon: %s\n", e.msg);
		_exit(CORDON_EXIT_SETUP);
	}
	if (e.msg[0])
		fprintf(stderr, "cordon: %s\n", e.msg);
	_exit(r);
}

/* m_run: {argv: [..], cwd?, env?: {NAME: value|null}}. Streams `output` notifications
 * {id, stream, data}, then an `exit` notification {id, status}; the response {status} comes
 * last. */
static void m_run(struct req *q)
{
	struct serve *s = q->s;
	char **argv = NULL, **env_set = NULL, *cwd = NULL;
	size_t argc = 0, n_set = 0;
	int po[2] = {-1, -1}, pe[2] = {-1, -1};
	bool bad = false;
	struct run *r = NULL;

	if (!q->id) {
		fputs("cordon serve: run sent as a notification: ignored\n", stderr);
		return;
	}
	if (param_strv(q, "argv", &argv, &argc) < 0 || argc == 0) {
		reply_error(q->id, RPC_INVALID_PARAMS,
			    "run: argv must be a non-empty array of strings");
		goto out;
	}
	cwd = param_str(q, "cwd", &bad);
	int env = jdoc_get(q->d, q->params, "env");
	if (env >= 0 && !jdoc_is_null(q->d, env)) {
		if (jdoc_type(q->d, env) != J_OBJECT) {
			bad = true;
		} else {
			for (int k = env + 1, m = 0; m < jdoc_size(q->d, env) && !bad; m++) {
				char *name = jdoc_strdup(q->d, k), *val = NULL;
				int v = k + 1;
				if (!jdoc_is_null(q->d, v) && !(val = jdoc_strdup(q->d, v)))
					bad = true;
				if (!name || !name[0] || strchr(name, '='))
					bad = true;
				char **nv = realloc(env_set, (n_set + 2) * sizeof(*nv));
				if (nv) {
					env_set = nv;
					env_set[n_set++] = name;
					env_set[n_set++] = val;
				} else {
					free(name);
					free(val);
					bad = true;
				}
				k = jdoc_next(q->d, v);
			}
		}
	}
	if (bad) {
		reply_error(
		    q->id, RPC_INVALID_PARAMS,
		    "run: cwd must be a string, env an object of strings (or null to unset)");
		goto out;
	}
	r = calloc(1, sizeof(*r));
	if (!r || !(r->id = strdup(q->id)) || pipe2(po, O_CLOEXEC) < 0 ||
	    pipe2(pe, O_CLOEXEC) < 0) {
		reply_error(q->id, RPC_INTERNAL_ERROR, "run: out of resources");
		goto fail;
	}
	fflush(NULL);
	r->pid = fork();
	if (r->pid < 0) {
		reply_error(q->id, RPC_INTERNAL_ERROR, "run: fork failed");
		goto fail;
	}
	if (r->pid == 0)
		run_child(s, argv, cwd, env_set, n_set, po[1], pe[1]);
	close(po[1]);
	close(pe[1]);
	r->out = po[0];
	r->err = pe[0];
	fcntl(r->out, F_SETFL, O_NONBLOCK);
	fcntl(r->err, F_SETFL, O_NONBLOCK);
	r->pidfd = pidfd_open(r->pid, 0);
	r->status = -1;
	r->next = s->runs;
	s->runs = r;
	fprintf(stderr, "cordon serve: run %s: pid %d: %s\n", q->id, r->pid, argv[0]);
	goto out;
fail:
	for (int i = 0; i < 2; i++) {
		if (po[i] >= 0)
			close(po[i]);
		if (pe[i] >= 0)
			close(pe[i]);
	}
	if (r)
		free(r->id);
	free(r);
out:
	strv_free(argv, argc);
	for (size_t i = 0; i < n_set; i++)
		free(env_set[i]);
	free(env_set);
	free(cwd);
}

static void m_run_cancel(struct req *q)
{
	int i = jdoc_get(q->d, q->params, "id");
	size_t n;
	const char *raw;

	if (i < 0) {
		reply_error(q->id, RPC_INVALID_PARAMS,
			    "run.cancel: id (of the run request) needed");
		return;
	}
	raw = jdoc_raw(q->d, i, &n);
	for (struct run *r = q->s->runs; r; r = r->next) {
		if (strlen(r->id) == n && !memcmp(r->id, raw, n) && r->status < 0) {
			/* cordon run forwards SIGTERM to the command (run.h). */
			kill(-r->pid, SIGTERM);
			if (q->id)
				reply_result(q->id, "{\"cancelled\":true}");
			return;
		}
	}
	if (q->id)
		reply_result(q->id, "{\"cancelled\":false}");
}

static void m_status(struct req *q)
{
	struct cordon_strbuf b = {0};
	bool first = true;
	cordon_sb_addf(&b, "{\"version\":\"%s\",\"started\":%s,\"networkAsk\":%s,\"runs\":[",
		       CORDON_VERSION, q->s->started ? "true" : "false",
		       q->s->ask_enabled && q->s->ask_listen >= 0 ? "true" : "false");
	for (struct run *r = q->s->runs; r; r = r->next, first = false)
		cordon_sb_addf(&b, "%s{\"id\":%s,\"pid\":%d}", first ? "" : ",", r->id, r->pid);
	cordon_sb_add(&b, "],\"sessions\":[");
	first = true;
	for (struct conn *c = q->s->conns; c; c = c->next) {
		if (!c->id[0])
			continue;
		cordon_sb_add(&b, first ? "" : ",");
		cordon_sb_json_str(&b, c->id, CORDON_JSON_UTF8);
		first = false;
	}
	/* What the session of each run holds: it raises the soft fd limit it inherits from here. */
	struct rlimit rl;
	size_t conns = getrlimit(RLIMIT_NOFILE, &rl) == 0
			   ? cordon_proxy_capacity(cordon_proxy_nofile_target(&rl))
			   : 0;
	cordon_sb_addf(&b, "],\"proxyMaxConnections\":%zu,\"kernel\":", conns);
	kernel_json(&b);
	cordon_sb_add(&b, "}");
	if (q->id)
		reply_result(q->id, b.s);
	cordon_sb_free(&b);
}

/* with_policy: build the session's policy for params.cwd (or serve's cwd) or reply an error. */
static int with_policy(struct req *q, struct cordon_policy *p)
{
	struct cordon_error e = {{0}};
	char cwd[PATH_MAX], *c;
	bool bad = false;
	int r;

	c = param_str(q, "cwd", &bad);
	if (bad) {
		reply_error(q->id, RPC_INVALID_PARAMS, "cwd must be a string");
		return -1;
	}
	if (!c && !getcwd(cwd, sizeof(cwd)))
		strcpy(cwd, "/");
	r = build_policy(q->s, c ? c : cwd, p, &e);
	free(c);
	if (r < 0) {
		reply_error(q->id, RPC_INVALID_PARAMS, e.msg);
		cordon_policy_free(p);
		return -1;
	}
	return 0;
}

static void m_policy_get(struct req *q)
{
	struct cordon_policy p;
	struct cordon_error e = {{0}};
	char *json = NULL;

	if (with_policy(q, &p) < 0)
		return;
	if (cordon_policy_to_json(&p, &json, &e) < 0) {
		reply_error(q->id, RPC_INTERNAL_ERROR, e.msg);
	} else if (q->id) {
		struct cordon_strbuf b = {0};
		jb_compact(&b, json);
		reply_result(q->id, b.s);
		cordon_sb_free(&b);
	}
	free(json);
	cordon_policy_free(&p);
}

static void host_list_json(struct cordon_strbuf *b, const struct cordon_host_list *l)
{
	char buf[300];

	cordon_sb_add(b, "[");
	for (size_t i = 0; i < l->n; i++) {
		cordon_host_rule_format(&l->v[i], buf, sizeof(buf));
		cordon_sb_add(b, i ? "," : "");
		cordon_sb_json_str(b, buf, CORDON_JSON_UTF8);
	}
	cordon_sb_add(b, "]");
}

static void m_hosts_list(struct req *q)
{
	struct cordon_policy p;
	struct cordon_strbuf b = {0};

	if (with_policy(q, &p) < 0)
		return;
	cordon_sb_add(&b, "{\"allow\":");
	host_list_json(&b, &p.allow_hosts);
	cordon_sb_add(&b, ",\"deny\":");
	host_list_json(&b, &p.deny_hosts);
	cordon_sb_add(&b, ",\"session\":[");
	for (size_t i = 0; i < q->s->n_session_hosts; i++) {
		cordon_sb_add(&b, i ? "," : "");
		cordon_sb_json_str(&b, q->s->session_hosts[i], CORDON_JSON_UTF8);
	}
	cordon_sb_add(&b, "]}");
	if (q->id)
		reply_result(q->id, b.s);
	cordon_sb_free(&b);
	cordon_policy_free(&p);
}

struct log_ctx {
	struct cordon_strbuf *b;
	const char *session;
	bool first;
};

static int log_entry(const struct cordon_vlog_entry *v, void *arg)
{
	struct log_ctx *c = arg;
	char t[32];
	struct tm tm;

	gmtime_r(&v->time, &tm);
	strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%SZ", &tm);
	cordon_sb_addf(c->b, "%s{\"session\":", c->first ? "" : ",");
	cordon_sb_json_str(c->b, c->session, CORDON_JSON_UTF8);
	cordon_sb_addf(c->b, ",\"time\":\"%s\",\"host\":", t);
	cordon_sb_json_str(c->b, v->host, CORDON_JSON_UTF8);
	cordon_sb_addf(c->b, ",\"port\":%u,\"pid\":%d,\"reason\":", v->port, (int)v->pid);
	cordon_sb_json_str(c->b, v->reason, CORDON_JSON_UTF8);
	cordon_sb_add(c->b, ",\"proto\":");
	cordon_sb_json_str(c->b, v->proto, CORDON_JSON_UTF8);
	if (!strcmp(v->proto, "write")) { /* a refused write (vlog.h): what and how */
		cordon_sb_add(c->b, ",\"path\":");
		cordon_sb_json_str(c->b, v->path, CORDON_JSON_UTF8);
		cordon_sb_add(c->b, ",\"syscall\":");
		cordon_sb_json_str(c->b, v->syscall, CORDON_JSON_UTF8);
	}
	cordon_sb_add(c->b, "}");
	c->first = false;
	return 0;
}

/* m_log_list: the violations logged by the sessions of this server's runs, oldest session first
 * within each session in log order. */
static void m_log_list(struct req *q)
{
	struct cordon_strbuf b = {0};
	struct log_ctx c = {.b = &b, .first = true};
	struct cordon_error e = {{0}};
	cordon_sb_add(&b, "{\"entries\":[");
	for (struct conn *k = q->s->conns; k; k = k->next) {
		if (!k->log_path)
			continue;
		c.session = k->id;
		if (cordon_vlog_read(k->log_path, log_entry, &c, &e) < 0)
			fprintf(stderr, "cordon serve: %s\n", e.msg);
	}
	cordon_sb_add(&b, "]}");
	if (q->id)
		reply_result(q->id, b.s);
	cordon_sb_free(&b);
}

/* m_hosts_allow: {host}: allow a pattern for the rest of the session: later runs get it in their
 * allowlist, and running sessions connected for network/ask are told at once. */
static void m_hosts_allow(struct req *q)
{
	struct cordon_host_rule rule;
	struct cordon_error e = {{0}};
	bool bad = false, have = false;
	char *h = param_str(q, "host", &bad), fmt[300], msg[320];

	if (!h || bad) {
		reply_error(q->id, RPC_INVALID_PARAMS, "hosts.allow: host (a string) needed");
		free(h);
		return;
	}
	if (cordon_host_rule_parse(h, &rule, &e) < 0) {
		reply_error(q->id, RPC_INVALID_PARAMS, e.msg);
		free(h);
		return;
	}
	cordon_host_rule_format(&rule, fmt, sizeof(fmt));
	free(rule.host);
	free(h);
	for (size_t i = 0; i < q->s->n_session_hosts; i++)
		have = have || !strcmp(q->s->session_hosts[i], fmt);
	if (!have && strv_push(&q->s->session_hosts, &q->s->n_session_hosts, fmt) < 0) {
		reply_error(q->id, RPC_INTERNAL_ERROR, "out of memory");
		return;
	}
	int n = snprintf(msg, sizeof(msg), "allow %s", fmt);
	for (struct conn *c = q->s->conns; c; c = c->next)
		if (c->fd >= 0)
			send(c->fd, msg, n, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (q->id) {
		struct cordon_strbuf b = {0};
		cordon_sb_add(&b, "{\"allowed\":");
		cordon_sb_json_str(&b, fmt, CORDON_JSON_UTF8);
		cordon_sb_add(&b, "}");
		reply_result(q->id, b.s);
		cordon_sb_free(&b);
	}
}

static void m_shutdown(struct req *q)
{
	q->s->quit = true;
	if (q->id)
		reply_result(q->id, "null");
}

static const struct method {
	const char *name;
	void (*fn)(struct req *q);
} methods[] = {
    {"initialize", m_initialize},
    {"session.start", m_session_start},
    {"run", m_run},
    {"run.cancel", m_run_cancel},
    {"status", m_status},
    {"policy.get", m_policy_get},
    {"hosts.list", m_hosts_list},
    {"hosts.allow", m_hosts_allow},
    {"log.list", m_log_list},
    {"shutdown", m_shutdown},
};

/* ---- network/ask ------------------------------------------------------------------------ */

static void ask_answer(struct serve *s, struct ask *a, const char *verdict)
{
	char msg[128];
	int n = snprintf(msg, sizeof(msg), "answer %s %s", a->token, verdict);

	if (send(a->fd, msg, n, MSG_NOSIGNAL) < 0)
		fprintf(stderr, "cordon serve: network/ask answer for %s: %m\n", a->host);
	fprintf(stderr, "cordon serve: network/ask %s:%u: %s\n", a->host, a->port, verdict);
	for (struct ask **pp = &s->asks; *pp; pp = &(*pp)->next) {
		if (*pp == a) {
			*pp = a->next;
			break;
		}
	}
	free(a);
}

/* on_response: a response from the client to one of our requests (network/ask). */
static void on_response(struct serve *s, struct jdoc *d, int id)
{
	long rid;
	struct ask *a;
	const char *verdict = "deny";

	if (!jdoc_long(d, id, &rid))
		return;
	for (a = s->asks; a && a->rpc_id != rid; a = a->next)
		;
	if (!a) {
		fprintf(stderr, "cordon serve: response to unknown request %ld ignored\n", rid);
		return;
	}
	int res = jdoc_get(d, 0, "result");
	int ans = jdoc_type(d, res) == J_OBJECT ? jdoc_get(d, res, "answer") : res;
	char *v = jdoc_strdup(d, ans);
	if (v && (!strcmp(v, "once") || !strcmp(v, "allow")))
		verdict = "once";
	else if (v && !strcmp(v, "session"))
		verdict = "session";
	free(v);
	if (!strcmp(verdict, "session")) {
		char pat[300];
		snprintf(pat, sizeof(pat), "%s:%u", a->host, a->port);
		/* Later runs get the host in their allowlist too. A pattern the engine refuses
		 * (cannot happen for a host it asked about) only costs this addition. */
		bool have = false;
		for (size_t i = 0; i < s->n_session_hosts; i++)
			have = have || !strcmp(s->session_hosts[i], pat);
		struct cordon_host_rule rule;
		struct cordon_error e = {{0}};
		if (!have && cordon_host_rule_parse(pat, &rule, &e) == 0) {
			free(rule.host);
			strv_push(&s->session_hosts, &s->n_session_hosts, pat);
		}
	}
	ask_answer(s, a, verdict);
}

static void conn_close(struct serve *s, struct conn *c)
{
	for (struct ask *a = s->asks, *nx; a; a = nx) {
		nx = a->next;
		if (a->fd == c->fd)
			ask_answer(s, a, "deny");
	}
	close(c->fd);
	c->fd = -1; /* kept for log.list and status */
}

/* session_died: c's session process ended without "bye" (killed, crashed): its confined
 * processes have no network any more. Tell the client: notification session/died {session,
 * pid (the session's caller, when known), id (the run's request id, when it is a run of ours),
 * message}. */
static void session_died(const struct conn *c)
{
	static const char msg[] = "the session process died; the network was cut";
	struct cordon_strbuf b = {0};

	fprintf(stderr, "cordon serve: session %s: %s\n", c->id, msg);
	cordon_sb_add(&b, "{\"session\":");
	cordon_sb_json_str(&b, c->id, CORDON_JSON_UTF8);
	if (c->caller > 0)
		cordon_sb_addf(&b, ",\"pid\":%ld", c->caller);
	if (c->run_id)
		cordon_sb_addf(&b, ",\"id\":%s", c->run_id);
	cordon_sb_addf(&b, ",\"message\":\"%s\"}", msg);
	notify("session/died", b.s);
	cordon_sb_free(&b);
}

/* on_conn: one message from a session process: "hello ID LOGPATH", "caller PID", "bye" or
 * "ask TOKEN HOST PORT" (ask.h). */
static void on_conn(struct serve *s, struct conn *c)
{
	char msg[CORDON_ASK_MAX + 1], tok[32], host[256];
	unsigned port;
	long caller;
	ssize_t n = recv(c->fd, msg, sizeof(msg) - 1, MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		if (!c->bye && c->id[0])
			session_died(c);
		conn_close(s, c);
		return;
	}
	msg[n] = '\0';
	if (!strcmp(msg, "bye")) {
		c->bye = true;
		return;
	}
	if (sscanf(msg, "caller %ld", &caller) == 1) {
		/* Our run's process is the caller of its session (run_child calls cordon_run). */
		c->caller = caller;
		for (struct run *r = s->runs; r && !c->run_id; r = r->next)
			if (caller > 0 && r->pid == caller)
				c->run_id = strdup(r->id);
		return;
	}
	if (!strncmp(msg, "hello ", 6)) {
		char *sp = strchr(msg + 6, ' ');
		if (sp) {
			*sp = '\0';
			snprintf(c->id, sizeof(c->id), "%.63s", msg + 6);
			free(c->log_path);
			c->log_path = strdup(sp + 1);
		}
		return;
	}
	if (sscanf(msg, "ask %31s %255s %u", tok, host, &port) != 3 || port > 65535) {
		fprintf(stderr, "cordon serve: bad message from session: %.60s\n", msg);
		return;
	}
	struct ask *a = calloc(1, sizeof(*a));
	if (!a)
		return;
	a->fd = c->fd;
	a->rpc_id = ++s->next_rpc_id;
	a->port = port;
	a->deadline = now_ms() + s->ask_ms;
	snprintf(a->token, sizeof(a->token), "%s", tok);
	snprintf(a->host, sizeof(a->host), "%s", host);
	a->next = s->asks;
	s->asks = a;
	if (!s->ask_enabled) {
		ask_answer(s, a, "deny");
		return;
	}
	struct cordon_strbuf b = {0};
	cordon_sb_addf(&b,
		       "{\"jsonrpc\":\"2.0\",\"id\":%ld,\"method\":\"network/ask\",\"params\":"
		       "{\"host\":",
		       a->rpc_id);
	cordon_sb_json_str(&b, a->host, CORDON_JSON_UTF8);
	cordon_sb_addf(&b, ",\"port\":%u,\"session\":", a->port);
	cordon_sb_json_str(&b, c->id, CORDON_JSON_UTF8);
	cordon_sb_addf(&b, ",\"timeoutMs\":%ld}}", s->ask_ms);
	send_line(&b);
	cordon_sb_free(&b);
}

/* ask_listen: the abstract unix socket the sessions of our runs connect to (unix(7)). Abstract:
 * nothing on the filesystem; confined processes live in another network namespace, where this
 * name does not exist, and seccomp refuses them socket(AF_UNIX). Peers are checked on accept. */
static int ask_listen(struct serve *s)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	unsigned char rnd[16];
	int fd;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return -1;
	int n = snprintf(s->ask_name, sizeof(s->ask_name), "cordon-serve-%d-", (int)getpid());
	for (int i = 0; i < 16; i++)
		n += snprintf(s->ask_name + n, sizeof(s->ask_name) - n, "%02x", rnd[i]);
	memcpy(a.sun_path + 1, s->ask_name, n);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&a, offsetof(struct sockaddr_un, sun_path) + 1 + n) < 0 ||
	    listen(fd, 16) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void on_accept(struct serve *s)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	int fd = accept4(s->ask_listen, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	/* Only our own uid (unix(7) SO_PEERCRED). A confined process cannot be the peer: abstract
	 * names live per network namespace (it has its own), seccomp refuses it socket(AF_UNIX),
	 * and without user namespaces Landlock (ABI >= 6) scopes abstract sockets. */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0 || cr.uid != getuid()) {
		close(fd);
		return;
	}
	struct conn *c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	c->fd = fd;
	c->next = s->conns;
	s->conns = c;
}

/* ---- messages and the loop -------------------------------------------------------------- */

static void handle_line(struct serve *s, const char *line, size_t len)
{
	struct jdoc d;
	struct req q = {.s = s, .d = &d, .params = -1};
	char *id = NULL, *method = NULL;
	int i;

	while (len && (line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t'))
		len--;
	if (len == 0)
		return;
	if (jdoc_parse(&d, line, len) < 0) {
		reply_error(NULL, RPC_PARSE_ERROR, "parse error: not a JSON text");
		goto out;
	}
	if (jdoc_type(&d, 0) != J_OBJECT) {
		reply_error(
		    NULL, RPC_INVALID_REQUEST,
		    "invalid request: a JSON-RPC 2.0 request object is expected (no batches)");
		goto out;
	}
	i = jdoc_get(&d, 0, "id");
	if (i >= 0) {
		size_t n;
		const char *raw = jdoc_raw(&d, i, &n);
		enum jtype t = jdoc_type(&d, i);
		long l;
		if (t == J_STRING || jdoc_is_null(&d, i) ||
		    (t == J_PRIMITIVE && jdoc_long(&d, i, &l)))
			id = strndup(raw, n);
	}
	int v = jdoc_get(&d, 0, "jsonrpc"), m = jdoc_get(&d, 0, "method");
	char *ver = jdoc_strdup(&d, v);
	bool v2 = ver && !strcmp(ver, "2.0");
	free(ver);
	if (v2 && m < 0 && i >= 0 &&
	    (jdoc_get(&d, 0, "result") >= 0 || jdoc_get(&d, 0, "error") >= 0)) {
		on_response(s, &d, i);
		goto out;
	}
	method = jdoc_strdup(&d, m);
	if (!v2 || !method || (i >= 0 && !id)) {
		reply_error(
		    id, RPC_INVALID_REQUEST,
		    "invalid request: needs \"jsonrpc\":\"2.0\", a string \"method\" and an id "
		    "that is a string, an integer or null");
		goto out;
	}
	q.id = id;
	q.params = jdoc_get(&d, 0, "params");
	if (q.params >= 0 && jdoc_type(&d, q.params) != J_OBJECT) {
		if (id)
			reply_error(id, RPC_INVALID_PARAMS, "params must be an object");
		goto out;
	}
	for (size_t k = 0; k < sizeof(methods) / sizeof(methods[0]); k++) {
		if (!strcmp(method, methods[k].name)) {
			methods[k].fn(&q);
			goto out;
		}
	}
	if (id) {
		char msg[160];
		snprintf(msg, sizeof(msg), "method not found: %.100s", method);
		reply_error(id, RPC_METHOD_NOT_FOUND, msg);
	}
out:
	free(method);
	free(id);
	jdoc_free(&d);
}

/* pump: forward what the run's stream fd holds as `output` notifications. Returns false at EOF
 * or error (the fd is then closed). */
static bool pump(struct run *r, int which)
{
	int *fd = which ? &r->err : &r->out;
	char buf[65536 + 4];
	ssize_t n;

	memcpy(buf, r->pend[which], r->npend[which]);
	n = read(*fd, buf + r->npend[which], 65536);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return true;
	if (n <= 0) {
		n = 0;
		close(*fd);
		*fd = -1;
	}
	size_t len = r->npend[which] + n, keep = 0;
	r->npend[which] = 0;
	/* Hold back a UTF-8 sequence cut by the read, so a character is not split between two
	 * notifications (and turned into U+FFFD). */
	if (*fd >= 0) {
		for (size_t k = 1; k <= 3 && k <= len; k++) {
			unsigned char c = buf[len - k];
			if ((c & 0xc0) == 0x80)
				continue;
			size_t need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
			if (need > k)
				keep = k;
			break;
		}
		memcpy(r->pend[which], buf + len - keep, keep);
		r->npend[which] = keep;
	}
	if (len - keep > 0) {
		struct cordon_strbuf b = {0};
		cordon_sb_addf(&b, "{\"id\":%s,\"stream\":\"%s\",\"data\":", r->id,
			       which ? "stderr" : "stdout");
		cordon_sb_json_strn(&b, buf, len - keep, CORDON_JSON_UTF8);
		cordon_sb_add(&b, "}");
		notify("output", b.s);
		cordon_sb_free(&b);
	}
	return *fd >= 0;
}

/* finish_run: the command has ended: drain what its pipes still hold, then `exit` and the
 * response. Writers left after the reap (none, normally: the PID namespace is gone) are not
 * waited for. */
static void finish_run(struct serve *s, struct run *r)
{
	char st[64];

	for (int w = 0; w < 2; w++) {
		int *fd = w ? &r->err : &r->out;
		while (*fd >= 0) {
			struct pollfd p = {.fd = *fd, .events = POLLIN};
			if (poll(&p, 1, 0) <= 0 || !pump(r, w))
				break;
		}
		if (*fd >= 0) {
			close(*fd);
			*fd = -1;
		}
	}
	struct cordon_strbuf b = {0};
	cordon_sb_addf(&b, "{\"id\":%s,\"status\":%d}", r->id, r->status);
	notify("exit", b.s);
	cordon_sb_free(&b);
	snprintf(st, sizeof(st), "{\"status\":%d}", r->status);
	reply_result(r->id, st);
	for (struct run **pp = &s->runs; *pp; pp = &(*pp)->next) {
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	}
	if (r->pidfd >= 0)
		close(r->pidfd);
	free(r->id);
	free(r);
}

static bool reap(struct run *r)
{
	int st;
	pid_t p = waitpid(r->pid, &st, WNOHANG);

	if (p != r->pid)
		return false;
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return true;
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
	g_runs = &s.runs;
	s.ask_listen = ask_listen(&s);
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
		uint64_t now = now_ms();
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
				on_conn(&s, c);
		k = 2;
		for (struct run *r = s.runs, *nx; r; r = nx) {
			nx = r->next;
			if (pf[k].revents && r->out >= 0)
				pump(r, 0);
			if (pf[k + 1].revents && r->err >= 0)
				pump(r, 1);
			if ((pf[k + 2].revents || r->pidfd < 0) && reap(r))
				finish_run(&s, r);
			k += 3;
		}
		if (pf[1].revents)
			on_accept(&s);
		now = now_ms();
		for (struct ask *a = s.asks, *nx; a; a = nx) {
			nx = a->next;
			if (a->deadline <= now)
				ask_answer(&s, a, "deny");
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
					reply_error(NULL, RPC_PARSE_ERROR,
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
