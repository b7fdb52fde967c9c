/* probe-x32.c — attack probe (docs/threat-model.md §23): system calls through another ABI, which a
 * filter written for x86_64 numbers would not recognise. The filter must kill the process (SIGSYS).
 *
 * usage: probe-x32 x32 | i386
 *   x32:  getpid with __X32_SYSCALL_BIT set;  i386: getpid (20) through int 0x80.
 * Prints "ok" (exit 0) or "CALL: ERRNAME" (exit 1; ENOSYS when the kernel lacks that ABI, which
 * still shows the call reached the kernel); killed by SIGSYS under the filter. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
#if defined(__x86_64__)
	/* No core file from the expected SIGSYS. */
	struct rlimit no_core = {0, 0};
	setrlimit(RLIMIT_CORE, &no_core);
	const char *mode = argc > 1 ? argv[1] : "x32";
	fflush(stdout);
	if (!strcmp(mode, "x32")) {
		long r = syscall(0x40000000L | SYS_getpid);
		if (r < 0) {
			printf("x32 getpid: %s\n", strerrorname_np(errno));
			return 1;
		}
	} else if (!strcmp(mode, "i386")) {
		long r;
		__asm__ volatile("int $0x80"
				 : "=a"(r)
				 : "a"(20L)
				 : "memory", "r8", "r9", "r10", "r11");
		if (r < 0) {
			printf("i386 getpid: %s\n", strerrorname_np((int)-r));
			return 1;
		}
	} else {
		fputs("usage: probe-x32 x32 | i386\n", stderr);
		return 2;
	}
	puts("ok");
	return 0;
#else
	(void)argc;
	(void)argv;
	puts("not x86_64");
	return 3;
#endif
}
