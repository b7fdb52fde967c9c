/* mount-sandbox.c — test harness for the mount layout alone: builds a policy from flags, makes a
 * user+mount namespace with an identity map, runs cordon_mounts_setup, then execs CMD. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cordon/mounts.h"

static void usage(void)
{
	fputs("usage: mount-sandbox [--allow-write P]... [--deny-read P]... [--allow-read P]...\n"
	      "                     [--deny-write P]... [--allow-unix-socket P]... "
	      "[--allow-git-config]\n"
	      "                     [--no-private-tmp] [--strict] [--defaults] [--show-guard]\n"
	      "                     -- CMD ARGS...\n"
	      "--defaults starts from cordon_policy_init (default secret masks under $HOME).\n",
	      stderr);
	exit(2);
}

/* add: append path (relative to cwd, "~" expanded) to l, as a config file or flag would. */
static void add(struct cordon_path_list *l, const char *path, const char *cwd)
{
	struct cordon_error e = {{0}};
	if (cordon_policy_add_path(l, path, getenv("HOME"), cwd, &e) < 0) {
		fprintf(stderr, "mount-sandbox: %s\n", e.msg);
		exit(125);
	}
}

static void write_file(pid_t pid, const char *name, const char *text)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		fprintf(stderr, "mount-sandbox: %s: %s\n", path, strerror(errno));
		exit(125);
	}
	close(fd);
}

/* child: runs in the new namespaces once the parent wrote the maps. */
static int child(const struct cordon_policy *p, const char *cwd, bool show_guard, char **cmd)
{
	struct cordon_guard_set guard = {0};
	struct cordon_error e = {{0}};
	const char *home = getenv("HOME");
	if (cordon_mounts_setup(p, home, getuid(), &guard, NULL, 0, &e) < 0) {
		fprintf(stderr, "mount-sandbox: %s\n", e.msg);
		return 125;
	}
	if (show_guard)
		for (size_t i = 0; i < guard.n; i++)
			fprintf(stderr, "guard %ju %ju %s\n", (uintmax_t)guard.v[i].dev,
				(uintmax_t)guard.v[i].ino, guard.v[i].name);
	cordon_guard_set_free(&guard);
	/* the old cwd is the mount beneath the writable bind: enter the one on top */
	if (chdir(cwd) < 0) {
		fprintf(stderr, "mount-sandbox: chdir %s: %s\n", cwd, strerror(errno));
		return 125;
	}
	/* no capabilities across exec, even for uid 0 (capabilities(7), execve rules) */
	for (int c = 0; c <= 63; c++)
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			return perror("mount-sandbox: PR_CAPBSET_DROP"), 125;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return perror("mount-sandbox: PR_SET_NO_NEW_PRIVS"), 125;
	execvp(cmd[0], cmd);
	fprintf(stderr, "mount-sandbox: %s: %s\n", cmd[0], strerror(errno));
	return 127;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"allow-write", required_argument, 0, 'w'},
	    {"deny-read", required_argument, 0, 'r'},
	    {"allow-read", required_argument, 0, 'a'},
	    {"deny-write", required_argument, 0, 'd'},
	    {"allow-unix-socket", required_argument, 0, 'u'},
	    {"allow-git-config", no_argument, 0, 'g'},
	    {"no-private-tmp", no_argument, 0, 't'},
	    {"strict", no_argument, 0, 's'},
	    {"show-guard", no_argument, 0, 'G'},
	    {"defaults", no_argument, 0, 'D'},
	    {0, 0, 0, 0},
	};
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof(cwd)))
		return perror("mount-sandbox: getcwd"), 125;
	struct cordon_policy p = {0};
	struct cordon_error e = {{0}};
	p.private_tmp = true;
	bool show_guard = false;
	int o;
	if (argc > 1 && strcmp(argv[1], "--defaults") == 0 &&
	    cordon_policy_init(&p, getenv("HOME"), &e) < 0) {
		fprintf(stderr, "mount-sandbox: %s\n", e.msg);
		return 125;
	}
	while ((o = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (o) {
		case 'w':
			add(&p.allow_write, optarg, cwd);
			break;
		case 'r':
			add(&p.deny_read, optarg, cwd);
			break;
		case 'a':
			add(&p.allow_read, optarg, cwd);
			break;
		case 'd':
			add(&p.deny_write, optarg, cwd);
			break;
		case 'u':
			add(&p.allow_unix_sockets, optarg, cwd);
			break;
		case 'g':
			p.allow_git_config = true;
			break;
		case 't':
			p.private_tmp = false;
			break;
		case 's':
			p.strict = true;
			break;
		case 'G':
			show_guard = true;
			break;
		case 'D':
			if (optind != 2) {
				fputs("mount-sandbox: --defaults must come first\n", stderr);
				return 2;
			}
			break;
		default:
			usage();
		}
	}
	if (optind >= argc)
		usage();
	if (cordon_policy_finish(&p, cwd, &e) < 0) {
		fprintf(stderr, "mount-sandbox: %s\n", e.msg);
		return 125;
	}

	int up[2], down[2];
	if (pipe2(up, O_CLOEXEC) < 0 || pipe2(down, O_CLOEXEC) < 0)
		return perror("mount-sandbox: pipe"), 125;
	uid_t uid = getuid();
	gid_t gid = getgid();
	pid_t pid = fork();
	if (pid < 0)
		return perror("mount-sandbox: fork"), 125;
	if (pid == 0) {
		char c = 0;
		if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) {
			fprintf(stderr, "mount-sandbox: unshare: %s\n", strerror(errno));
			_exit(125);
		}
		if (write(up[1], &c, 1) != 1 || read(down[0], &c, 1) != 1)
			_exit(125);
		_exit(child(&p, cwd, show_guard, argv + optind));
	}
	char c;
	if (read(up[0], &c, 1) != 1) {
		waitpid(pid, NULL, 0);
		return 125;
	}
	/* a process can only write a map of more than its own id from the parent user namespace,
	 * with CAP_SETUID there (user_namespaces(7)) */
	char map[64];
	if (uid == 0) {
		write_file(pid, "uid_map", "0 0 4294967295");
		write_file(pid, "gid_map", "0 0 4294967295");
	} else {
		write_file(pid, "setgroups", "deny");
		snprintf(map, sizeof(map), "%u %u 1", (unsigned)uid, (unsigned)uid);
		write_file(pid, "uid_map", map);
		snprintf(map, sizeof(map), "%u %u 1", (unsigned)gid, (unsigned)gid);
		write_file(pid, "gid_map", map);
	}
	if (write(down[1], &c, 1) != 1)
		return 125;
	int st;
	if (waitpid(pid, &st, 0) < 0)
		return perror("mount-sandbox: waitpid"), 125;
	cordon_policy_free(&p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
