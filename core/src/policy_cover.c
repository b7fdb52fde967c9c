/* policy_cover.c — sorted, borrowed views of path and host lists and the coverage lookups over
 * them (policy_cover.h). */
#include "policy_cover.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

int str_ptr_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int str_set_build(struct str_set *s, char *const *v, size_t n)
{
	s->n = 0;
	if (!(s->v = malloc((n ? n : 1) * sizeof(*s->v))))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (v[i])
			s->v[s->n++] = v[i];
	qsort(s->v, s->n, sizeof(*s->v), str_ptr_cmp);
	return 0;
}

void str_set_free(struct str_set *s)
{
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

bool str_set_has(const struct str_set *s, const char *x)
{
	return s->n && bsearch(&x, s->v, s->n, sizeof(*s->v), str_ptr_cmp);
}

bool str_set_covers_path(const struct str_set *s, const char *path)
{
	char buf[PATH_MAX];
	size_t n = strlen(path);

	if (str_set_has(s, "/") || str_set_has(s, path))
		return true;
	if (n >= sizeof(buf))
		return false; /* cordon_policy_add_path keeps paths shorter than PATH_MAX */
	memcpy(buf, path, n + 1);
	/* every parent directory: "/a/b/c" asks "/a/b", then "/a" */
	for (size_t k = n; k-- > 1;) {
		if (buf[k] != '/')
			continue;
		buf[k] = '\0';
		if (str_set_has(s, buf))
			return true;
	}
	return false;
}

int host_rule_cmp(const struct cordon_host_rule *x, const struct cordon_host_rule *y)
{
	int r = strcmp(x->host, y->host);

	if (r)
		return r;
	if (x->wildcard != y->wildcard)
		return x->wildcard ? 1 : -1;
	return (x->port > y->port) - (x->port < y->port);
}

/* rule_cmp: host_rule_cmp of two elements of a rule_set (pointers to rules). */
static int rule_cmp(const void *a, const void *b)
{
	return host_rule_cmp(*(const struct cordon_host_rule *const *)a,
			     *(const struct cordon_host_rule *const *)b);
}

int rule_set_build(struct rule_set *s, const struct cordon_host_list *l)
{
	s->n = l->n;
	if (!(s->v = malloc((l->n ? l->n : 1) * sizeof(*s->v))))
		return -ENOMEM;
	for (size_t i = 0; i < l->n; i++)
		s->v[i] = &l->v[i];
	qsort(s->v, s->n, sizeof(*s->v), rule_cmp);
	return 0;
}

void rule_set_free(struct rule_set *s)
{
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

/* has: a rule of exactly host, wildcard and port. */
static bool has(const struct rule_set *s, const char *host, bool wildcard, uint16_t port)
{
	struct cordon_host_rule key = {.host = (char *)host, .wildcard = wildcard, .port = port};
	const struct cordon_host_rule *k = &key;

	return s->n && bsearch(&k, s->v, s->n, sizeof(*s->v), rule_cmp);
}

/* has_port: a rule for host and wildcard on port, or on any port (0). */
static bool has_port(const struct rule_set *s, const char *host, bool wildcard, uint16_t port)
{
	return has(s, host, wildcard, port) || (port != 0 && has(s, host, wildcard, 0));
}

bool rule_set_covers(const struct rule_set *s, const struct cordon_host_rule *r)
{
	if (has_port(s, r->host, r->wildcard, r->port))
		return true;
	/* a wildcard over a strict parent: the label before it is not empty */
	for (const char *dot = strchr(r->host, '.'); dot; dot = strchr(dot + 1, '.'))
		if (dot > r->host && has_port(s, dot + 1, true, r->port))
			return true;
	return false;
}

int place_set_build(struct place_set *s, char *const *v, size_t n)
{
	char rp[PATH_MAX];

	*s = (struct place_set){0};
	if (!(s->real = calloc(n ? n : 1, sizeof(*s->real))))
		return -ENOMEM;
	s->n = n;
	for (size_t j = 0; j < n; j++)
		if (realpath(v[j], rp) && !(s->real[j] = strdup(rp)))
			goto fail;
	if (str_set_build(&s->names, v, n) < 0 || str_set_build(&s->reals, s->real, n) < 0)
		goto fail;
	return 0;
fail:
	place_set_free(s);
	return -ENOMEM;
}

bool place_set_has(const struct place_set *s, const char *path)
{
	char rp[PATH_MAX];

	return str_set_has(&s->names, path) || (realpath(path, rp) && str_set_has(&s->reals, rp));
}

void place_set_free(struct place_set *s)
{
	if (s->real)
		for (size_t j = 0; j < s->n; j++)
			free(s->real[j]);
	free(s->real);
	str_set_free(&s->names);
	str_set_free(&s->reals);
	*s = (struct place_set){0};
}
