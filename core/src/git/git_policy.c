/* git_policy.c — the policy's `git` section (git_policy.h): validation of each entry as the
 * configuration loader meets it, copy, the tighten-only merge, JSON, remote matching. */
#include "cordon/git_policy.h"

#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "cordon/dedup.h"
#include "cordon/hostpat.h"
#include "cordon/policy.h"
#include "cordon/strbuf.h"
#include "cordon/vlog.h"
#include "policy_cover.h"

/* Tokens of git hosting services and CI systems that tools read from the environment (gh, glab,
 * tea, the Azure DevOps CLI, GitLab CI, Azure Pipelines). */
const char *const cordon_git_token_names[] = {
    "GITHUB_TOKEN",
    "GH_TOKEN",
    "GITHUB_PAT",
    "GH_ENTERPRISE_TOKEN",
    "GITHUB_ENTERPRISE_TOKEN",
    "GITLAB_TOKEN",
    "GL_TOKEN",
    "GITLAB_PRIVATE_TOKEN",
    "CI_JOB_TOKEN",
    "CI_REGISTRY_PASSWORD",
    "BITBUCKET_TOKEN",
    "BITBUCKET_APP_PASSWORD",
    "GITEA_TOKEN",
    "FORGEJO_TOKEN",
    "CODEBERG_TOKEN",
    "AZURE_DEVOPS_EXT_PAT",
    "SYSTEM_ACCESSTOKEN",
    "GIT_TOKEN",
    NULL,
};

/* list_add: append a copy of s; a duplicate stays until cordon_git_policy_dedup, which the
 * loader runs after each file (a search per entry made a long list quadratic). */
