/* git_sign.c — the signing service of the git endpoint (git_relay.h): `git commit -S` inside runs
 * cordon as gpg.ssh.program, which sends the commit here; the session checks that it is a commit
 * or tag of the confined repository and signs it outside with `ssh-keygen -Y sign` and the key
 * of git.signingKey, held by the user's ssh-agent. The key never enters the sandbox. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cordon/strbuf.h"
#include "git_ancestry.h"
#include "git_relay.h"
#include "git_run.h"

static int __attribute__((format(printf, 3, 4))) fmt(char *buf, size_t len, const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	int n = vsnprintf(buf, len, f, ap);
	va_end(ap);
	return n;
}

/* An object's header line "NAME OID" at s (n bytes to the end of the headers)? */
static bool oid_line(const char *s, size_t n, const char *name, char *oid)
{
	size_t nl = strlen(name), ol;
	const char *end = memchr(s, '\n', n);

	if (!end || n < nl + 1 || memcmp(s, name, nl) || s[nl] != ' ')
		return false;
	ol = (size_t)(end - s) - nl - 1;
	if (ol != 40 && ol != 64)
		return false;
	for (size_t i = 0; i < ol; i++)
		if (!strchr("0123456789abcdef", s[nl + 1 + i]))
			return false;
	memcpy(oid, s + nl + 1, ol);
	oid[ol] = '\0';
	return true;
}

/* has_header: a header line beginning "name " before the blank line that ends the headers. */
static bool has_header(const char *body, size_t hlen, const char *name)
{
	size_t nl = strlen(name);
	for (const char *s = body; s < body + hlen;) {
		if ((size_t)(body + hlen - s) > nl && !memcmp(s, name, nl) && s[nl] == ' ')
			return true;
		const char *e = memchr(s, '\n', (size_t)(body + hlen - s));
		if (!e)
			break;
		s = e + 1;
	}
	return false;
}

struct object {
	bool commit;	  /* else a tag */
	char ids[17][65]; /* commit: tree, then parents; tag: the object */
	const char *want[17];
	size_t nids;
	char subject[200];
};

/* parse_object: a commit (git-commit-tree(1): "tree", "parent"*, "author", "committer") or an
 * annotated tag ("object", "type", "tag", "tagger") as git hands it to the signing program. */
static bool parse_object(const char *body, size_t len, struct object *o)
{
	const char *blank = NULL;

	memset(o, 0, sizeof(*o));
	for (size_t i = 0; i + 1 < len; i++)
		if (body[i] == '\n' && body[i + 1] == '\n') {
			blank = body + i + 1;
			break;
		}
	if (!blank || memchr(body, '\0', len))
		return false;
	size_t hlen = (size_t)(blank - body);
	const char *s = body;
	if (oid_line(s, hlen, "tree", o->ids[0])) {
		o->commit = true;
		o->want[o->nids++] = "tree";
		s = strchr(s, '\n') + 1;
		while (o->nids < 17 &&
		       oid_line(s, hlen - (size_t)(s - body), "parent", o->ids[o->nids])) {
			o->want[o->nids++] = "commit";
			s = strchr(s, '\n') + 1;
		}
		if (!has_header(body, hlen, "author") || !has_header(body, hlen, "committer"))
			return false;
	} else if (oid_line(s, hlen, "object", o->ids[0])) {
		o->want[o->nids++] = NULL; /* any type */
		if (!has_header(body, hlen, "type") || !has_header(body, hlen, "tag") ||
		    !has_header(body, hlen, "tagger"))
			return false;
	} else {
		return false;
	}
	const char *msg = blank + 1, *end = memchr(msg, '\n', len - (size_t)(msg - body));
	size_t ml = end ? (size_t)(end - msg) : len - (size_t)(msg - body);
	fmt(o->subject, sizeof(o->subject), "%.*s", (int)(ml > 150 ? 150 : ml), msg);
	return true;
}

