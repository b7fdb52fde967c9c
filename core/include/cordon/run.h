/* run.h — `cordon run`: one command in a new session, with its own PID namespace (a reaper as
 * PID 1 and a fresh /proc); its exit status passes through. */
#ifndef CORDON_RUN_H
#define CORDON_RUN_H

#include "cordon/error.h"
#include "cordon/policy.h"

/* Called with a human-readable notice (layers not in force) while the command runs. */
typedef void (*cordon_run_warn)(const char *msg, void *arg);

struct cordon_run_opts {
	const struct cordon_policy
	    *policy; /* finished (cordon_policy_finish / cordon_policy_build) */
	char *const
	    *argv;	 /* command and arguments, NULL-terminated; argv[0] is looked up in PATH */
	const char *cwd; /* working directory inside (NULL: the current one) */
	const char *self_exe; /* the cordon binary for GIT_SSH_COMMAND (NULL: /proc/self/exe) */
	cordon_run_warn warn; /* may be NULL */
	void *warn_arg;
	char *log_path;       /* out, may be NULL: the session's violation log (vlog.h), which */
	size_t log_path_len;  /* exists only if something was refused */
};

/* cordon_run: start a session for o->policy, confine the calling process (cordon_confine) with a
 * hook that enters a new PID + mount namespace and forks the reaper (PID 1: fresh /proc, the rest
 * of the confinement, then fork + execvp of the command with the cordon_env_build environment;
 * it reaps every process and forwards SIGTERM/SIGINT/SIGHUP/SIGQUIT not sent by the terminal).
 * The calling process stays outside the PID namespace, without capabilities, waits for the
 * reaper while ignoring SIGINT/SIGQUIT (like system(3)) and forwards SIGTERM/SIGHUP to it.
 * The command keeps stdin/stdout/stderr, the controlling terminal and the process group; every
 * other inherited file descriptor is closed before it runs (it would bypass the mount namespace
 * and Landlock).
 * When the command ends, PID 1 exits and the kernel kills what is left in the namespace
 * (pid_namespaces(7)); when the caller is killed, the reaper dies too (PR_SET_PDEATHSIG).
 * Returns the command's exit status (0..255; 128+N when it was killed by signal N; 127 when it was
 * not found and 126 when it could not be executed, with e->msg saying why as env(1) does), or a
 * negative errno with e->msg naming the step when the sandbox could not be set up (the adapter
 * exits 125). The calling process is then confined itself: it should only report and exit.
 * When the session process dies while the command runs (the control channel hangs up), the
 * command and its PID namespace are killed at once and cordon_run returns -ECONNRESET with
 * e->msg "the session process died; the network was cut" (the adapter exits 125); a command that
 * had already ended keeps its status. */
int cordon_run(const struct cordon_run_opts *o, struct cordon_error *e);

#endif
