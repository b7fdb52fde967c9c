/* git_push_policy.c — the push policy on one receive-pack command (git_push_policy.h). */
#include "git_push_policy.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#include "cordon/strbuf.h"

/* ref_allowed: does an entry of g->push_refs allow ref? */
static bool ref_allowed(const struct cordon_git_policy *g, const char *start_ref, const char *ref)
{
	for (size_t i = 0; i < g->push_refs.n; i++) {
		const char *p = g->push_refs.v[i];
		if (!strcmp(p, CORDON_GIT_START_BRANCH)) {
			if (start_ref && *start_ref && !strcmp(start_ref, ref))
				return true;
		} else if (fnmatch(p, ref, 0) == 0) {
			return true; /* no FNM_PATHNAME: '*' matches '/' too (git_policy.h) */
		}
	}
	return false;
}

/* patterns: the allowed patterns for a message, "@start" shown with what it stands for. */
static void patterns(const struct cordon_git_policy *g, const char *start_ref, char *buf,
		     size_t len)
{
	struct cordon_strbuf b = {0};

	for (size_t i = 0; i < g->push_refs.n; i++) {
		const char *p = g->push_refs.v[i];
		cordon_sb_add(&b, i ? ", " : "");
		cordon_sb_add(&b, p);
		if (!strcmp(p, CORDON_GIT_START_BRANCH))
			cordon_sb_addf(&b, " = %s",
				       start_ref && *start_ref ? start_ref : "(no branch)");
	}
	snprintf(buf, len, "%s", b.s && !b.oom ? b.s : "none");
	cordon_sb_free(&b);
}

int git_push_check(const struct cordon_git_policy *g, const char *start_ref,
		   const struct git_push_cmd *c, bool *needs_ancestry, char *why, size_t len)
{
	char pats[512];

	*needs_ancestry = false;
	if (!ref_allowed(g, start_ref, c->ref)) {
		patterns(g, start_ref, pats, sizeof(pats));
		snprintf(why, len, "%s is not allowed by git.pushRefs (%s)", c->ref, pats);
		return -EACCES;
	}
	if (git_oid_is_zero(c->new_oid)) {
		if (!g->allow_delete) {
			snprintf(why, len, "deleting %s is refused (git.allowDelete is false)",
				 c->ref);
			return -EACCES;
		}
		return 0;
	}
	*needs_ancestry = !git_oid_is_zero(c->old_oid) && !g->allow_force;
	return 0;
}

int git_push_check_ff(const struct git_push_cmd *c, int is_ancestor, const char *detail, char *why,
		      size_t len)
{
	if (is_ancestor == 1)
		return 0;
	if (is_ancestor == 0)
		snprintf(why, len,
			 "non-fast-forward update of %s refused: %.12s is not an ancestor of %.12s "
			 "(git.allowForce is false)",
			 c->ref, c->old_oid, c->new_oid);
	else
		snprintf(why, len,
			 "update of %s refused: cannot tell whether it is a fast-forward (%s; "
			 "git.allowForce is false)",
			 c->ref, detail && *detail ? detail : "unknown error");
	return -EACCES;
}
