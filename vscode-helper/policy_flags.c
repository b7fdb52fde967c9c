/* policy_flags.c — parsing of the policy flags every policy-taking command shares, and the
 * policy built from them (see policy_flags.h). */
#include "policy_flags.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "cordon/config.h"
#include "cordon/ports.h"

static int push(char ***v, size_t *n, char *s)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv)
		return -1;
	nv[(*n)++] = s;
	*v = nv;
	return 0;
}

int policy_flags_parse(int argc, char **argv, struct policy_flags *out)
{
	enum {
		OPT_CONFIG = 256,
		OPT_ALLOW_WRITE,
		OPT_ALLOW_HOST,
		OPT_STRICT,
		OPT_LOCK,
		OPT_JSON,
		OPT_ALLOW_BIND,
		OPT_EXPOSE
	};
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, OPT_CONFIG},
	    {"allow-write", required_argument, NULL, OPT_ALLOW_WRITE},
	    {"allow-host", required_argument, NULL, OPT_ALLOW_HOST},
	    {"allow-bind", required_argument, NULL, OPT_ALLOW_BIND},
	    {"expose", required_argument, NULL, OPT_EXPOSE},
	    {"strict", no_argument, NULL, OPT_STRICT},
	    {"lock", no_argument, NULL, OPT_LOCK},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *cmd = argc > 0 ? argv[0] : "cordon";
	int opt;

	memset(out, 0, sizeof(*out));
	opterr = 0;
	optind = 0; /* glibc: 0 re-initialises the scanner for a second parse in one process */
	while ((opt = getopt_long(argc, argv, "+:c:h", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_CONFIG:
			out->config = optarg;
			break;
		case OPT_ALLOW_WRITE:
			if (push(&out->allow_write, &out->n_allow_write, optarg) < 0)
				goto nomem;
			break;
		case OPT_ALLOW_HOST:
			if (push(&out->allow_host, &out->n_allow_host, optarg) < 0)
				goto nomem;
			break;
		case OPT_ALLOW_BIND:
			if (push(&out->allow_bind, &out->n_allow_bind, optarg) < 0)
				goto nomem;
			break;
		case OPT_EXPOSE:
			if (push(&out->expose, &out->n_expose, optarg) < 0)
				goto nomem;
			break;
		case OPT_STRICT:
			out->strict = true;
			break;
		case OPT_LOCK:
			out->lock = true;
			break;
		case OPT_JSON:
			out->json = true;
			break;
		case 'c':
			out->command = optarg;
			break;
		case 'h':
			out->help = true;
			break;
		case ':':
			fprintf(stderr, "cordon %s: option \"%s\" needs an argument\n", cmd,
				argv[optind - 1]);
			return -1;
		default:
			if (optopt)
				fprintf(stderr, "cordon %s: unknown option \"-%c\"\n", cmd, optopt);
			else
				fprintf(stderr, "cordon %s: unknown option \"%s\"\n", cmd,
					argv[optind - 1]);
			return -1;
		}
	}
	return optind;
nomem:
	fprintf(stderr, "cordon %s: out of memory\n", cmd);
	return -1;
}

int policy_flags_build(const struct policy_flags *f, struct cordon_policy *p,
		       struct cordon_error *e)
{
	char cwd[PATH_MAX];
	int r;

	if (!getcwd(cwd, sizeof(cwd)))
		return cordon_error_set(e, errno, "cannot get the current directory: %m");
	r = cordon_policy_build(p, f->config, f->allow_write, f->n_allow_write, f->allow_host,
				f->n_allow_host, cwd, e);
	if (r < 0)
		return r;
	p->strict = p->strict || f->strict;
	p->lock_policy = p->lock_policy || f->lock;
	for (size_t i = 0; r == 0 && i < f->n_allow_bind; i++)
		r = cordon_policy_add_bind(p, f->allow_bind[i], e);
	for (size_t i = 0; r == 0 && i < f->n_expose; i++)
		r = cordon_policy_add_expose(p, f->expose[i], e);
	if (r < 0)
		cordon_policy_free(p);
	return r;
}

void policy_flags_free(struct policy_flags *f)
{
	free(f->allow_write);
	free(f->allow_host);
	free(f->allow_bind);
	free(f->expose);
	f->allow_bind = f->expose = NULL;
	f->n_allow_bind = f->n_expose = 0;
	f->allow_write = f->allow_host = NULL;
	f->n_allow_write = f->n_allow_host = 0;
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
