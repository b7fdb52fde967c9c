/* cmd_sign.c — cordon as git's gpg.ssh.program inside a session (git_env.h): `git commit -S`
 * runs `PROGRAM -Y sign -n git -f KEY [-U] FILE` (git's sign_buffer_ssh) and reads FILE.sig.
 * The signature is made by the session process outside with the key of git.signingKey
 * (git_sign.h); any other ssh-keygen use (-Y verify, find-principals, check-novalidate) runs
 * the real ssh-keygen. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "cordon/git_sign.h"

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (!f)
		return NULL;
	do {
		if (n + 65536 > cap) {
			char *nb = realloc(buf, cap = n + 65536);
			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	fclose(f);
	*len = n;
	return buf;
}

int cmd_sign(int argc, char **argv)
{
	struct cordon_error e = {.msg = ""};
	char *sig = NULL, path[4096];
	size_t len = 0;

	if (argc < 3 || strcmp(argv[1], "-Y") || strcmp(argv[2], "sign")) {
		/* not a signature: the real ssh-keygen, with git's arguments */
		argv[0] = "ssh-keygen";
		execvp("ssh-keygen", argv);
		fprintf(stderr, "cordon: ssh-keygen: %s\n", strerror(errno));
		return 127;
	}
	/* git puts the file to sign last (sign_buffer_ssh) */
	const char *file = argv[argc - 1];
	char *data = read_file(file, &len);
	if (!data) {
		fprintf(stderr, "cordon: signing: cannot read %s: %s\n", file, strerror(errno));
		return 1;
	}
	int r = cordon_git_sign_request(getenv("CORDON_GIT_ENDPOINT"), data, len, &sig, &e);
	free(data);
	if (r < 0) {
		fprintf(stderr, "cordon: %s\n", e.msg);
		return 1;
	}
	snprintf(path, sizeof(path), "%s.sig", file);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t sl = strlen(sig);
	if (fd < 0 || write(fd, sig, sl) != (ssize_t)sl || close(fd) < 0) {
		fprintf(stderr, "cordon: signing: cannot write %s: %s\n", path, strerror(errno));
		free(sig);
		return 1;
	}
	free(sig);
	return 0;
}
