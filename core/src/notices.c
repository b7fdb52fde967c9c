/* notices.c — the prompt notices of a confined shell (notices.h): before each prompt, what the
 * session logged since the last one, once and with what to do; a hint for a failed command the
 * sandbox explains; the session process's death; `sandbox notify on|off`. */
#include "cordon/notices.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cordon/control.h"
#include "cordon/vlog.h"

#define MAX_SHOWN 8   /* distinct lines printed before one prompt; the rest are counted */
#define MAX_ROUNDS 64 /* "log FROM" requests before one prompt (each reply ~64 KiB at most) */
#define LINE_MAX_NOTICE (PATH_MAX + 1024)

static void __attribute__((format(printf, 2, 3)))
tell(const struct cordon_shell *sh, const char *fmt, ...)
{
	char buf[LINE_MAX_NOTICE + 64];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	sh->err(sh->arg, buf);
}

/* session_gone: the control channel hung up: the session process (the proxy, the log) is gone.
 * poll(2) with no wait; POLLRDHUP is the peer's close of a stream or seqpacket socket. */
static bool session_gone(int ctl_fd)
{
	struct pollfd p = {.fd = ctl_fd, .events = POLLRDHUP};
	return poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLRDHUP | POLLERR | POLLNVAL));
}

struct shown {
	char text[LINE_MAX_NOTICE];
	int count;
};

struct batch {
	const struct cordon_notice_ctx *ctx;
	struct shown *s; /* MAX_SHOWN */
	int n, more;	 /* distinct lines kept; entries beyond them */
	bool discard;	 /* only move past the entries (`notify on`) */
};

/* add_entry: one log line into the batch; the same text again only counts. */
static void add_entry(struct batch *b, const char *line)
{
	struct cordon_vlog_entry v;
	char text[LINE_MAX_NOTICE];

	if (b->discard || cordon_vlog_parse(line, strlen(line), &v, NULL) < 0)
		return;
	cordon_notice_refusal(&v, b->ctx, text, sizeof(text));
	for (int i = 0; i < b->n; i++) {
		if (!strcmp(b->s[i].text, text)) {
			b->s[i].count++;
			return;
		}
	}
	if (b->n == MAX_SHOWN) {
		b->more++;
		return;
	}
	snprintf(b->s[b->n].text, sizeof(b->s[b->n].text), "%s", text);
	b->s[b->n++].count = 1;
}

/* read_new: the entries logged from n->log_off on, through the session's "log FROM" (control.h),
 * which reads the log even where the sandbox hides it; n->log_off moves past them. Returns 0 or
 * the control call's -errno (nothing more is read then). */
static int read_new(int ctl_fd, struct cordon_notices *n, struct batch *b)
{
	for (int round = 0; round < MAX_ROUNDS; round++) {
		char from[32], *reply = NULL, *end;
		char *words[] = {"log", from, NULL};
		struct cordon_error e = {{0}};
		int k = 0;

		snprintf(from, sizeof(from), "%lld", n->log_off);
		int r = cordon_control_call(ctl_fd, words, -1, &reply, &e);
		if (r < 0)
			return r;
		long long next = strtoll(reply, &end, 10);
		if (end == reply || (*end && *end != '\n')) {
			free(reply);
			return -EPROTO;
		}
		for (char *save = NULL, *l = strtok_r(end, "\n", &save); l;
		     l = strtok_r(NULL, "\n", &save), k++)
			add_entry(b, l);
		free(reply);
		n->log_off = next;
		if (k == 0)
			break;
	}
	return 0;
}

static const char *help_words(const struct cordon_shell *sh)
{
	/* zsh has no `help` builtin: the module's long help is `sandbox help`. */
	return sh->name && !strcmp(sh->name, "zsh") ? "sandbox help" : "help sandbox";
}

static void fill_ctx(const struct cordon_shell *sh, const struct cordon_notices *n,
		     struct cordon_notice_ctx *c, char *cwd, size_t len)
{
	memset(c, 0, sizeof(*c));
	c->cwd = getcwd(cwd, len) ? cwd : NULL;
	c->home = sh->getvar(sh->arg, "HOME");
	c->session = sh->getvar(sh->arg, "CORDON_SESSION");
	c->locked = n->locked;
	c->help = help_words(sh);
}

/* prefix_prompt: "[cordon] " before PS1 (zsh: PROMPT, the same parameter), once, unless the
 * person asked to place the marker themselves (CORDON_PROMPT_MANUAL) or PS1 already shows it.
 * Done at the first prompt after `sandbox on` rather than in it, so that a PS1 set by startup
 * files read after confinement (`cordon shell`) gets the marker too. The marker is literal text,
 * so it shows whatever the shell's prompt options (promptvars, prompt_subst). */
static void prefix_prompt(const struct cordon_shell *sh)
{
	const char *ps1 = sh->getvar(sh->arg, "PS1");
	char *v = NULL;

	if (sh->getvar(sh->arg, "CORDON_PROMPT_MANUAL"))
		return;
	if (ps1 && (strstr(ps1, CORDON_PROMPT_VAR) || strstr(ps1, CORDON_PROMPT_TEXT)))
		return;
	if (asprintf(&v, "%s%s", CORDON_PROMPT_TEXT, ps1 ? ps1 : "") < 0)
		return;
	(void)sh->setvar(sh->arg, "PS1", v, false);
	free(v);
}

