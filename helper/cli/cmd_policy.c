/* cmd_policy.c — `cordon policy [--json] [policy flags]`: print the effective merged policy and
 * what a session here would protect (JSON on stdout with --json, the summary `sandbox policy`
 * prints otherwise). Changes nothing. */
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "cordon/mounts.h"
#include "cordon/policy.h"
#include "policy_flags.h"

static const char usage[] = "usage: cordon policy [--json] " POLICY_FLAGS_USAGE "\n";

int cmd_policy(int argc, char **argv)
{
	struct policy_flags f;
	struct cordon_policy p = {0};
	struct cordon_error e = {.msg = ""};
	int idx = policy_flags_parse(argc, argv, &f), rc = 0;
	char *out = NULL;

	if (idx >= 0 && f.command)
		fputs("cordon policy: option \"-c\" is for cordon run\n", stderr);
	else if (idx >= 0 && idx < argc)
		fprintf(stderr, "cordon policy: unexpected argument \"%s\"\n", argv[idx]);
	if ((rc = policy_flags_usage(&f, idx, f.command || idx < argc, usage)) >= 0)
		return rc;
	rc = 0;
	if (policy_flags_build(&f, &p, &e) < 0) {
		fprintf(stderr, "cordon policy: %s\n", e.msg);
		rc = CORDON_EXIT_SETUP;
	} else {
		/* what a session here would protect, laid out for real in a throwaway namespace */
		char *preview = NULL;
		struct cordon_error pe = {.msg = ""};
		if (cordon_mounts_preview(&p, getenv("HOME"), &preview, &pe) < 0)
			fprintf(stderr, "cordon policy: cannot show what is protected: %s\n",
				pe.msg);
		if ((f.json ? cordon_policy_to_json_protected(&p, preview ? preview : "", &out, &e)
			    : cordon_policy_to_text(&p, preview ? preview : "", &out, &e)) < 0) {
			fprintf(stderr, "cordon policy: %s\n", e.msg);
			rc = CORDON_EXIT_SETUP;
		} else {
			fputs(out, stdout);
		}
		free(preview);
	}
	if (fflush(stdout) != 0 && rc == 0) {
		perror("cordon policy: stdout");
		rc = CORDON_EXIT_SETUP;
	}
	free(out);
	cordon_policy_free(&p);
	policy_flags_free(&f);
	return rc;
}
