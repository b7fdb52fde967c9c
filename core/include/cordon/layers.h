/* layers.h — the kernel layers a process applies to itself, in the order of docs/design.md §3:
 * capabilities, Landlock, seccomp; then a self-check; plus the kernel probe behind `cordon check`. */
#ifndef CORDON_LAYERS_H
#define CORDON_LAYERS_H

#include <stdbool.h>

#include "cordon/error.h"
#include "cordon/policy.h"

struct cordon_kernel {
	bool userns;            /* unprivileged user namespaces can be created (probed by fork+unshare) */
	int landlock_abi;       /* landlock_create_ruleset(NULL,0,VERSION); 0 = unavailable */
	bool seccomp_filter;    /* SECCOMP_SET_MODE_FILTER available */
	bool seccomp_notify;    /* SECCOMP_FILTER_FLAG_NEW_LISTENER + ADDFD (kernel >= 5.14) */
	bool legacy_tiocsti;    /* dev.tty.legacy_tiocsti = 1: TIOCSTI works, seccomp must block it */
	bool mount_setattr;     /* mount_setattr(2) (kernel >= 5.12) for recursive read-only */
	char release[65];       /* uname -r */
	char userns_why[384];   /* when userns is false: why, and what the person can do */
};

/* cordon_userns_diagnose: why creating a user namespace failed with errno err, read from the
 * kernel's switches (user.max_user_namespaces, kernel.apparmor_restrict_unprivileged_userns,
 * kernel.unprivileged_userns_clone; user_namespaces(7)), with what the person can do, into buf
 * (len bytes). Never fails. */
void cordon_userns_diagnose(int err, char *buf, size_t len);

/* cordon_kernel_probe: fill k without changing the calling process (probes run in children).
 * Returns 0 or a negative errno. */
int cordon_kernel_probe(struct cordon_kernel *k, struct cordon_error *e);

/* cordon_kernel_probe_layers: cordon_kernel_probe without the user-namespace probe (k->userns
 * stays false, k->userns_why empty), and so without a child on kernels >= 5.19: what a start
 * needs, whose session builder makes the user namespace itself and says why when it cannot. */
int cordon_kernel_probe_layers(struct cordon_kernel *k, struct cordon_error *e);

/* cordon_caps_drop_all: drop every capability set (effective, permitted, inheritable, bounding,
 * ambient) and lock the securebits (SECBIT_NOROOT etc. with their _LOCKED bits), capabilities(7).
 * Must run while the caller still has CAP_SETPCAP in its user namespace (after joining it).
 * Returns 0 or a negative errno naming the set that could not be dropped. */
int cordon_caps_drop_all(struct cordon_error *e);

/* cordon_caps_keep_only_ptrace: empty the bounding and ambient sets and keep CAP_SYS_PTRACE alone
 * in the effective and permitted sets (the guard worker's set: it reads its targets' memory and
 * /proc files, process_vm_readv(2), ptrace(2) "access mode checking"). Returns 0 or -errno. */
int cordon_caps_keep_only_ptrace(struct cordon_error *e);

/* cordon_landlock_apply: build a Landlock ruleset with the best ABI the kernel has (clamped,
 * landlock(7)): writes only beneath p->allow_write (and /tmp when private, /dev/null etc.),
 * reads everywhere; when tcp_ports is non-NULL (ABI >= 4): TCP connect only to tcp_ports (the
 * proxy's) and to p->allow_bind, unless connect_any, and TCP bind only to p->allow_bind unless
 * p->allow_local_binding. connect_any is for a process whose network namespace bounds every
 * connection: with the transparent capture (nftables sends every TCP connection that leaves
 * the namespace's loopback to the proxy, which decides it by the policy) or with local binding
 * allowed (only lo exists: a connection reaches the namespace's own listeners or the proxy);
 * Landlock's rules name ports, not addresses, so it could not tell a captured connection to
 * port 443 from any other. abstract-unix-socket and signal scoping (ABI >= 6); then
 * landlock_restrict_self.
 * Requires NNP already set. abi_out receives the ABI used (0 if Landlock is unavailable, which
 * is reported as -EOPNOTSUPP so the caller can decide by --strict). */
int cordon_landlock_apply(const struct cordon_policy *p, const unsigned short *tcp_ports,
			  int n_tcp_ports, bool connect_any, int *abi_out, struct cordon_error *e);

/* What cordon_landlock_restrict builds a ruleset from. */
struct cordon_landlock_req {
	const struct cordon_policy *policy;
	const unsigned short *tcp_ports; /* TCP connect allowed only to these (ABI >= 4); NULL: TCP
					    not handled */
	int n_tcp_ports;
	bool connect_any; /* TCP connect not handled (cordon_landlock_apply's connect_any) */
	const int *files; /* open fds whose files are also allowed for writing, truncation and
			     device ioctls: the caller's own terminal (the sandbox's devpts does
			     not show it) and the files it redirected output to */
	int n_files;
};

/* cordon_landlock_restrict: cordon_landlock_apply with the rules of req (the same ruleset plus
 * the files of req->files). Same returns. */
int cordon_landlock_restrict(const struct cordon_landlock_req *req, int *abi_out,
			     struct cordon_error *e);

/* cordon_landlock_scope: restrict the caller with a further Landlock layer that handles no access
 * right and only scopes signals and abstract unix sockets (ABI >= 6, landlock(7) "Scoping"): the
 * caller and its descendants can then no longer signal, nor connect to abstract sockets of,
 * processes of the enclosing domain, such as the guard worker forked before this layer. abi_out
 * receives the kernel's ABI. Returns 0, -EOPNOTSUPP below ABI 6, or another negative errno. */
int cordon_landlock_scope(int *abi_out, struct cordon_error *e);

/* cordon_seccomp_apply: load the seccomp filter of docs/design.md §5 (libseccomp, native arch
 * only, x32 and foreign arches killed). If listener is non-NULL, file-creating calls are routed to a
 * user-notification listener (guard.h) whose fd is stored in *listener. Requires NNP.
 * Returns 0 or a negative errno. */
int cordon_seccomp_apply(const struct cordon_policy *p, int *listener, struct cordon_error *e);

/* cordon_seccomp_failsafe: load a filter that refuses every write-creating and network system
 * call with EPERM (socket, connect, creat, mkdir*, unlink*, rename*, link*, symlink*, chmod*,
 * chown*, truncate, xattr writes, and open/openat for writing), plus ptrace, io_uring, unshare,
 * setns and mount: what a process whose confinement failed half-way is left with. Requires NNP.
 * Returns 0 or a libseccomp error (negative). */
int cordon_seccomp_failsafe(void);

/* cordon_selfcheck: read /proc/self/status and verify CapEff/CapPrm/CapInh/CapBnd/CapAmb are 0,
 * NoNewPrivs is 1 and Seccomp is 2. Returns 0 or -EPERM naming the field that is wrong. */
int cordon_selfcheck(struct cordon_error *e);

#endif
