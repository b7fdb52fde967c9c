/* confine_children.c — for a shell confined in place: every direct child enters a Landlock
 * domain nested below the shell's at fork, so no child can ptrace the shell or open its /proc
 * files.
 *
 * Why this replaces PR_SET_DUMPABLE 0 for an in-place shell (a deviation from docs/design.md §3):
 * the shell's mm was created in the host user namespace, so once it is non-dumpable only
 * CAP_SYS_PTRACE in the *host* user namespace may read its memory (ptrace(2), "access mode
 * checking": __ptrace_may_access tests the capability in mm->user_ns). The guard worker holds
 * CAP_SYS_PTRACE only inside the sandbox's user namespace, so its process_vm_readv of the path
 * arguments failed (EFAULT) for every file the shell, or a child between fork and execve, creates
 * (`echo x > f`, `ls > out`). The shell therefore stays dumpable, and what dumpable 0 protected
 * (the control fd, the shell's memory and environment) is protected from its children by
 * Landlock's ptrace restriction instead: a process in a Landlock domain cannot ptrace, nor open
 * /proc/PID/{mem,environ,fd,cwd,root} of, a process outside that domain or its nested ones
 * (landlock(7), "Ptrace restrictions"; security/landlock/task.c). The shell is outside each
 * child's nested domain; the guard worker, not Landlocked, still may read the shell. Processes
 * outside the sandbox stay unreachable as before (other user namespace; the shell's own domain).
 */
#include "confine_int.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <linux/types.h>
#include <pthread.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* What the fork handler needs. pthread_atfork(3) handlers take no argument, so this is the one
 * piece of process state the library keeps: set once by cordon_children_nest_prepare, never
 * changed afterwards (the confinement is one-way). */
static struct {
	pid_t shell; /* the confined shell: only its direct children nest (grandchildren inherit) */
	int ruleset_fd; /* the nested domain's ruleset, CLOEXEC */
	int ctl_fd;	/* the shell's control channel: never in a child */
} nest = {.shell = 0, .ruleset_fd = -1, .ctl_fd = -1};

static void say(const char *a, const char *b)
{
	/* write(2) only: this runs in a freshly forked child. */
	if (write(2, a, strlen(a)) < 0 || write(2, b, strlen(b)) < 0 || write(2, "\n", 1) < 0)
		return;
}

/* child_nest: the pthread_atfork child handler. A child that cannot enter the nested domain
 * could reach the shell's control fd, so it must not run: fail closed with status 126. */
static void child_nest(void)
{
	int err;

	if (nest.shell == 0 || getppid() != nest.shell)
		return; /* not a direct child of the shell: already nested through its parent */
	if (nest.ctl_fd >= 0)
		close(nest.ctl_fd);
	if (syscall(SYS_landlock_restrict_self, nest.ruleset_fd, 0) == 0) {
		close(nest.ruleset_fd);
		nest.shell = 0; /* this child's own children inherit its domain */
		return;
	}
	err = errno;
	say("cordon: this child of the confined shell could not enter its nested Landlock domain, "
	    "so it does not run: landlock_restrict_self: ",
	    strerror(err));
	_exit(126);
}

int cordon_children_nest_prepare(int landlock_abi, int ctl_fd, struct cordon_error *e)
{
	/* The nested domain handles one harmless right (making block devices, which needs
	 * CAP_MKNOD in the initial user namespace anyway) and has no rule: its only effect is to
	 * be a domain, which is what triggers the ptrace restriction. It adds no signal scoping
	 * (ABI >= 6): the shell's own domain already keeps signals inside the sandbox, and
	 * sibling jobs, each in its own nested domain, must still signal each other
	 * (`sleep 9 & /bin/kill $!`). Valid on every ABI >= 1, so no ABI switch is needed. */
	struct landlock_ruleset_attr attr = {.handled_access_fs = LANDLOCK_ACCESS_FS_MAKE_BLOCK};
	int fd, hi;

	if (landlock_abi < 1)
		return cordon_error_set(e, EOPNOTSUPP, "nested Landlock domain: no Landlock");
	if (nest.shell != 0)
		return cordon_error_set(e, EALREADY, "nested Landlock domain: already prepared");
	fd = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (fd < 0)
		return cordon_error_set(e, errno,
					"nested Landlock domain: landlock_create_ruleset: %m");
	/* Above the low numbers people redirect, next to the control fd. */
	hi = fcntl(fd, F_DUPFD_CLOEXEC, 100);
	close(fd);
	if (hi < 0)
		return cordon_error_set(e, errno, "nested Landlock domain: fcntl: %m");
	nest.ruleset_fd = hi;
	nest.ctl_fd = ctl_fd;
	nest.shell = getpid();
	if ((errno = pthread_atfork(NULL, NULL, child_nest)) != 0) {
		int err = errno;
		nest.shell = 0;
		close(hi);
		nest.ruleset_fd = -1;
		return cordon_error_set(e, err, "nested Landlock domain: pthread_atfork: %s",
					strerror(err));
	}
	return 0;
}
