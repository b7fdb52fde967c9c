/* confine.c — the confinement order of docs/design.md §3 as one function, cordon_confine, that a
 * process calls on itself; plus the fail-closed state it is left in when a late step fails.
 *
 * The order: probe → note inherited fds → NNP → join user+mount+net (+IPC) → inherited fds onto
 * the sandbox's mounts → hook (cordon run's PID namespace) → Landlock ruleset → guard worker
 * (forked here, so it shares that domain) → capabilities dropped → children nested / dumpable 0
 * → Landlock scope layer (the worker is outside it) → seccomp, listener to the worker →
 * self-check. */
#include "cordon/confine.h"
#include "cordon/report.h"

#include "confine_int.h"
#include "guard/guard_worker.h"
#include "seccomp_prog.h"
#include "session/session_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

/* note_missing: append a layer name to r->missing ("a, b"). */
static void note_missing(struct cordon_layers_report *r, const char *what)
{
	size_t n = strlen(r->missing);

	snprintf(r->missing + n, sizeof(r->missing) - n, "%s%s", n ? ", " : "", what);
}

/* ---- the steps, in order ---------------------------------------------------------------- */

/* Probe first: everything that can refuse without side effects (a missing layer under --strict)
 * must refuse here, before the first irreversible step. With a session, the probe its start ran
 * in this process (session_kernel) is used. */
static int step_probe(const struct cordon_policy *p, const struct cordon_session *s,
		      struct cordon_kernel *k, struct cordon_layers_report *r,
		      struct cordon_error *e)
{
	int ret = s && session_kernel(s, k) ? 0 : cordon_kernel_probe(k, e);

	if (ret < 0)
		return cordon_error_prefix(e, ret, "kernel probe");
	/* The layers the kernel report finds missing; the namespaces are the session's (none
	 * without one), and so are the guard and the capture. */
	if (s && (!k->seccomp_filter || !k->seccomp_notify))
		/* Without the guard, names that do not exist yet (.git in the root, rc files) could
		 * be made: that is confining half-way, so it is refused, not warned about. */
		return cordon_error_set(e, EOPNOTSUPP,
					"guard: this kernel has no seccomp user notification with "
					"SECCOMP_ADDFD_FLAG_SEND (Linux >= 5.14, kernel %s), which "
					"cordon's write guard needs",
					k->release);
	struct cordon_report rep;
	cordon_report_from_kernel(&rep, k, k->seccomp_filter, false);
	if (s)
		cordon_report_capture(&rep, cordon_session_get_info(s)->capture, NULL);
	unsigned lost = cordon_report_layers(&rep) & ~CORDON_LAYER_NAMESPACES;
	lost = s ? lost : (lost | CORDON_LAYER_NAMESPACES) & ~CORDON_LAYER_GUARD;
	cordon_report_layer_names(lost, r->missing, sizeof(r->missing));
	if (p->strict && r->missing[0])
		return cordon_error_set(e, EOPNOTSUPP,
					"strict policy: layers not available on this kernel: %s",
					r->missing);
	if (!k->seccomp_filter)
		/* No seccomp at all means no filter against TIOCSTI, ptrace or new user
		 * namespaces: refuse even without --strict rather than confine half-way. */
		return cordon_error_set(e, EOPNOTSUPP,
					"seccomp: filter mode unavailable (kernel %s)", k->release);
	return 0;
}

/* NNP before anything else changes: it is inherited by every child and across execve, and both
 * Landlock and an unprivileged seccomp filter require it (prctl(2) PR_SET_NO_NEW_PRIVS). From
 * here no set-user-ID program can hand a confined process privileges. */
static int step_nnp(struct cordon_layers_report *r, struct cordon_error *e)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return cordon_error_set(e, errno, "no_new_privs: prctl: %m");
	r->nnp = true;
	return 0;
}

/* Join the namespaces the session built: the first irreversible step. The mounts are already
 * laid out (by the session's builder), so joining the mount namespace *is* the mount layer. */
static int step_join(struct cordon_session *s, const char *cwd, struct cordon_layers_report *r,
		     struct cordon_error *e)
{
	int ret = cordon_session_join(s, cwd, e);

	if (ret < 0)
		return ret;
	r->userns = r->mountns = r->netns = true;
	r->capture = cordon_session_get_info(s)->capture;
	return 0;
}

