/* policy_build.c — the one way to build a policy (policy_build.h): the request every adapter
 * fills with the shared flag parser, and the merge of defaults, files, flags and .cordon.json. */
#include "cordon/policy_build.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cordon/config.h"
#include "cordon/ports.h"

/* ---- the request ---- */

static int push(char ***v, size_t *n, const char *s, struct cordon_error *e)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv)
		return cordon_error_set(e, ENOMEM, "out of memory");
	*v = nv;
	if (!(nv[*n] = strdup(s)))
		return cordon_error_set(e, ENOMEM, "out of memory");
	++*n;
	return 0;
}

static int replace(char **field, const char *s, struct cordon_error *e)
{
	char *copy = NULL;

	if (s && !(copy = strdup(s)))
		return cordon_error_set(e, ENOMEM, "out of memory");
	free(*field);
	*field = copy;
	return 0;
}

int cordon_policy_request_add_write(struct cordon_policy_request *rq, const char *s,
				    struct cordon_error *e)
{
	return push(&rq->allow_write, &rq->n_allow_write, s, e);
}

int cordon_policy_request_add_host(struct cordon_policy_request *rq, const char *s,
				   struct cordon_error *e)
{
	return push(&rq->allow_host, &rq->n_allow_host, s, e);
}

int cordon_policy_request_add_bind(struct cordon_policy_request *rq, const char *s,
				   struct cordon_error *e)
{
	return push(&rq->allow_bind, &rq->n_allow_bind, s, e);
}

int cordon_policy_request_add_expose(struct cordon_policy_request *rq, const char *s,
				     struct cordon_error *e)
{
	return push(&rq->expose, &rq->n_expose, s, e);
}

int cordon_policy_request_set_config(struct cordon_policy_request *rq, const char *s,
				     struct cordon_error *e)
{
	return replace(&rq->config, s, e);
}

int cordon_policy_request_set_settings(struct cordon_policy_request *rq, const char *s,
				       struct cordon_error *e)
{
	return replace(&rq->settings, s, e);
}

void cordon_policy_request_free(struct cordon_policy_request *rq)
{
	for (size_t i = 0; i < rq->n_allow_write; i++)
		free(rq->allow_write[i]);
	for (size_t i = 0; i < rq->n_allow_host; i++)
		free(rq->allow_host[i]);
	for (size_t i = 0; i < rq->n_allow_bind; i++)
		free(rq->allow_bind[i]);
	for (size_t i = 0; i < rq->n_expose; i++)
		free(rq->expose[i]);
	free(rq->allow_write);
	free(rq->allow_host);
	free(rq->allow_bind);
	free(rq->expose);
	free(rq->config);
	free(rq->settings);
	memset(rq, 0, sizeof(*rq));
}

/* ---- the flag parser ---- */

int cordon_policy_flag(struct cordon_policy_request *rq, int argc, char *const *argv, int *i,
		       struct cordon_error *e)
{
	static const char *const valued[] = {"--config", "--allow-write", "--allow-host",
					     "--allow-bind", "--expose"};
	const char *a = argv[*i], *v = NULL;
	size_t k = 0, n = 0;

	if (!strcmp(a, "--strict")) {
		rq->strict = true;
		return 1;
	}
	if (!strcmp(a, "--lock")) {
		rq->lock = true;
		return 1;
	}
	for (; k < sizeof(valued) / sizeof(valued[0]); k++) {
		n = strlen(valued[k]);
		if (!strncmp(a, valued[k], n) && (a[n] == '\0' || a[n] == '='))
			break;
	}
	if (k == sizeof(valued) / sizeof(valued[0]))
		return 0;
	if (a[n] == '=')
		v = a + n + 1;
	else if (*i + 1 < argc)
		v = argv[++*i];
	else
		return cordon_error_set(e, EINVAL, "option \"%s\" needs an argument", valued[k]);
	switch (k) {
	case 0:
		return replace(&rq->config, v, e) < 0 ? -ENOMEM : 1;
	case 1:
		return cordon_policy_request_add_write(rq, v, e) < 0 ? -ENOMEM : 1;
	case 2:
		return cordon_policy_request_add_host(rq, v, e) < 0 ? -ENOMEM : 1;
	case 3:
		return cordon_policy_request_add_bind(rq, v, e) < 0 ? -ENOMEM : 1;
	default:
		return cordon_policy_request_add_expose(rq, v, e) < 0 ? -ENOMEM : 1;
	}
}

/* ---- the merge ---- */

/* like_booleans: r gets empty lists and p's booleans, so that after loading a repository's file
 * into it, every boolean that differs from p is one the file set. */
static void like_booleans(struct cordon_policy *r, const struct cordon_policy *p)
{
	memset(r, 0, sizeof(*r));
	r->allow_local_binding = p->allow_local_binding;
	r->allow_git_config = p->allow_git_config;
	r->ignore_violations = p->ignore_violations;
	r->enable_weaker_nested_sandbox = p->enable_weaker_nested_sandbox;
	r->lock_policy = p->lock_policy;
	r->private_tmp = p->private_tmp;
	r->strict = p->strict;
	r->git.allow_delete = p->git.allow_delete;
	r->git.allow_force = p->git.allow_force;
}

/* writable_exist: every allow_write entry from index `from` on must exist, as bubblewrap's --bind
 * refuses a missing source: a writable tree that is silently skipped leaves a command failing
 * later with EROFS and no hint why. `origin` names the flag or the file and key for the message.
 * A repository's .cordon.json is not checked: it can only narrow, never add, a writable tree. */
