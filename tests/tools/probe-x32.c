/* probe-x32.c — attack probe (docs/threat-model.md §23): system calls through another ABI, which a
 * filter written for x86_64 numbers would not recognise. The filter must kill the process (SIGSYS).
 *
 * usage: probe-x32 x32 | i386
 *   x32:  getpid with __X32_SYSCALL_BIT set;  i386: getpid (20) through int 0x80.
 * Prints "ok" (exit 0) or "CALL: ERRNAME" (exit 1; ENOSYS when the kernel lacks that ABI, which
 * still shows the call reached the kernel); killed by SIGSYS under the filter. A kernel built or
 * booted without ia32 emulation (CONFIG_IA32_EMULATION, ia32_emulation=0), or a hypervisor without
 * that entry, answers int 0x80 with a general protection fault before any system call code or
 * filter runs: that SIGSEGV is reported as "MODE: SIGSEGV, no system call entry" (exit 4), so a
 * test can tell "this ABI is not reachable here" from a result. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
static const char *segv_msg = "";

static void on_segv(int sig)
{
	(void)sig;
	(void)!write(STDOUT_FILENO, segv_msg, strlen(segv_msg));
	_exit(4);
}
#endif

int main(int argc, char **argv)
{
#if defined(__x86_64__)
	/* No core file from the expected SIGSYS. */
	struct rlimit no_core = {0, 0};
	setrlimit(RLIMIT_CORE, &no_core);
	const char *mode = argc > 1 ? argv[1] : "x32";
	segv_msg = !strcmp(mode, "i386") ? "i386: SIGSEGV, no system call entry\n"
					 : "x32: SIGSEGV, no system call entry\n";
	struct sigaction sa = {.sa_handler = on_segv};
	sigaction(SIGSEGV, &sa, NULL);
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
