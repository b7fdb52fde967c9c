/* probe-io-uring.c — attack probe (docs/threat-model.md §22): io_uring performs openat/connect/...
 * without the system calls a seccomp filter sees, so it must be unavailable as a whole.
 *
 * usage: probe-io-uring
 * Prints "ok" (exit 0) or "io_uring_setup: ERRNAME" (exit 1). */
#include <errno.h>
#include <linux/io_uring.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	struct io_uring_params params;
	memset(&params, 0, sizeof(params));
	long fd = syscall(SYS_io_uring_setup, 4, &params);
	if (fd < 0) {
		printf("io_uring_setup: %s\n", strerrorname_np(errno));
		return 1;
	}
	close((int)fd);
	puts("ok");
	return 0;
}
