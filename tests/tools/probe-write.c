/* probe-write.c — attack probe (docs/threat-model.md §13, §17): modify the file system where the
 * policy does not allow it, including a directory the file mode lets this user write.
 *
 * usage: probe-write create|truncate|mkdir PATH
 *   create: open(O_WRONLY|O_CREAT|O_TRUNC);  truncate: truncate(2) an existing file to 0 bytes
 *   (Landlock ABI >= 3);  mkdir: mkdir(2).
 * Prints "ok" (exit 0) or "CALL: ERRNAME" (exit 1): EACCES from Landlock, EROFS from a mount. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 3) {
		fputs("usage: probe-write create|truncate|mkdir PATH\n", stderr);
		return 2;
	}
	const char *m = argv[1], *path = argv[2];
	int r;
	if (!strcmp(m, "create"))
		r = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	else if (!strcmp(m, "truncate"))
		r = truncate(path, 0);
	else if (!strcmp(m, "mkdir"))
		r = mkdir(path, 0755);
	else {
		fprintf(stderr, "probe-write: unknown mode %s\n", m);
		return 2;
	}
	if (r < 0) {
		printf("%s: %s\n", !strcmp(m, "create") ? "open" : m, strerrorname_np(errno));
		return 1;
	}
	puts("ok");
	return 0;
}