/* Inherited descriptors are noted before joining (their names are the host's), and moved onto the
 * sandbox's mounts right after it, before any hook or child can use them (confine_fds.c). The
 * session's own fds are not the caller's files and are left alone. */
static int step_note_fds(const struct cordon_policy *p, const struct cordon_session *s,
			 bool in_place, int ctl_fd, struct confine_fds *fds, struct cordon_error *e)
{
	int skip[3] = {ctl_fd, -1, -1}, n = 1;

	if (s)
		session_guard_fds(s, &skip[1], &skip[2]), n = 3;
	return confine_fds_snapshot(fds, p, skip, n, !in_place, e);
}

static int step_rehome_fds(const struct confine_fds *fds, struct cordon_error *e)
{
	int ret = confine_fds_rehome(fds, e);

	return ret < 0 ? cordon_error_prefix(e, ret, "mount namespace") : 0;
}

/* The caller's hook runs while the process still holds every capability of the new user
 * namespace (cordon run: unshare a PID namespace, fork the reaper, mount a fresh /proc). */
static int step_hook(cordon_confine_hook hook, void *arg, struct cordon_error *e)
{
	return hook ? hook(arg, e) : 0;
}

/* Drop every capability right after the last step that needs one: what follows (Landlock,
 * seccomp) needs none, and the process must carry none into the commands it runs. */
static int step_caps(struct cordon_layers_report *r, struct cordon_error *e)
{
	int ret = cordon_caps_drop_all(e);

	if (ret < 0)
		return cordon_error_prefix(e, ret, "capabilities");
	r->caps_dropped = true;
	return 0;
}

/* Non-dumpable: processes of the same uid can no longer ptrace this one or open its
 * /proc/PID/{mem,fd,environ}, which would reach the control fd (proc(5), ptrace(2)). */
static int step_dumpable(struct cordon_error *e)
{
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return cordon_error_set(e, errno, "dumpable: prctl: %m");
	return 0;
}

/* In place (a shell confining itself): instead of making the shell non-dumpable, which keeps the
 * guard worker from reading the shell's system call arguments, every direct child enters a nested
 * Landlock domain at fork and so cannot ptrace the shell or open its /proc files (why:
 * confine_children.c). Without Landlock there is no nesting: fall back to non-dumpable. */
static int step_children(const struct cordon_kernel *k, int ctl_fd, struct cordon_error *e)
{
	if (k->landlock_abi <= 0)
		return step_dumpable(e);
	return cordon_children_nest_prepare(k->landlock_abi, ctl_fd, e);
}

/* granted_fds: the caller's open terminals and write fds of files (at most max). Their files are
 * the caller's grant: a terminal lives on the host's devpts, which the sandbox does not show, and
 * a redirection may name a file outside the writable trees, yet `>/dev/stderr` reopens either
 * through its magic link. Landlock names them by fd (landlock.c); it adds no power the fd does not
 * already give (writing, ftruncate(2)). */
static int granted_fds(int *out, int max)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	if (!d)
		return 0;
	while (n < max && (de = readdir(d))) {
		char *end;
		long fd = strtol(de->d_name, &end, 10);
		if (de->d_name[0] == '.' || *end || fd == dirfd(d))
			continue;
		struct stat st;
		int fl = fcntl((int)fd, F_GETFL);
		if (fl < 0 || (fl & O_PATH) || fstat((int)fd, &st) < 0)
			continue;
		char lp[64], target[2];
		snprintf(lp, sizeof(lp), "/proc/self/fd/%ld", fd);
		if (readlink(lp, target, sizeof(target)) < 1 || target[0] != '/')
			continue; /* no name in the file system (a pipe, a socket): nothing to
				     reopen */
		bool wr = (fl & O_ACCMODE) != O_RDONLY;
		bool file = S_ISREG(st.st_mode) || S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode);
		if (isatty((int)fd) || (wr && file && st.st_nlink > 0))
			out[n++] = (int)fd;
	}
	closedir(d);
	return n;
}

/* Landlock after the mounts (its rules name paths as the mount namespace shows them) and before
 * the guard worker is forked, which must live in this domain (guard_worker.c). TCP connect is
 * allowed only to the session's two proxy ports and its git endpoint. */
