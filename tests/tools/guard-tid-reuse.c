/* guard-tid-reuse.c — probe for the guard worker's per-task cache (tests/bats/guard_task.bats):
 * two tasks with the same thread ID, one after the other, each making a file with its own umask.
 *
 * usage: guard-tid-reuse DIR
 *   A child with umask 077 creates DIR/a and exits; a second child is made with the first one's
 *   TID (clone3(2) set_tid, which needs CAP_SYS_ADMIN over the PID namespace: run it as PID 1 of
 *   a namespace of its own) with umask 022 and creates DIR/b. Prints "TID1 TID2 MODE_A MODE_B"
 *   (octal modes). Exit 0; 77 when set_tid is refused (to be skipped, with the reason on stderr);
 *   1 on any other failure. */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* make: in the child, create dir/name with umask m; exits 0 or 1 */
static __attribute__((noreturn)) void make(const char *dir, const char *name, mode_t m)
{
	char path[4096];
	umask(m);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	_exit(fd < 0 ? 1 : 0);
}

static int reap(pid_t p)
{
	int st;
	if (waitpid(p, &st, 0) != p)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int mode_of(const char *dir, const char *name)
{
	char path[4096];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) < 0 ? -1 : (int)(st.st_mode & 07777);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fputs("usage: guard-tid-reuse DIR\n", stderr);
		return 1;
	}
	const char *dir = argv[1];
	pid_t a = fork();
	if (a < 0)
		return 1;
	if (a == 0)
		make(dir, "a", 077);
	if (reap(a) != 0) {
		fputs("guard-tid-reuse: the first child failed to create a\n", stderr);
		return 1;
	}
	pid_t want = a;
	struct clone_args ca;
	memset(&ca, 0, sizeof(ca));
	ca.exit_signal = SIGCHLD;
	ca.set_tid = (uint64_t)(uintptr_t)&want;
	ca.set_tid_size = 1;
	long b = syscall(SYS_clone3, &ca, sizeof(ca));
	if (b < 0) {
		fprintf(stderr, "clone3 with set_tid %d: %s\n", (int)want, strerror(errno));
		return errno == EPERM || errno == ENOSYS || errno == EINVAL || errno == EEXIST ? 77
											       : 1;
	}
	if (b == 0)
		make(dir, "b", 022);
	if (reap((pid_t)b) != 0) {
		fputs("guard-tid-reuse: the second child failed to create b\n", stderr);
		return 1;
	}
	printf("%d %ld %o %o\n", (int)a, b, mode_of(dir, "a"), mode_of(dir, "b"));
	return 0;
}
