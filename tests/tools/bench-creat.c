/* bench-creat.c — guard micro-benchmark (tests/bench/guard.sh): the cost of file-creating calls,
 * each a seccomp user-notification round trip to the guard worker when confined.
 *
 * usage: bench-creat N DIR
 *   In DIR (which must be empty or absent names f0..fN-1), times N calls of each kind and prints
 *   one line per kind, "KIND NS_PER_CALL": create (open O_CREAT|O_EXCL of a new file), reopen
 *   (open O_CREAT of the existing file), plain (open without O_CREAT: not routed to the guard, the
 *   baseline), unlink. Exit 0, or 1 naming the call that failed. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

enum kind { CREATE, REOPEN, PLAIN, UNLINK, NKINDS };
static const char *const kind_name[NKINDS] = {"create", "reopen", "plain", "unlink"};

/* one: one call of kind k on name in dirfd; 0 or -1 with errno set. */
static int one(int dirfd, enum kind k, const char *name)
{
	int fd;

	switch (k) {
	case CREATE:
		fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		break;
	case REOPEN:
		fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		break;
	case PLAIN:
		fd = openat(dirfd, name, O_WRONLY | O_CLOEXEC);
		break;
	default:
		return unlinkat(dirfd, name, 0);
	}
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	char name[32];
	long n;
	int dirfd;

	if (argc != 3 || (n = strtol(argv[1], NULL, 10)) <= 0) {
		fputs("usage: bench-creat N DIR\n", stderr);
		return 2;
	}
	mkdir(argv[2], 0755);
	dirfd = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		fprintf(stderr, "open %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	for (int k = 0; k < NKINDS; k++) {
		double t0 = now_ns();
		for (long i = 0; i < n; i++) {
			snprintf(name, sizeof(name), "f%ld", i);
			if (one(dirfd, (enum kind)k, name) < 0) {
				fprintf(stderr, "%s %s: %s\n", kind_name[k], name, strerror(errno));
				return 1;
			}
		}
		printf("%s %.0f\n", kind_name[k], (now_ns() - t0) / (double)n);
	}
	return 0;
}
