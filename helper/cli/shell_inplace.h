/* shell_inplace.h — `cordon shell` for bash and zsh: the shell confined in place by its own
 * `sandbox on` (the builtin or module loaded from beside this binary), not from outside. */
#ifndef CORDON_SHELL_INPLACE_H
#define CORDON_SHELL_INPLACE_H

#include <limits.h>
#include <stddef.h>

enum shell_kind { SHELL_OTHER, SHELL_BASH, SHELL_ZSH };

/* What the shell loads before it is confined. */
struct shell_inplace {
	char module[PATH_MAX]; /* bash: sandbox.so; zsh: the module_path entry holding cordon/ */
	char init[PATH_MAX];   /* bash: cordon-shell.bash (--rcfile); zsh: the ZDOTDIR directory */
};

/* shell_inplace_kind: bash, zsh or another shell, by the base name of the path shell. */
enum shell_kind shell_inplace_kind(const char *shell);

/* shell_inplace_find: the builtin or module and the init file for kind, beside this binary
 * (/proc/self/exe): the build tree's layout or PREFIX/{lib,share} of `make install`. Each must be
 * owned by root or this user and writable by no one else. Returns 0, or -errno with why (len
 * bytes) saying what is missing. */
int shell_inplace_find(enum shell_kind kind, struct shell_inplace *out, char *why, size_t len);

/* shell_inplace_exec: exec shell (kind SHELL_BASH or SHELL_ZSH) interactive, its init file
 * running `sandbox on FLAGS...` first (bash: --rcfile, then the login files as bash -l reads
 * them; zsh: -l with ZDOTDIR on the init directory, handed back before the person's files).
 * File descriptors above 2 are closed. Returns only on failure: 127 (not found) or 126, after
 * printing why; CORDON_EXIT_SETUP when out of memory. */
int shell_inplace_exec(const char *shell, enum shell_kind kind, const struct shell_inplace *in,
		       char *const *flags, size_t n_flags);

#endif
