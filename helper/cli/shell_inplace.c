/* shell_inplace.c — `cordon shell` for bash and zsh: exec the shell with an init file that loads
 * the `sandbox` builtin (bash) or module (zsh) and runs `sandbox on` in the shell itself, so it
 * is confined in place and the sandbox verbs work there, before the person's startup files. */
#include "shell_inplace.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"

/* trusted: a regular file or directory owned by root or by this user and writable by nobody
 * else, so another user cannot put code into what the shell loads before it is confined. */
static bool trusted(const char *path, bool dir)
{
	struct stat st;
	if (stat(path, &st) < 0 || (dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)))
		return false;
	return (st.st_uid == 0 || st.st_uid == geteuid()) && !(st.st_mode & (S_IWGRP | S_IWOTH));
}

/* first_at: the first of DIR/rel[i] that is trusted, into out (PATH_MAX); false if none. */
static bool first_at(const char *dir, const char *const *rel, bool is_dir, char *out)
{
	for (; *rel; rel++) {
		char cand[PATH_MAX];
		int n = snprintf(cand, sizeof(cand), "%s/%s", dir, *rel);
		if (n > 0 && (size_t)n < sizeof(cand) && trusted(cand, is_dir) &&
		    realpath(cand, out))
			return true;
	}
	return false;
}

int shell_inplace_find(enum shell_kind kind, struct shell_inplace *out, char *why, size_t len)
{
	/* Beside this binary: the build tree (build/cordon, build/bash-builtin, build/zsh-module,
	 * build/share) or an installation (PREFIX/bin/cordon, PREFIX/lib/..., PREFIX/share). */
	static const char *const bash_so[] = {"bash-builtin/sandbox.so", "../lib/bash/sandbox.so",
					      NULL};
	static const char *const zsh_dir[] = {"zsh-module", "../lib/zsh", NULL};
	static const char *const bash_rc[] = {"share/cordon/shell/cordon-shell.bash",
					      "../share/cordon/shell/cordon-shell.bash", NULL};
	static const char *const zsh_env[] = {"share/cordon/shell/zdotdir",
					      "../share/cordon/shell/zdotdir", NULL};
	char exe[PATH_MAX], dir[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	memset(out, 0, sizeof(*out));
	if (n <= 0) {
		snprintf(why, len, "cannot read /proc/self/exe: %s", strerror(errno));
		return -errno;
	}
	exe[n] = '\0';
	snprintf(dir, sizeof(dir), "%s", exe);
	*strrchr(dir, '/') = '\0';
	if (kind == SHELL_BASH) {
		if (!first_at(dir, bash_so, false, out->module)) {
			snprintf(why, len,
				 "no sandbox.so for bash beside %s (bash-builtin/ or "
				 "../lib/bash/)",
				 exe);
			return -ENOENT;
		}
		if (!first_at(dir, bash_rc, false, out->init)) {
			snprintf(why, len, "no cordon-shell.bash beside %s (share/cordon/shell/)",
				 exe);
			return -ENOENT;
		}
		return 0;
	}
	char mod[PATH_MAX + 64];
	for (const char *const *d = zsh_dir; *d; d++) {
		/* zmodload cordon/sandbox finds DIR/cordon/sandbox.so on module_path. */
		int w = snprintf(mod, sizeof(mod), "%s/%s/cordon/sandbox.so", dir, *d);
		if (w > 0 && (size_t)w < PATH_MAX && trusted(mod, false) &&
		    realpath(mod, out->module))
			break;
		out->module[0] = '\0';
	}
	if (!out->module[0]) {
		snprintf(why, len,
			 "no cordon/sandbox.so for zsh beside %s (zsh-module/ or ../lib/zsh/)",
			 exe);
		return -ENOENT;
	}
	*strrchr(out->module, '/') = '\0'; /* .../cordon */
	*strrchr(out->module, '/') = '\0'; /* the module_path entry */
	char env[PATH_MAX + 16];
	if (!first_at(dir, zsh_env, true, out->init) ||
	    (snprintf(env, sizeof(env), "%s/.zshenv", out->init), !trusted(env, false))) {
		snprintf(why, len, "no zdotdir/.zshenv beside %s (share/cordon/shell/)", exe);
		return -ENOENT;
	}
	return 0;
}

enum shell_kind shell_inplace_kind(const char *shell)
{
	const char *b = strrchr(shell, '/');
	b = b ? b + 1 : shell;
	if (!strcmp(b, "bash"))
		return SHELL_BASH;
	if (!strcmp(b, "zsh"))
		return SHELL_ZSH;
	return SHELL_OTHER;
}

int shell_inplace_exec(const char *shell, enum shell_kind kind, const struct shell_inplace *in,
		       char *const *flags, size_t n_flags)
{
	char **av = calloc(n_flags + 8, sizeof(*av));
	size_t n = 0;

	if (!av)
		return CORDON_EXIT_SETUP;
	av[n++] = (char *)shell;
	if (kind == SHELL_BASH) {
		av[n++] = "--rcfile";
		av[n++] = (char *)in->init;
	} else {
		/* The person's ZDOTDIR, if any, comes back in the .zshenv. */
		const char *old = getenv("ZDOTDIR");
		if (old)
			setenv("CORDON_SHELL_ZDOTDIR", old, 1);
		else
			unsetenv("CORDON_SHELL_ZDOTDIR");
		setenv("ZDOTDIR", in->init, 1);
		av[n++] = "-l";
	}
	/* -s: the words after "--" are the positional parameters the init file reads, and the
	 * commands still come from the terminal (or stdin), as for an interactive shell. */
	av[n++] = "-i";
	av[n++] = "-s";
	av[n++] = "--";
	av[n++] = (char *)in->module;
	for (size_t i = 0; i < n_flags; i++)
		av[n++] = flags[i];
	av[n] = NULL;
	/* Nothing of this process but stdio reaches the shell: `sandbox on` refuses stray fds. */
	close_range(3, ~0U, 0);
	execv(shell, av);
	int err = errno;
	fprintf(stderr, "cordon shell: %s: %s\n", shell, strerror(err));
	free(av);
	return err == ENOENT ? 127 : 126;
}
