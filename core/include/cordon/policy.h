/* policy.h — the policy model: what a confined session may write, read and reach.
 * Built from defaults, config files (config.h) and flags; read by every layer. */
#ifndef CORDON_POLICY_H
#define CORDON_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cordon/error.h"
#include "cordon/git_policy.h"

/* One allowlist/denylist entry, as parsed by cordon_host_rule_parse (hostpat.h). */
struct cordon_host_rule {
	char *host;    /* canonical: lowercase, no trailing dot; IP literals in canonical text form
	                  (inet_ntop), IPv6 without brackets; for a wildcard, the suffix without "*." */
	bool wildcard; /* "*.example.com": strict subdomains of host only */
	bool is_ip;    /* host is an IPv4 or IPv6 literal */
	uint16_t port; /* 0 = any port */
};

struct cordon_host_list {
	struct cordon_host_rule *v;
	size_t n;
	size_t cap; /* allocated elements of v (dedup.h cordon_grow) */
};

struct cordon_path_list {
	char **v; /* absolute, normalised ("~" expanded, relative resolved against the current dir,
	             no "." / ".." / duplicate slashes, no trailing slash); not resolved through symlinks */
	size_t n;
	size_t cap; /* allocated elements of v (dedup.h cordon_grow) */
};

/* The most entries one configuration file may give a list of paths (filesystem.*,
 * network.allowUnixSockets) or a git list: each path becomes a mount or a Landlock rule, and a
 * repository's file must not be able to stall every start with a huge list. */
#define CORDON_POLICY_LIST_MAX 4096

#define CORDON_PORTS_MAX 32

/* A forward from host loopback port host_port into the sandbox's port (ports.h). */
struct cordon_port_map {
	uint16_t port, host_port;
};

struct cordon_policy {
	/* network.* (sandbox-runtime keys) */
	struct cordon_host_list allow_hosts; /* network.allowedDomains + --allow-host */
	struct cordon_host_list deny_hosts;  /* network.deniedDomains: deny wins over allow */
	struct cordon_path_list allow_unix_sockets; /* network.allowUnixSockets */
	bool allow_local_binding;                   /* network.allowLocalBinding */

	/* filesystem.* (sandbox-runtime keys) */
	struct cordon_path_list deny_read;  /* masked: a directory shows empty, a file reads empty */
	struct cordon_path_list allow_read; /* carve-outs inside deny_read */
	struct cordon_path_list allow_write; /* writable trees (cwd is added by cordon_policy_finish) */
	struct cordon_path_list deny_write;  /* read-only inside writable trees, on top of mandatory ones */
	bool allow_git_config;               /* filesystem.allowGitConfig: .git/config writable */

	bool ignore_violations;            /* ignoreViolations: accepted for compatibility (log only) */
	bool enable_weaker_nested_sandbox; /* enableWeakerNestedSandbox: accepted, refused by --strict */

	/* cordon's own keys */
	bool lock_policy; /* lockPolicy / --lock: loosening verbs only request approval */
	bool private_tmp; /* privateTmp (default true): tmpfs on /tmp */
	bool strict;      /* strict / --strict: a missing layer is a refusal, not a warning */

	/* Dev servers (ports.h): TCP ports a confined process may bind besides what
	 * allowLocalBinding allows (--allow-bind, network.allowBind), and forwards from the host's
	 * 127.0.0.1 into the sandbox (--expose, network.expose). */
	uint16_t allow_bind[CORDON_PORTS_MAX];
	size_t n_allow_bind;
	struct cordon_port_map expose[CORDON_PORTS_MAX];
	size_t n_expose;
	struct cordon_git_policy git; /* git.*: credentials outside, push policy (git_policy.h) */

	/* where it came from (not a config key) */
	char *repo_config; /* the repository's .cordon.json applied (cordon_policy_build) or NULL */
};

/* cordon_policy_init: fill p with the defaults of docs/design.md §7 (nothing allowed on the
 * network, default secret masks under home, privateTmp on). home is $HOME (may be NULL: no home
 * masks). Returns 0 or -ENOMEM with e->msg set. */
int cordon_policy_init(struct cordon_policy *p, const char *home, struct cordon_error *e);

/* cordon_policy_free: release everything p owns; p may then be re-initialised. */
void cordon_policy_free(struct cordon_policy *p);

/* cordon_policy_add_path: append a normalised copy of path to l; "~/" expands with home,
 * a relative path resolves against base (an absolute directory). Duplicates are dropped.
 * Returns 0, -EINVAL (empty path, relative without base) or -ENOMEM, with e->msg set. */
