/* git_ancestry.c — the fast-forward check of a push (git_ancestry.h). */
#include "git_ancestry.h"

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cordon/strbuf.h"
#include "git_run.h"

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)f;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

void git_rm_tree(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

/* run_git: git -C dir ARGS with GIT_TERMINAL_PROMPT=0 (and the CA hook); the last line of its
 * stderr in why when it fails. Returns git's exit status or -errno. */
static int run_git(const char *dir, const char *const *args, int in_fd, const char *ca_file,
		   char *why, size_t len)
{
	const char *argv[16] = {"git", "-C", dir};
	char ca[PATH_MAX + 16];
	const char *env[4] = {"GIT_TERMINAL_PROMPT=0", NULL, NULL, NULL};
	struct cordon_strbuf err = {0};
	struct cordon_error e = {{0}};
	size_t n = 3;
	int status = 0;

	for (size_t i = 0; args[i] && n < 15; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	if (ca_file) {
		snprintf(ca, sizeof(ca), "GIT_SSL_CAINFO=%s", ca_file);
		env[1] = ca;
	}
	struct git_run r = {
	    .argv = argv, .env_add = env, .in_fd = in_fd, .err = &err, .timeout_ms = 600000};
	int rc = git_run(&r, &status, &e);
	if (rc < 0)
		snprintf(why, len, "%.*s", (int)(len > 0 ? len - 1 : 0), e.msg);
	else if (status != 0)
		git_run_last_line(&err, why, len);
	cordon_sb_free(&err);
	return rc < 0 ? rc : status;
}

int git_ancestry_check(const char *tmpdir, const char *url, const char *ref, const char *old_oid,
		       const char *new_oid, int pack_fd, off_t pack_off, const char *ca_file,
		       char *why, size_t len)
{
	char dir[PATH_MAX], spec[1200], msg[512] = "";
	int rc;

	if (snprintf(dir, sizeof(dir), "%s/cordon-ff-XXXXXX", tmpdir) >= (int)sizeof(dir) ||
	    !mkdtemp(dir)) {
		snprintf(why, len, "scratch repository: mkdtemp under %s: %s", tmpdir,
			 strerror(errno));
		return -EIO;
	}
	const char *init[] = {"-c", "init.defaultBranch=cordon", "init", "-q", "--bare", ".", NULL};
	if ((rc = run_git(dir, init, -1, ca_file, msg, sizeof(msg))) != 0) {
		snprintf(why, len, "git init of the scratch repository failed: %s", msg);
		rc = -EIO;
		goto out;
	}
	snprintf(spec, sizeof(spec), "+%s:refs/cordon/check", ref);
	const char *fetch[] = {"fetch", "-q", "--no-tags", "--no-write-fetch-head",
			       url,	spec, NULL};
	if ((rc = run_git(dir, fetch, -1, ca_file, msg, sizeof(msg))) != 0) {
		snprintf(why, len, "fetching %s from %s failed: %s", ref, url, msg);
		rc = -EIO;
		goto out;
	}
	const char *index[] = {"index-pack", "--stdin", "--fix-thin", NULL};
	for (int attempt = 0;; attempt++) {
		if (lseek(pack_fd, pack_off, SEEK_SET) < 0) {
			snprintf(why, len, "reading the pushed pack: %s", strerror(errno));
			rc = -EIO;
			goto out;
		}
		if ((rc = run_git(dir, index, pack_fd, ca_file, msg, sizeof(msg))) == 0)
			break;
		if (attempt > 0) {
			snprintf(why, len, "git index-pack of the pushed pack failed: %s", msg);
			rc = -EIO;
			goto out;
		}
		/* a base of the thin pack is on another branch or tag of the remote */
		const char *all[] = {"fetch",
				     "-q",
				     "--no-tags",
				     "--no-write-fetch-head",
				     url,
				     "+refs/heads/*:refs/cordon/heads/*",
				     "+refs/tags/*:refs/cordon/tags/*",
				     NULL};
		if ((rc = run_git(dir, all, -1, ca_file, msg, sizeof(msg))) != 0) {
			snprintf(why, len, "fetching the branches and tags of %s failed: %s", url,
				 msg);
			rc = -EIO;
			goto out;
		}
	}
	const char *mb[] = {"merge-base", "--is-ancestor", old_oid, new_oid, NULL};
	rc = run_git(dir, mb, -1, ca_file, msg, sizeof(msg));
	if (rc == 0 || rc == 1) {
		rc = rc == 0 ? 1 : 0;
	} else {
		snprintf(why, len, "git merge-base --is-ancestor failed: %s", msg);
		rc = -EIO;
	}
out:
	git_rm_tree(dir);
	return rc;
}
