/* serve_params.c — a request's params, and the policy of the session.start request that every
 * run builds for its cwd (policy_build.h). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "serve.h"

/* ---- policy ----------------------------------------------------------------------------- */

void serve_strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int serve_strv_push(char ***v, size_t *n, const char *str)
{
	char **nv = realloc(*v, (*n + 2) * sizeof(**v));

	if (!nv)
		return -ENOMEM;
	*v = nv;
	nv[*n] = strdup(str);
	if (!nv[*n])
		return -ENOMEM;
	nv[++*n] = NULL;
	return 0;
}

/* build_policy: the session's policy for a command in cwd: cordon_policy_build for the request
 * of session.start with the hosts allowed for the session added to its allowHost. */
int serve_build_policy(const struct serve *s, const char *cwd, struct cordon_policy *p,
		       struct cordon_error *e)
{
	struct cordon_policy_request rq = s->req; /* borrowed: not freed here */
	size_t nh = s->req.n_allow_host + s->n_session_hosts;
	int r;

	memset(p, 0, sizeof(*p));
	rq.allow_host = calloc(nh + 1, sizeof(*rq.allow_host));
	if (!rq.allow_host)
		return cordon_error_set(e, ENOMEM, "out of memory");
	for (size_t i = 0; i < s->req.n_allow_host; i++)
		rq.allow_host[i] = s->req.allow_host[i];
	for (size_t i = 0; i < s->n_session_hosts; i++)
		rq.allow_host[s->req.n_allow_host + i] = s->session_hosts[i];
	rq.n_allow_host = nh;
	r = cordon_policy_build(p, &rq, cwd, e);
	free(rq.allow_host);
	return r;
}

/* param_str: params[key] as a malloc'd string; *bad set when present with another type. */
char *serve_param_str(const struct req *q, const char *key, bool *bad)
{
	int i = cordon_json_get(q->d, q->params, key);

	if (i < 0 || cordon_json_is_null(q->d, i))
		return NULL;
	char *v = rpc_strdup(q->d, i);
	if (!v)
		*bad = true;
	return v;
}

/* param_strv: params[key], an array of strings, into a NULL-terminated malloc'd vector. */
int serve_param_strv(const struct req *q, const char *key, char ***out, size_t *n)
{
	int i = cordon_json_get(q->d, q->params, key);

	*out = NULL;
	*n = 0;
	if (i < 0 || cordon_json_is_null(q->d, i))
		return 0;
	if (cordon_json_type(q->d, i) != CORDON_JSON_ARR)
		return -EINVAL;
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (int k = 0; k < cordon_json_size(q->d, i); k++) {
		char *v = rpc_strdup(q->d, cordon_json_elem(q->d, i, k));
		if (!v || serve_strv_push(out, n, v) < 0) {
			free(v);
			serve_strv_free(*out, *n);
			*out = NULL;
			*n = 0;
			return -EINVAL;
		}
		free(v);
	}
	return 0;
}

bool serve_param_bool(const struct req *q, const char *key, bool *out, bool *bad)
{
	int i = cordon_json_get(q->d, q->params, key);

	if (i < 0 || cordon_json_is_null(q->d, i))
		return false;
	if (!cordon_json_bool(q->d, i, out))
		*bad = true;
	return true;
}

/* with_policy: build the session's policy for params.cwd (or serve's cwd) or reply an error. */
int serve_with_policy(struct req *q, struct cordon_policy *p)
{
	struct cordon_error e = {{0}};
	char cwd[PATH_MAX], *c;
	bool bad = false;
	int r;

	c = serve_param_str(q, "cwd", &bad);
	if (bad) {
		serve_reply_error(q->id, RPC_INVALID_PARAMS, "cwd must be a string");
		return -1;
	}
	if (!c && !getcwd(cwd, sizeof(cwd)))
		strcpy(cwd, "/");
	r = serve_build_policy(q->s, c ? c : cwd, p, &e);
	free(c);
	if (r < 0) {
		serve_reply_error(q->id, RPC_INVALID_PARAMS, e.msg);
		cordon_policy_free(p);
		return -1;
	}
	return 0;
}