static int list_add(struct cordon_git_list *l, const char *s, struct cordon_error *e)
{
	char *copy;

	if (cordon_grow((void **)&l->v, l->n, &l->cap, sizeof(*l->v)) < 0 || !(copy = strdup(s)))
		return cordon_error_set(e, ENOMEM, "out of memory");
	l->v[l->n++] = copy;
	return 0;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void str_drop(void *a)
{
	free(*(char **)a);
}

static int list_dedup(struct cordon_git_list *l)
{
	long n = cordon_dedup(l->v, l->n, sizeof(*l->v), str_cmp, str_drop);

	if (n < 0)
		return (int)n;
	l->n = (size_t)n;
	return 0;
}

int cordon_git_policy_dedup(struct cordon_git_policy *g)
{
	if (list_dedup(&g->remotes) < 0 || list_dedup(&g->push_refs) < 0 ||
	    list_dedup(&g->pass_tokens) < 0 || list_dedup(&g->ssh_hosts) < 0 ||
	    list_dedup(&g->ssh_keys) < 0)
		return -ENOMEM;
	return 0;
}

static void list_free(struct cordon_git_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

/* ---- remotes ---- */

/* parse_authority: "host", "host:port", "[v6]" or "[v6]:port" (n bytes at s) into the canonical
 * authority "host" or "host:port" (port 443 dropped; IPv6 keeps its brackets). */
static int parse_authority(const char *s, size_t n, char *out, size_t len, struct cordon_error *e)
{
	char host[256], canon[256];
	const char *hs = s, *colon = NULL;
	size_t hl;
	unsigned long port = 443;
	bool is_ip;

	if (n == 0)
		return cordon_error_set(e, EINVAL, "no host");
	if (s[0] == '[') {
		const char *end = memchr(s, ']', n);
		if (!end)
			return cordon_error_set(e, EINVAL, "unclosed '['");
		hs = s + 1;
		hl = (size_t)(end - hs);
		if ((size_t)(end + 1 - s) < n) {
			if (end[1] != ':')
				return cordon_error_set(e, EINVAL, "text after ']'");
			colon = end + 1;
		}
	} else {
		colon = memchr(s, ':', n);
		hl = colon ? (size_t)(colon - s) : n;
	}
	if (colon) {
		char digits[8];
		size_t dl = n - (size_t)(colon + 1 - s);
		char *end;
		if (dl == 0 || dl >= sizeof(digits) || strspn(colon + 1, "0123456789") < dl)
			return cordon_error_set(e, EINVAL, "bad port");
		memcpy(digits, colon + 1, dl);
		digits[dl] = '\0';
		port = strtoul(digits, &end, 10);
		if (port == 0 || port > 65535)
			return cordon_error_set(e, EINVAL, "port out of range");
	}
	if (hl == 0 || hl >= sizeof(host))
		return cordon_error_set(e, EINVAL, "bad host");
	memcpy(host, hs, hl);
	host[hl] = '\0';
	if (strchr(host, '*'))
		return cordon_error_set(e, EINVAL, "a wildcard host is not supported here");
	if (cordon_host_canonical(host, hl, canon, sizeof(canon), &is_ip, e) < 0)
		return -EINVAL;
	bool v6 = strchr(canon, ':') != NULL;
	int w = port == 443
		    ? snprintf(out, len, "%s%s%s", v6 ? "[" : "", canon, v6 ? "]" : "")
		    : snprintf(out, len, "%s%s%s:%lu", v6 ? "[" : "", canon, v6 ? "]" : "", port);
	return w < 0 || (size_t)w >= len ? cordon_error_set(e, ENAMETOOLONG, "too long") : 0;
}

/* path_ok: a repository path as cordon relays it: "/" then segments, no empty, "." or ".."
 * segment, no '%' (an encoded "/" or ".." would mean another path upstream), '?', '#', '\\',
 * spaces or control bytes. star: a final segment "*" is allowed. */
static bool path_ok(const char *p, bool star)
{
	if (p[0] != '/' || p[1] == '\0')
		return false;
	for (const char *s = p; *s;) {
		const char *seg = ++s;
		while (*s && *s != '/')
			s++;
		size_t n = (size_t)(s - seg);
		if (n == 0 || (n == 1 && seg[0] == '.') || (n == 2 && !strncmp(seg, "..", 2)))
			return false;
		if (n == 1 && seg[0] == '*' && star && *s == '\0')
			return true;
		for (const char *c = seg; c < s; c++)
			if ((unsigned char)*c <= 0x20 || *c == 0x7f || strchr("%?#\\*", *c))
				return false;
	}
	return true;
}

int cordon_git_add_remote(void *list, const char *s, const char *home, const char *base,
			  struct cordon_error *e)
{
	char auth[300], buf[PATH_MAX + 320];
	const char *a, *slash;
	struct cordon_error why = {{0}};

	(void)home;
	(void)base;
	if (strncmp(s, "https://", 8) != 0)
		return cordon_error_set(e, EINVAL,
					"\"%s\": a remote is an https:// URL (credentials are "
					"only added over TLS)",
					s);
	a = s + 8;
	slash = strchr(a, '/');
	if (!slash)
		return cordon_error_set(e, EINVAL, "\"%s\": no repository path after the host", s);
	if (memchr(a, '@', (size_t)(slash - a)))
		return cordon_error_set(e, EINVAL,
					"\"%s\": user names do not belong in the URL; the "
					"credential comes from git credential fill outside",
					s);
	if (parse_authority(a, (size_t)(slash - a), auth, sizeof(auth), &why) < 0)
		return cordon_error_set(e, EINVAL, "\"%s\": %s", s, why.msg);
	char path[PATH_MAX];
	if (snprintf(path, sizeof(path), "%s", slash) >= (int)sizeof(path))
		return cordon_error_set(e, ENAMETOOLONG, "\"%.64s...\": too long", s);
	size_t pl = strlen(path);
	while (pl > 1 && path[pl - 1] == '/')
		path[--pl] = '\0';
	if (!path_ok(path, true))
		return cordon_error_set(e, EINVAL,
					"\"%s\": bad repository path (segments without '.', '..', "
					"'%%', '?', '#' or spaces; '*' only as the last segment)",
					s);
	snprintf(buf, sizeof(buf), "https://%s%s", auth, path);
	return list_add(list, buf, e);
}

/* strip_git: length of path without a trailing ".git". */
static size_t strip_git(const char *p)
{
	size_t n = strlen(p);
	return n > 4 && !strcmp(p + n - 4, ".git") ? n - 4 : n;
}

/* remote_covers: does remote pattern pat ("https://AUTH/PATH", the last segment possibly "*")
 * cover https://auth/path? */
static bool remote_covers(const char *pat, const char *auth, const char *path)
{
	const char *pa = pat + 8, *pp = strchr(pa, '/');
	size_t al = (size_t)(pp - pa), n = strlen(pp);

	if (strlen(auth) != al || strncmp(pa, auth, al) != 0)
		return false;
	if (n >= 2 && !strcmp(pp + n - 2, "/*")) {
		if (n == 2)
			return path[1] != '\0';
		return !strncmp(path, pp, n - 1) && path[n - 1] != '\0';
	}
	size_t a = strip_git(pp), b = strip_git(path);
	return a == b && !strncmp(pp, path, a);
}

int cordon_git_remote_match(const struct cordon_git_policy *g, const char *authority,
			    const char *path)
{
	char auth[300];

	if (parse_authority(authority, strlen(authority), auth, sizeof(auth), NULL) < 0 ||
	    !path_ok(path, false))
		return -1;
	for (size_t i = 0; i < g->remotes.n; i++)
		if (remote_covers(g->remotes.v[i], auth, path))
			return (int)i;
	return -1;
}

/* ---- the other keys ---- */

/* ref_ok: a ref name as git check-ref-format(1) allows it, as far as cordon cares: "refs/" then
 * no "..", no "//", no control bytes, spaces, '~', '^', ':', '\\', no trailing '/' or ".lock". */
static bool ref_ok(const char *r, bool glob)
{
	if (strncmp(r, "refs/", 5) != 0 || strstr(r, "..") || strstr(r, "//") || strstr(r, "@{"))
		return false;
	size_t n = strlen(r);
	if (r[n - 1] == '/' || (n > 5 && !strcmp(r + n - 5, ".lock")))
		return false;
	for (const char *c = r; *c; c++)
		if ((unsigned char)*c <= 0x20 || *c == 0x7f || strchr("~^:\\", *c) ||
		    (!glob && strchr("*?[", *c)))
			return false;
	return true;
}

int cordon_git_add_push_ref(void *list, const char *s, const char *home, const char *base,
			    struct cordon_error *e)
{
	(void)home;
	(void)base;
	if (strcmp(s, CORDON_GIT_START_BRANCH) && !ref_ok(s, true))
		return cordon_error_set(
		    e, EINVAL,
		    "\"%s\": a full ref name or pattern (\"refs/heads/cordon/*\") "
		    "or \"" CORDON_GIT_START_BRANCH "\"",
		    s);
	return list_add(list, s, e);
}

int cordon_git_add_token(void *list, const char *s, const char *home, const char *base,
			 struct cordon_error *e)
{
	(void)home;
	(void)base;
	for (size_t i = 0; cordon_git_token_names[i]; i++)
		if (!strcmp(cordon_git_token_names[i], s))
			return list_add(list, s, e);
	return cordon_error_set(e, EINVAL,
				"\"%s\" is not one of the token variables cordon removes (see "
				"README: git credentials)",
				s);
}

int cordon_git_add_ssh_host(void *list, const char *s, const char *home, const char *base,
			    struct cordon_error *e)
{
	struct cordon_host_rule r;
	char buf[300];

	(void)home;
	(void)base;
	if (cordon_host_rule_parse(s, &r, e) < 0)
		return -EINVAL;
	cordon_host_rule_format(&r, buf, sizeof(buf));
	free(r.host);
	return list_add(list, buf, e);
}

/* key_line: is s a public key line ("TYPE BASE64[ COMMENT]"; ssh-keygen(1), sshd(8)
 * AUTHORIZED_KEYS FILE FORMAT) rather than a path? */
static bool key_line(const char *s)
{
	static const char *const types[] = {"ssh-", "ecdsa-", "sk-", NULL};
	for (size_t i = 0; types[i]; i++)
		if (!strncmp(s, types[i], strlen(types[i])) && strchr(s, ' '))
			return true;
	return false;
}

/* key_entry: a key line as given (control bytes refused) or the expanded absolute path. */
static int key_entry(const char *s, const char *home, const char *base, char *out, size_t len,
		     struct cordon_error *e)
{
	if (key_line(s)) {
		for (const char *c = s; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				return cordon_error_set(e, EINVAL, "a key line has a control byte");
		if (snprintf(out, len, "%s", s) >= (int)len)
			return cordon_error_set(e, ENAMETOOLONG, "key line too long");
		return 0;
	}
	struct cordon_path_list l = {0};
	int r = cordon_policy_add_path(&l, s, home, base, e);
	if (r < 0)
		return r;
	r = snprintf(out, len, "%s", l.v[0]) >= (int)len
		? cordon_error_set(e, ENAMETOOLONG, "path too long")
		: 0;
	free(l.v[0]);
	free(l.v);
	return r;
}

int cordon_git_add_key(void *list, const char *s, const char *home, const char *base,
		       struct cordon_error *e)
{
	char buf[16384];
	int r = key_entry(s, home, base, buf, sizeof(buf), e);
	return r < 0 ? r : list_add(list, buf, e);
}

int cordon_git_set_signing_key(void *target, const char *s, const char *home, const char *base,
			       struct cordon_error *e)
{
	char buf[16384], **k = target;
	int r = key_entry(s, home, base, buf, sizeof(buf), e);
	if (r < 0)
		return r;
	char *d = strdup(buf);
	if (!d)
		return cordon_error_set(e, ENOMEM, "out of memory");
	free(*k);
	*k = d;
	return 0;
}

/* ---- life of the section ---- */

static int list_copy(struct cordon_git_list *d, const struct cordon_git_list *s,
		     struct cordon_error *e)
{
	*d = (struct cordon_git_list){0};
	for (size_t i = 0; i < s->n; i++)
		if (list_add(d, s->v[i], e) < 0)
			return -ENOMEM;
	return 0;
}

static int str_copy(char **d, const char *s, struct cordon_error *e)
{
	*d = NULL;
	if (s && !(*d = strdup(s)))
		return cordon_error_set(e, ENOMEM, "out of memory");
	return 0;
}

int cordon_git_policy_copy(struct cordon_git_policy *dst, const struct cordon_git_policy *src,
			   struct cordon_error *e)
{
	*dst = *src;
	dst->remotes = dst->push_refs = dst->pass_tokens = dst->ssh_hosts = dst->ssh_keys =
	    (struct cordon_git_list){0};
	dst->signing_key = dst->repo_dir = dst->agent_path = NULL;
	if (list_copy(&dst->remotes, &src->remotes, e) < 0 ||
	    list_copy(&dst->push_refs, &src->push_refs, e) < 0 ||
	    list_copy(&dst->pass_tokens, &src->pass_tokens, e) < 0 ||
	    list_copy(&dst->ssh_hosts, &src->ssh_hosts, e) < 0 ||
	    list_copy(&dst->ssh_keys, &src->ssh_keys, e) < 0 ||
	    str_copy(&dst->signing_key, src->signing_key, e) < 0 ||
	    str_copy(&dst->repo_dir, src->repo_dir, e) < 0 ||
	    str_copy(&dst->agent_path, src->agent_path, e) < 0) {
		cordon_git_policy_free(dst);
		return -ENOMEM;
	}
	return 0;
}

void cordon_git_policy_free(struct cordon_git_policy *g)
{
	if (!g)
		return;
	list_free(&g->remotes);
	list_free(&g->push_refs);
	list_free(&g->pass_tokens);
	list_free(&g->ssh_hosts);
	list_free(&g->ssh_keys);
	free(g->signing_key);
	free(g->repo_dir);
	free(g->agent_path);
	memset(g, 0, sizeof(*g));
}

/* ref_covered: may a repository's pushRefs entry r stand, given the user's list l (set: the same
 * strings sorted)? */
static bool ref_covered(const struct cordon_git_list *l, const struct str_set *set, const char *r)
{
	if (str_set_has(set, r))
		return true;
	if (!strcmp(r, CORDON_GIT_START_BRANCH) || strpbrk(r, "*?["))
		return false;
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], CORDON_GIT_START_BRANCH) && fnmatch(l->v[i], r, 0) == 0)
			return true;
	return false;
}

