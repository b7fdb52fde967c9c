/* policy_flags.c — the options every policy-taking command shares (policy_flags.h): the policy
 * flags go to the core's parser, the command's own options (--json, -c, --help) are taken here. */
#include "policy_flags.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"

/* short_opts: a cluster of short options ("-h", "-c STRING", "-cSTRING"). Returns 0, or -1 after
 * printing why. */
static int short_opts(int argc, char **argv, int *i, struct policy_flags *out, const char *cmd)
{
	for (const char *c = argv[*i] + 1; *c; c++) {
		if (*c == 'h') {
			out->help = true;
		} else if (*c == 'c') {
			if (c[1]) {
				out->command = c + 1;
			} else if (*i + 1 < argc) {
				out->command = argv[++*i];
			} else {
				fprintf(stderr, "cordon %s: option \"-c\" needs an argument\n",
					cmd);
				return -1;
			}
			return 0;
		} else {
			fprintf(stderr, "cordon %s: unknown option \"-%c\"\n", cmd, *c);
			return -1;
		}
	}
	return 0;
}

int policy_flags_parse(int argc, char **argv, struct policy_flags *out)
{
	const char *cmd = argc > 0 ? argv[0] : "cordon";
	int i;

	memset(out, 0, sizeof(*out));
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		struct cordon_error e = {{0}};
		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (a[0] != '-' || a[1] == '\0')
			break; /* the first operand */
		int r = cordon_policy_flag(&out->rq, argc, argv, &i, &e);
		if (r < 0) {
			fprintf(stderr, "cordon %s: %s\n", cmd, e.msg);
			return -1;
		}
		if (r > 0)
			continue;
		if (!strcmp(a, "--json")) {
			out->json = true;
		} else if (!strcmp(a, "--help")) {
			out->help = true;
		} else if (a[1] != '-') {
			if (short_opts(argc, argv, &i, out, cmd) < 0)
				return -1;
		} else {
			fprintf(stderr, "cordon %s: unknown option \"%s\"\n", cmd, a);
			return -1;
		}
	}
	return i;
}

int policy_flags_build(const struct policy_flags *f, struct cordon_policy *p,
		       struct cordon_error *e)
{
	char cwd[PATH_MAX];

	memset(p, 0, sizeof(*p));
	if (!getcwd(cwd, sizeof(cwd)))
		return cordon_error_set(e, errno, "cannot get the current directory: %m");
	return cordon_policy_build(p, &f->rq, cwd, e);
}

void policy_flags_free(struct policy_flags *f)
{
	cordon_policy_request_free(&f->rq);
}

int policy_flags_usage(struct policy_flags *f, int first, bool bad, const char *usage)
{
	if (first < 0 || bad) {
		fputs(usage, stderr);
		policy_flags_free(f);
		return CORDON_EXIT_USAGE;
	}
	if (f->help) {
		fputs(usage, stdout);
		policy_flags_free(f);
		return 0;
	}
	return -1;
}