/* in_repository: are the objects o names in the confined repository, with the right types?
 * `git cat-file --batch-check` run outside in it, with every transport refused
 * (protocol.allow=never: a lazy fetch of a promisor remote configured there cannot run a
 * program) and no fsmonitor. Returns 1, 0 with why, or -errno. */
static int in_repository(const char *repo, const struct object *o, char *why, size_t len)
{
	static const char *const argv[] = {
	    "git",	     "-c", "protocol.allow=never", "-c", "core.fsmonitor=false", "cat-file",
	    "--batch-check", NULL};
	struct cordon_strbuf in = {0}, out = {0};
	struct cordon_error e = {{0}};
	int status = 0;

	for (size_t i = 0; i < o->nids; i++)
		cordon_sb_addf(&in, "%s\n", o->ids[i]);
	struct git_run r = {.argv = argv,
			    .dir = repo,
			    .in = in.s,
			    .in_len = in.len,
			    .in_fd = -1,
			    .out = &out,
			    .timeout_ms = 30000};
	int rc = in.oom ? -ENOMEM : git_run(&r, &status, &e);
	cordon_sb_free(&in);
	if (rc < 0 || status != 0) {
		fmt(why, len, "git cat-file in %s failed%s%s", repo, rc < 0 ? ": " : "",
		    rc < 0 ? e.msg : "");
		cordon_sb_free(&out);
		return rc < 0 ? rc : -EIO;
	}
	const char *line = out.s ? out.s : "";
	int ok = 1;
	for (size_t i = 0; i < o->nids && ok; i++) {
		char type[32] = "";
		if (strncmp(line, o->ids[i], strlen(o->ids[i])) ||
		    sscanf(line + strlen(o->ids[i]), " %31s", type) != 1 ||
		    !strcmp(type, "missing") || (o->want[i] && strcmp(type, o->want[i]))) {
			fmt(why, len, "%s %s is not in the repository %s",
			    o->want[i] ? o->want[i] : "object", o->ids[i], repo);
			ok = 0;
		}
		const char *nl = strchr(line, '\n');
		line = nl ? nl + 1 : "";
	}
	cordon_sb_free(&out);
	return ok;
}

static bool write_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	bool ok = fd >= 0;

	for (size_t off = 0; ok && off < len;) {
		ssize_t n = write(fd, data + off, len - off);
		if (n <= 0)
			ok = false;
		else
			off += (size_t)n;
	}
	if (fd >= 0 && close(fd) < 0)
		ok = false;
	return ok;
}

static void sign_event(const struct git_relay *r, const struct object *o, const char *result,
		       const char *detail)
{
	struct git_relay_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = 'S';
	ev.time = time(NULL);
	fmt(ev.what, sizeof(ev.what), "%s %s", o->commit ? "commit with tree" : "tag of",
	    o->nids ? o->ids[0] : "?");
	fmt(ev.ref, sizeof(ev.ref), "%s", o->subject);
	fmt(ev.result, sizeof(ev.result), "%s", result);
	fmt(ev.detail, sizeof(ev.detail), "%s", detail);
	git_worker_report(r, &ev);
}

static void refuse(const struct git_relay *r, int cfd, const struct object *o, int status,
		   const char *why)
{
	char msg[1200], reason[300];

	fmt(msg, sizeof(msg), "cordon: signing refused: %s\n", why);
	fmt(reason, sizeof(reason), "signing refused: %s", why);
	git_worker_vlog(r, cfd, "", 0, reason);
	sign_event(r, o, status == 403 ? "refused" : "failed", why);
	git_worker_respond(cfd, status, msg);
}

