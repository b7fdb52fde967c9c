/* serve_run.c — `run` and `run.cancel`: a command confined by cordon_run in a child, its output
 * streamed as notifications, its exit status reported. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "cordon/ask.h"
#include "cordon/run.h"
#include "serve.h"

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
	if (serve_build_policy(s, here, &p, &e) < 0) {
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
void serve_m_run(struct req *q)
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
	if (serve_param_strv(q, "argv", &argv, &argc) < 0 || argc == 0) {
		serve_reply_error(q->id, RPC_INVALID_PARAMS,
				  "run: argv must be a non-empty array of strings");
		goto out;
	}
	cwd = serve_param_str(q, "cwd", &bad);
	int env = cordon_json_get(q->d, q->params, "env");
	if (env >= 0 && !cordon_json_is_null(q->d, env)) {
		if (cordon_json_type(q->d, env) != CORDON_JSON_OBJ) {
			bad = true;
		} else {
			for (int k = env + 1, m = 0; m < cordon_json_size(q->d, env) && !bad; m++) {
				char *name = rpc_strdup(q->d, k), *val = NULL;
				int v = k + 1;
				if (!cordon_json_is_null(q->d, v) && !(val = rpc_strdup(q->d, v)))
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
				k = cordon_json_next(q->d, v);
			}
		}
	}
	if (bad) {
		serve_reply_error(
		    q->id, RPC_INVALID_PARAMS,
		    "run: cwd must be a string, env an object of strings (or null to unset)");
		goto out;
	}
	r = calloc(1, sizeof(*r));
	if (!r || !(r->id = strdup(q->id)) || pipe2(po, O_CLOEXEC) < 0 ||
	    pipe2(pe, O_CLOEXEC) < 0) {
		serve_reply_error(q->id, RPC_INTERNAL_ERROR, "run: out of resources");
		goto fail;
	}
	fflush(NULL);
	r->pid = fork();
	if (r->pid < 0) {
		serve_reply_error(q->id, RPC_INTERNAL_ERROR, "run: fork failed");
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
	serve_strv_free(argv, argc);
	for (size_t i = 0; i < n_set; i++)
		free(env_set[i]);
	free(env_set);
	free(cwd);
}

void serve_m_run_cancel(struct req *q)
{
	int i = cordon_json_get(q->d, q->params, "id");
	size_t n;
	const char *raw;

	if (i < 0) {
		serve_reply_error(q->id, RPC_INVALID_PARAMS,
				  "run.cancel: id (of the run request) needed");
		return;
	}
	raw = cordon_json_raw(q->d, i, &n);
	for (struct run *r = q->s->runs; r; r = r->next) {
		if (strlen(r->id) == n && !memcmp(r->id, raw, n) && r->status < 0) {
			/* cordon run forwards SIGTERM to the command (run.h). */
			kill(-r->pid, SIGTERM);
			if (q->id)
				serve_reply_result(q->id, "{\"cancelled\":true}");
			return;
		}
	}
	if (q->id)
		serve_reply_result(q->id, "{\"cancelled\":false}");
}

/* pump: forward what the run's stream fd holds as `output` notifications. Returns false at EOF
 * or error (the fd is then closed). */
bool serve_pump(struct run *r, int which)
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
		serve_notify("output", b.s);
		cordon_sb_free(&b);
	}
	return *fd >= 0;
}

/* finish_run: the command has ended: drain what its pipes still hold, then `exit` and the
 * response. Writers left after the reap (none, normally: the PID namespace is gone) are not
 * waited for. */
void serve_finish_run(struct serve *s, struct run *r)
{
	char st[64];

	for (int w = 0; w < 2; w++) {
		int *fd = w ? &r->err : &r->out;
		while (*fd >= 0) {
			struct pollfd p = {.fd = *fd, .events = POLLIN};
			if (poll(&p, 1, 0) <= 0 || !serve_pump(r, w))
				break;
		}
		if (*fd >= 0) {
			close(*fd);
			*fd = -1;
		}
	}
	struct cordon_strbuf b = {0};
	cordon_sb_addf(&b, "{\"id\":%s,\"status\":%d}", r->id, r->status);
	serve_notify("exit", b.s);
	cordon_sb_free(&b);
	snprintf(st, sizeof(st), "{\"status\":%d}", r->status);
	serve_reply_result(r->id, st);
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

bool serve_reap(struct run *r)
{
	int st;
	pid_t p = waitpid(r->pid, &st, WNOHANG);

	if (p != r->pid)
		return false;
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return true;
}
