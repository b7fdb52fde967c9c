/* notice_text.c — the words of the prompt notices (notices.h): a violation log entry or a failed
 * command line in, one line for the person out, with what to do about it. */
#include "cordon/notices.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A line under construction in a caller's buffer; cut at the end, always NUL-terminated. */
struct line {
	char *buf;
	size_t len, o;
};

static void put(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct line *l, const char *fmt, ...)
{
	va_list ap;
	if (l->o + 1 >= l->len)
		return;
	va_start(ap, fmt);
	int w = vsnprintf(l->buf + l->o, l->len - l->o, fmt, ap);
	va_end(ap);
	if (w > 0)
		l->o = (size_t)w < l->len - l->o ? l->o + (size_t)w : l->len - 1;
}

/* put_safe: s with control bytes (and DEL) as \xHH: names come from confined processes and must
 * not reach the terminal as escape sequences. */
static void put_safe(struct line *l, const char *s)
{
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c < 0x20 || *c == 0x7f)
			put(l, "\\x%02x", *c);
		else
			put(l, "%c", *c);
	}
}

static bool under(const char *path, const char *root, const char **rest)
{
	size_t n = root ? strlen(root) : 0;
	if (n == 0 || strncmp(path, root, n) || (path[n] != '/' && path[n] != '\0'))
		return false;
	if (n == 1) /* root "/" */
		n = 0;
	*rest = path[n] ? path + n + 1 : "";
	return true;
}

/* put_path: path as ./REL under cwd, ~/REL under home, else as it is. */
static void put_path(struct line *l, const char *path, const struct cordon_notice_ctx *c)
{
	const char *rest;
	if (c && under(path, c->cwd, &rest)) {
		put(l, "%s", rest[0] ? "./" : ".");
		put_safe(l, rest);
	} else if (c && under(path, c->home, &rest)) {
		put(l, "~/");
		put_safe(l, rest);
	} else {
		put_safe(l, path);
	}
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

static bool in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return true;
	return false;
}

/* Why a refused write was refused, for the names the guard protects (mounts_pin.c). */
static const char *write_hint(const char *path)
{
	static const char *const rc[] = {
	    ".bashrc", ".bash_profile", ".bash_login", ".profile", ".bash_logout", ".zshenv",
	    ".zshrc",  ".zprofile",	".zlogin",     ".zlogout", ".inputrc",	   NULL};
	static const char *const tools[] = {".vscode", ".idea",	      ".mcp.json", ".envrc",
					    ".npmrc",  ".gitmodules", NULL};
	const char *b = base_name(path);

	if (!strcmp(b, ".git"))
		return "git init at the root of a writable tree: run it before sandbox on, outside "
		       "the sandbox, or in a subdirectory";
	if (!strcmp(b, ".gitconfig") || !strcmp(b, ".gitconfig.lock"))
		return "git's global config runs code outside the sandbox later: protected; give "
		       "git "
		       "its identity in GIT_AUTHOR_*/GIT_COMMITTER_* instead";
	if (strstr(path, "/.git/"))
		return "git hooks and config run code outside the sandbox later: protected "
		       "(\"allowGitConfig\": true opens .git/config)";
	if (in_list(b, rc))
		return "a shell startup file runs outside the sandbox later: protected";
	if (in_list(b, tools) || strstr(path, "/.claude/"))
		return "an editor or tool setting that can run code: protected";
	return "a protected name";
}

/* The IP literal in a "resolves to ... address X, ..." reason (proxy.c), bracketed for IPv6, as
 * the rule that would allow it; "" when there is none. */
static void reason_literal(const char *reason, char *rule, size_t len)
{
	char lit[64] = "";
	const char *sp = strstr(reason, "address ");
	rule[0] = '\0';
	if (!sp || sscanf(sp + 8, "%63[^, ]", lit) != 1)
		return;
	for (const char *c = lit; *c; c++)
		if (!strchr("0123456789abcdefABCDEF.:", *c))
			return;
	snprintf(rule, len, strchr(lit, ':') ? "[%s]" : "%s", lit);
}

static void put_allow(struct line *l, const char *what, const struct cordon_notice_ctx *c)
{
	if (c && c->locked) {
		put(l, " — sandbox allow-host ");
		put_safe(l, what);
		put(l, " files a request; approve it outside: cordon approve %s ",
		    c->session ? c->session : "SESSION");
		put_safe(l, what);
	} else {
		put(l, " — sandbox allow-host ");
		put_safe(l, what);
	}
}

