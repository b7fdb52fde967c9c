/* git_env.c — the environment inside for the policy's git section (git_env.h). */
#include "cordon/git_env.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "git_relay.h"

/* put: set name to value (malloc'd, taken), replacing an entry of that name. */
static int put(struct cordon_env *env, const char *name, char *value)
{
	if (!value)
		return -ENOMEM;
	for (size_t i = 0; i < env->n; i++)
		if (!strcmp(env->v[i].name, name)) {
			free(env->v[i].value);
			env->v[i].value = value;
			return 0;
		}
	struct cordon_env_entry *v = realloc(env->v, (env->n + 1) * sizeof(*v));
	if (!v) {
		free(value);
		return -ENOMEM;
	}
	env->v = v;
	v[env->n].name = name; /* a string literal */
	v[env->n].value = value;
	env->n++;
	return 0;
}

/* drop: remove the entries called name (a removal becomes "leave it as it is"). */
static void drop(struct cordon_env *env, const char *name)
{
	size_t j = 0;
	for (size_t i = 0; i < env->n; i++) {
		if (!strcmp(env->v[i].name, name))
			free(env->v[i].value);
		else
			env->v[j++] = env->v[i];
	}
	env->n = j;
}

/* put_named: a new entry whose name is computed: one allocation holds the value, then the name
 * (the entry frees its value, and with it the name). */
static int put_named(struct cordon_env *env, const char *name, const char *value)
{
	size_t vl = strlen(value), nl = strlen(name);
	char *block = malloc(vl + nl + 2);
	struct cordon_env_entry *v = realloc(env->v, (env->n + 1) * sizeof(*v));

	if (v)
		env->v = v;
	if (!block || !v) {
		free(block);
		return -ENOMEM;
	}
	memcpy(block, value, vl + 1);
	memcpy(block + vl + 1, name, nl + 1);
	v[env->n].value = block;
	v[env->n].name = block + vl + 1;
	env->n++;
	return 0;
}

#define GIT_ENV_MAX 64 /* configuration entries added */

struct cfg {
	struct cordon_env *env;
	unsigned base, n;
	int err;
};

static void add_cfg(struct cfg *c, const char *key, const char *value)
{
	unsigned i = c->base + c->n;
	char kn[32], vn[32];

	if (c->err || c->n >= GIT_ENV_MAX) {
		c->err = c->err ? c->err : -E2BIG;
		return;
	}
	snprintf(kn, sizeof(kn), "GIT_CONFIG_KEY_%u", i);
	snprintf(vn, sizeof(vn), "GIT_CONFIG_VALUE_%u", i);
	int r = put_named(c->env, kn, key);
	if (r == 0)
		r = put_named(c->env, vn, value);
	c->err = r;
	c->n++;
}

/* key_line: the public key line of git.signingKey (the first line of its file), or NULL. */
static char *key_line(const char *k)
{
	char line[16384];

	if (k[0] != '/')
		return strdup(k);
	FILE *f = fopen(k, "re");
	if (!f)
		return NULL;
	bool got = fgets(line, sizeof(line), f) != NULL;
	fclose(f);
	if (!got)
		return NULL;
	line[strcspn(line, "\r\n")] = '\0';
	return strdup(line);
}

int cordon_env_git(struct cordon_env *env, const struct cordon_policy *p,
		   const struct cordon_session_info *si, const char *self_exe,
		   struct cordon_error *e)
{
	const struct cordon_git_policy *g = &p->git;
	const char *had = getenv("GIT_CONFIG_COUNT");
	struct cfg c = {.env = env, .base = had ? (unsigned)strtoul(had, NULL, 10) : 0};
	char key[600], value[400], *s;
	int r = 0;

	for (size_t i = 0; g->pass_tokens.v && i < g->pass_tokens.n; i++)
		drop(env, g->pass_tokens.v[i]);
	if (g->agent_path && (r = put(env, "SSH_AUTH_SOCK", strdup(g->agent_path))) < 0)
		goto nomem;
	if (!si->git_port)
		return 0;
	for (size_t i = 0; i < g->remotes.n; i++) {
		/* "https://AUTHORITY/..." → AUTHORITY, once per authority */
		const char *a = g->remotes.v[i] + 8, *slash = strchr(a, '/');
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = !strncmp(g->remotes.v[j] + 8, a, (size_t)(slash - a + 1));
		if (seen)
			continue;
		snprintf(key, sizeof(key),
			 "url.http://127.0.0.1:%u" GIT_RELAY_PREFIX "%.*s/.insteadOf", si->git_port,
			 (int)(slash - a), a);
		snprintf(value, sizeof(value), "https://%.*s/", (int)(slash - a), a);
		add_cfg(&c, key, value);
	}
	if (g->signing_key && self_exe) {
		char *line = key_line(g->signing_key);
		add_cfg(&c, "gpg.format", "ssh");
		add_cfg(&c, "gpg.ssh.program", self_exe);
		/* git hands this to the signer as -f; cordon's signer uses the policy's key, so a
		 * key it could not read here only costs git's display of it */
		add_cfg(&c, "user.signingKey", line ? line : "cordon:git.signingKey");
		free(line);
		if (asprintf(&s, "http://127.0.0.1:%u", si->git_port) < 0)
			s = NULL;
		if (!c.err)
			c.err = put(env, "CORDON_GIT_ENDPOINT", s);
	}
	if (c.err == -E2BIG)
		return cordon_error_set(e, E2BIG,
					"environment: too many git configuration entries");
	if (c.err)
		goto nomem;
	if (c.n) {
		if (asprintf(&s, "%u", c.base + c.n) < 0)
			goto nomem;
		if (put(env, "GIT_CONFIG_COUNT", s) < 0)
			goto nomem;
	}
	return 0;
nomem:
	return cordon_error_set(e, ENOMEM, "environment: out of memory");
}
