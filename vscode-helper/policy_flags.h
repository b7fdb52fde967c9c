/* policy_flags.h — the policy flags shared by `cordon run`, `cordon policy` and friends:
 * --config F, --allow-write P, --allow-host H, --strict, --lock (and --json, -c STRING). */
#ifndef CORDON_POLICY_FLAGS_H
#define CORDON_POLICY_FLAGS_H

#include <stdbool.h>
#include <stddef.h>

#include "cordon/error.h"
#include "cordon/policy.h"

struct policy_flags {
	const char *config; /* --config F (points into argv), or NULL */
	char **allow_write; /* --allow-write P... (malloc'd array of pointers into argv) */
	size_t n_allow_write;
	char **allow_host; /* --allow-host H... */
	size_t n_allow_host;
	char **allow_bind; /* --allow-bind PORT... (ports.h) */
	size_t n_allow_bind;
	char **expose; /* --expose PORT[:HOSTPORT]... */
	size_t n_expose;
	bool strict;	     /* --strict */
	bool lock;	     /* --lock */
	bool json;	     /* --json: the command prints JSON on stdout (if it supports it) */
	const char *command; /* -c STRING (for `cordon run -c`), or NULL */
	bool help;	     /* --help / -h */
};

/* policy_flags_parse: parse the options at the start of argv (argv[0] is the command word, as
 * main() hands it to cmd_*), stopping at the first operand or after "--" (getopt_long(3) with
 * "+", so "cordon run --allow-host x -- cmd -x" leaves "-x" to cmd). Commands that do not take
 * --json or -c refuse them themselves. Returns the index in argv of the first operand (argc if
 * none), or -1 after printing "cordon CMD: ..." on stderr for an unknown option or a missing
 * argument. Call policy_flags_free afterwards in both cases. */
int policy_flags_parse(int argc, char **argv, struct policy_flags *out);

/* policy_flags_usage: the step after policy_flags_parse (which returned first) that every command
 * shares: words refused (first < 0, or bad) print usage on stderr and return CORDON_EXIT_USAGE;
 * --help prints usage on stdout and returns 0; f is freed in both cases. Otherwise returns -1 and
 * the command goes on with f. */
int policy_flags_usage(struct policy_flags *f, int first, bool bad, const char *usage);

/* policy_flags_build: cordon_policy_build with the flags and getcwd(3), then --strict and --lock.
 * Returns 0, or a negative errno with e->msg naming file:line:column and key. On error p holds
 * nothing to free (freeing it is still harmless). */
int policy_flags_build(const struct policy_flags *f, struct cordon_policy *p,
		       struct cordon_error *e);

/* policy_flags_free: release the arrays of f (the strings belong to argv). */
void policy_flags_free(struct policy_flags *f);

/* POLICY_FLAGS_USAGE: the flag synopsis, for usage messages. */
#define POLICY_FLAGS_USAGE                                                                         \
	"[--config F] [--allow-write P]... [--allow-host H]... [--strict] [--lock]"

#endif
