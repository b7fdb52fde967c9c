/* policy_flags.h — the options of the policy-taking commands (`cordon run`, `shell`, `sh`,
 * `policy`): the policy flags through the core's one parser (policy_build.h), plus --json, -c
 * STRING and --help. */
#ifndef CORDON_POLICY_FLAGS_H
#define CORDON_POLICY_FLAGS_H

#include <stdbool.h>
#include <stddef.h>

#include "cordon/error.h"
#include "cordon/policy.h"
#include "cordon/policy_build.h"

struct policy_flags {
	struct cordon_policy_request rq; /* the policy flags (policy_build.h) */
	bool json;	     /* --json: the command prints JSON on stdout (if it supports it) */
	const char *command; /* -c STRING (for `cordon run -c`), or NULL */
	bool help;	     /* --help / -h */
};

/* policy_flags_parse: parse the options at the start of argv (argv[0] is the command word, as
 * main() hands it to cmd_*), stopping at the first operand or after "--", so
 * "cordon run --allow-host x -- cmd -x" leaves "-x" to cmd. Commands that do not take --json or
 * -c refuse them themselves. Returns the index in argv of the first operand (argc if none), or
 * -1 after printing "cordon CMD: ..." on stderr for an unknown option or a missing argument.
 * Call policy_flags_free afterwards in both cases. */
int policy_flags_parse(int argc, char **argv, struct policy_flags *out);

/* policy_flags_usage: the step after policy_flags_parse (which returned first) that every command
 * shares: words refused (first < 0, or bad) print usage on stderr and return CORDON_EXIT_USAGE;
 * --help prints usage on stdout and returns 0; f is freed in both cases. Otherwise returns -1 and
 * the command goes on with f. */
int policy_flags_usage(struct policy_flags *f, int first, bool bad, const char *usage);

/* policy_flags_build: cordon_policy_build for f in the current directory (getcwd(3)).
 * Returns 0, or a negative errno with e->msg naming file:line:column and key. On error p holds
 * nothing to free (freeing it is still harmless). */
int policy_flags_build(const struct policy_flags *f, struct cordon_policy *p,
		       struct cordon_error *e);

/* policy_flags_free: release what f holds. */
void policy_flags_free(struct policy_flags *f);

/* POLICY_FLAGS_USAGE: the flag synopsis, for usage messages. */
#define POLICY_FLAGS_USAGE CORDON_POLICY_FLAGS_USAGE

#endif