static int writable_exist(const struct cordon_policy *p, size_t from, const char *origin,
			  struct cordon_error *e)
{
	struct stat st;

	for (size_t i = from; i < p->allow_write.n; i++) {
		const char *w = p->allow_write.v[i];
		if (stat(w, &st) == 0 || (errno != ENOENT && errno != ENOTDIR))
			continue; /* other errors (EACCES) are reported by the mount layer */
		return cordon_error_set(e, ENOENT,
					"%s: writable path %s does not exist; create it first "
					"(mkdir -p %s) or leave it out",
					origin, w, w);
	}
	return 0;
}

/* load_file: a configuration file (or the inline settings when json is non-NULL) merged into p,
 * relative paths against cwd; every allowWrite path it adds must exist. Returns 1 when loaded, 0
 * when an optional file (the user's own) does not exist, or a negative errno. */
static int load_file(struct cordon_policy *p, const char *path, const char *json, bool optional,
		     const char *cwd, const char *home, struct cordon_error *e)
{
	char origin[PATH_MAX + 32];
	size_t had = p->allow_write.n;
	int r;

	if (json)
		r = cordon_config_load_string(p, json, strlen(json), path, cwd, home, e);
	else
		r = cordon_config_load_file(p, path, cwd, home, e);
	if (r < 0)
		return optional && (r == -ENOENT || r == -ENOTDIR) ? 0 : r;
	snprintf(origin, sizeof(origin), "%s: filesystem.allowWrite", path);
	r = writable_exist(p, had, origin, e);
	return r < 0 ? r : 1;
}

int cordon_policy_build(struct cordon_policy *p, const struct cordon_policy_request *rq,
			const char *cwd, struct cordon_error *e)
{
	static const struct cordon_policy_request none;
	const char *home = getenv("HOME");
	char path[PATH_MAX];
	struct cordon_policy repo;
	int r;

	if (!rq)
		rq = &none;
	if (home && home[0] != '/')
		home = NULL;
	if (!cwd || cwd[0] != '/')
		return cordon_error_set(e, EINVAL, "current directory is not an absolute path");
	if ((r = cordon_policy_init(p, home, e)) < 0)
		return r;

	/* 1. the user's own config, if there is one; else sandbox-runtime's ~/.srt-settings.json */
	r = 0;
	if (cordon_config_user_path(path, sizeof(path)) == 0 &&
	    (r = load_file(p, path, NULL, true, cwd, home, e)) < 0)
		goto fail;
	if (r == 0 && cordon_config_srt_path(path, sizeof(path)) == 0 &&
	    (r = load_file(p, path, NULL, true, cwd, home, e)) < 0)
		goto fail;
	/* 2. --config, then the inline settings of an editor */
	if (rq->config && (r = load_file(p, rq->config, NULL, false, cwd, home, e)) < 0)
		goto fail;
	if (rq->settings && (r = load_file(p, "settings", rq->settings, false, cwd, home, e)) < 0)
		goto fail;
	/* 3. flags: paths relative to the current directory */
	for (size_t i = 0; i < rq->n_allow_write; i++) {
		size_t had = p->allow_write.n;
		if ((r = cordon_policy_add_path(&p->allow_write, rq->allow_write[i], home, cwd,
						e)) < 0) {
			cordon_error_prefix(e, r, "--allow-write");
			goto fail;
		}
		if ((r = writable_exist(p, had, "--allow-write", e)) < 0)
			goto fail;
	}
	for (size_t i = 0; i < rq->n_allow_host; i++)
		if ((r = cordon_policy_add_host(&p->allow_hosts, rq->allow_host[i], e)) < 0) {
			cordon_error_prefix(e, r, "--allow-host");
			goto fail;
		}
	/* 4. the repository's .cordon.json: it may only tighten. The current directory is writable
	 * in any case (step 5), so a file that names "." as writable loosens nothing. */
	snprintf(path, sizeof(path), "%s%s.cordon.json", cwd, strcmp(cwd, "/") ? "/" : "");
	like_booleans(&repo, p);
	r = cordon_config_load_file(&repo, path, cwd, home, e);
	if (r == 0) {
		if ((r = cordon_policy_add_path(&p->allow_write, cwd, NULL, NULL, e)) == 0)
			r = cordon_policy_tighten(p, &repo, path, e);
		cordon_policy_free(&repo);
		if (r == 0 && !(p->repo_config = strdup(path)))
			r = cordon_error_set(e, ENOMEM, "out of memory");
		if (r < 0)
			goto fail;
	} else if (r != -ENOENT) {
		goto fail;
	}
	/* 5. the current directory, and validation of the whole */
	if ((r = cordon_policy_finish(p, cwd, e)) < 0)
		goto fail;
	/* 6. --strict and --lock only add to what the files said */
	p->strict = p->strict || rq->strict;
	p->lock_policy = p->lock_policy || rq->lock;
	/* 7. --allow-bind and --expose: the person's own, after the repository's file, which
	 * cannot add them (ports.h) */
	for (size_t i = 0; i < rq->n_allow_bind; i++)
		if ((r = cordon_policy_add_bind(p, rq->allow_bind[i], e)) < 0)
			goto fail;
	for (size_t i = 0; i < rq->n_expose; i++)
		if ((r = cordon_policy_add_expose(p, rq->expose[i], e)) < 0)
			goto fail;
	return 0;
fail:
	cordon_policy_free(p);
	return r;
}
