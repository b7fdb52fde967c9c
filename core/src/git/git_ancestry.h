/* git_ancestry.h — private to the git relay: is a push's old id an ancestor of its new id?
 * Decided outside the sandbox in a scratch repository the session owns, from objects whose ids
 * git computes itself: the remote's history (fetched by the unconfined user's git) and the pack
 * the client is pushing (indexed by git index-pack). Nothing from the confined repository. */
#ifndef CORDON_GIT_ANCESTRY_H
#define CORDON_GIT_ANCESTRY_H

#include <stddef.h>
#include <sys/types.h>

/* git_ancestry_check: in a new scratch repository under tmpdir:
 *   1. `git fetch URL +REF` (the remote's current history of the ref being updated; the
 *      credential comes from the user's helpers as for any git fetch);
 *   2. `git index-pack --stdin --fix-thin` of the pushed pack, read from pack_fd at pack_off to
 *      its end (a thin pack's bases come from step 1; when one is missing, every branch and tag
 *      of the remote is fetched and the pack indexed again);
 *   3. `git merge-base --is-ancestor OLD NEW` (git-merge-base(1)).
 * ca_file (test hook) is given to that git as GIT_SSL_CAINFO when not NULL.
 * Returns 1 (old is an ancestor of new: a fast-forward), 0 (it is not), or -errno with why
 * (len bytes) naming the step that failed; the scratch repository is removed in every case. */
int git_ancestry_check(const char *tmpdir, const char *url, const char *ref, const char *old_oid,
		       const char *new_oid, int pack_fd, off_t pack_off, const char *ca_file,
		       char *why, size_t len);

/* git_rm_tree: remove path and everything below it (nftw(3), no symlinks followed). */
void git_rm_tree(const char *path);

#endif
