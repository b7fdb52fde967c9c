/* git_policy.h — the `git` section of the policy: which remotes the session's git endpoint
 * relays (credentials added outside), which refs a push may update, which token variables pass
 * into the sandbox, which SSH hosts and agent keys ssh may use, the signing key. */
#ifndef CORDON_GIT_POLICY_H
#define CORDON_GIT_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cordon/error.h"

struct cordon_strbuf;
struct cordon_path_list;

/* A list of malloc'd strings. */
struct cordon_git_list {
	char **v;
	size_t n;
	size_t cap; /* allocated elements of v (dedup.h cordon_grow) */
};

/* Bits of cordon_git_policy.set: the keys a configuration file gave (for the tighten-only merge
 * of a repository's .cordon.json). */
enum {
	CORDON_GIT_SET_REMOTES = 1u << 0,
	CORDON_GIT_SET_PUSH_REFS = 1u << 1,
	CORDON_GIT_SET_PASS_TOKENS = 1u << 2,
	CORDON_GIT_SET_SSH_HOSTS = 1u << 3,
	CORDON_GIT_SET_SSH_KEYS = 1u << 4,
	CORDON_GIT_SET_SIGNING_KEY = 1u << 5,
};

/* The special pushRefs entry for "the branch checked out in the current directory when the
 * session started" (its HEAD, read by the session process at start). */
#define CORDON_GIT_START_BRANCH "@start"

struct cordon_git_policy {
	/* git.remotes: "https://HOST[:PORT]/PATH" (one repository; a trailing ".git" is optional
	 * on either side of a comparison), or the same with a last path segment "*" (every
	 * repository below that prefix; "https://HOST/" and "*" for the whole host). HOST is
	 * canonical (hostpat.h). */
	struct cordon_git_list remotes;
	/* git.pushRefs: fnmatch(3) patterns over full ref names, '*' matching '/' too
	 * ("refs/heads/cordon/" then "*"), or CORDON_GIT_START_BRANCH. Empty: no push is
	 * allowed. */
	struct cordon_git_list push_refs;
	bool allow_delete; /* git.allowDelete: a push may delete a ref (default false) */
	bool allow_force;  /* git.allowForce: a push may move a ref to a non-descendant */
	/* git.passTokens: names of well-known token variables (cordon_git_token_names) that still
	 * pass into the sandbox. */
	struct cordon_git_list pass_tokens;
	/* git.sshHosts: host patterns (hostpat.h) of the SSH servers the agent socket signs for. */
	struct cordon_git_list ssh_hosts;
	/* git.sshKeys: the agent keys offered inside, each an absolute path of a public key file
	 * or a public key line ("ssh-ed25519 AAAA... comment"). */
	struct cordon_git_list ssh_keys;
	/* git.signingKey: the key `git commit -S` signs with outside (path or key line), or NULL.
	 */
	char *signing_key;

	/* Filled by cordon_git_policy_finish, not configuration keys: */
	char *repo_dir;	  /* the current directory: the confined repository */
	char *agent_path; /* the agent socket inside (also in network.allowUnixSockets), or NULL */

	unsigned set; /* CORDON_GIT_SET_* */
};

/* Adders for the configuration loader (config.c): each validates and appends one entry of its
 * key; home and base expand "~/" and relative paths as for filesystem paths. A duplicate is kept
 * until cordon_git_policy_dedup (the loader runs it once per file, instead of a search per
 * entry). Return 0 or -EINVAL (-ENOMEM) with e->msg saying what is wrong with s. */
int cordon_git_add_remote(void *list, const char *s, const char *home, const char *base,
			  struct cordon_error *e);
int cordon_git_add_push_ref(void *list, const char *s, const char *home, const char *base,
			    struct cordon_error *e);
int cordon_git_add_token(void *list, const char *s, const char *home, const char *base,
			 struct cordon_error *e);
int cordon_git_add_ssh_host(void *list, const char *s, const char *home, const char *base,
			    struct cordon_error *e);
/* a key file path or a public key line; list is a struct cordon_git_list */
int cordon_git_add_key(void *list, const char *s, const char *home, const char *base,
		       struct cordon_error *e);
/* target is the char * of git.signingKey */
int cordon_git_set_signing_key(void *target, const char *s, const char *home, const char *base,
			       struct cordon_error *e);

/* cordon_git_policy_dedup: drop the later of equal strings from each list of g, keeping the
 * first and the order of the rest, in O(n log n) (dedup.h). Returns 0 or -ENOMEM (g then keeps
 * its duplicates, which mean nothing more than one entry). */
int cordon_git_policy_dedup(struct cordon_git_policy *g);

/* cordon_git_policy_copy: deep copy of src into dst (dst is overwritten). Returns 0 or -ENOMEM. */
int cordon_git_policy_copy(struct cordon_git_policy *dst, const struct cordon_git_policy *src,
			   struct cordon_error *e);
void cordon_git_policy_free(struct cordon_git_policy *g);

/* cordon_git_policy_tighten: a repository's git section r may only narrow g: each entry it lists
 * must already be allowed by g (a remote covered by one of g's, a push ref pattern equal to one
 * of g's or a plain ref one of them matches, tokens, SSH hosts and keys equal to g's), and
 * allowDelete/allowForce may not become true. Lists r gives then replace g's. Returns 0, or
 * -EPERM naming rfile and the key, g unchanged. */
int cordon_git_policy_tighten(struct cordon_git_policy *g, const struct cordon_git_policy *r,
			      const char *rfile, struct cordon_error *e);

/* cordon_git_policy_finish: record cwd as the confined repository; when SSH keys are named,
 * choose the agent socket path (cordon's state directory, agent/RANDOM.sock, vlog.h) once and
 * add it to unix_sockets (network.allowUnixSockets, a struct cordon_path_list). Returns 0 or
 * -errno with e->msg set. */
int cordon_git_policy_finish(struct cordon_git_policy *g, const char *cwd,
			     struct cordon_path_list *unix_sockets, struct cordon_error *e);

/* cordon_git_policy_json: the section as the "git" member of policy --json (keys of the file). */
void cordon_git_policy_json(struct cordon_strbuf *b, const struct cordon_git_policy *g);

/* cordon_git_relay_wanted: does the session serve a git endpoint (remotes or a signing key)? */
bool cordon_git_relay_wanted(const struct cordon_git_policy *g);

/* cordon_git_remote_match: the index in g->remotes of the first entry that covers the repository
 * https://authority/path (authority "host" or "host:port" as in a URL, path beginning with '/',
 * ".git" optional), or -1. */
int cordon_git_remote_match(const struct cordon_git_policy *g, const char *authority,
			    const char *path);

/* cordon_git_token_names: the NULL-terminated list of well-known token variables removed from
 * the environment inside unless git.passTokens names them (README lists them). */
extern const char *const cordon_git_token_names[];

#endif
