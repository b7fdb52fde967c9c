/* run.c — `cordon run` (run.h): session, confinement with a PID-namespace hook, the reaper that is
 * PID 1 of that namespace, and the outer process that waits and passes the exit status through. */
#include "cordon/run.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cordon/confine.h"
#include "cordon/env.h"
#include "cordon/git_env.h"
#include "cordon/session.h"

/* Reaper → outer process notices, over a close-on-exec pipe (one write each, < PIPE_BUF, so
 * atomic: pipe(7)). End of file once the command has been executed and the reaper closed it. */
enum { NOTE_WARN = 1, NOTE_SETUP, NOTE_EXEC };
struct run_note {
	int32_t kind;
	int32_t err;
	char msg[sizeof(((struct cordon_error *)0)->msg)];
};

struct run_state {
	int note_r, note_w;   /* notices pipe */
	int alive_r, alive_w; /* the outer process holds alive_w for its whole life */
	pid_t reaper;	      /* in the outer process: the reaper's pid (init PID namespace) */
	struct cordon_session *session;
	bool is_reaper;
	bool pid_limit; /* in the reaper: RUN_PID_MAX is in force */
};

/* The signals the reaper and the outer process take synchronously. */
static void forwarded_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGCHLD);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGQUIT);
}

static void note(int fd, int kind, int err, const char *msg)
{
	struct run_note n;

	memset(&n, 0, sizeof(n));
	n.kind = kind;
	n.err = err;
	snprintf(n.msg, sizeof(n.msg), "%s", msg);
	while (write(fd, &n, sizeof(n)) < 0 && errno == EINTR)
		;
}

/* Most processes and threads the command's PID namespace holds at once: a fork bomb stops
 * there instead of exhausting the machine's pids (docs/threat-model.md §35). Every thread takes a
 * pid. */
#define RUN_PID_MAX 8192

/* limit_pids: bound the new PID namespace by its own pid_max, which is per PID namespace since
 * Linux 6.14 (proc_sys_kernel(5) pid_max; CAP_SYS_ADMIN over the namespace, held here). The
 * reaper is PID 1, so the namespace holds fewer than RUN_PID_MAX tasks. Returns false where the
 * kernel keeps pid_max global (the write is refused): the caller reports the limit missing. */
static bool limit_pids(void)
{
	char buf[16];
	int fd = open("/proc/sys/kernel/pid_max", O_WRONLY | O_CLOEXEC);
	int n = snprintf(buf, sizeof(buf), "%d\n", RUN_PID_MAX);
	bool ok = fd >= 0 && write(fd, buf, (size_t)n) == n;

	if (fd >= 0)
		close(fd);
	return ok;
}

/* run_hook: the cordon_confine hook. A new PID namespace applies to children only
 * (pid_namespaces(7)), so fork: the child is PID 1 and continues the confinement; the parent
 * becomes the supervisor (returns 1). A new mount namespace keeps the fresh /proc to the
 * command; the guard worker, forked later by PID 1, sees the same /proc and pids. */
static int run_hook(void *arg, struct cordon_error *e)
{
	struct run_state *st = arg;
	struct pollfd pf;
	pid_t pid;

	if (unshare(CLONE_NEWPID | CLONE_NEWNS) < 0)
		return cordon_error_set(e, errno, "PID namespace: unshare: %m");
	pid = fork();
	if (pid < 0)
		return cordon_error_set(e, errno, "PID namespace: fork reaper: %m");
	if (pid > 0) {
		st->reaper = pid;
		close(st->alive_r);
		st->alive_r = -1;
		return 1;
	}
	st->is_reaper = true;
	/* Killing cordon kills the reaper, and with PID 1 the whole namespace. The parent is not
	 * visible here (getppid() is 0), so its liveness is checked through the pipe instead. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		return cordon_error_set(e, errno, "reaper: PR_SET_PDEATHSIG: %m");
	close(st->alive_w);
	close(st->note_r);
	st->alive_w = st->note_r = -1;
	pf.fd = st->alive_r;
	pf.events = POLLIN;
	if (poll(&pf, 1, 0) != 0)
		return cordon_error_set(e, ECHILD, "reaper: cordon ended during setup");
	close(st->alive_r);
	st->alive_r = -1;
	/* Slave propagation: nothing mounted here travels back to the session's namespace. */
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return cordon_error_set(e, errno, "PID namespace: make / a slave mount: %m");
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return cordon_error_set(e, errno, "PID namespace: mount a fresh /proc: %m");
	st->pid_limit = limit_pids();
	return 0;
}