/* remote_pattern_covered: is every repository remote pattern r covers also covered by l? */
static bool remote_pattern_covered(const struct cordon_git_list *l, const struct str_set *set,
				   const char *r)
{
	const char *ra = r + 8, *rp = strchr(ra, '/');
	char auth[300];
	size_t n = strlen(rp);

	if (str_set_has(set, r))
		return true;
	snprintf(auth, sizeof(auth), "%.*s", (int)(rp - ra), ra);
	for (size_t i = 0; i < l->n; i++) {
		const char *u = l->v[i], *up = strchr(u + 8, '/');
		size_t un = strlen(up);
		if (n >= 2 && !strcmp(rp + n - 2, "/*")) {
			/* a prefix is covered by an equal or shorter prefix of the same host */
			if (un >= 2 && !strcmp(up + un - 2, "/*") &&
			    (size_t)(up - u - 8) == strlen(auth) &&
			    !strncmp(u + 8, auth, strlen(auth)) &&
			    (un == 2 || (n >= un && !strncmp(rp, up, un - 1))))
				return true;
		} else if (remote_covers(u, auth, rp)) {
			return true;
		}
	}
	return false;
}

int cordon_git_policy_tighten(struct cordon_git_policy *g, const struct cordon_git_policy *r,
			      const char *rfile, struct cordon_error *e)
{
	static const char loosen[] = "%s: %s: refused, a repository's config may only tighten the "
				     "policy (\"%s\" is not allowed by your own config)";
	const struct {
		const char *key;
		unsigned bit;
		struct cordon_git_list *mine;
		const struct cordon_git_list *theirs;
	} lists[] = {
	    {"git.remotes", CORDON_GIT_SET_REMOTES, &g->remotes, &r->remotes},
	    {"git.pushRefs", CORDON_GIT_SET_PUSH_REFS, &g->push_refs, &r->push_refs},
	    {"git.passTokens", CORDON_GIT_SET_PASS_TOKENS, &g->pass_tokens, &r->pass_tokens},
	    {"git.sshHosts", CORDON_GIT_SET_SSH_HOSTS, &g->ssh_hosts, &r->ssh_hosts},
	    {"git.sshKeys", CORDON_GIT_SET_SSH_KEYS, &g->ssh_keys, &r->ssh_keys},
	};

	/* an exact entry is looked up in a sorted view of the user's list, not searched for; a
	 * pattern (remotes, pushRefs) is still matched against each of the user's patterns */
	for (size_t k = 0; k < sizeof(lists) / sizeof(lists[0]); k++) {
		struct str_set set;
		if (str_set_build(&set, lists[k].mine->v, lists[k].mine->n) < 0)
			return cordon_error_set(e, ENOMEM, "out of memory");
		for (size_t i = 0; i < lists[k].theirs->n; i++) {
			const char *s = lists[k].theirs->v[i];
			bool ok = k == 0   ? remote_pattern_covered(lists[k].mine, &set, s)
				  : k == 1 ? ref_covered(lists[k].mine, &set, s)
					   : str_set_has(&set, s);
			if (!ok) {
				str_set_free(&set);
				return cordon_error_set(e, EPERM, loosen, rfile, lists[k].key, s);
			}
		}
		str_set_free(&set);
	}
	if (r->signing_key && (!g->signing_key || strcmp(r->signing_key, g->signing_key)))
		return cordon_error_set(e, EPERM, loosen, rfile, "git.signingKey", r->signing_key);
	if (r->allow_delete && !g->allow_delete)
		return cordon_error_set(e, EPERM, loosen, rfile, "git.allowDelete", "true");
	if (r->allow_force && !g->allow_force)
		return cordon_error_set(e, EPERM, loosen, rfile, "git.allowForce", "true");

	/* Everything r names is allowed: its lists replace the wider ones. */
	for (size_t k = 0; k < sizeof(lists) / sizeof(lists[0]); k++) {
		struct cordon_git_list copy;
		if (!(r->set & lists[k].bit))
			continue;
		if (list_copy(&copy, lists[k].theirs, e) < 0)
			return -ENOMEM;
		list_free(lists[k].mine);
		*lists[k].mine = copy;
	}
	g->allow_delete = g->allow_delete && r->allow_delete;
	g->allow_force = g->allow_force && r->allow_force;
	return 0;
}

