/* git_run.h — private to the git relay: running git, ssh-keygen and the like outside the
 * sandbox as the unconfined user, with input, captured output and a time limit. */
#ifndef CORDON_GIT_RUN_H
#define CORDON_GIT_RUN_H

#include <stddef.h>

#include "cordon/error.h"
#include "cordon/strbuf.h"

struct git_run {
	const char *const *argv;    /* argv[0] is looked up on PATH (execvp(3)) */
	const char *const *env_add; /* "NAME=VALUE" entries set on top of this process's
				       environment, or NULL */
	const char *dir;	    /* working directory, or NULL */
	const char *in;		    /* bytes for standard input (in_len), or NULL */
	size_t in_len;
	int in_fd;		   /* or standard input from this fd (its position), or -1 */
	struct cordon_strbuf *out; /* standard output captured here, or NULL (discarded) */
	struct cordon_strbuf *err; /* standard error captured here, or NULL (discarded) */
	int timeout_ms;		   /* then SIGKILL; 0: 60 s */
};

/* git_run: run r->argv and wait for it. Returns 0 with *status the exit status (128 + N when
 * killed by signal N, 124 when the time limit killed it), or -errno with e->msg when it could
 * not be started (127 when exec failed is an exit status, not an error). At most 1 MiB of each
 * output is kept. */
int git_run(const struct git_run *r, int *status, struct cordon_error *e);

/* git_run_last_line: the last non-empty line of s (stderr of a failed command, for a message),
 * without its newline, into buf. */
void git_run_last_line(const struct cordon_strbuf *s, char *buf, size_t len);

#endif
