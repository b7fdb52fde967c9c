/* verbs.h — the `sandbox` verbs (docs/design.md §1) shared by the bash builtin and the zsh
 * module: argument words in, engine calls out, text or JSON out (identical for every shell). */
#ifndef CORDON_VERBS_H
#define CORDON_VERBS_H

#include <stdbool.h>
#include <stddef.h>

struct cordon_notices;

/* What a shell adapter lends the verbs. Every callback is required unless marked optional.
 * Text passed to out/err is complete lines ending in '\n'. */
struct cordon_shell {
	void *arg;        /* passed back to every callback */
	const char *name; /* "bash", "zsh": used in messages */

	void (*out)(void *arg, const char *text); /* standard output (JSON goes only here) */
	void (*err)(void *arg, const char *text); /* standard error (human messages) */
	/* Both may be cordon_verbs_stdout / cordon_verbs_stderr below when the shell writes through
	 * stdio. */

	/* The shell variable name's value, or NULL when unset. */
	const char *(*getvar)(void *arg, const char *name);
	/* Set name=value and export it (value non-NULL), or unset name (value NULL).
	 * Returns 0 or a negative errno (e.g. -EPERM for a readonly variable). */
	int (*setvar)(void *arg, const char *name, const char *value, bool export_it);
	/* Is this call in the shell's top-level process (not a subshell, pipeline element or
	 * command substitution)? Returns 0 if it is, or 1 with a reason written to why. */
	int (*not_toplevel)(void *arg, char *why, size_t len);
	/* Optional: jobs or coprocs the shell itself tracks as alive, written to what (one per line);
	 * returns their number. Children found in /proc are checked by the verbs in any case. */
	int (*live_jobs)(void *arg, char *what, size_t len);
	/* Optional: make history writes append to HISTFILE rather than rewrite it through a temporary
	 * file beside it (bash: shopt -s histappend), so only the file itself must be writable. */
	void (*history_append)(void *arg);
	/* Optional: should a verb that waits (`log -f`) stop now? Non-zero: yes — the person
	 * pressed Ctrl-C or the shell got a terminating signal, as the shell's own signal handler
	 * recorded it (bash: interrupt_state/terminating_signal, zsh: errflag & ERRFLAG_INT). The
	 * verb calls it at least every 250 ms and as soon as a signal interrupts its wait, and
	 * leaves the state as it found it, so the shell goes on to handle the signal (back to the
	 * prompt). Without it a waiting verb ends only when the session does. */
	int (*interrupted)(void *arg);
	/* Optional: is the shell interactive (bash: interactive_shell, zsh: the INTERACTIVE
	 * option)? Without it the shell counts as interactive. */
	int (*interactive)(void *arg);

	/* Optional, for the prompt notices (notices.h): their state, which the adapter owns
	 * (static storage, zeroed); without it there are no notices. */
	struct cordon_notices *notices;
	/* Optional: make the shell run `sandbox notices` before each prompt, after the person's own
	 * prompt hooks (bash: the last element of the PROMPT_COMMAND array; zsh: a pre-prompt
	 * function of the module, which runs after precmd and precmd_functions). Called by `sandbox
	 * on`, `sandbox notify on` and each `sandbox notices`, so it must be idempotent and put the
	 * hook back at the end when the person's hooks come after it. Returns 0 or -errno. */
	int (*prompt_hook)(void *arg);
	/* Optional: the last command line in the shell's history into buf (len bytes), its history
	 * number in *number and the exit status the shell holds ($?) in *status, as seen from a
	 * prompt hook. Returns 0, or -ENOENT when the shell keeps no history. */
	int (*last_command)(void *arg, char *buf, size_t len, long *number, int *status);
};

/* The string a prompt hook runs (bash's PROMPT_COMMAND element). */
#define CORDON_NOTICES_HOOK "sandbox notices"

/* Exit statuses of cordon_verbs_main, as a shell builtin returns them. */
enum {
	CORDON_VERB_OK = 0,
	CORDON_VERB_FAIL = 1,  /* the verb ran and failed or refused (message on err) */
	CORDON_VERB_USAGE = 2, /* bad verb or option: usage printed on err */
	CORDON_VERB_INTERRUPTED = 130, /* a waiting verb (`log -f`) stopped by interrupted():
					* 128 + SIGINT, what a shell reports for `tail -f` */
	CORDON_VERB_EXIT = 125, /* `sandbox on` could not confine a non-interactive shell: the
				 * adapter ends the shell with this status, so a script does not go
				 * on unconfined (`sandbox on --no-exit` returns 1 instead) */
};

/* The variable a prompt can include ("[cordon] " once `sandbox on` succeeded). */
#define CORDON_PROMPT_VAR "CORDON_PROMPT"
#define CORDON_PROMPT_TEXT "[cordon] "

/* cordon_verbs_main: run `sandbox ARGV...` (argv[0] is the first word after "sandbox"; argc may
 * be 0). *ctl_fd is the adapter's only state: -1 before `sandbox on`, then the private control
 * channel to the session process (CLOEXEC, >= 100), which `on` sets and other verbs use.
 * Returns CORDON_VERB_OK, CORDON_VERB_FAIL, CORDON_VERB_USAGE or (`log -f` only)
 * CORDON_VERB_INTERRUPTED. */
int cordon_verbs_main(const struct cordon_shell *sh, int *ctl_fd, int argc, char *const *argv);

/* The one-line synopsis (bash short_doc) and the long help lines (bash long_doc), NULL-terminated,
 * static storage. `sandbox --help` prints the same lines. */
extern const char cordon_verbs_synopsis[];
extern const char *const cordon_verbs_help[];

/* cordon_verbs_stdout, cordon_verbs_stderr: write text to stdout / stderr with stdio and flush,
 * for adapters whose shell uses stdio (bash, zsh). arg is unused. */
void cordon_verbs_stdout(void *arg, const char *text);
void cordon_verbs_stderr(void *arg, const char *text);

#endif
