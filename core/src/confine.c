/* confine.c — the confinement order of DESIGN.md §2 as one function, cordon_confine, that a
 * process calls on itself; plus the fail-closed state it is left in when a late step fails. */
#include "cordon/confine.h"

#include "confine_int.h"
#include "seccomp_int.h"
#include "session_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
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
	if (!s) {
		note_missing(r, "user namespace");
		note_missing(r, "mount namespace");
		note_missing(r, "network namespace");
	}
	if (k->landlock_abi <= 0)
		note_missing(r, "Landlock");
	if (!k->seccomp_filter)
		note_missing(r, "seccomp");
	if (s && (!k->seccomp_filter || !k->seccomp_notify))
		note_missing(r, "guard");
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
	return 0;
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

/* Landlock after the mounts and the capability drop (its rules name paths as the mount
 * namespace shows them) and before seccomp (landlock_restrict_self must not be filtered).
 * TCP connect is allowed only to the session's two proxy ports and its git endpoint. */
static int step_landlock(const struct cordon_policy *p, const struct cordon_session *s,
			 const struct cordon_kernel *k, struct cordon_layers_report *r,
			 struct cordon_error *e)
{
	unsigned short ports[3] = {0, 0, 0};
	int n = 0, abi = 0, ret;

	if (k->landlock_abi <= 0)
		return 0; /* reported by step_probe; --strict refused there */
	if (s) {
		const struct cordon_session_info *si = cordon_session_get_info(s);
		ports[n++] = si->http_port;
		ports[n++] = si->socks_port;
		if (si->git_port) /* the git endpoint (git_relay.h) */
			ports[n++] = si->git_port;
	}
	ret = cordon_landlock_apply(p, ports, n, &abi, e);
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

/* seccomp last, so the filter need not allow anything the steps above use (bubblewrap does the
 * same). Its user-notification listener goes to the session's guard worker; this process must
 * not keep it (a confined process holding its own listener could answer for itself). */
static int step_seccomp(const struct cordon_policy *p, struct cordon_session *s,
			const struct cordon_kernel *k, struct cordon_layers_report *r,
			struct cordon_error *e)
{
	const struct seccomp_prog *pre = s ? session_seccomp(s) : NULL;
	int listener = -1, ret;
	bool guard = s && k->seccomp_notify;

	/* The program cordon_session_start prepared, when built for this policy and listener
	 * choice, is the same filter already compiled (seccomp_int.h). */
	if (pre && seccomp_prog_fits(pre, p, guard))
		ret = seccomp_prog_load(pre, guard ? &listener : NULL, e);
	else
		ret = cordon_seccomp_apply(p, guard ? &listener : NULL, e);
	if (ret < 0)
		return cordon_error_prefix(e, ret, "seccomp");
	r->seccomp = true;
	if (!guard)
		return 0;
	ret = cordon_session_hand_listener(s, listener, e);
	close(listener);
	if (ret < 0)
		return ret;
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

/* Write-creating and network system calls refused by the fail-closed filter. */
static const int failsafe_calls[] = {
    SCMP_SYS(socket),	      SCMP_SYS(connect),   SCMP_SYS(creat),
    SCMP_SYS(mkdir),	      SCMP_SYS(mkdirat),   SCMP_SYS(mknod),
    SCMP_SYS(mknodat),	      SCMP_SYS(unlink),	   SCMP_SYS(unlinkat),
    SCMP_SYS(rmdir),	      SCMP_SYS(rename),	   SCMP_SYS(renameat),
    SCMP_SYS(renameat2),      SCMP_SYS(link),	   SCMP_SYS(linkat),
    SCMP_SYS(symlink),	      SCMP_SYS(symlinkat), SCMP_SYS(truncate),
    SCMP_SYS(chmod),	      SCMP_SYS(fchmodat),  SCMP_SYS(chown),
    SCMP_SYS(lchown),	      SCMP_SYS(fchownat),  SCMP_SYS(openat2),
    SCMP_SYS(setxattr),	      SCMP_SYS(lsetxattr), SCMP_SYS(removexattr),
    SCMP_SYS(lremovexattr),   SCMP_SYS(ptrace),	   SCMP_SYS(process_vm_writev),
    SCMP_SYS(io_uring_setup), SCMP_SYS(unshare),   SCMP_SYS(setns),
    SCMP_SYS(mount),	      SCMP_SYS(clone3),
};

/* failsafe_seccomp: refuse the calls above, and open/openat with a write access mode or O_CREAT
 * or O_TRUNC (libseccomp SCMP_CMP_MASKED_EQ on the flags argument). */
static int failsafe_seccomp(void)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	const struct {
		int nr;
		unsigned arg;
	} opens[] = {{SCMP_SYS(open), 1}, {SCMP_SYS(openat), 2}};
	const unsigned long flags[][2] = {
	    {O_ACCMODE, O_WRONLY}, {O_ACCMODE, O_RDWR}, {O_CREAT, O_CREAT}, {O_TRUNC, O_TRUNC}};
	int ret = 0;

	if (!ctx)
		return -ENOMEM;
	for (size_t i = 0; i < sizeof(failsafe_calls) / sizeof(failsafe_calls[0]); i++)
		ret |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), failsafe_calls[i], 0);
	for (size_t i = 0; i < 2; i++)
		for (size_t j = 0; j < 4; j++)
			ret |= seccomp_rule_add(
			    ctx, SCMP_ACT_ERRNO(EPERM), opens[i].nr, 1,
			    SCMP_CMP(opens[i].arg, SCMP_CMP_MASKED_EQ, flags[j][0], flags[j][1]));
	if (ret == 0)
		ret = seccomp_load(ctx);
	seccomp_release(ctx);
	return ret;
}

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
	ll = cordon_landlock_apply(&none, no_ports, 0, &abi, &ign);
	sc = failsafe_seccomp();
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
	int ret, super;

	memset(r, 0, sizeof(*r));
	memset(&k, 0, sizeof(k));

	/* Reversible (no side effects on failure). */
	ret = step_probe(p, s, &k, r, e);
	if (ret < 0)
		return ret;
	ret = step_nnp(r, e);
	if (ret < 0)
		return ret;

	/* Irreversible from here: any failure leaves the process more confined. */
	if (s) {
		ret = step_join(s, cwd, r, e);
		if (ret < 0)
			goto failed;
	}
	super = step_hook(hook, hook_arg, e);
	if (super < 0) {
		ret = super;
		goto failed;
	}
	ret = step_caps(r, e);
	if (ret < 0)
		goto failed;
	ret = in_place ? step_children(&k, ctl_fd, e) : step_dumpable(e);
	if (ret < 0)
		goto failed;
	if (super > 0)
		return super; /* the hook's supervisor: outside the confined tree, holds nothing */
	ret = step_landlock(p, s, &k, r, e);
	if (ret < 0)
		goto failed;
	ret = step_seccomp(p, s, &k, r, e);
	if (ret < 0)
		goto failed;
	ret = step_selfcheck(e);
	if (ret < 0)
		goto failed;
	return 0;

failed:
	leave_confined(e);
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