size_t cordon_notice_refusal(const struct cordon_vlog_entry *v, const struct cordon_notice_ctx *c,
			     char *buf, size_t len)
{
	struct line l = {buf, len, 0};
	const char *help = c && c->help ? c->help : "help sandbox";

	if (len == 0)
		return 0;
	buf[0] = '\0';
	if (!strcmp(v->proto, "write")) {
		put(&l, "cordon: write refused ");
		put_path(&l, v->path, c);
		put(&l, " (%s; see %s)", write_hint(v->path), help);
		return l.o;
	}
	put(&l, "cordon: refused ");
	put_safe(&l, v->host);
	if (v->port) /* 0: no connection (a name looked up, an agent's host:port already) */
		put(&l, ":%u", v->port);
	put(&l, " (");
	put_safe(&l, v->reason);
	put(&l, ")");
	if (!strncmp(v->reason, "not on the allowlist", 20)) {
		put_allow(&l, v->host, c);
	} else if (!strcmp(v->reason, "on the denylist")) {
		put(&l, " — a denied host wins over an allowed one (sandbox hosts)");
	} else if (!strncmp(v->reason, "resolves to", 11)) {
		char rule[72];
		reason_literal(v->reason, rule, sizeof(rule));
		if (rule[0]) {
			put(&l, " — if you mean that address:");
			put_allow(&l, rule, c);
		}
	}
	return l.o;
}

/* The words of a command line, as far as a hint needs them: split on blanks, leading
 * NAME=VALUE assignments and `command`/`exec`/`env`/`time` skipped. No quoting rules: a hint is
 * a guess, and a wrong guess only prints one line. */
#define MAX_WORDS 16
static int split_words(char *s, char **w)
{
	int n = 0;
	for (char *save = NULL, *t = strtok_r(s, " \t\n;&|", &save); t && n < MAX_WORDS;
	     t = strtok_r(NULL, " \t\n;&|", &save)) {
		if (n == 0 && (strchr(t, '=') || !strcmp(t, "command") || !strcmp(t, "exec") ||
			       !strcmp(t, "env") || !strcmp(t, "time") || !strcmp(t, "builtin")))
			continue;
		w[n++] = t;
	}
	return n;
}

static bool has_word(char **w, int n, const char *word)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(w[i], word))
			return true;
	return false;
}

/* file_has: does the file at path contain text (a plain look for "email" in a git config)? */
static bool file_has(const char *path, const char *text)
{
	FILE *f = fopen(path, "re");
	char line[1024];
	bool found = false;
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, text) != NULL;
	fclose(f);
	return found;
}

/* git_identity_known: an author e-mail git would find without writing anything: the
 * environment (git-commit-tree(1) "Commit Information") or a global config file. */
static bool git_identity_known(const char *home)
{
	char path[4096];
	const char *xdg = getenv("XDG_CONFIG_HOME");
	if (getenv("GIT_AUTHOR_EMAIL") || getenv("EMAIL"))
		return true;
	if (home && snprintf(path, sizeof(path), "%s/.gitconfig", home) < (int)sizeof(path) &&
	    file_has(path, "email"))
		return true;
	if (xdg && xdg[0] == '/')
		snprintf(path, sizeof(path), "%s/git/config", xdg);
	else if (home)
		snprintf(path, sizeof(path), "%s/.config/git/config", home);
	else
		return false;
	return file_has(path, "email");
}

size_t cordon_notice_command(const char *line, int status, const char *home,
			     const struct cordon_notice_ctx *c, char *buf, size_t len)
{
	static const char *const privileged[] = {"sudo", "su", "doas", "pkexec", "run0", NULL};
	char copy[1024], *w[MAX_WORDS];
	struct line l = {buf, len, 0};
	const char *help = c && c->help ? c->help : "help sandbox";

	if (len == 0)
		return 0;
	buf[0] = '\0';
	/* 127: not found (there is nothing to explain); 130: the person pressed Ctrl-C. */
	if (status == 0 || status == 127 || status == 130 || !line)
		return 0;
	snprintf(copy, sizeof(copy), "%s", line);
	int n = split_words(copy, w);
	if (n == 0)
		return 0;
	if (in_list(base_name(w[0]), privileged)) {
		put(&l,
		    "cordon: %s cannot gain privileges in the sandbox: no_new_privs is set and "
		    "every "
		    "capability is dropped for good; run it in a terminal outside the sandbox",
		    base_name(w[0]));
		return l.o;
	}
	if (strcmp(base_name(w[0]), "git") || n < 2)
		return 0;
	bool global_config = has_word(w, n, "config") && has_word(w, n, "--global");
	bool commits = has_word(w, n, "commit") || has_word(w, n, "merge") ||
		       has_word(w, n, "tag") || has_word(w, n, "rebase") ||
		       has_word(w, n, "cherry-pick") || has_word(w, n, "am") ||
		       has_word(w, n, "revert") || has_word(w, n, "stash");
	if (global_config || (commits && !git_identity_known(home))) {
		put(&l,
		    "cordon: ~/.gitconfig is read-only in the sandbox: set GIT_AUTHOR_NAME, "
		    "GIT_AUTHOR_EMAIL, GIT_COMMITTER_NAME and GIT_COMMITTER_EMAIL, or use "
		    "git -c user.email=...; see %s",
		    help);
		return l.o;
	}
	return 0;
}
