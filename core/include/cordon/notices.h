/* notices.h — what a confined shell tells the person before the next prompt: the refusals the
 * last command caused (from the violation log) with what to do about each, hints for failures
 * whose own message cannot name the sandbox (sudo, git identity), and the session's death. */
#ifndef CORDON_NOTICES_H
#define CORDON_NOTICES_H

#include <stdbool.h>
#include <stddef.h>

#include "cordon/verbs.h"
#include "cordon/vlog.h"

/* What a notice may refer to; every pointer may be NULL. */
struct cordon_notice_ctx {
	const char *cwd;     /* paths under it are shown as ./REL (the cwd itself as .) */
	const char *home;    /* paths under it (not under cwd) are shown as ~/REL */
	const char *session; /* the session id, for `cordon approve` when locked */
	bool locked;	     /* lockPolicy: allow-host only files a request */
	const char *help;    /* how this shell reaches the long help: "help sandbox" */
};

/* cordon_notice_refusal: the violation log entry v as one line for the person, no '\n':
 *   cordon: refused registry.example:443 (not on the allowlist) — sandbox allow-host
 * registry.example cordon: write refused ./.git (git init at the root of a writable tree: ...; see
 * help sandbox) Host names and paths come from confined processes: control bytes are shown as \xHH.
 * The line is cut to fit buf (len bytes, always NUL-terminated). Returns its length. */
size_t cordon_notice_refusal(const struct cordon_vlog_entry *v, const struct cordon_notice_ctx *c,
			     char *buf, size_t len);

/* cordon_notice_command: a hint for the command line `line` that ended with exit status `status`
 * inside the sandbox, where the tool's own message cannot say that the sandbox is why:
 * sudo/su/doas/pkexec under no_new_privs, and git failing to write or find the identity in a
 * read-only ~/.gitconfig. home is $HOME (for the git identity look-up; may be NULL). Writes one
 * line (no '\n') to buf and returns its length, or returns 0 and leaves buf "" when there is no
 * hint. */
size_t cordon_notice_command(const char *line, int status, const char *home,
			     const struct cordon_notice_ctx *c, char *buf, size_t len);

/* The prompt notices' state, owned by the shell adapter (static storage, zeroed). */
struct cordon_notices {
	bool started;	   /* `sandbox on` succeeded in this shell */
	bool quiet;	   /* `sandbox notify off` */
	bool prompt_done;  /* PS1 was prefixed (or left alone) once */
	bool died_told;	   /* the session's death was reported */
	bool locked;	   /* the session's policy is locked (hints say `cordon approve`) */
	long long log_off; /* the next unread byte of the session's log */
	long histno;	   /* the history number of the last command looked at */
};

/* cordon_notices_start: `sandbox on` succeeded in this shell (locked: with lockPolicy): the
 * notices begin at the start of the session's log, with the command `sandbox on` ran in, and the
 * shell's prompt hook (sh->prompt_hook) is set. Without sh->notices nothing happens. Returns 0,
 * or -errno when the hook could not be set (a warning was printed on sh->err). */
int cordon_notices_start(const struct cordon_shell *sh, bool locked);

/* cordon_notices_verb: `sandbox notices` (what the prompt hook runs: print the refusals not shown
 * yet, the command hint, the session's death, once each; prefix PS1 once) and `sandbox notify
 * on|off|status`. argv[0] is "notices" or "notify". Returns a CORDON_VERB_* status; `notices`
 * returns CORDON_VERB_OK whatever it printed, so a prompt hook never fails. */
int cordon_notices_verb(const struct cordon_shell *sh, int ctl_fd, int argc, char *const *argv);

#endif
