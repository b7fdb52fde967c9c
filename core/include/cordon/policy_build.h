/* policy_build.h — the one way every adapter gets its policy: a request (the policy flags, or an
 * editor's session.start), filled by the one flag parser, and cordon_policy_build's merge. */
#ifndef CORDON_POLICY_BUILD_H
#define CORDON_POLICY_BUILD_H

#include <stdbool.h>
#include <stddef.h>

#include "cordon/error.h"
#include "cordon/policy.h"

/* What a caller asks for on top of the configuration files; start from {0}, free with
 * cordon_policy_request_free. Every string is owned by the request. */
struct cordon_policy_request {
	char *config;	    /* --config FILE, or NULL */
	char *settings;	    /* config-file keys as one JSON object (serve's "settings"), or NULL */
	char **allow_write; /* --allow-write PATH... (relative: to the current directory) */
	size_t n_allow_write;
	char **allow_host; /* --allow-host HOST[:PORT]... */
	size_t n_allow_host;
	char **allow_bind; /* --allow-bind PORT... (ports.h) */
	size_t n_allow_bind;
	char **expose; /* --expose PORT[:HOSTPORT]... (ports.h) */
	size_t n_expose;
	bool strict; /* --strict */
	bool lock;   /* --lock */
};

/* The flag synopsis, for usage messages. */
#define CORDON_POLICY_FLAGS_USAGE                                                                  \
	"[--config F] [--allow-write P]... [--allow-host H]... [--allow-bind PORT]... "            \
	"[--expose PORT[:HOSTPORT]]... [--strict] [--lock]"

/* cordon_policy_flag: the policy-flag parser every adapter shares (the bash builtin and zsh
 * module through `sandbox on`, the cordon binary's run/shell/sh/policy). If argv[*i] is a policy
 * flag (--config F, --allow-write P, --allow-host H, --allow-bind PORT, --expose
 * PORT[:HOSTPORT], each also as --flag=VALUE; --strict, --lock), it is added to rq and *i is left
 * on its last word (the value, when separate). Returns 1 when it took the flag, 0 when argv[*i] is
 * no policy flag (the adapter decides: its own option, an operand or an unknown option), or -EINVAL
 * ("option \"--config\" needs an argument") / -ENOMEM with e->msg set. */
int cordon_policy_flag(struct cordon_policy_request *rq, int argc, char *const *argv, int *i,
		       struct cordon_error *e);

/* cordon_policy_request_add_write / _add_host / _add_bind / _add_expose: append a copy of s to
 * allow_write / allow_host / allow_bind / expose (checked by cordon_policy_build).
 * cordon_policy_request_set_config / _set_settings: replace config / settings with a copy of s
 * (NULL clears). Each returns 0 or -ENOMEM with e->msg set. */
int cordon_policy_request_add_write(struct cordon_policy_request *rq, const char *s,
				    struct cordon_error *e);
int cordon_policy_request_add_host(struct cordon_policy_request *rq, const char *s,
				   struct cordon_error *e);
int cordon_policy_request_add_bind(struct cordon_policy_request *rq, const char *s,
				   struct cordon_error *e);
int cordon_policy_request_add_expose(struct cordon_policy_request *rq, const char *s,
				     struct cordon_error *e);
int cordon_policy_request_set_config(struct cordon_policy_request *rq, const char *s,
				     struct cordon_error *e);
int cordon_policy_request_set_settings(struct cordon_policy_request *rq, const char *s,
				       struct cordon_error *e);

/* cordon_policy_request_free: release what rq owns and reset it to {0}. */
void cordon_policy_request_free(struct cordon_policy_request *rq);

/* cordon_policy_build: the policy for rq in the directory cwd (absolute), merged in this order
 * (docs/design.md §6): the defaults (cordon_policy_init with $HOME); the user's config
 * file if it exists (cordon_config_user_path), else sandbox-runtime's ~/.srt-settings.json if it
 * exists (cordon_config_srt_path); rq->config; rq->settings; the flags (allow_write,
 * allow_host); CWD/.cordon.json if it exists, which may only tighten (cordon_policy_tighten) and
 * is named in p->repo_config; cwd made writable and the whole validated (cordon_policy_finish);
 * then rq->strict and rq->lock; then rq->allow_bind and rq->expose (cordon_policy_add_bind and
 * _add_expose, ports.h: after the repository's file, which cannot add them). Relative paths, in
 * files and flags alike, resolve against cwd. Every allowWrite path a file or flag adds must exist.
 * Returns 0, or a negative errno with e->msg naming the file, line:column and key (or the flag);
 * on error p holds nothing (freeing it is harmless). */
int cordon_policy_build(struct cordon_policy *p, const struct cordon_policy_request *rq,
			const char *cwd, struct cordon_error *e);

#endif
