/* verbs.c — the `sandbox` verbs (verbs.h) for every shell adapter: option parsing, the checks
 * before `sandbox on`, the engine calls, and the text/JSON output both shells print alike. */
#include "cordon/verbs.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define JSMN_STATIC
#include <jsmn.h>

#include "cordon/capture.h"
#include "cordon/config.h"
#include "cordon/confine.h"
#include "cordon/control.h"
#include "cordon/env.h"
#include "cordon/git_env.h"
#include "cordon/layers.h"
#include "cordon/mounts.h"
#include "cordon/notices.h"
#include "cordon/policy.h"
#include "cordon/ports.h"
#include "cordon/session.h"
#include "cordon/strbuf.h"
#include "cordon/vlog.h"
#include "git_verb.h"
#include "verbs_dev.h"

#define CTL_FD_MIN 100 /* keep the control fd clear of the low numbers people redirect */
#define MAX_FLAGS 64

const char cordon_verbs_synopsis[] =
    "sandbox on|status|allow-host|deny-host|hosts|log|check|policy|git|notify|expose|allow-bind "
    "[ARGS]";

const char *const cordon_verbs_help[] = {
    "Confine this shell: writes only where the policy says, network only to named hosts.",
    "",
    "Verbs:",
    "  on [--config FILE] [--allow-write PATH]... [--allow-host HOST]... [--lock] [--strict]",
    "     [--allow-bind PORT]... [--expose PORT[:HOSTPORT]]... [--no-exit]",
    "                       confine this shell now and for good (there is no `off`;",
    "                       `exit` leaves); refused in a subshell, pipeline or $(...),",
    "                       with stray directory/socket/write fds, or with live jobs;",
    "                       a non-interactive shell (a script) that cannot be confined",
    "                       ends with status 125 unless --no-exit",
    "  status [--json]      on/off, session id, each layer in force and any missing",
    "  allow-host HOST[:PORT]...",
    "                       add hosts to the live allowlist (next connection sees it)",
    "  deny-host HOST...    add hosts to the denylist (deny wins over allow)",
    "  hosts [--json]       the effective allow and deny lists",
    "  log [--json] [-f]    violations: denied hosts (time, host, port, pid), denied writes;",
    "                       -f (--follow): then print new ones as they happen (with --json",
    "                       one object per line), until Ctrl-C or the session ends",
    "  check [--json]       what this kernel supports; never changes anything",
    "  policy [--json]      the effective merged policy",
    "  git [--json]         git with credentials outside: remotes relayed, refs a push may",
    "                       update, SSH hosts and keys, signing key, recent pushes",
    "  notify on|off|status after each command, before the prompt, say what the sandbox",
    "                       refused and what to do (on after `sandbox on`); `notices` is",
    "                       what the prompt hook runs",
    "  expose PORT [HOSTPORT]",
    "                       reach a server listening on PORT inside from 127.0.0.1:HOSTPORT",
    "                       (default PORT) on the host; unexpose HOSTPORT; exposed lists them",
    "  allow-bind PORT      say whether PORT may be bound (fixed at start: --allow-bind PORT)",
    "  help, --help         this text",
    "",
    "HOST is a name (example.com), *.example.com (strict subdomains), an IP literal",
    "(127.0.0.1, [::1]), each optionally with :PORT.",
    "With --lock (or \"lockPolicy\": true) allow-host only files a request; a person grants",
    "it from an unconfined terminal: cordon approve SESSION HOST.",
    "After `sandbox on`, $CORDON_PROMPT is \"[cordon] \", and the next prompt shows it: PS1",
    "(zsh: PROMPT) gets it in front once, unless PS1 names CORDON_PROMPT already or",
    "CORDON_PROMPT_MANUAL is set (then place it yourself: PS1='${CORDON_PROMPT}\\w\\$ ').",
    "",
    "When something is refused (the prompt notices say which):",
    "  host not on the allowlist   sandbox allow-host HOST (locked: cordon approve outside)",
    "  write refused ./.git        git init at the root of a writable tree: run it before",
    "                              sandbox on, outside, or in a subdirectory",
    "  git identity, ~/.gitconfig  read-only inside: GIT_AUTHOR_NAME/GIT_AUTHOR_EMAIL and",
    "                              GIT_COMMITTER_NAME/GIT_COMMITTER_EMAIL, git -c user.email=,",
    "                              or GIT_CONFIG_GLOBAL=FILE in an --allow-write directory",
    "  npm, pip caches             npm_config_cache and PIP_CACHE_DIR point into the private",
    "                              /tmp unless set (so nothing lands in the project)",
    "  sudo, su                    no_new_privs: nothing gains privileges; run it outside",
    "",
    "Exit Status:",
    "0 on success, 1 when a verb fails or refuses, 2 for a bad verb or option; a script",
    "whose `sandbox on` failed ends with 125.",
    NULL,
};

static const char usage_text[] =
    "usage: sandbox on [--config FILE] [--allow-write PATH]... [--allow-host HOST]... "
    "[--lock] [--strict] [--no-exit]\n"
    "       sandbox status|hosts|check|policy|git [--json]\n"
    "       sandbox log [--json] [-f]\n"
    "       sandbox allow-host HOST[:PORT]... | deny-host HOST...\n"
    "       sandbox notify [on|off|status] | notices\n"
    "       sandbox expose PORT [HOSTPORT] | unexpose HOSTPORT | exposed | allow-bind PORT\n"
    "       sandbox --help\n";

/* ---- output ---- */

static void __attribute__((format(printf, 3, 4)))
say(const struct cordon_shell *sh, int to_err, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	(to_err ? sh->err : sh->out)(sh->arg, buf);
}

#define OUT(...) say(sh, 0, __VA_ARGS__)
#define ERR(...) say(sh, 1, "sandbox: " __VA_ARGS__)

static int usage(const struct cordon_shell *sh, const char *fmt, const char *what)
{
	char msg[512];
	snprintf(msg, sizeof(msg), fmt, what);
	ERR("%s\n", msg);
	sh->err(sh->arg, usage_text);
	return CORDON_VERB_USAGE;
}

/* ---- JSON reading (jsmn) for the text forms ---- */

struct json {
	const char *s;
	jsmntok_t *t;
	int n;
};

static int json_parse(struct json *j, const char *s)
{
	jsmn_parser p;
	j->s = s;
	jsmn_init(&p);
	int n = jsmn_parse(&p, s, strlen(s), NULL, 0);
	if (n <= 0)
		return -EINVAL;
	j->t = calloc((size_t)n, sizeof(*j->t));
	if (!j->t)
		return -ENOMEM;
	jsmn_init(&p);
	j->n = jsmn_parse(&p, s, strlen(s), j->t, (unsigned)n);
	if (j->n <= 0) {
		free(j->t);
		return -EINVAL;
	}
	return 0;
}

/* Number of tokens in the value starting at token i (itself included). */
static int json_skip(const struct json *j, int i)
{
	/* jsmn gives an object's key a size of 1 (its value), so one rule covers every type. */
	int n = 1;
	for (int k = 0; k < j->t[i].size && i + n < j->n; k++)
		n += json_skip(j, i + n);
	return n;
}

/* The value token of key in the object at token obj, or -1. */
static int json_get(const struct json *j, int obj, const char *key)
{
	if (obj < 0 || obj >= j->n || j->t[obj].type != JSMN_OBJECT)
		return -1;
	int i = obj + 1;
	for (int k = 0; k < j->t[obj].size; k++) {
		const jsmntok_t *kt = &j->t[i];
		size_t kl = (size_t)(kt->end - kt->start);
		if (kt->type == JSMN_STRING && strlen(key) == kl &&
		    !memcmp(j->s + kt->start, key, kl))
			return i + 1;
		i += 1 + json_skip(j, i + 1);
	}
	return -1;
}