int cordon_notices_start(const struct cordon_shell *sh, bool locked)
{
	struct cordon_notices *n = sh->notices;
	char line[16];
	int status;

	if (!n)
		return 0;
	n->started = true;
	n->prompt_done = n->died_told = false;
	n->locked = locked;
	n->log_off = 0;
	n->histno = -1;
	/* The command `sandbox on` itself ran in is not one to give a hint about. */
	if (sh->last_command)
		(void)sh->last_command(sh->arg, line, sizeof(line), &n->histno, &status);
	if (!sh->prompt_hook)
		return 0;
	int r = sh->prompt_hook(sh->arg);
	if (r < 0)
		tell(sh,
		     "sandbox: warning: cannot set the prompt hook (%s): refusals are not shown at "
		     "the prompt; `sandbox log` lists them\n",
		     strerror(-r));
	return r;
}

/* command_hint: the hint for the command that ended since the last prompt, if it failed for a
 * reason the sandbox explains. The first prompt only takes note of the history's last entry:
 * it was typed in an earlier session, or before startup files ran. */
static void command_hint(const struct cordon_shell *sh, struct cordon_notices *n,
			 const struct cordon_notice_ctx *ctx, bool first)
{
	char line[1024], hint[2048];
	long num = -1;
	int status = 0;

	if (!sh->last_command || sh->last_command(sh->arg, line, sizeof(line), &num, &status) < 0)
		return;
	if (num == n->histno)
		return;
	n->histno = num;
	if (!first && cordon_notice_command(line, status, ctx->home, ctx, hint, sizeof(hint)) > 0)
		tell(sh, "%s\n", hint);
}

/* verb_notices: `sandbox notices`, the prompt hook. */
static int verb_notices(const struct cordon_shell *sh, int ctl_fd)
{
	struct cordon_notices *n = sh->notices;
	struct cordon_notice_ctx ctx;
	char cwd[PATH_MAX];
	bool first;

	if (!n || !n->started || ctl_fd < 0)
		return CORDON_VERB_OK; /* nothing was started in this shell: nothing to tell */
	first = !n->prompt_done;
	if (first) {
		n->prompt_done = true;
		prefix_prompt(sh);
	}
	if (sh->prompt_hook)
		(void)sh->prompt_hook(sh->arg); /* back to the end if the person's hooks moved */
	if (session_gone(ctl_fd)) {
		if (!n->died_told)
			tell(sh,
			     "cordon: the session process died; the network was cut (writes stay "
			     "confined); exit this shell and start a new sandbox\n");
		n->died_told = true;
		return CORDON_VERB_OK;
	}
	if (n->quiet)
		return CORDON_VERB_OK;
	fill_ctx(sh, n, &ctx, cwd, sizeof(cwd));
	struct shown *s = calloc(MAX_SHOWN, sizeof(*s));
	struct batch b = {.ctx = &ctx, .s = s};
	if (s && read_new(ctl_fd, n, &b) == 0) {
		for (int i = 0; i < b.n; i++) {
			if (s[i].count > 1)
				tell(sh, "%s (%d times)\n", s[i].text, s[i].count);
			else
				tell(sh, "%s\n", s[i].text);
		}
		if (b.more)
			tell(sh, "cordon: and %d more refusal%s (sandbox log)\n", b.more,
			     b.more == 1 ? "" : "s");
	}
	free(s);
	command_hint(sh, n, &ctx, first);
	return CORDON_VERB_OK;
}

/* verb_notify: `sandbox notify [on|off|status]`. */
static int verb_notify(const struct cordon_shell *sh, int ctl_fd, int argc, char *const *argv)
{
	struct cordon_notices *n = sh->notices;
	const char *what = argc > 1 ? argv[1] : "status";

	if (argc > 2 || (strcmp(what, "on") && strcmp(what, "off") && strcmp(what, "status"))) {
		tell(sh, "sandbox: notify: say on, off or status\nusage: sandbox notify "
			 "[on|off|status]\n");
		return CORDON_VERB_USAGE;
	}
	if (!n) {
		tell(sh, "sandbox: notify: this shell has no prompt notices\n");
		return CORDON_VERB_FAIL;
	}
	if (!strcmp(what, "off")) {
		n->quiet = true;
	} else if (!strcmp(what, "on")) {
		n->quiet = false;
		if (n->started && ctl_fd >= 0 && !session_gone(ctl_fd)) {
			/* What was refused while off stays in `sandbox log`; the notices go on
			 * from now. */
			struct batch b = {.discard = true};
			(void)read_new(ctl_fd, n, &b);
		}
		if (n->started && sh->prompt_hook)
			(void)sh->prompt_hook(sh->arg);
	}
	char msg[256];
	snprintf(msg, sizeof(msg), "prompt notices: %s%s\n", n->quiet ? "off" : "on",
		 n->started ? "" : " (once the sandbox is on)");
	sh->out(sh->arg, msg);
	return CORDON_VERB_OK;
}

int cordon_notices_verb(const struct cordon_shell *sh, int ctl_fd, int argc, char *const *argv)
{
	if (!strcmp(argv[0], "notify"))
		return verb_notify(sh, ctl_fd, argc, argv);
	if (argc > 1) {
		tell(sh, "sandbox: notices takes no arguments\nusage: sandbox notices\n");
		return CORDON_VERB_USAGE;
	}
	return verb_notices(sh, ctl_fd);
}
