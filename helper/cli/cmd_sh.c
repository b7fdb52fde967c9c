/* cmd_sh.c — `cordon sh [policy flags] [-eux...] -c STRING [NAME [ARGS...]]`: a `sh -c` drop-in
 * for VS Code tasks (options.shell.executable) and Neovim's 'shell' option, run confined. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "policy_flags.h"

static const char sh_usage[] =
    "usage: cordon sh " POLICY_FLAGS_USAGE " [-eufvx...] -c STRING [NAME [ARG...]]\n"
    "  runs /bin/sh -c STRING confined, like cordon run; short sh options before -c are passed\n"
    "  to sh (-l and -i are accepted and ignored), so 'shell' and 'shellcmdflag' of Neovim and\n"
    "  the shell options of VS Code tasks work unchanged\n";

/* The sh(1) options passed through; others a caller might add ('shellcmdflag' = "-lc") are
 * accepted and ignored. */
static const char pass_opts[] = "aefuvxC";
static const char ignore_opts[] = "il";

int cmd_sh(int argc, char **argv)
{
	struct policy_flags f;
	char **pf, **av, shopts[16] = "-";
	const char *command = NULL;
	int npf = 0, n = 0, i, first, r;

	pf = calloc(argc + 1, sizeof(*pf));
	av = calloc(argc + 5, sizeof(*av));
	if (!pf || !av) {
		free(pf);
		free(av);
		return CORDON_EXIT_SETUP;
	}
	/* Split the leading words: short option clusters of sh (which may hold the 'c') are
	 * taken here, long options go to the policy flags parser. */
	pf[npf++] = argv[0];
	for (i = 1; i < argc && !command; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (a[0] != '-' || a[1] == '\0')
			break;
		if (a[1] == '-') {
			pf[npf++] = argv[i];
			if (!strchr(a, '=') &&
			    (!strcmp(a, "--config") || !strcmp(a, "--allow-write") ||
			     !strcmp(a, "--allow-host")) &&
			    i + 1 < argc)
				pf[npf++] = argv[++i];
			continue;
		}
		if (!strcmp(a, "-h")) {
			pf[npf++] = argv[i];
			continue;
		}
		bool take = false;
		for (const char *c = a + 1; *c; c++) {
			if (*c == 'c')
				take = true;
			else if (strchr(pass_opts, *c) && strlen(shopts) < sizeof(shopts) - 1)
				strncat(shopts, c, 1);
			else if (!strchr(ignore_opts, *c)) {
				fprintf(stderr, "cordon sh: unknown option \"-%c\"\n%s", *c,
					sh_usage);
				r = CORDON_EXIT_USAGE;
				goto out;
			}
		}
		if (take) {
			if (i + 1 >= argc) {
				fprintf(stderr, "cordon sh: -c needs a command string\n%s",
					sh_usage);
				r = CORDON_EXIT_USAGE;
				goto out;
			}
			command = argv[++i];
		}
	}
	first = policy_flags_parse(npf, pf, &f);
	if ((r = policy_flags_usage(&f, first, f.json || first < npf, sh_usage)) >= 0)
		goto out;
	if (!command) {
		fputs(sh_usage, stderr);
		policy_flags_free(&f);
		r = CORDON_EXIT_USAGE;
		goto out;
	}
	av[n++] = "/bin/sh";
	if (shopts[1])
		av[n++] = shopts;
	av[n++] = "-c";
	av[n++] = (char *)command;
	for (; i < argc; i++) /* NAME ($0) and the positional parameters, as sh -c takes them */
		av[n++] = argv[i];
	av[n] = NULL;
	r = cmd_run_confined("sh", &f, av);
	policy_flags_free(&f);
out:
	free(pf);
	free(av);
	return r;
}