/* on_path: whether name exists in some directory of $PATH (execvp(3) reports EACCES when a
 * directory of PATH cannot be searched even if the command exists nowhere). */
static bool on_path(const char *name)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];
	struct stat st;

	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (const char *p = path;; p++) {
		const char *end = strchrnul(p, ':');
		/* An empty entry means the current directory. */
		int n = end == p ? snprintf(buf, sizeof(buf), "./%s", name)
				 : snprintf(buf, sizeof(buf), "%.*s/%s", (int)(end - p), p, name);
		if (n > 0 && (size_t)n < sizeof(buf) && stat(buf, &st) == 0)
			return true;
		if (*end == '\0')
			return false;
		p = end;
	}
}

/* close_stray: close every descriptor but stdin, stdout, stderr and keep. A descriptor inherited
 * from cordon's caller (a directory fd, a socket, a write fd outside the policy) predates the
 * mount namespace and Landlock, which do not govern it (docs/threat-model.md §7). */
static void close_stray(int keep)
{
	if (keep > 3)
		close_range(3, keep - 1, 0);
	close_range(keep + 1, ~0U, 0);
}

/* apply_env: the session environment, in the reaper (the command inherits it). */
static void apply_env(const struct cordon_env *env)
{
	for (size_t i = 0; i < env->n; i++) {
		if (env->v[i].if_unset && getenv(env->v[i].name))
			continue; /* a default; the caller's value wins */
		if (env->v[i].value)
			setenv(env->v[i].name, env->v[i].value, 1);
		else
			unsetenv(env->v[i].name);
	}
}

/* exec_command: in the command's process, a vfork(2) child of the reaper (which waits, and
 * shares its memory until the exec): the caller's signal mask, then execvp, which also runs a
 * script without "#!" through /bin/sh as a shell would. 127 when not found, 126 when not
 * executable (as env(1) and POSIX shells). The reaper is single-threaded and suspended meanwhile,
 * so what this changes in the memory they share (errno, a message) is left consistent. */
__attribute__((noreturn)) static void exec_command(char *const *argv, const sigset_t *mask,
						   int note_w)
{
	char msg[512];
	int err;

	sigprocmask(SIG_SETMASK, mask, NULL);
	execvp(argv[0], argv);
	err = errno;
	if (err == EACCES && !strchr(argv[0], '/') && !on_path(argv[0]))
		err = ENOENT; /* only unsearchable PATH directories were denied: not found */
	snprintf(msg, sizeof(msg), "%s: %s", argv[0], strerror(err));
	note(note_w, NOTE_EXEC, err, msg);
	_exit(err == ENOENT ? 127 : 126);
}

static int encode_status(int ws)
{
	if (WIFEXITED(ws))
		return WEXITSTATUS(ws);
	if (WIFSIGNALED(ws))
		return 128 + WTERMSIG(ws);
	return 125;
}

/* reaper_main: PID 1 of the namespace. Forks the command, reaps every process that ends up as
 * its child, forwards termination signals that the terminal did not also send to the command
 * (a terminal's SIGINT reaches the whole foreground process group, si_code SI_KERNEL), and exits
 * with the command's status once it ends. Its exit makes the kernel kill every other process of
 * the namespace (pid_namespaces(7)), so background jobs do not survive the command. */
__attribute__((noreturn)) static void reaper_main(struct run_state *st, char *const *argv,
						  const struct cordon_env *env,
						  const sigset_t *orig_mask)
{
	sigset_t set;
	pid_t cmd;

	close_stray(st->note_w); /* note_w is close-on-exec */
	forwarded_set(&set);
	apply_env(env);
	/* vfork: the reaper, a copy of cordon's whole address space, is not copied again for a
	 * process that only execs */
	cmd = vfork();
	if (cmd < 0) {
		note(st->note_w, NOTE_SETUP, errno, "reaper: fork command failed");
		_exit(125);
	}
	if (cmd == 0)
		exec_command(argv, orig_mask, st->note_w);
	close(st->note_w);
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&set, &si);

		if (sig < 0)
			continue;
		if (sig == SIGCHLD) {
			int ws;
			pid_t w;
			while ((w = waitpid(-1, &ws, WNOHANG)) > 0)
				if (w == cmd)
					_exit(encode_status(ws));
			continue;
		}
		if (si.si_code != SI_KERNEL)
			kill(cmd, sig);
	}
}

