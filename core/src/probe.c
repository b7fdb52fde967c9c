/* probe.c — what the running kernel offers each layer, found without changing the caller:
 * anything that would alter the process (unshare, a seccomp filter) is tried in a child. */
#include "cordon/layers.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stdlib.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SECCOMP_ADDFD_FLAG_SEND
#define SECCOMP_ADDFD_FLAG_SEND (1UL << 1)
#endif

/* run_child: run fn in a forked child and return its exit status (0 = yes), or -1. */
static int run_child(int (*fn)(void))
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(fn());
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* child_userns: 0 when a user namespace can be made, else its errno (capped to an exit status). */
static int child_userns(void)
{
	if (unshare(CLONE_NEWUSER) == 0)
		return 0;
	return errno > 0 && errno < 255 ? errno : 255;
}

/* read_long: the number in a /proc/sys file, or -1 when it does not exist or does not read. */
static long read_long(const char *path)
{
	FILE *f = fopen(path, "re");
	long v = -1;
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

void cordon_userns_diagnose(int err, char *buf, size_t len)
{
	long max = read_long("/proc/sys/user/max_user_namespaces");
	long aa = read_long("/proc/sys/kernel/apparmor_restrict_unprivileged_userns");
	long clone = read_long("/proc/sys/kernel/unprivileged_userns_clone");

	if (max == 0)
		snprintf(buf, len,
			 "user namespaces are switched off here (sysctl user.max_user_namespaces = "
			 "0); an administrator can allow them: sysctl -w "
			 "user.max_user_namespaces=15000");
	else if (err == ENOSPC)
		snprintf(buf, len,
			 "the limit of user namespaces is reached (user.max_user_namespaces = %ld); "
			 "end some sandboxes or raise the limit",
			 max);
	else if (aa == 1 && getuid() != 0)
		snprintf(buf, len,
			 "AppArmor restricts unprivileged user namespaces "
			 "(kernel.apparmor_restrict_unprivileged_userns = 1, as on Ubuntu 23.10 and "
			 "later); an administrator can install an AppArmor profile that grants "
			 "`userns,` to the cordon binary and your shell, or set the sysctl to 0");
	else if (clone == 0 && getuid() != 0)
		snprintf(buf, len,
			 "unprivileged user namespaces are switched off (sysctl "
			 "kernel.unprivileged_userns_clone = 0); an administrator can set it to 1");
	else if (err == EPERM)
		snprintf(buf, len,
			 "unshare(CLONE_NEWUSER) was refused (%s): a container or a seccomp policy "
			 "around this process forbids user namespaces (Docker's default profile "
			 "does); run cordon outside it, or allow unshare there",
			 strerror(err));
	else
		snprintf(buf, len, "unshare(CLONE_NEWUSER) failed: %s", strerror(err));
}

/* SECCOMP_IOCTL_NOTIF_ADDFD with SECCOMP_ADDFD_FLAG_SEND (Linux >= 5.14) on a real listener: a
 * kernel that knows it answers ENOENT for a notification id that does not exist. */
static int child_notify(void)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return 1;
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return 1;
	/* A call this child never makes, so nothing ever waits on the listener. */
	if (seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(acct), 0) < 0 || seccomp_load(ctx) < 0)
		return 1;
	int fd = seccomp_notify_fd(ctx);
	if (fd < 0)
		return 1;
	/* a real fd of our own as the source: an inherited fd 0 may be O_PATH or closed, which the
	 * kernel refuses (EBADF) before it looks up the id */
	int src = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (src < 0)
		return 1;
	struct seccomp_notif_addfd addfd = {
	    .id = 0xdeadbeef, .flags = SECCOMP_ADDFD_FLAG_SEND, .srcfd = (unsigned)src, .newfd = 0};
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_ADDFD, &addfd) == 0 || errno != ENOENT)
		return 1;
	return 0;
}

static bool read_sysctl_bool(const char *path, bool missing)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return missing;
	int v = 0;
	bool r = fscanf(f, "%d", &v) == 1 ? v != 0 : missing;
	fclose(f);
	return r;
}

/* notify_send_known: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (Linux 5.19) is newer than
 * SECCOMP_ADDFD_FLAG_SEND (5.14). A kernel that knows the flag checks the flags, then fails to copy
 * the NULL program (EFAULT) before anything is installed (seccomp(2)); one that does not answers
 * EINVAL. So EFAULT shows ADDFD_FLAG_SEND without a child; anything else leaves it to the child. */
static bool notify_send_known(void)
{
	errno = 0;
	long r =
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
		    SECCOMP_FILTER_FLAG_NEW_LISTENER | (1UL << 5) /* WAIT_KILLABLE_RECV */, NULL);
	return r < 0 && errno == EFAULT;
}

static int probe(struct cordon_kernel *k, bool userns, struct cordon_error *e)
{
	memset(k, 0, sizeof(*k));

	struct utsname u;
	if (uname(&u) < 0)
		return cordon_error_set(e, errno, "kernel probe: uname: %s", strerror(errno));
	snprintf(k->release, sizeof(k->release), "%s", u.release);

	int uerr = userns ? run_child(child_userns) : 0;
	k->userns = userns && uerr == 0;
	if (userns && !k->userns)
		cordon_userns_diagnose(uerr > 0 ? uerr : EPERM, k->userns_why, sizeof(k->userns_why));

	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	k->landlock_abi = abi > 0 ? (int)abi : 0;

	/* PR_GET_SECCOMP fails with EINVAL when the kernel has no seccomp at all; the filter mode
	 * and its errno action are then confirmed with SECCOMP_GET_ACTION_AVAIL (seccomp(2)). */
	__u32 action = SECCOMP_RET_ERRNO;
	k->seccomp_filter = prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0 &&
			    syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;

	struct seccomp_notif_sizes sizes;
	__u32 notify = SECCOMP_RET_USER_NOTIF;
	k->seccomp_notify = k->seccomp_filter &&
			    syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) == 0 &&
			    syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &notify) == 0 &&
			    (notify_send_known() || run_child(child_notify) == 0);

	/* Before Linux 6.2 there is no sysctl and TIOCSTI always works. */
	k->legacy_tiocsti = read_sysctl_bool("/proc/sys/dev/tty/legacy_tiocsti", true);

	/* Invalid flags: a kernel with mount_setattr(2) answers EINVAL and changes nothing. */
	errno = 0;
	long r = syscall(SYS_mount_setattr, -1, "", 0x80000000U, NULL, (size_t)0);
	k->mount_setattr = !(r < 0 && errno == ENOSYS);
	return 0;
}

int cordon_kernel_probe(struct cordon_kernel *k, struct cordon_error *e)
{
	return probe(k, true, e);
}

int cordon_kernel_probe_layers(struct cordon_kernel *k, struct cordon_error *e)
{
	return probe(k, false, e);
}
