/* verb_log.c — `sandbox log [-f]`: the session's violation log through the control channel, or
 * from the file $CORDON_LOG names in a shell that has no channel. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cordon/vlog.h"

#include "verbs_int.h"

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
const char *verbs_file_log_path(int ctl_fd)
{
	const char *p = getenv("CORDON_LOG");
	return verbs_inherited(ctl_fd) && p && p[0] == '/' ? p : NULL;
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
int verbs_log_follow(const struct cordon_shell *sh, int ctl_fd, bool json)
{
	long long off = 0;
	if (ctl_fd < 0 && verbs_file_log_path(ctl_fd))
		return verb_log_file(sh, verbs_file_log_path(ctl_fd), json, true);
	if (ctl_fd < 0) {
		ERR("log -f: %s\n", verbs_inherited(ctl_fd)
					? "follow in the shell that ran `sandbox on`"
					: "the sandbox is off: nothing to follow");
		return CORDON_VERB_FAIL;
	}
	for (;;) {
		char from[32], *reply = NULL, *end;
		char *words[] = {"log", from, NULL};
		int k = 0;
		snprintf(from, sizeof(from), "%lld", off);
		if (verbs_ask(sh, ctl_fd, words, &reply) < 0)
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

int verbs_log(const struct cordon_shell *sh, int ctl_fd, bool json)
{
	char *reply = NULL;
	char *words[] = {"log", NULL};
	if (ctl_fd < 0 && verbs_file_log_path(ctl_fd))
		return verb_log_file(sh, verbs_file_log_path(ctl_fd), json, false);
	if (ctl_fd < 0) {
		if (json)
			OUT("[]\n");
		else
			ERR("log: %s\n", verbs_inherited(ctl_fd)
					     ? "ask in the shell that ran `sandbox on`"
					     : "off: nothing logged");
		return CORDON_VERB_OK;
	}
	if (verbs_ask(sh, ctl_fd, words, &reply) < 0)
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