/* wait_reaper: the outer process. Ignores SIGINT/SIGQUIT as system(3) does (the terminal sends
 * them to the command directly), forwards SIGTERM/SIGHUP to the reaper, relays the reaper's
 * notices, and returns the reaper's status (see cordon_run). */
static int wait_reaper(struct run_state *st, const struct cordon_run_opts *o,
		       struct cordon_error *e)
{
	struct sigaction ign = {.sa_handler = SIG_IGN}, old_int, old_quit;
	struct run_note n, setup = {0}, exec_err = {0};
	sigset_t set;
	int sfd, status = -1;
	bool notes_open = true, session_died = false;

	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	/* Unblocked, so they are discarded: a blocked signal stays pending even when ignored
	 * (signal(7)) and would strike once the caller's mask is back. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGQUIT);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0) {
		kill(st->reaper, SIGKILL);
		waitpid(st->reaper, NULL, 0);
		return cordon_error_set(e, errno, "cordon run: signalfd: %m");
	}
	while (status < 0) {
		/* The control channel's only other end is the session process's: a hang-up there
		 * means it is gone (it serves until this process closes its end), and with it the
		 * proxy and the guard. POLLHUP/POLLERR are reported whatever events asks for. */
		struct pollfd pf[3] = {
		    {.fd = sfd, .events = POLLIN},
		    {.fd = notes_open ? st->note_r : -1, .events = POLLIN},
		    {.fd = cordon_session_ctl_fd(st->session), .events = POLLRDHUP}};
		if (poll(pf, 3, -1) < 0)
			continue;
		if (pf[2].revents && !session_died) {
			int ws;

			/* The command's end comes first when both are there: its status stands. */
			if (waitpid(st->reaper, &ws, WNOHANG) == st->reaper) {
				status = encode_status(ws);
				break;
			}
			session_died = true;
			kill(st->reaper, SIGKILL); /* PID 1: the whole namespace goes with it */
			while (waitpid(st->reaper, &ws, 0) < 0 && errno == EINTR)
				;
			break;
		}
		if (pf[1].revents) {
			ssize_t k = read(st->note_r, &n, sizeof(n));
			if (k == (ssize_t)sizeof(n)) {
				n.msg[sizeof(n.msg) - 1] = '\0';
				if (n.kind == NOTE_WARN && o->warn)
					o->warn(n.msg, o->warn_arg);
				else if (n.kind == NOTE_SETUP)
					setup = n;
				else if (n.kind == NOTE_EXEC)
					exec_err = n;
			} else if (k == 0 || (k < 0 && errno != EINTR)) {
				notes_open = false;
			}
		}
		if (pf[0].revents) {
			struct signalfd_siginfo si;
			int ws;
			if (read(sfd, &si, sizeof(si)) != sizeof(si))
				continue;
			if (si.ssi_signo == SIGCHLD) {
				if (waitpid(st->reaper, &ws, WNOHANG) == st->reaper)
					status = encode_status(ws);
			} else {
				kill(st->reaper, (int)si.ssi_signo);
			}
		}
	}
	/* Notices written just before the reaper ended. */
	while (notes_open && read(st->note_r, &n, sizeof(n)) == (ssize_t)sizeof(n)) {
		n.msg[sizeof(n.msg) - 1] = '\0';
		if (n.kind == NOTE_SETUP)
			setup = n;
		else if (n.kind == NOTE_EXEC)
			exec_err = n;
		else if (n.kind == NOTE_WARN && o->warn)
			o->warn(n.msg, o->warn_arg);
	}
	close(sfd);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	if (setup.kind)
		return cordon_error_set(e, setup.err > 0 ? setup.err : EIO, "%s", setup.msg);
	if (session_died)
		return cordon_error_set(e, ECONNRESET,
					"the session process died; the network was cut");
	if (exec_err.kind && (status == 126 || status == 127))
		cordon_error_set(e, exec_err.err, "%s", exec_err.msg);
	return status;
}