int cordon_git_policy_finish(struct cordon_git_policy *g, const char *cwd,
			     struct cordon_path_list *unix_sockets, struct cordon_error *e)
{
	char dir[PATH_MAX], path[PATH_MAX];
	unsigned char rnd[8];
	int r;

	if (!g->repo_dir && !(g->repo_dir = strdup(cwd)))
		return cordon_error_set(e, ENOMEM, "out of memory");
	if (g->ssh_keys.n == 0 || g->agent_path)
		return 0;
	if ((r = cordon_vlog_state_dir(dir, sizeof(dir), false, e)) < 0)
		return cordon_error_prefix(e, r, "git.sshKeys: the agent socket needs $HOME");
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return cordon_error_set(e, EIO, "git.sshKeys: getrandom: %m");
	int n = snprintf(path, sizeof(path), "%s/agent/%02x%02x%02x%02x%02x%02x%02x%02x.sock", dir,
			 rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
	/* sockaddr_un.sun_path is 108 bytes with its NUL (unix(7)) */
	if (n < 0 || n >= 108)
		return cordon_error_set(e, ENAMETOOLONG,
					"git.sshKeys: the agent socket path %s is longer than a "
					"unix socket address allows (107 bytes); set a shorter "
					"$XDG_STATE_HOME",
					path);
	if (!(g->agent_path = strdup(path)))
		return cordon_error_set(e, ENOMEM, "out of memory");
	return cordon_policy_add_path(unix_sockets, path, NULL, NULL, e);
}

bool cordon_git_relay_wanted(const struct cordon_git_policy *g)
{
	return g->remotes.n > 0 || g->signing_key;
}

static void json_list(struct cordon_strbuf *b, const char *key, const struct cordon_git_list *l)
{
	cordon_sb_addf(b, "    \"%s\": [", key);
	for (size_t i = 0; i < l->n; i++) {
		cordon_sb_add(b, i ? ", " : "");
		cordon_sb_json_str(b, l->v[i], CORDON_JSON_UTF8);
	}
	cordon_sb_add(b, "],\n");
}

void cordon_git_policy_json(struct cordon_strbuf *b, const struct cordon_git_policy *g)
{
	cordon_sb_add(b, "  \"git\": {\n");
	json_list(b, "remotes", &g->remotes);
	json_list(b, "pushRefs", &g->push_refs);
	cordon_sb_addf(b, "    \"allowDelete\": %s,\n    \"allowForce\": %s,\n",
		       g->allow_delete ? "true" : "false", g->allow_force ? "true" : "false");
	json_list(b, "passTokens", &g->pass_tokens);
	json_list(b, "sshHosts", &g->ssh_hosts);
	json_list(b, "sshKeys", &g->ssh_keys);
	cordon_sb_add(b, "    \"signingKey\": ");
	if (g->signing_key)
		cordon_sb_json_str(b, g->signing_key, CORDON_JSON_UTF8);
	else
		cordon_sb_add(b, "null");
	cordon_sb_add(b, "\n  },\n");
}
