/* git_push_policy.h — private to the git relay: the push policy of git_policy.h applied to one
 * receive-pack command (which refs, deletes, non-fast-forward updates). */
#ifndef CORDON_GIT_PUSH_POLICY_H
#define CORDON_GIT_PUSH_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "cordon/git_policy.h"
#include "git_pktline.h"

/* git_push_check: may command c update its ref under g? start_ref is the full name of the
 * branch checked out when the session started ("refs/heads/main"), or NULL/"" when there was
 * none (detached HEAD, no repository): CORDON_GIT_START_BRANCH then matches nothing.
 * Rules, in order: the ref must match an entry of git.pushRefs; a delete (new id zero) needs
 * git.allowDelete. Returns 0 when allowed so far, with *needs_ancestry true when c moves an
 * existing ref (old and new ids not zero) and git.allowForce is false: the caller must then
 * find out whether the old id is an ancestor of the new one and call git_push_check_ff.
 * Returns -EACCES with why (len bytes) naming the ref and the rule when refused. */
int git_push_check(const struct cordon_git_policy *g, const char *start_ref,
		   const struct git_push_cmd *c, bool *needs_ancestry, char *why, size_t len);

/* git_push_check_ff: the verdict on an update of an existing ref once the ancestry is known:
 * is_ancestor 1 (a fast-forward) is allowed (0 returned); 0 (the update would drop commits)
 * and a negative value (could not be decided; detail says why) are refused with -EACCES and
 * why naming the ref and git.allowForce (fail closed). */
int git_push_check_ff(const struct git_push_cmd *c, int is_ancestor, const char *detail, char *why,
		      size_t len);

#endif