static int step_landlock(const struct cordon_policy *p, const struct cordon_session *s,
			 const struct cordon_kernel *k, struct cordon_layers_report *r,
			 struct cordon_error *e)
{
	unsigned short ports[3] = {0, 0, 0};
	int granted[32], abi = 0, ret;
	struct cordon_landlock_req req = {.policy = p};

	if (k->landlock_abi <= 0)
		return 0; /* reported by step_probe; --strict refused there */
	if (s) {
		const struct cordon_session_info *si = cordon_session_get_info(s);
		ports[req.n_tcp_ports++] = si->http_port;
		ports[req.n_tcp_ports++] = si->socks_port;
		if (si->git_port) /* the git endpoint (git_relay.h) */
			ports[req.n_tcp_ports++] = si->git_port;
		req.tcp_ports = ports;
		/* The network namespace bounds every connection (layers.h): with the capture,
		 * nftables and the proxy decide; with local binding, only lo is there. */
		req.connect_any = si->capture || p->allow_local_binding;
	}
	req.files = granted;
	req.n_files = granted_fds(granted, 32);
	ret = cordon_landlock_restrict(&req, &abi, e);
	if (ret == -EOPNOTSUPP && !p->strict) {
		note_missing(r, "Landlock");
		return 0;
	}
	if (ret < 0)
		return cordon_error_prefix(e, ret, "Landlock");
	r->landlock = true;
	r->landlock_abi = abi;
	return 0;
}

/* The guard worker, forked inside the Landlock domain just made and before the capability drop
 * (it keeps CAP_SYS_PTRACE of the sandbox's user namespace, guard_worker.c); a shell confined in
 * place must not see it as its child. *chan receives the channel its listener goes over, -1 when
 * there is no guard. */
static int step_guard(const struct cordon_session *s, const struct cordon_kernel *k, bool in_place,
		      int *chan, struct cordon_error *e)
{
	int set_fd, log_fd, ret;

	*chan = -1;
	if (!s || !k->seccomp_notify)
		return 0;
	session_guard_fds(s, &set_fd, &log_fd);
	if (set_fd < 0)
		return cordon_error_set(e, EPROTO, "guard: the session sent no guard set");
	ret = guard_worker_spawn(set_fd, log_fd, in_place, chan, e);
	return ret < 0 ? cordon_error_prefix(e, ret, "guard") : 0;
}

/* A Landlock layer of scoping alone, below the worker's domain: from here on neither this process
 * nor anything it starts can signal the worker (landlock(7), "Scoping"; ABI >= 6, without which
 * a confined process could kill it and its calls would fail closed). */
static int step_scope(const struct cordon_kernel *k, int chan, struct cordon_error *e)
{
	int abi = 0;

	if (chan < 0 || k->landlock_abi < 6)
		return 0;
	int ret = cordon_landlock_scope(&abi, e);
	return ret < 0 ? cordon_error_prefix(e, ret, "Landlock") : 0;
}

/* seccomp last, so the filter need not allow anything the steps above use (bubblewrap does the
 * same). Its user-notification listener goes to the guard worker; this process must not keep it
 * (a confined process holding its own listener could answer for itself). */
static int step_seccomp(const struct cordon_policy *p, struct cordon_session *s, int chan,
			struct cordon_layers_report *r, struct cordon_error *e)
{
	const struct seccomp_prog *pre = s ? session_seccomp(s) : NULL;
	int listener = -1, ret;
	bool guard = chan >= 0;

	/* The program cordon_session_start prepared, when built for this policy and listener
	 * choice, is the same filter already compiled (seccomp_prog.h). */
	if (pre && seccomp_prog_fits(pre, p, guard))
		ret = seccomp_prog_load(pre, guard ? &listener : NULL, e);
	else
		ret = cordon_seccomp_apply(p, guard ? &listener : NULL, e);
	if (ret < 0)
		return cordon_error_prefix(e, ret, "seccomp");
	r->seccomp = true;
	if (!guard)
		return 0;
	ret = guard_worker_hand(chan, listener, e);
	close(listener);
	if (ret < 0)
		return cordon_error_prefix(e, ret, "guard");
	r->guard = true;
	return 0;
}

/* Verify the result as the kernel reports it, not as the steps above believe it. */
static int step_selfcheck(struct cordon_error *e)
{
	int ret = cordon_selfcheck(e);

	return ret < 0 ? cordon_error_prefix(e, ret, "self-check") : 0;
}

