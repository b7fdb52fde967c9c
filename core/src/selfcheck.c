/* selfcheck.c — the last step of confinement: read back /proc/self/status and verify that the
 * kernel holds what the earlier steps asked for (no capabilities, no_new_privs, seccomp filter). */
#include "cordon/layers.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct expect {
	const char *field; /* "Name:" in /proc/self/status (proc(5)) */
	const char *want;  /* the value it must have */
	bool hex;	   /* compare as a hexadecimal number (capability masks) */
};

static const struct expect expected[] = {
    {"CapInh", "0", true},   {"CapPrm", "0", true}, {"CapEff", "0", true},
    {"CapBnd", "0", true},   {"CapAmb", "0", true}, {"NoNewPrivs", "1", false},
    {"Seccomp", "2", false}, /* 2 = SECCOMP_MODE_FILTER */
};

#define N_EXPECTED (sizeof(expected) / sizeof(expected[0]))

static bool same(const struct expect *x, const char *val)
{
	if (x->hex) {
		char *end;
		errno = 0;
		unsigned long long v = strtoull(val, &end, 16);
		return errno == 0 && end != val && *end == '\0' && v == strtoull(x->want, NULL, 16);
	}
	return strcmp(val, x->want) == 0;
}

int cordon_selfcheck(struct cordon_error *e)
{
	FILE *f = fopen("/proc/self/status", "re");
	if (!f)
		return cordon_error_set(e, errno, "self-check: /proc/self/status: %s",
					strerror(errno));
	bool seen[N_EXPECTED] = {false};
	char *line = NULL;
	size_t cap = 0;
	int rc = 0;
	while (rc == 0 && getline(&line, &cap, f) > 0) {
		char *colon = strchr(line, ':');
		if (!colon)
			continue;
		*colon = '\0';
		char *val = colon + 1 + strspn(colon + 1, " \t");
		val[strcspn(val, "\n")] = '\0';
		for (size_t i = 0; i < N_EXPECTED; i++) {
			if (strcmp(line, expected[i].field) != 0)
				continue;
			seen[i] = true;
			if (!same(&expected[i], val))
				rc = cordon_error_set(e, EPERM, "self-check: %s is %s, expected %s",
						      line, val, expected[i].want);
		}
	}
	free(line);
	fclose(f);
	for (size_t i = 0; rc == 0 && i < N_EXPECTED; i++)
		if (!seen[i])
			rc = cordon_error_set(e, EPERM,
					      "self-check: %s missing from "
					      "/proc/self/status",
					      expected[i].field);
	return rc;
}
