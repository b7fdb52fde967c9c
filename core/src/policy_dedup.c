/* policy_dedup.c — cordon_policy_dedup (policy.h): the duplicates a loader appended without
 * searching for them, dropped once per file in O(n log n). */
#include "cordon/dedup.h"
#include "cordon/policy.h"
#include "policy_cover.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void path_drop(void *a)
{
	free(*(char **)a);
}

/* rule_cmp: host_rule_cmp of two list elements (is_ip follows host). */
static int rule_cmp(const void *a, const void *b)
{
	return host_rule_cmp(a, b);
}

static void rule_drop(void *a)
{
	free(((struct cordon_host_rule *)a)->host);
}

static int paths(struct cordon_path_list *l)
{
	long n = cordon_dedup(l->v, l->n, sizeof(*l->v), str_ptr_cmp, path_drop);

	if (n < 0)
		return (int)n;
	l->n = (size_t)n;
	return 0;
}

static int hosts(struct cordon_host_list *l)
{
	long n = cordon_dedup(l->v, l->n, sizeof(*l->v), rule_cmp, rule_drop);

	if (n < 0)
		return (int)n;
	l->n = (size_t)n;
	return 0;
}

int cordon_policy_dedup(struct cordon_policy *p, struct cordon_error *e)
{
	if (hosts(&p->allow_hosts) < 0 || hosts(&p->deny_hosts) < 0 ||
	    paths(&p->allow_unix_sockets) < 0 || paths(&p->deny_read) < 0 ||
	    paths(&p->allow_read) < 0 || paths(&p->allow_write) < 0 || paths(&p->deny_write) < 0 ||
	    cordon_git_policy_dedup(&p->git) < 0)
		return cordon_error_set(e, ENOMEM, "out of memory");
	return 0;
}