/* ---- failure after the first irreversible step ------------------------------------------ */

/* leave_confined: after a failure past the first irreversible step, make the process *more*
 * confined than asked, never less: no capabilities, non-dumpable, a Landlock ruleset with no
 * writable tree and no TCP port, and a seccomp filter refusing writes and sockets. Appends what
 * was achieved to e->msg. */
static void leave_confined(struct cordon_error *e)
{
	static const struct cordon_policy none; /* nothing writable, nothing reachable */
	struct cordon_error ign;
	unsigned short no_ports[1] = {0};
	int abi = 0, ll, sc;
	size_t n;

	cordon_caps_drop_all(&ign);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	ll = cordon_landlock_apply(&none, no_ports, 0, false, &abi, &ign);
	sc = cordon_seccomp_failsafe();
	n = strlen(e->msg);
	if (ll == 0 || sc == 0)
		snprintf(e->msg + n, sizeof(e->msg) - n,
			 "; this process is left confined without writes or network");
	else
		snprintf(
		    e->msg + n, sizeof(e->msg) - n,
		    "; WARNING: could not apply the fail-closed confinement: end this process");
}

/* ---- the order ------------------------------------------------------------------------- */

/* confine_order: the order itself; in_place selects step_children over step_dumpable. */
static int confine_order(const struct cordon_policy *p, struct cordon_session *s, const char *cwd,
			 cordon_confine_hook hook, void *hook_arg, bool in_place, int ctl_fd,
			 struct cordon_layers_report *r, struct cordon_error *e)
{
	struct cordon_kernel k;
	struct confine_fds fds = {0};
	int ret, super, chan = -1;

	memset(r, 0, sizeof(*r));
	memset(&k, 0, sizeof(k));

	/* Reversible (no side effects on failure). */
	ret = step_probe(p, s, &k, r, e);
	if (ret < 0)
		return ret;
	ret = s ? step_note_fds(p, s, in_place, ctl_fd, &fds, e) : 0;
	if (ret < 0)
		return ret;
	ret = step_nnp(r, e);
	if (ret < 0)
		goto out;

	/* Irreversible from here: any failure leaves the process more confined. */
	if (s) {
		ret = step_join(s, cwd, r, e);
		if (ret < 0)
			goto failed;
		ret = step_rehome_fds(&fds, e);
		if (ret < 0)
			goto failed;
	}
	super = step_hook(hook, hook_arg, e);
	if (super < 0) {
		ret = super;
		goto failed;
	}
	if (super > 0) {
		/* the hook's supervisor: outside the confined tree, holds nothing */
		ret = step_caps(r, e);
		if (ret == 0)
			ret = step_dumpable(e);
		if (ret < 0)
			goto failed;
		ret = super;
		goto out;
	}
	ret = step_landlock(p, s, &k, r, e);
	if (ret < 0)
		goto failed;
	ret = step_guard(s, &k, in_place, &chan, e);
	if (ret < 0)
		goto failed;
	ret = step_caps(r, e);
	if (ret < 0)
		goto failed;
	ret = in_place ? step_children(&k, ctl_fd, e) : step_dumpable(e);
	if (ret < 0)
		goto failed;
	ret = step_scope(&k, chan, e);
	if (ret < 0)
		goto failed;
	ret = step_seccomp(p, s, chan, r, e);
	if (ret < 0)
		goto failed;
	ret = step_selfcheck(e);
	if (ret < 0)
		goto failed;
	goto out;

failed:
	leave_confined(e);
out:
	if (chan >= 0)
		close(chan);
	confine_fds_free(&fds);
	return ret;
}

int cordon_confine(const struct cordon_policy *p, struct cordon_session *s, const char *cwd,
		   cordon_confine_hook hook, void *hook_arg, struct cordon_layers_report *r,
		   struct cordon_error *e)
{
	return confine_order(p, s, cwd, hook, hook_arg, false, -1, r, e);
}

int cordon_confine_in_place(const struct cordon_policy *p, struct cordon_session *s,
			    const char *cwd, int ctl_fd, struct cordon_layers_report *r,
			    struct cordon_error *e)
{
	return confine_order(p, s, cwd, NULL, NULL, true, ctl_fd, r, e);
}