int cordon_policy_add_path(struct cordon_path_list *l, const char *path, const char *home,
			   const char *base, struct cordon_error *e);

/* cordon_policy_append_path: cordon_policy_add_path without the search for a duplicate (O(1)
 * amortised): for loaders that add many paths and then run cordon_policy_dedup once. */
int cordon_policy_append_path(struct cordon_path_list *l, const char *path, const char *home,
			      const char *base, struct cordon_error *e);

/* cordon_policy_append_host: cordon_policy_add_host without the search for a duplicate, for
 * loaders that run cordon_policy_dedup afterwards. */
int cordon_policy_append_host(struct cordon_host_list *l, const char *pattern,
			      struct cordon_error *e);

/* cordon_policy_dedup: drop the later of equal entries from every list of p (paths by string,
 * host rules by host, wildcard and port, the git lists by string), keeping the first of each
 * and the order of the rest, in O(n log n) (dedup.h). What the lists mean does not change: each
 * is a set to its readers (any deny rule denies, any mask masks). Returns 0 or -ENOMEM with
 * e->msg set (p then still holds every entry, duplicates included). */
int cordon_policy_dedup(struct cordon_policy *p, struct cordon_error *e);

/* cordon_policy_add_host: parse pattern (hostpat.h rules) and append it to l.
 * Returns 0 or -EINVAL naming the pattern and why it is invalid. */
int cordon_policy_add_host(struct cordon_host_list *l, const char *pattern, struct cordon_error *e);

/* cordon_policy_remove_host: remove every rule of l equal to pattern (after parsing). Returns the
 * number removed (>= 0) or -EINVAL for an invalid pattern. */
int cordon_policy_remove_host(struct cordon_host_list *l, const char *pattern, struct cordon_error *e);

/* cordon_policy_tighten: merge a repository's .cordon.json policy r into p so that p only gets
 * stricter: r's deny lists (deniedDomains, denyRead, denyWrite) are added to p's, an allowRead
 * carve-out of p that is the same place as one of r's denyRead masks is taken out (it would cancel
 * the mask), and lockPolicy true is taken. Anything in r that would loosen p (an allowed host or writable/readable path that p does
 * not already have, allowGitConfig true where p has false, privateTmp false, ...) is refused with
 * -EPERM and a message naming rfile and the key. */
int cordon_policy_tighten(struct cordon_policy *p, const struct cordon_policy *r,
			  const char *rfile, struct cordon_error *e);

/* cordon_policy_finish: add cwd (absolute) to allow_write (and what a git worktree there needs,
 * cordon_policy_add_git_admin) and validate the whole policy
 * (e.g. no writable tree equal to "/"). Returns 0 or -EINVAL with e->msg set. */
int cordon_policy_finish(struct cordon_policy *p, const char *cwd, struct cordon_error *e);

/* cordon_policy_add_git_admin: when the ".git" git finds from cwd upwards is a file (a linked
 * worktree, a submodule checkout) naming a git directory outside the writable trees, add what
 * committing there writes: a worktree's administrative directory and its common directory's
 * objects, refs and logs, or a submodule's git directory (their hooks and config stay read-only
 * inside, mounts_git.c). Reads the file system; nothing found is not an error. Called by
 * cordon_policy_finish. Returns 0 or -ENOMEM. */
int cordon_policy_add_git_admin(struct cordon_policy *p, const char *cwd, struct cordon_error *e);

/* cordon_policy_to_json: write the policy as JSON (the keys of the config file) to a malloc'd
 * NUL-terminated string in *out. Returns 0 or -ENOMEM. */
int cordon_policy_to_json(const struct cordon_policy *p, char **out, struct cordon_error *e);

/* cordon_policy_to_text: the summary `cordon policy` and `sandbox policy` print (one "title:
 * value" line per key under network:, filesystem:, git (credentials stay outside):, session:) as
 * a malloc'd string in *out. preview is cordon_mounts_preview's lines (mounts.h), shown as
 * "protected inside:" (the names of one kind in one directory on one line; "" shows none), or NULL
 * where it cannot be made (inside a sandbox), which the line then says. Returns 0 or -ENOMEM. */
int cordon_policy_to_text(const struct cordon_policy *p, const char *preview, char **out,
			  struct cordon_error *e);

/* cordon_policy_to_json_protected: cordon_policy_to_json with one more key at the end,
 * "protected": preview's lines (as for cordon_policy_to_text; NULL or "" gives []) as an array of
 * {"kind", "path"}. Returns 0 or -ENOMEM, *out malloc'd (NULL on error). */
int cordon_policy_to_json_protected(const struct cordon_policy *p, const char *preview, char **out,
				    struct cordon_error *e);

#endif
