/* confine-failsafe.c — test harness: runs cordon_confine with a hook that fails after the
 * namespaces are joined, then probes a file creation and a socket; prints one line per probe. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cordon/confine.h"
#include "cordon/policy_build.h"

static int failing_hook(void *arg, struct cordon_error *e)
{
	(void)arg;
	return cordon_error_set(e, EIO, "test hook failed");
}

/* usage: confine-failsafe FILE — FILE is created (it must be creatable under the policy). */
int main(int argc, char **argv)
{
	struct cordon_policy p;
	struct cordon_session *s;
	struct cordon_layers_report r;
	struct cordon_error e = {{0}};
	char cwd[PATH_MAX];
	int fd, so;

	if (argc != 2 || !getcwd(cwd, sizeof(cwd)))
		return 2;
	if (cordon_policy_build(&p, NULL, cwd, &e) < 0 ||
	    cordon_session_start(&p, &s, &e) < 0) {
		fprintf(stderr, "setup: %s\n", e.msg);
		return 2;
	}
	printf("confine: %d %s\n", cordon_confine(&p, s, cwd, failing_hook, NULL, &r, &e), e.msg);
	fd = open(argv[1], O_CREAT | O_WRONLY, 0644);
	printf("create: %s\n", fd < 0 ? strerror(errno) : "ok");
	so = socket(AF_INET, SOCK_STREAM, 0);
	printf("socket: %s\n", so < 0 ? strerror(errno) : "ok");
	return 0;
}