void git_sign_serve(const struct git_relay *r, int cfd, const char *body, size_t len)
{
	const struct cordon_git_policy *g = &r->policy->git;
	struct object o;
	char why[1024], dir[PATH_MAX], data[PATH_MAX + 16], key[PATH_MAX + 16], sig[PATH_MAX + 16];

	memset(&o, 0, sizeof(o));
	if (!g->signing_key) {
		refuse(r, cfd, &o, 403, "git.signingKey is not set in the policy");
		return;
	}
	if (!parse_object(body, len, &o)) {
		refuse(r, cfd, &o, 403,
		       "only git commit and tag objects are signed (git commit -S, git tag -s)");
		return;
	}
	int in = in_repository(g->repo_dir ? g->repo_dir : "/", &o, why, sizeof(why));
	if (in <= 0) {
		refuse(r, cfd, &o, in == 0 ? 403 : 502, why);
		return;
	}
	if (fmt(dir, sizeof(dir), "%s/cordon-sign-XXXXXX", r->tmpdir) >= (int)sizeof(dir) ||
	    !mkdtemp(dir)) {
		refuse(r, cfd, &o, 502, "cannot make a private directory for ssh-keygen");
		return;
	}
	fmt(data, sizeof(data), "%s/object", dir);
	fmt(sig, sizeof(sig), "%s/object.sig", dir);
	const char *keyfile = g->signing_key;
	if (g->signing_key[0] != '/') {
		/* a key line: ssh-keygen -f wants a file */
		fmt(key, sizeof(key), "%s/key.pub", dir);
		size_t kl = strlen(g->signing_key);
		char *line = malloc(kl + 2);
		bool ok = line != NULL;
		if (ok) {
			memcpy(line, g->signing_key, kl);
			line[kl] = '\n';
			ok = write_file(key, line, kl + 1);
		}
		if (!ok) {
			free(line);
			git_rm_tree(dir);
			refuse(r, cfd, &o, 502, "cannot write the public key for ssh-keygen");
			return;
		}
		free(line);
		keyfile = key;
	}
	if (!write_file(data, body, len)) {
		git_rm_tree(dir);
		refuse(r, cfd, &o, 502, "cannot write the object for ssh-keygen");
		return;
	}
	/* -U: the private key is in ssh-agent(1) ($SSH_AUTH_SOCK outside); -n git: the namespace
	 * git verifies (ssh-keygen(1) -Y sign, git-config(1) gpg.ssh) */
	const char *argv[] = {"ssh-keygen", "-q", "-Y",	   "sign", "-n", "git",
			      "-U",	    "-f", keyfile, data,   NULL};
	struct cordon_strbuf err = {0};
	struct cordon_error e = {{0}};
	int status = 0;
	struct git_run run = {.argv = argv, .in_fd = -1, .err = &err, .timeout_ms = 120000};
	int rc = git_run(&run, &status, &e);
	if (rc < 0 || status != 0) {
		char last[600];
		git_run_last_line(&err, last, sizeof(last));
		fmt(why, sizeof(why), "ssh-keygen -Y sign with %s failed: %s%s", g->signing_key,
		    rc < 0 ? e.msg : last,
		    r->agent_outside ? "" : " (no ssh-agent outside: SSH_AUTH_SOCK was not set)");
		cordon_sb_free(&err);
		git_rm_tree(dir);
		refuse(r, cfd, &o, 502, why);
		return;
	}
	cordon_sb_free(&err);
	FILE *f = fopen(sig, "re");
	struct cordon_strbuf s = {0};
	char buf[4096];
	size_t n;
	while (f && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		cordon_sb_addn(&s, buf, n);
	if (f)
		fclose(f);
	git_rm_tree(dir);
	if (!s.s || s.oom || !strstr(s.s, "-----BEGIN SSH SIGNATURE-----")) {
		cordon_sb_free(&s);
		refuse(r, cfd, &o, 502, "ssh-keygen wrote no signature");
		return;
	}
	fmt(why, sizeof(why), "signed with %s", g->signing_key);
	sign_event(r, &o, "signed", why);
	git_worker_respond(cfd, 200, s.s);
	cordon_sb_free(&s);
}