/* Copy token i's text into buf; strings are unescaped (RFC 8259 §7, ASCII \u only). */
static const char *json_text(const struct json *j, int i, char *buf, size_t len)
{
	if (i < 0 || i >= j->n) {
		snprintf(buf, len, "%s", "");
		return buf;
	}
	const char *p = j->s + j->t[i].start, *end = j->s + j->t[i].end;
	if (j->t[i].type != JSMN_STRING) {
		snprintf(buf, len, "%.*s", (int)(end - p), p);
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
	(void)cordon_json_unescape_ascii(p, (size_t)(end - p), raw, len);
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

static int json_bool(const struct json *j, int i)
{
	return i >= 0 && j->t[i].type == JSMN_PRIMITIVE && j->s[j->t[i].start] == 't';
}

/* An array of scalars as "a, b, c" or "none". */
static void json_list(const struct json *j, int i, char *buf, size_t len)
{
	size_t o = 0;
	buf[0] = '\0';
	if (i < 0 || j->t[i].type != JSMN_ARRAY || j->t[i].size == 0) {
		snprintf(buf, len, "none");
		return;
	}
	int k = i + 1;
	for (int m = 0; m < j->t[i].size; m++) {
		char item[512];
		json_text(j, k, item, sizeof(item));
		int w = snprintf(buf + o, len - o, "%s%s", m ? ", " : "", item);
		if (w < 0 || (size_t)w >= len - o)
			break;
		o += (size_t)w;
		k += json_skip(j, k);
	}
}

/* Text form of any JSON value: one "key.path: value" line per scalar or list of scalars. */
static int json_flatten(const struct cordon_shell *sh, const struct json *j, int i,
			const char *prefix)
{
	const jsmntok_t *t = &j->t[i];
	char buf[4096];
	if (t->type == JSMN_OBJECT) {
		int k = i + 1;
		for (int m = 0; m < t->size; m++) {
			char key[256], path[512];
			json_text(j, k, key, sizeof(key));
			snprintf(path, sizeof(path), "%s%s%s", prefix, prefix[0] ? "." : "", key);
			json_flatten(sh, j, k + 1, path);
			k += 1 + json_skip(j, k + 1);
		}
	} else if (t->type == JSMN_ARRAY) {
		bool scalars = true;
		for (int m = 0, k = i + 1; m < t->size; m++, k += json_skip(j, k))
			scalars &= j->t[k].type == JSMN_STRING || j->t[k].type == JSMN_PRIMITIVE;
		if (scalars) {
			json_list(j, i, buf, sizeof(buf));
			OUT("%s: %s\n", prefix, buf);
		} else {
			for (int m = 0, k = i + 1; m < t->size; m++, k += json_skip(j, k)) {
				char path[512];
				snprintf(path, sizeof(path), "%s[%d]", prefix, m);
				json_flatten(sh, j, k, path);
			}
		}
	} else {
		OUT("%s: %s\n", prefix, json_text(j, i, buf, sizeof(buf)));
	}
	return 0;
}

/* ---- state of this process ---- */

/* "NoNewPrivs:\t1" and "Seccomp:\t2" in /proc/self/status (proc(5)): confined by someone. */
static bool self_confined(void)
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

static void userns_id(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/ns/user", buf, len - 1);
	buf[n > 0 ? n : 0] = '\0';
}

/* is_program: a regular file this process may execute (a directory passes access(X_OK)), owned
 * by root or by this user, so another user cannot plant the ProxyCommand in a shared directory. */
static bool is_program(const char *path)
{
	struct stat st;

	return access(path, X_OK) == 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	       (st.st_uid == 0 || st.st_uid == geteuid());
}

/* found_at: is DIR/REL a program (is_program)? Then its real path goes to out (PATH_MAX). */
static bool found_at(const char *dir, const char *rel, char *out)
{
	char cand[PATH_MAX];
	int n = snprintf(cand, sizeof(cand), "%s/%s", dir, rel);

	return n > 0 && (size_t)n < sizeof(cand) && is_program(cand) && realpath(cand, out);
}

/* The cordon binary (ssh ProxyCommand): DIR/cordon or DIR/bin/cordon for the directory of this
 * object and up to three of its ancestors, which covers the build tree (build/bash-builtin,
 * build/zsh-module/cordon) and `make install` (PREFIX/lib/bash, PREFIX/lib/zsh/cordon beside
 * PREFIX/bin); else the first on PATH; else the bare name "cordon". */
static void find_self_exe(char *out, size_t len)
{
	Dl_info info;
	char cand[PATH_MAX];
	snprintf(out, len, "cordon");
	if (dladdr((void *)cordon_verbs_main, &info) && info.dli_fname &&
	    strchr(info.dli_fname, '/')) {
		char dir[PATH_MAX];
		snprintf(dir, sizeof(dir), "%s", info.dli_fname);
		for (int up = 0; up < 4; up++) {
			char *slash = strrchr(dir, '/');
			if (!slash)
				break;
			*slash = '\0';
			if (found_at(dir, "cordon", out) || found_at(dir, "bin/cordon", out))
				return;
		}
	}
	const char *path = getenv("PATH");
	if (!path)
		return;
	char *copy = strdup(path), *save = NULL;
	for (char *d = copy ? strtok_r(copy, ":", &save) : NULL; d;
	     d = strtok_r(NULL, ":", &save)) {
		snprintf(cand, sizeof(cand), "%s/cordon", d);
		if (d[0] == '/' && is_program(cand) && strlen(cand) < len) {
			snprintf(out, len, "%s", cand);
			break;
		}
	}
	free(copy);
}

/* ---- the checks before `sandbox on` ---- */

static bool path_under(const char *path, const char *root)
{
	size_t n = strlen(root);
	if (n == 1 && root[0] == '/')
		return true;
	return strncmp(path, root, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

static bool writable_by_policy(const struct cordon_policy *p, const char *path)
{
	for (size_t i = 0; i < p->allow_write.n; i++) {
		char real[PATH_MAX];
		if (path_under(path, p->allow_write.v[i]))
			return true;
		if (realpath(p->allow_write.v[i], real) && path_under(path, real))
			return true;
	}
	return false;
}

static void append(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void append(char *buf, size_t len, const char *fmt, ...)
{
	size_t o = strlen(buf);
	va_list ap;
	va_start(ap, fmt);
	if (o < len)
		vsnprintf(buf + o, len - o, fmt, ap);
	va_end(ap);
}

/* Open file descriptors that would outlive confinement as a way out (ATTACKS.md 7, 20): Landlock
 * governs only opens made after it, so a directory fd, a socket or a write fd to a file outside
 * the writable trees would stay usable. stdin/stdout/stderr may be sockets (the person's own
 * stdio); ttys, anonymous pipes and /dev/null-like devices are harmless. */
static int scan_fds(const struct cordon_policy *p, char *list, size_t len, int *suggest)
{
	DIR *d = opendir("/proc/self/fd");
	int bad = 0;
	*suggest = -1;
	if (!d) {
		append(list, len, "  cannot list /proc/self/fd: %s\n", strerror(errno));
		return 1;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		char *end;
		long fd = strtol(de->d_name, &end, 10);
		if (de->d_name[0] == '.' || *end || fd == dirfd(d))
			continue;
		char lp[64], target[PATH_MAX] = "", info[512];
		snprintf(lp, sizeof(lp), "/proc/self/fd/%ld", fd);
		ssize_t tl = readlink(lp, target, sizeof(target) - 1);
		target[tl > 0 ? tl : 0] = '\0';
		struct stat st;
		if (fstat((int)fd, &st) < 0)
			continue;
		unsigned flags = 0;
		snprintf(lp, sizeof(lp), "/proc/self/fdinfo/%ld", fd);
		FILE *f = fopen(lp, "re");
		if (f) {
			while (fgets(info, sizeof(info), f))
				if (sscanf(info, "flags: %o", &flags) == 1)
					break;
			fclose(f);
		}
		bool wr = (flags & O_ACCMODE) != O_RDONLY;
		/* A close-on-exec write fd reaches no program the shell runs: it is the shell's own
		 * saved copy of stdio during a redirection (`sandbox on 2>/dev/null`). */
		bool cloexec = (fcntl((int)fd, F_GETFD) & FD_CLOEXEC) != 0;
		const char *why = NULL;
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s", target);
		char *del = strstr(path, " (deleted)");
		if (del && del[10] == '\0')
			*del = '\0';

		if (S_ISDIR(st.st_mode)) {
			why = "directory";
		} else if (S_ISSOCK(st.st_mode)) {
			if (fd > 2)
				why = "socket";
		} else if (S_ISBLK(st.st_mode)) {
			why = "block device";
		} else if (strncmp(target, "anon_inode:", 11) == 0) {
			const char *k = target + 11;
			if (strcmp(k, "[eventfd]") && strcmp(k, "[eventpoll]") &&
			    strcmp(k, "[signalfd]") && strcmp(k, "[timerfd]") &&
			    strcmp(k, "inotify"))
				why = "kernel object";
		} else if (S_ISCHR(st.st_mode)) {
			static const char *const harmless[] = {"/dev/null",    "/dev/zero",
							       "/dev/full",    "/dev/random",
							       "/dev/urandom", "/dev/tty"};
			bool ok = isatty((int)fd) || !wr;
			for (size_t i = 0; !ok && i < sizeof(harmless) / sizeof(harmless[0]); i++)
				ok = strcmp(target, harmless[i]) == 0;
			if (!ok)
				why = "write fd to a device";
		} else if (S_ISFIFO(st.st_mode)) {
			if (wr && target[0] == '/' && !writable_by_policy(p, path))
				why = "write fd to a named pipe outside the writable trees";
		} else if (S_ISREG(st.st_mode) && wr && fd > 2 && !cloexec) {
			if (strncmp(target, "/memfd:", 7) != 0 && !writable_by_policy(p, path))
				why = "write fd to a file outside the writable trees";
		}
		if (why) {
			append(list, len, "  fd %ld: %s %s\n", fd, why, target);
			if (*suggest < 0)
				*suggest = (int)fd;
			bad++;
		}
	}
	closedir(d);
	return bad;
}

/* Living children of this process (jobs, coprocs, process substitutions): they would stay
 * unconfined and the shell could drive them through pipes afterwards (ATTACKS.md 8). Zombies
 * are finished and harmless. */
static int scan_children(char *list, size_t len)
{
	DIR *d = opendir("/proc/self/task");
	int n = 0;
	if (!d)
		return 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char path[PATH_MAX], buf[4096];
		snprintf(path, sizeof(path), "/proc/self/task/%s/children", de->d_name);
		FILE *f = fopen(path, "re");
		if (!f)
			continue;
		long pid;
		while (fscanf(f, "%ld", &pid) == 1) {
			char comm[64] = "?", state = '?';
			snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
			int sfd = open(path, O_RDONLY | O_CLOEXEC);
			ssize_t r = sfd >= 0 ? read(sfd, buf, sizeof(buf) - 1) : -1;
			if (sfd >= 0)
				close(sfd);
			if (r <= 0)
				continue;
			buf[r] = '\0';
			char *l = strchr(buf, '('), *rp = strrchr(buf, ')');
			if (l && rp && rp > l) {
				snprintf(comm, sizeof(comm), "%.*s", (int)(rp - l - 1), l + 1);
				state = rp[1] == ' ' ? rp[2] : '?';
			}
			if (state == 'Z' || state == 'X')
				continue;
			append(list, len, "  pid %ld (%s)\n", pid, comm);
			n++;
		}
		fclose(f);
	}
	closedir(d);
	return n;
}

/* ---- sandbox on ---- */

struct on_args {
	const char *config;
	char *allow_write[MAX_FLAGS];
	size_t n_write;
	char *allow_host[MAX_FLAGS];
	size_t n_host;
	char *allow_bind[MAX_FLAGS], *expose[MAX_FLAGS]; /* ports.h */
	size_t n_bind, n_expose;
	bool lock, strict;
	bool no_exit; /* --no-exit: a failure returns 1 even in a non-interactive shell */
};

/* --opt VALUE or --opt=VALUE; returns the value or NULL (usage error). */
static const char *opt_value(int argc, char *const *argv, int *i, const char *name)
{
	size_t n = strlen(name);
	if (strncmp(argv[*i], name, n) == 0 && argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (strcmp(argv[*i], name) == 0 && *i + 1 < argc)
		return argv[++*i];
	return NULL;
}

static int parse_on(const struct cordon_shell *sh, int argc, char *const *argv, struct on_args *a)
{
	for (int i = 1; i < argc; i++) {
		const char *v;
		if (strcmp(argv[i], "--lock") == 0) {
			a->lock = true;
		} else if (strcmp(argv[i], "--no-exit") == 0) {
			a->no_exit = true;
		} else if (strcmp(argv[i], "--strict") == 0) {
			a->strict = true;
		} else if (!strncmp(argv[i], "--config", 8) && (argv[i][8] == '=' || !argv[i][8])) {
			if (!(v = opt_value(argc, argv, &i, "--config")))
				return usage(sh, "on: %s needs a file", "--config");
			a->config = v;
		} else if (!strncmp(argv[i], "--allow-write", 13) &&
			   (argv[i][13] == '=' || !argv[i][13])) {
			if (!(v = opt_value(argc, argv, &i, "--allow-write")))
				return usage(sh, "on: %s needs a path", "--allow-write");
			if (a->n_write == MAX_FLAGS)
				return usage(sh, "on: too many %s", "--allow-write");
			a->allow_write[a->n_write++] = (char *)v;
		} else if (!strncmp(argv[i], "--allow-host", 12) &&
			   (argv[i][12] == '=' || !argv[i][12])) {
			if (!(v = opt_value(argc, argv, &i, "--allow-host")))
				return usage(sh, "on: %s needs a host", "--allow-host");
			if (a->n_host == MAX_FLAGS)
				return usage(sh, "on: too many %s", "--allow-host");
			a->allow_host[a->n_host++] = (char *)v;
		} else if (!strncmp(argv[i], "--allow-bind", 12) &&
			   (argv[i][12] == '=' || !argv[i][12])) {
			if (!(v = opt_value(argc, argv, &i, "--allow-bind")) ||
			    a->n_bind == MAX_FLAGS)
				return usage(sh, "on: %s needs a port", "--allow-bind");
			a->allow_bind[a->n_bind++] = (char *)v;
		} else if (!strncmp(argv[i], "--expose", 8) && (argv[i][8] == '=' || !argv[i][8])) {
			if (!(v = opt_value(argc, argv, &i, "--expose")) ||
			    a->n_expose == MAX_FLAGS)
				return usage(sh, "on: %s needs PORT[:HOSTPORT]", "--expose");
			a->expose[a->n_expose++] = (char *)v;
		} else {
			return usage(sh, "on: unknown option \"%s\"", argv[i]);
		}
	}
	return 0;
}

/* History keeps working (issue 3): HISTFILE itself becomes writable as a single file, and the
 * shell appends to it instead of rewriting it through a temporary file in its directory. A
 * HISTFILE that is one of the mandatory write-denies (or a symlink to one) is not opened up:
 * history then goes to a private file in the session's /tmp instead. */
static void plan_history(const struct cordon_shell *sh, struct cordon_policy *p, const char *home,
			 const char *cwd, char *note, size_t len, char *redirect, size_t rlen)
{
	const char *hf = sh->getvar(sh->arg, "HISTFILE");
	char abs[PATH_MAX], real[PATH_MAX];
	struct cordon_error e;
	note[0] = redirect[0] = '\0';
	if (!hf || !hf[0])
		return;
	int w = hf[0] == '/' ? snprintf(abs, sizeof(abs), "%s", hf)
			     : snprintf(abs, sizeof(abs), "%s/%s", cwd, hf);
	if (w < 0 || (size_t)w >= sizeof(abs))
		return;
	const char *target = realpath(abs, real) ? real : abs;
	if (writable_by_policy(p, target)) {
		snprintf(note, len, "history: HISTFILE (%s) is inside a writable tree", hf);
		return;
	}
	const char *base = strrchr(target, '/');
	base = base ? base + 1 : target;
	const char *const *deny = cordon_mandatory_denies(p);
	for (size_t i = 0; deny && deny[i]; i++) {
		if (strcmp(base, deny[i]) == 0) {
			snprintf(redirect, rlen, "/tmp/cordon-history");
			snprintf(
			    note, len,
			    "history: HISTFILE (%s) is a protected file; history now goes to the "
			    "private %s",
			    hf, redirect);
			return;
		}
	}
	if (cordon_policy_add_path(&p->allow_write, target, home, cwd, &e) < 0) {
		snprintf(redirect, rlen, "/tmp/cordon-history");
		snprintf(note, len, "history: %s; history now goes to the private %s", e.msg,
			 redirect);
		return;
	}
	snprintf(note, len, "history: HISTFILE (%s) stays writable; the shell appends to it", hf);
}

static void layers_json(const struct cordon_layers_report *r, char *buf, size_t len)
{
	snprintf(buf, len,
		 "{\"userns\":%s,\"mountns\":%s,\"netns\":%s,\"caps_dropped\":%s,\"nnp\":%s,"
		 "\"landlock\":%s,\"landlock_abi\":%d,\"seccomp\":%s,\"guard\":%s,\"capture\":%s}",
		 r->userns ? "true" : "false", r->mountns ? "true" : "false",
		 r->netns ? "true" : "false", r->caps_dropped ? "true" : "false",
		 r->nnp ? "true" : "false", r->landlock ? "true" : "false", r->landlock_abi,
		 r->seccomp ? "true" : "false", r->guard ? "true" : "false",
		 r->capture ? "true" : "false");
}

static int apply_env(const struct cordon_shell *sh, const struct cordon_env *env)
{
	int bad = 0;
	for (size_t i = 0; i < env->n; i++) {
		if (env->v[i].if_unset && sh->getvar(sh->arg, env->v[i].name))
			continue; /* a default; the person's value wins */
		int r = sh->setvar(sh->arg, env->v[i].name, env->v[i].value, true);
		if (r < 0) {
			ERR("cannot %s %s: %s\n", env->v[i].value ? "export" : "unset",
			    env->v[i].name, strerror(-r));
			bad++;
		}
	}
	return bad;
}

static int verb_on_args(const struct cordon_shell *sh, int *ctl_fd, const struct on_args *ap);

/* verb_on: `sandbox on`. A non-interactive shell (a script) that asked to be confined and was
 * not must not go on running unconfined: it ends with CORDON_VERB_EXIT unless --no-exit. */
static int verb_on(const struct cordon_shell *sh, int *ctl_fd, int argc, char *const *argv)
{
	struct on_args a = {0};
	int r = parse_on(sh, argc, argv, &a);
	if (r)
		return r;
	bool was_on = *ctl_fd >= 0 || self_confined();
	r = verb_on_args(sh, ctl_fd, &a);
	if (r == CORDON_VERB_FAIL && !was_on && !a.no_exit && sh->interactive &&
	    !sh->interactive(sh->arg)) {
		ERR("on: this non-interactive shell ends now with status %d, so that it does not "
		    "go "
		    "on unconfined (`sandbox on --no-exit` returns 1 instead)\n",
		    CORDON_VERB_EXIT);
		return CORDON_VERB_EXIT;
	}
	return r;
}

static int verb_on_args(const struct cordon_shell *sh, int *ctl_fd, const struct on_args *ap)
{
	struct on_args a = *ap;
	int r;
	bool flags =
	    a.config || a.n_write || a.n_host || a.lock || a.strict || a.n_bind || a.n_expose;
	if (*ctl_fd >= 0 || self_confined()) {
		const char *id = sh->getvar(sh->arg, "CORDON_SESSION");
		ERR("already on%s%s%s; nothing changed\n", id ? " (session " : "", id ? id : "",
		    id ? ")" : "");
		return flags ? CORDON_VERB_FAIL : CORDON_VERB_OK;
	}

	/* Refusals: each would leave something unconfined that the person thinks is confined. */
	char why[4096] = "";
	if (sh->not_toplevel(sh->arg, why, sizeof(why))) {
		ERR("on: refused: %s; `sandbox on` must run in the shell itself, not in a "
		    "subshell, "
		    "pipeline or $(...): nothing changed\n",
		    why);
		return CORDON_VERB_FAIL;
	}
	char list[8192] = "";
	int n = scan_children(list, sizeof(list));
	if (sh->live_jobs) {
		char jobs[4096] = "";
		if (sh->live_jobs(sh->arg, jobs, sizeof(jobs)) > 0 && n == 0)
			append(list, sizeof(list), "%s", jobs), n = 1;
	}
	if (n > 0) {
		ERR("on: refused: background jobs or coprocs are alive and would stay unconfined:\n"
		    "%s  end them first (`jobs -l`, `kill %%N`, `wait`); nothing changed\n",
		    list);
		return CORDON_VERB_FAIL;
	}

	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof(cwd))) {
		ERR("on: cannot read the current directory: %s\n", strerror(errno));
		return CORDON_VERB_FAIL;
	}
	struct cordon_policy p;
	struct cordon_error e = {{0}};
	memset(&p, 0, sizeof(p));
	r = cordon_policy_build(&p, a.config, a.allow_write, a.n_write, a.allow_host, a.n_host, cwd,
				&e);
	if (r < 0) {
		ERR("on: %s; nothing changed\n", e.msg);
		cordon_policy_free(&p);
		return CORDON_VERB_FAIL;
	}
	if (a.lock)
		p.lock_policy = true;
	if (a.strict)
		p.strict = true;
	for (size_t i = 0; r == 0 && i < a.n_bind; i++)
		r = cordon_policy_add_bind(&p, a.allow_bind[i], &e);
	for (size_t i = 0; r == 0 && i < a.n_expose; i++)
		r = cordon_policy_add_expose(&p, a.expose[i], &e);
	if (r < 0) {
		ERR("on: %s; nothing changed\n", e.msg);
		cordon_policy_free(&p);
		return CORDON_VERB_FAIL;
	}

	int suggest;
	list[0] = '\0';
	n = scan_fds(&p, list, sizeof(list), &suggest);
	if (n == 0)
		n = cordon_fds_precheck(&p, NULL, 0, list, sizeof(list));
	if (n > 0) {
		ERR("on: refused: open file descriptors would reach outside the sandbox:\n%s"
		    "  close them first, e.g. `exec %d>&-`; nothing changed\n",
		    list, suggest >= 0 ? suggest : 9);
		cordon_policy_free(&p);
		return CORDON_VERB_FAIL;
	}

	char hist_note[PATH_MAX + 256], hist_redirect[PATH_MAX];
	plan_history(sh, &p, sh->getvar(sh->arg, "HOME"), cwd, hist_note, sizeof(hist_note),
		     hist_redirect, sizeof(hist_redirect));
	if (!hist_redirect[0] && strstr(hist_note, "stays writable")) {
		/* The bind mount of a single file needs the file to exist. */
		const char *hf = sh->getvar(sh->arg, "HISTFILE");
		int hfd = open(hf, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (hfd >= 0)
			close(hfd);
	}

	/* Start the session process: nothing in this shell changes yet. */
	struct cordon_session *s = NULL;
	r = cordon_session_start(&p, &s, &e);
	if (r < 0) {
		ERR("on: %s; nothing changed\n", e.msg);
		cordon_policy_free(&p);
		return CORDON_VERB_FAIL;
	}
	/* Write fds to files the session pins read-only (known only now, from its guard set):
	 * refused here, while nothing has changed, rather than after joining. */
	list[0] = '\0';
	n = cordon_fds_precheck_session(&p, s, NULL, 0, list, sizeof(list));
	if (n > 0) {
		ERR("on: refused: open file descriptors would reach outside the sandbox:\n%s"
		    "  close them first, e.g. `exec N>&-`; nothing changed\n",
		    list);
		cordon_session_free(s);
		cordon_policy_free(&p);
		return CORDON_VERB_FAIL;
	}
	const struct cordon_session_info *si = cordon_session_get_info(s);
	char self_exe[PATH_MAX];
	find_self_exe(self_exe, sizeof(self_exe));
	struct cordon_env env = {0};
	r = cordon_env_build(si, self_exe, &env, &e);
	if (r == 0)
		r = cordon_env_add_cache_defaults(&env, &p, sh->getvar(sh->arg, "HOME"), &e);
	if (r == 0)
		r = cordon_env_git(&env, &p, si, self_exe, &e); /* git_env.h */
	int ctl = r < 0 ? -1 : fcntl(cordon_session_ctl_fd(s), F_DUPFD_CLOEXEC, CTL_FD_MIN);
	if (r < 0 || ctl < 0) {
		ERR("on: %s; nothing changed\n", r < 0 ? e.msg : strerror(errno));
		cordon_env_free(&env);
		cordon_session_free(s);
		cordon_policy_free(&p);
		return CORDON_VERB_FAIL;
	}

	/* Confine this process. The first irreversible step (NNP, then setns) is inside; tell
	 * afterwards whether anything changed by comparing the user namespace. */
	char ns_before[64], ns_after[64];
	userns_id(ns_before, sizeof(ns_before));
	struct cordon_layers_report rep;
	memset(&rep, 0, sizeof(rep));
	r = cordon_confine_in_place(&p, s, cwd, ctl, &rep, &e);
	userns_id(ns_after, sizeof(ns_after));
	if (r < 0 && strcmp(ns_before, ns_after) == 0 && !self_confined()) {
		ERR("on: %s; nothing changed\n", e.msg);
		close(ctl);
		cordon_env_free(&env);
		cordon_session_free(s);
		cordon_policy_free(&p);
		return CORDON_VERB_FAIL;
	}
	*ctl_fd = ctl;
	char id[sizeof(si->id)], notes[sizeof(si->notes)];
	snprintf(id, sizeof(id), "%s", si->id);
	snprintf(notes, sizeof(notes), "%s", si->notes);
	/* The session must outlive the control fd when this shell execs its last command in place
	 * (`bash -c '...; make'` closes the close-on-exec fd). Without it the session just ends
	 * earlier: fail closed, so a warning is enough. */
	struct cordon_error fe = {{0}};
	if (r == 0 && cordon_session_follow_caller(s, &fe) < 0)
		ERR("warning: %s; a command this shell execs in place will have no network\n",
		    fe.msg);
	cordon_session_free(s); /* the session lives on through ctl */
	if (r < 0) {
		/* Past the point of no return: the shell stays in the session (its network is the
		 * proxy, its writes are confined as far as the layers went). */
		ERR("on: FAILED after confinement began: %s\n", e.msg);
		ERR("this shell is now partly confined and cannot be trusted as either; exit it\n");
		apply_env(sh, &env);
		cordon_env_free(&env);
		cordon_policy_free(&p);
		return CORDON_VERB_FAIL;
	}

	char lj[512];
	layers_json(&rep, lj, sizeof(lj));
	char *words[] = {"layers", lj, NULL}, *reply = NULL;
	struct cordon_error ce = {{0}};
	if (cordon_control_call(ctl, words, -1, &reply, &ce) < 0)
		ERR("warning: could not record the layer report: %s\n", ce.msg);
	free(reply);

	int bad = apply_env(sh, &env);
	cordon_env_free(&env);
	sh->setvar(sh->arg, CORDON_PROMPT_VAR, CORDON_PROMPT_TEXT, true);
	if (hist_redirect[0])
		sh->setvar(sh->arg, "HISTFILE", hist_redirect, false);
	if (hist_note[0] && sh->history_append)
		sh->history_append(sh->arg);
	(void)cordon_notices_start(sh, p.lock_policy);

	ERR("on (session %s)%s; writes: current directory%s%s; network: %zu host%s allowed\n", id,
	    p.lock_policy ? ", policy locked" : "", p.allow_write.n > 1 ? " and " : "",
	    p.allow_write.n > 1 ? "others (sandbox policy)" : "", p.allow_hosts.n,
	    p.allow_hosts.n == 1 ? "" : "s");
	if (hist_note[0])
		ERR("%s\n", hist_note);
	if (notes[0])
		ERR("note: %s\n", notes);
	if (rep.missing[0])
		ERR("warning: layers not in force: %s (see `sandbox status`)\n", rep.missing);
	char pm[PATH_MAX + 256];
	if (cordon_env_check_proxy_command(self_exe, pm, sizeof(pm)) < 0)
		ERR("warning: %s\n", pm);
	if (bad)
		ERR("warning: %d variable%s could not be set (see above)\n", bad,
		    bad == 1 ? "" : "s");
	cordon_policy_free(&p);
	return CORDON_VERB_OK;
}

/* ---- the other verbs ---- */

/* --json for every reading verb; -f/--follow for `log` only (follow may be NULL). */
static int parse_json_flag(const struct cordon_shell *sh, const char *verb, int argc,
			   char *const *argv, bool *json, bool *follow)
{
	*json = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			*json = true;
		else if (follow && (!strcmp(argv[i], "-f") || !strcmp(argv[i], "--follow")))
			*follow = true;
		else
			return usage(sh, verb[0] ? "unknown option \"%s\"" : "%s", argv[i]);
	}
	return 0;
}

/* Ask the session process; on failure print the message and return -1. */
static int ask(const struct cordon_shell *sh, int ctl_fd, char **words, char **reply)
{
	struct cordon_error e = {{0}};
	int r = cordon_control_call(ctl_fd, words, -1, reply, &e);
	if (r < 0) {
		ERR("%s: %s\n", words[0], e.msg);
		return r;
	}
	return 0;
}

/* This shell is confined but holds no control channel (a shell started inside the sandbox). */
static bool inherited(int ctl_fd)
{
	return ctl_fd < 0 && self_confined() && getenv("CORDON_SESSION");
}

static int verb_status(const struct cordon_shell *sh, int ctl_fd, bool json)
{
	if (ctl_fd < 0) {
		const char *id = getenv("CORDON_SESSION");
		if (inherited(ctl_fd)) {
			if (json)
				OUT("{\"on\":true,\"session\":\"%s\",\"control\":false}\n", id);
			else
				OUT("sandbox: on (session %s, inherited: this shell was started "
				    "inside "
				    "the sandbox and holds no control channel)\n",
				    id);
		} else if (json) {
			OUT("{\"on\":false}\n");
		} else {
			OUT("sandbox: off\n");
		}
		return CORDON_VERB_OK;
	}
	char *words[] = {"status", NULL}, *reply = NULL;
	if (ask(sh, ctl_fd, words, &reply) < 0)
		return CORDON_VERB_FAIL;
	if (json) {
		OUT("{\"on\":true,\"control\":true,%s\n", reply[0] == '{' ? reply + 1 : "}");
		free(reply);
		return CORDON_VERB_OK;
	}
	struct json j;
	if (json_parse(&j, reply) < 0) {
		ERR("status: unreadable reply from the session process\n");
		free(reply);
		return CORDON_VERB_FAIL;
	}
	char id[64], buf[512];
	json_text(&j, json_get(&j, 0, "session"), id, sizeof(id));
	OUT("sandbox: on (session %s%s)\n", id,
	    json_bool(&j, json_get(&j, 0, "locked")) ? ", policy locked" : "");
	int l = json_get(&j, 0, "layers");
	static const struct {
		const char *key, *name;
	} names[] = {
	    {"userns", "user namespace"},
	    {"mountns", "mount namespace"},
	    {"netns", "network namespace"},
	    {"caps_dropped", "capabilities dropped"},
	    {"nnp", "no_new_privs"},
	    {"landlock", "Landlock"},
	    {"seccomp", "seccomp filter"},
	    {"guard", "write guard"},
	    {"capture", "transparent capture"},
	};
	char in[512] = "", out[512] = "";
	for (size_t i = 0; l >= 0 && i < sizeof(names) / sizeof(names[0]); i++) {
		bool on = json_bool(&j, json_get(&j, l, names[i].key));
		char *dst = on ? in : out;
		append(dst, 512, "%s%s", dst[0] ? ", " : "", names[i].name);
		if (on && !strcmp(names[i].key, "landlock"))
			append(dst, 512, " ABI %s",
			       json_text(&j, json_get(&j, l, "landlock_abi"), buf, sizeof(buf)));
	}
	OUT("layers in force: %s\n", l >= 0 ? (in[0] ? in : "none") : "unknown");
	OUT("layers missing: %s\n", l >= 0 ? (out[0] ? out : "none") : "unknown");
	json_text(&j, json_get(&j, 0, "proxy_max_connections"), buf, sizeof(buf));
	OUT("proxy: up to %s connections at once\n", buf[0] ? buf : "?");
	json_list(&j, json_get(&j, 0, "pending"), buf, sizeof(buf));
	if (strcmp(buf, "none"))
		OUT("waiting for approval: %s\n", buf);
	OUT("violation log: %s\n", json_text(&j, json_get(&j, 0, "log"), buf, sizeof(buf)));
	free(j.t);
	free(reply);
	return CORDON_VERB_OK;
}

/* Without a session: the policy `sandbox on` would build here, as JSON. */
static int local_policy_json(const struct cordon_shell *sh, char **out)
{
	char cwd[PATH_MAX];
	struct cordon_policy p;
	struct cordon_error e = {{0}};
	memset(&p, 0, sizeof(p));
	if (!getcwd(cwd, sizeof(cwd)) ||
	    cordon_policy_build(&p, NULL, NULL, 0, NULL, 0, cwd, &e) < 0 ||
	    cordon_policy_to_json(&p, out, &e) < 0) {
		ERR("policy: %s\n", e.msg[0] ? e.msg : strerror(errno));
		cordon_policy_free(&p);
		return -1;
	}
	cordon_policy_free(&p);
	return 0;
}

static int verb_policy(const struct cordon_shell *sh, int ctl_fd, bool json)
{
	char *reply = NULL;
	char *words[] = {"policy", NULL};
	if (ctl_fd >= 0 ? ask(sh, ctl_fd, words, &reply) < 0 : local_policy_json(sh, &reply) < 0)
		return CORDON_VERB_FAIL;
	if (json) {
		OUT("%s\n", reply);
	} else {
		struct json j;
		if (ctl_fd < 0)
			OUT("(sandbox off: the policy `sandbox on` would apply here)\n");
		if (json_parse(&j, reply) == 0) {
			json_flatten(sh, &j, 0, "");
			free(j.t);
		} else {
			OUT("%s\n", reply);
		}
	}
	free(reply);
	return CORDON_VERB_OK;
}

static int verb_hosts(const struct cordon_shell *sh, int ctl_fd, bool json)
{
	char *reply = NULL;
	char *words[] = {"hosts", NULL};
	struct json j;
	char buf[4096];
	if (ctl_fd < 0) {
		/* Off: the lists `sandbox on` would start with, taken from the local policy. */
		char *pol = NULL;
		if (local_policy_json(sh, &pol) < 0)
			return CORDON_VERB_FAIL;
		if (json_parse(&j, pol) < 0) {
			free(pol);
			return CORDON_VERB_FAIL;
		}
		int net = json_get(&j, 0, "network");
		char allow[2048], deny[2048];
		json_list(&j, json_get(&j, net, "allowedDomains"), allow, sizeof(allow));
		json_list(&j, json_get(&j, net, "deniedDomains"), deny, sizeof(deny));
		if (json) {
			/* Re-emit the raw arrays so the output stays JSON. */
			int a = json_get(&j, net, "allowedDomains"),
			    d = json_get(&j, net, "deniedDomains");
			OUT("{\"on\":false,\"allow\":%.*s,\"deny\":%.*s,\"locked\":false,"
			    "\"pending\":[]}\n",
			    a >= 0 ? j.t[a].end - j.t[a].start : 2,
			    a >= 0 ? pol + j.t[a].start : "[]",
			    d >= 0 ? j.t[d].end - j.t[d].start : 2,
			    d >= 0 ? pol + j.t[d].start : "[]");
		} else {
			OUT("(sandbox off: the lists `sandbox on` would start with)\n");
			OUT("allowed hosts: %s\ndenied hosts: %s\n", allow, deny);
		}
		free(j.t);
		free(pol);
		return CORDON_VERB_OK;
	}
	if (ask(sh, ctl_fd, words, &reply) < 0)
		return CORDON_VERB_FAIL;
	if (json) {
		OUT("%s\n", reply);
	} else if (json_parse(&j, reply) == 0) {
		json_list(&j, json_get(&j, 0, "allow"), buf, sizeof(buf));
		OUT("allowed hosts: %s\n", buf);
		json_list(&j, json_get(&j, 0, "deny"), buf, sizeof(buf));
		OUT("denied hosts: %s\n", buf);
		json_list(&j, json_get(&j, 0, "pending"), buf, sizeof(buf));
		if (strcmp(buf, "none"))
			OUT("waiting for approval: %s\n", buf);
		free(j.t);
	}
	free(reply);
	return CORDON_VERB_OK;
}

/* log_line_text: one log line (JSON, vlog.h) as the text `cordon log` prints (cordon_vlog_text,
 * control bytes as \xHH). A line that does not parse is skipped, as cordon_vlog_read skips it.
 * Returns 1 for an entry, 0 for a skipped line. */
static int log_line_text(const struct cordon_shell *sh, const char *line)
{
	struct cordon_vlog_entry v;
	char text[PATH_MAX + 1024];
	if (cordon_vlog_parse(line, strlen(line), &v, NULL) < 0)
		return 0;
	cordon_vlog_text(&v, text, sizeof(text));
	OUT("%s\n", text);
	return 1;
}

/* ---- the log of a shell without the control channel ----
 * A pipeline element, $(...) or a shell started inside the sandbox has no control channel, but
 * its environment names the session's log ($CORDON_LOG) and the state directory is read-only
 * inside (vlog.h cordon_vlog_state_dir), so the file holds only what the session wrote. When
 * the sandbox hides it (a state directory under /tmp), these say so. */

struct file_log {
	const struct cordon_shell *sh;
	bool json, array; /* array: `log --json` (one JSON array); else one object per line */
	int k;		  /* entries printed */
};

static int file_log_entry(const struct cordon_vlog_entry *v, void *arg)
{
	struct file_log *f = arg;
	const struct cordon_shell *sh = f->sh;
	if (!f->json) {
		char text[PATH_MAX + 1024];
		cordon_vlog_text(v, text, sizeof(text));
		OUT("%s\n", text);
	} else {
		char *line = malloc(CORDON_VLOG_LINE_MAX);
		int n = line ? cordon_vlog_format(v, line, CORDON_VLOG_LINE_MAX) : -ENOMEM;
		if (n > 0 && f->array)
			OUT("%s%.*s", f->k ? ",\n" : "\n", n - 1, line);
		else if (n > 0)
			OUT("%s", line);
		free(line);
		if (n < 0)
			return n;
	}
	f->k++;
	return 0;
}

/* file_log_path: $CORDON_LOG when this shell is confined without a channel and the path is set
 * and absolute; else NULL. */
static const char *file_log_path(int ctl_fd)
{
	const char *p = getenv("CORDON_LOG");
	return inherited(ctl_fd) && p && p[0] == '/' ? p : NULL;
}

/* file_log_hidden: the log's directory cannot be seen from here (e.g. under the private /tmp):
 * tell the person where to ask instead. Returns true when it said so. */
static bool file_log_hidden(const struct cordon_shell *sh, const char *path, const char *verb)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	if (access(dir[0] ? dir : "/", X_OK) == 0)
		return false;
	ERR("%s: the log %s is not visible inside the sandbox; ask in the shell that ran "
	    "`sandbox on`, or run `cordon log` outside\n",
	    verb, path);
	return true;
}

static int interrupted_cb(void *arg)
{
	const struct cordon_shell *sh = arg;
	return sh->interrupted && sh->interrupted(sh->arg);
}

/* verb_log_file: `log [--json] [-f]` from the file named by $CORDON_LOG. */
static int verb_log_file(const struct cordon_shell *sh, const char *path, bool json, bool follow)
{
	struct file_log f = {.sh = sh, .json = json, .array = json && !follow};
	struct cordon_error e = {{0}};
	if (file_log_hidden(sh, path, follow ? "log -f" : "log"))
		return CORDON_VERB_FAIL;
	if (follow) {
		struct cordon_vlog_follow_opts o = {.should_stop = interrupted_cb,
						    .stop_arg = (void *)sh};
		if (cordon_vlog_follow(path, &o, file_log_entry, &f, &e) < 0) {
			ERR("log -f: %s\n", e.msg);
			return CORDON_VERB_FAIL;
		}
		return CORDON_VERB_INTERRUPTED;
	}
	if (f.array)
		OUT("[");
	int r = cordon_vlog_read(path, file_log_entry, &f, &e);
	if (f.array)
		OUT("%s]\n", f.k ? "\n" : "");
	else if (r == 0 && f.k == 0)
		OUT("no violations logged\n");
	if (r < 0) {
		ERR("log: %s\n", e.msg);
		return CORDON_VERB_FAIL;
	}
	return CORDON_VERB_OK;
}

#define FOLLOW_WAIT_MS 250 /* longest wait between two looks at the log and at interrupted() */

/* `log -f`: the entries from the start of the log, then each new one as the session appends
 * it, asking the session process ("log FROM", control.h) rather than reading the file, which
 * the sandbox may not see (a private /tmp). Waits on the control channel: its hang-up is the end
 * of the session. Each entry is one line (JSON with --json: one object per line, since an array
 * could not be read before it closes), flushed by sh->out. */
static int verb_log_follow(const struct cordon_shell *sh, int ctl_fd, bool json)
{
	long long off = 0;
	if (ctl_fd < 0 && file_log_path(ctl_fd))
		return verb_log_file(sh, file_log_path(ctl_fd), json, true);
	if (ctl_fd < 0) {
		ERR("log -f: %s\n", inherited(ctl_fd) ? "follow in the shell that ran `sandbox on`"
						      : "the sandbox is off: nothing to follow");
		return CORDON_VERB_FAIL;
	}
	for (;;) {
		char from[32], *reply = NULL, *end;
		char *words[] = {"log", from, NULL};
		int k = 0;
		snprintf(from, sizeof(from), "%lld", off);
		if (ask(sh, ctl_fd, words, &reply) < 0)
			return CORDON_VERB_FAIL;
		off = strtoll(reply, &end, 10);
		if (end == reply || (*end && *end != '\n')) {
			ERR("log -f: unexpected reply from the session process\n");
			free(reply);
			return CORDON_VERB_FAIL;
		}
		for (char *save = NULL, *line = strtok_r(end, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save), k++) {
			if (json)
				OUT("%s\n", line);
			else
				log_line_text(sh, line);
		}
		free(reply);
		if (sh->interrupted && sh->interrupted(sh->arg))
			return CORDON_VERB_INTERRUPTED;
		if (k)
			continue; /* a full reply: more may be waiting */
		struct pollfd p = {.fd = ctl_fd, .events = POLLRDHUP};
		int pr = poll(&p, 1, FOLLOW_WAIT_MS);
		if (pr < 0 && errno != EINTR) {
			ERR("log -f: poll: %s\n", strerror(errno));
			return CORDON_VERB_FAIL;
		}
		if (pr > 0 && (p.revents & (POLLHUP | POLLRDHUP | POLLERR | POLLNVAL))) {
			ERR("log -f: the session process ended\n");
			return CORDON_VERB_FAIL;
		}
		if (sh->interrupted && sh->interrupted(sh->arg))
			return CORDON_VERB_INTERRUPTED;
	}
}

static int verb_log(const struct cordon_shell *sh, int ctl_fd, bool json)
{
	char *reply = NULL;
	char *words[] = {"log", NULL};
	if (ctl_fd < 0 && file_log_path(ctl_fd))
		return verb_log_file(sh, file_log_path(ctl_fd), json, false);
	if (ctl_fd < 0) {
		if (json)
			OUT("[]\n");
		else
			ERR("log: %s\n", inherited(ctl_fd)
					     ? "ask in the shell that ran `sandbox on`"
					     : "off: nothing logged");
		return CORDON_VERB_OK;
	}
	if (ask(sh, ctl_fd, words, &reply) < 0)
		return CORDON_VERB_FAIL;
	if (json)
		OUT("[");
	int k = 0;
	for (char *save = NULL, *line = strtok_r(reply, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (json)
			OUT("%s%s", k++ ? ",\n" : "\n", line);
		else
			k += log_line_text(sh, line);
	}
	if (json)
		OUT("%s]\n", k ? "\n" : "");
	else if (k == 0)
		OUT("no violations logged\n");
	free(reply);
	return CORDON_VERB_OK;
}

/* verb_check: what the kernel supports, probed from here. `confined`: this shell is already in a
 * sandbox, so the probe sees what a sandbox nested inside it would get (no new user namespace,
 * no listener), not the layers in force: the text says so and points to `sandbox status`. */
static int verb_check(const struct cordon_shell *sh, bool json, bool confined)
{
	struct cordon_kernel k;
	struct cordon_error e = {{0}};
	memset(&k, 0, sizeof(k));
	if (cordon_kernel_probe(&k, &e) < 0) {
		ERR("check: %s\n", e.msg);
		return CORDON_VERB_FAIL;
	}
	char missing[512] = "";
	if (!k.userns)
		append(missing, sizeof(missing), "%suser/mount/network namespaces (%s)",
		       missing[0] ? ", " : "", k.userns_why);
	if (k.landlock_abi == 0)
		append(missing, sizeof(missing), "%sLandlock", missing[0] ? ", " : "");
	else if (k.landlock_abi < 4)
		append(missing, sizeof(missing), "%sLandlock TCP rules (ABI < 4)",
		       missing[0] ? ", " : "");
	if (k.landlock_abi > 0 && k.landlock_abi < 6)
		append(missing, sizeof(missing),
		       "%sLandlock signal/abstract-socket scoping (ABI < 6)",
		       missing[0] ? ", " : "");
	if (!k.seccomp_filter)
		append(missing, sizeof(missing), "%sseccomp filter", missing[0] ? ", " : "");
	if (!k.seccomp_notify)
		append(missing, sizeof(missing), "%swrite guard (seccomp user notification)",
		       missing[0] ? ", " : "");
	if (!k.mount_setattr)
		append(missing, sizeof(missing), "%srecursive read-only (mount_setattr)",
		       missing[0] ? ", " : "");
	char capture_why[256] = "";
	bool capture = k.userns && cordon_capture_probe(capture_why, sizeof(capture_why));
	if (!capture)
		append(missing, sizeof(missing), "%stransparent capture", missing[0] ? ", " : "");
	if (json) {
		OUT("{\"kernel\":\"%s\",\"userns\":%s,\"landlock_abi\":%d,\"seccomp_filter\":%s,"
		    "\"seccomp_notify\":%s,\"legacy_tiocsti\":%s,\"mount_setattr\":%s,"
		    "\"capture\":%s,\"missing\":\"%s\",\"inside_sandbox\":%s}\n",
		    k.release, k.userns ? "true" : "false", k.landlock_abi,
		    k.seccomp_filter ? "true" : "false", k.seccomp_notify ? "true" : "false",
		    k.legacy_tiocsti ? "true" : "false", k.mount_setattr ? "true" : "false",
		    capture ? "true" : "false", missing, confined ? "true" : "false");
		return CORDON_VERB_OK;
	}
	OUT("kernel: %s\n", k.release);
	OUT("user namespaces: %s\n", k.userns ? "yes" : "no");
	OUT("Landlock ABI: %d%s\n", k.landlock_abi, k.landlock_abi ? "" : " (unavailable)");
	OUT("seccomp filter: %s\n", k.seccomp_filter ? "yes" : "no");
	OUT("seccomp user notification: %s\n", k.seccomp_notify ? "yes" : "no");
	OUT("mount_setattr: %s\n", k.mount_setattr ? "yes" : "no");
	OUT("transparent capture: %s%s%s%s\n", capture ? "yes" : "no", capture_why[0] ? " (" : "",
	    capture_why, capture_why[0] ? ")" : "");
	OUT("legacy TIOCSTI: %s\n",
	    k.legacy_tiocsti ? "enabled (blocked inside by the seccomp filter)" : "disabled");
	OUT("would be missing: %s\n", missing[0] ? missing : "nothing");
	if (confined)
		OUT("note: this shell is already confined, so the lines above are what a sandbox "
		    "nested in it would get; `sandbox status` lists the layers in force\n");
	return CORDON_VERB_OK;
}

static int verb_hostchange(const struct cordon_shell *sh, int ctl_fd, int argc, char *const *argv)
{
	if (argc < 2)
		return usage(sh, "%s: name at least one host", argv[0]);
	for (int i = 1; i < argc; i++)
		if (argv[i][0] == '-')
			return usage(sh, "unknown option \"%s\"", argv[i]);
	if (ctl_fd < 0) {
		ERR("%s: %s\n", argv[0],
		    inherited(ctl_fd)
			? "this shell was started inside the sandbox and holds no "
			  "control channel; use the shell that ran `sandbox on`"
			: "the sandbox is off (`sandbox on --allow-host HOST` starts it)");
		return CORDON_VERB_FAIL;
	}
	char *words[MAX_FLAGS + 2];
	if (argc > MAX_FLAGS + 1)
		return usage(sh, "%s: too many hosts", argv[0]);
	for (int i = 0; i < argc; i++)
		words[i] = argv[i];
	words[argc] = NULL;
	char *reply = NULL;
	struct cordon_error e = {{0}};
	int r = cordon_control_call(ctl_fd, words, -1, &reply, &e);
	if (r < 0) {
		ERR("%s: %s\n", argv[0], e.msg);
		return CORDON_VERB_FAIL;
	}
	ERR("%s; effective for the next connection\n", reply);
	free(reply);
	return CORDON_VERB_OK;
}

/* A forked copy of the confined shell (a subshell, `$(...)`) had its control fd closed at fork
 * (cordon_confine_in_place), and its number may since name some other file: only a socket is the
 * channel. */
static bool forget_lost_channel(int *ctl_fd)
{
	struct stat st;

	if (*ctl_fd < 0 || (fstat(*ctl_fd, &st) == 0 && S_ISSOCK(st.st_mode)))
		return false;
	*ctl_fd = -1;
	return true;
}

static int verbs_dispatch(const struct cordon_shell *sh, int *ctl_fd, int argc, char *const *argv)
{
	bool lost = forget_lost_channel(ctl_fd);
	if (argc < 1)
		return usage(sh, "%s", "a verb is needed");
	const char *v = argv[0];
	bool json;
	/* The prompt hook runs in the shell itself; a forked copy has nothing to tell. */
	if (!strcmp(v, "notices") || !strcmp(v, "notify"))
		return cordon_notices_verb(sh, *ctl_fd, argc, argv);
	/* `log` reads the session's log file instead (verb_log_file), so `sandbox log | less`
	 * works. */
	bool log_file = !strcmp(v, "log") && file_log_path(-1);
	if (lost && !log_file && strcmp(v, "on") && strcmp(v, "check") && strcmp(v, "--help") &&
	    strcmp(v, "-h") && strcmp(v, "help")) {
		ERR("%s: this is a forked copy of the confined shell (a subshell, pipeline element "
		    "or "
		    "$(...)), which holds no control channel; run `sandbox %s` in the shell itself "
		    "(e.g. `sandbox %s > FILE`)\n",
		    v, v, v);
		return CORDON_VERB_FAIL;
	}
	if (!strcmp(v, "--help") || !strcmp(v, "-h") || !strcmp(v, "help")) {
		OUT("%s\n\n", cordon_verbs_synopsis);
		for (size_t i = 0; cordon_verbs_help[i]; i++)
			OUT("%s\n", cordon_verbs_help[i]);
		return CORDON_VERB_OK;
	}
	if (!strcmp(v, "on"))
		return verb_on(sh, ctl_fd, argc, argv);
	if (!strcmp(v, "allow-host") || !strcmp(v, "deny-host"))
		return verb_hostchange(sh, *ctl_fd, argc, argv);
	if (verbs_dev_is(v)) /* dev servers: verbs_dev.c */
		return verbs_dev_main(sh, *ctl_fd, argc, argv);
	if (strcmp(v, "status") && strcmp(v, "hosts") && strcmp(v, "log") && strcmp(v, "check") &&
	    strcmp(v, "policy") && strcmp(v, "git"))
		return usage(sh, "unknown verb \"%s\"", v);
	bool follow = false;
	int r = parse_json_flag(sh, v, argc, argv, &json, strcmp(v, "log") ? NULL : &follow);
	if (r)
		return r;
	if (follow)
		return verb_log_follow(sh, *ctl_fd, json);
	if (!strcmp(v, "status"))
		return verb_status(sh, *ctl_fd, json);
	if (!strcmp(v, "hosts"))
		return verb_hosts(sh, *ctl_fd, json);
	if (!strcmp(v, "log"))
		return verb_log(sh, *ctl_fd, json);
	if (!strcmp(v, "git")) /* git_verb.c */
		return cordon_git_verb(sh, *ctl_fd, json);
	if (!strcmp(v, "check"))
		return verb_check(sh, json,
				  *ctl_fd >= 0 || lost || sh->getvar(sh->arg, "CORDON_SESSION"));
	return verb_policy(sh, *ctl_fd, json);
}

void cordon_verbs_stdout(void *arg, const char *text)
{
	(void)arg;
	fputs(text, stdout);
	fflush(stdout);
}

void cordon_verbs_stderr(void *arg, const char *text)
{
	(void)arg;
	fputs(text, stderr);
	fflush(stderr);
}

/* SIGCHLD stays blocked while a verb runs: the shell's own handler reaps with waitpid(-1), and
 * would otherwise take the children the verbs wait for (the kernel probe's, the session's
 * intermediate), so a probe answered "no" at random and `sandbox on` left a layer out. The
 * shell handles the pending signal, for its own jobs, once the mask is restored (signal(7)). */
int cordon_verbs_main(const struct cordon_shell *sh, int *ctl_fd, int argc, char *const *argv)
{
	sigset_t chld, old;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	bool blocked = sigprocmask(SIG_BLOCK, &chld, &old) == 0;
	int r = verbs_dispatch(sh, ctl_fd, argc, argv);
	if (blocked)
		sigprocmask(SIG_SETMASK, &old, NULL);
	return r;
}