int cordon_run(const struct cordon_run_opts *o, struct cordon_error *e)
{
	struct run_state st = {.note_r = -1, .note_w = -1, .alive_r = -1, .alive_w = -1};
	struct cordon_session *s = NULL;
	struct cordon_env env = {0};
	struct cordon_layers_report rep;
	char self[PATH_MAX], cwd[PATH_MAX];
	const char *self_exe = o->self_exe;
	sigset_t set, orig_mask;
	int p1[2], p2[2], r;

	e->msg[0] = '\0';
	if (!o->argv || !o->argv[0])
		return cordon_error_set(e, EINVAL, "cordon run: no command");
	if (!self_exe) {
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n > 0) {
			self[n] = '\0';
			self_exe = self;
		}
	}
	if (!o->cwd && !getcwd(cwd, sizeof(cwd)))
		return cordon_error_set(e, errno, "cordon run: getcwd: %m");
	r = cordon_session_start(o->policy, &s, e);
	if (r < 0)
		return r;
	st.session = s;
	if (o->log_path && o->log_path_len)
		snprintf(o->log_path, o->log_path_len, "%s", cordon_session_get_info(s)->log_path);
	r = cordon_env_build(cordon_session_get_info(s), self_exe, &env, e);
	if (r == 0)
		r = cordon_env_add_cache_defaults(&env, o->policy, getenv("HOME"), e);
	if (r == 0) /* git_env.h */
		r = cordon_env_git(&env, o->policy, cordon_session_get_info(s), self_exe, e);
	if (r < 0)
		goto out;
	if (pipe2(p1, O_CLOEXEC) < 0 || pipe2(p2, O_CLOEXEC) < 0) {
		r = cordon_error_set(e, errno, "cordon run: pipe: %m");
		goto out;
	}
	st.note_r = p1[0];
	st.note_w = p1[1];
	st.alive_r = p2[0];
	st.alive_w = p2[1];

	/* Blocked from here in both processes; the command gets the caller's mask back. */
	forwarded_set(&set);
	sigprocmask(SIG_BLOCK, &set, &orig_mask);
	r = cordon_confine(o->policy, s, o->cwd ? o->cwd : cwd, run_hook, &st, &rep, e);
	if (st.is_reaper) {
		if (r < 0) {
			note(st.note_w, NOTE_SETUP, -r, e->msg);
			_exit(125);
		}
		if (cordon_session_get_info(s)->notes[0]) {
			char msg[sizeof(((struct run_note *)0)->msg)];
			snprintf(msg, sizeof(msg), "note: %s", cordon_session_get_info(s)->notes);
			note(st.note_w, NOTE_WARN, 0, msg);
		}
		if (rep.missing[0]) {
			char msg[600];
			snprintf(msg, sizeof(msg), "layers not in force: %s", rep.missing);
			note(st.note_w, NOTE_WARN, 0, msg);
		}
		if (!st.pid_limit)
			note(st.note_w, NOTE_WARN, 0,
			     "process limit not in force: this kernel's pid_max is not per PID "
			     "namespace (Linux >= 6.14)");
		char pm[sizeof(((struct run_note *)0)->msg)];
		if (cordon_env_check_proxy_command(self_exe, pm, sizeof(pm)) < 0)
			note(st.note_w, NOTE_WARN, 0, pm);
		cordon_session_free(s); /* the control fd stays with the outer process only */
		reaper_main(&st, o->argv, &env, &orig_mask);
	}
	if (r < 0) {
		if (st.reaper > 0) {
			kill(st.reaper, SIGKILL);
			waitpid(st.reaper, NULL, 0);
		}
		goto out_mask;
	}
	close(st.note_w);
	st.note_w = -1;
	r = wait_reaper(&st, o, e);
out_mask:
	sigprocmask(SIG_SETMASK, &orig_mask, NULL);
out:
	int fds[] = {st.note_r, st.note_w, st.alive_r, st.alive_w};
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	cordon_env_free(&env);
	cordon_session_free(s);
	return r;
}
