/* cmd_check.c — `cordon check [--json]`: the kernel report (report.h), as `sandbox check` prints
 * it. Changes nothing (probes run in child processes). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cordon/report.h"

static const char help[] =
    "usage: cordon check [--json]\n"
    "\n"
    "Probe what this kernel supports for each sandbox layer and name the layers a sandbox\n"
    "started now would lack. Nothing is changed; the probes run in child processes.\n"
    "\n"
    "  --json   print one JSON object on stdout (nothing else goes to stdout)\n"
    "\n"
    "Exit status: 0 when every layer is available, 1 when something is missing (the\n"
    "\"would be missing\" line / \"missing\" array names it; without user namespaces cordon\n"
    "cannot confine at all, and \"status\" / \"userns_why\" say why and what can be done), 2 on\n"
    "a usage error.\n";

int cmd_check(int argc, char **argv)
{
	bool json = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(help, stdout);
			return 0;
		} else {
			fprintf(stderr, "cordon check: unknown option \"%s\"\n%s", argv[i], help);
			return CORDON_EXIT_USAGE;
		}
	}

	struct cordon_report r;
	struct cordon_strbuf b = {0};
	struct cordon_error e = {{0}};
	/* In a session (cordon run, cordon shell) the probe sees what a nested sandbox gets. */
	if (cordon_report_probe(&r, getenv("CORDON_SESSION") != NULL, &e) < 0) {
		fprintf(stderr, "cordon check: %s\n", e.msg);
		return CORDON_EXIT_SETUP;
	}
	if (json) {
		cordon_report_json(&r, &b);
		cordon_sb_add(&b, "\n");
	} else {
		cordon_report_text(&r, &b);
	}
	if (b.oom) {
		fputs("cordon check: out of memory\n", stderr);
		return CORDON_EXIT_SETUP;
	}
	fputs(b.s, stdout);
	cordon_sb_free(&b);
	return r.n_missing ? 1 : 0;
}
