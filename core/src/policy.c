/* policy.c — the policy model: defaults, path and host lists, the tighten-only merge of a
 * repository's .cordon.json, final validation and the JSON form printed by `policy --json`. */
#include "cordon/policy.h"
#include "cordon/ports.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cordon/dedup.h"
#include "cordon/hostpat.h"
#include "cordon/strbuf.h"
#include "policy_cover.h"

/* Secrets masked by default (docs/design.md §7, docs/threat-model.md §16), relative to $HOME. */
static const char *const default_deny_read[] = {
    ".ssh",
    ".gnupg",
    ".aws",
    ".azure",
    ".config/gcloud",
    ".kube",
    ".netrc",
    ".docker/config.json",
    ".password-store",
    ".mozilla",
    ".config/google-chrome",
    ".config/chromium",
    ".git-credentials",
    ".pgpass",
};

/* normalise: lexical normalisation of an absolute path in place: no "//", ".", "..", and no
 * trailing slash ("/.." stays "/"). Symlinks are not followed (policy.h). */
static void normalise(char *path)
{
	char *out = path; /* path[0] == '/' */
	const char *in = path;

	while (*in) {
		while (*in == '/')
			in++;
		const char *seg = in;
		while (*in && *in != '/')
			in++;
		size_t n = (size_t)(in - seg);
		if (n == 0 || (n == 1 && seg[0] == '.'))
			continue;
		if (n == 2 && seg[0] == '.' && seg[1] == '.') {
			while (out > path && *--out != '/')
				;
			continue;
		}
		*out++ = '/';
		memmove(out, seg, n);
		out += n;
	}
	if (out == path)
		*out++ = '/';
	*out = '\0';
}

/* resolve_path: path as cordon_policy_add_path keeps it ("~" expanded, relative against base,
 * normalised) into buf (PATH_MAX bytes). */
static int resolve_path(char *buf, const char *path, const char *home, const char *base,
			struct cordon_error *e)
{
	int n;

	if (!path || !*path)
		return cordon_error_set(e, EINVAL, "empty path");
	if (path[0] == '~') {
		if (path[1] != '\0' && path[1] != '/')
			return cordon_error_set(
			    e, EINVAL, "\"%s\": \"~user\" is not supported, write the path", path);
		if (!home || home[0] != '/')
			return cordon_error_set(e, EINVAL, "\"%s\": \"~\" needs an absolute $HOME",
						path);
		n = snprintf(buf, PATH_MAX, "%s/%s", home, path + 1);
	} else if (path[0] == '/') {
		n = snprintf(buf, PATH_MAX, "%s", path);
	} else {
		if (!base || base[0] != '/')
			return cordon_error_set(
			    e, EINVAL, "\"%s\": relative path without a base directory", path);
		n = snprintf(buf, PATH_MAX, "%s/%s", base, path);
	}
	if (n < 0 || n >= PATH_MAX)
		return cordon_error_set(e, ENAMETOOLONG, "\"%.64s...\": path too long", path);
	normalise(buf);
	return 0;
}

/* push_path: append a copy of the resolved path buf to l. */
static int push_path(struct cordon_path_list *l, const char *buf, struct cordon_error *e)
{
	char *copy;

	if (cordon_grow((void **)&l->v, l->n, &l->cap, sizeof(*l->v)) < 0 || !(copy = strdup(buf)))
		return cordon_error_set(e, ENOMEM, "out of memory");
	l->v[l->n++] = copy;
	return 0;
}

int cordon_policy_add_path(struct cordon_path_list *l, const char *path, const char *home,
			   const char *base, struct cordon_error *e)
{
	char buf[PATH_MAX];
	int r;

	if ((r = resolve_path(buf, path, home, base, e)) < 0)
		return r;
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], buf))
			return 0;
	return push_path(l, buf, e);
}

int cordon_policy_append_path(struct cordon_path_list *l, const char *path, const char *home,
			      const char *base, struct cordon_error *e)
{
	char buf[PATH_MAX];
	int r;

	if ((r = resolve_path(buf, path, home, base, e)) < 0)
		return r;
	return push_path(l, buf, e);
}

int cordon_policy_init(struct cordon_policy *p, const char *home, struct cordon_error *e)
{
	memset(p, 0, sizeof(*p));
	p->private_tmp = true;
	if (!home || !*home)
		return 0;
	if (home[0] != '/')
		return cordon_error_set(e, EINVAL, "$HOME \"%s\" is not an absolute path", home);
	for (size_t i = 0; i < sizeof(default_deny_read) / sizeof(default_deny_read[0]); i++) {
		int r = cordon_policy_add_path(&p->deny_read, default_deny_read[i], NULL, home, e);
		if (r < 0) {
			cordon_policy_free(p);
			return r;
		}
	}
	return 0;
}

static void free_paths(struct cordon_path_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

static void free_hosts(struct cordon_host_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].host);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

void cordon_policy_free(struct cordon_policy *p)
{
	if (!p)
		return;
	free_hosts(&p->allow_hosts);
	free_hosts(&p->deny_hosts);
	free_paths(&p->allow_unix_sockets);
	free_paths(&p->deny_read);
	free_paths(&p->allow_read);
	free_paths(&p->allow_write);
	free_paths(&p->deny_write);
	free(p->repo_config);
	cordon_git_policy_free(&p->git);
	memset(p, 0, sizeof(*p));
}

static bool rule_equal(const struct cordon_host_rule *a, const struct cordon_host_rule *b)
{
	return a->wildcard == b->wildcard && a->port == b->port && !strcmp(a->host, b->host);
}

/* push_rule: append a copy of r to l. */
static int push_rule(struct cordon_host_list *l, const struct cordon_host_rule *r,
		     struct cordon_error *e)
{
	char *host;

	if (cordon_grow((void **)&l->v, l->n, &l->cap, sizeof(*l->v)) < 0 ||
	    !(host = strdup(r->host)))
		return cordon_error_set(e, ENOMEM, "out of memory");
	l->v[l->n] = *r;
	l->v[l->n++].host = host;
	return 0;
}

/* append_rule: append a copy of r to l unless an equal rule is present. */
static int append_rule(struct cordon_host_list *l, const struct cordon_host_rule *r,
		       struct cordon_error *e)
{
	for (size_t i = 0; i < l->n; i++)
		if (rule_equal(&l->v[i], r))
			return 0;
	return push_rule(l, r, e);
}

int cordon_policy_add_host(struct cordon_host_list *l, const char *pattern, struct cordon_error *e)
{
	struct cordon_host_rule r;
	int ret = cordon_host_rule_parse(pattern, &r, e);

	if (ret < 0)
		return ret;
	ret = append_rule(l, &r, e);
	free(r.host);
	return ret;
}

int cordon_policy_append_host(struct cordon_host_list *l, const char *pattern,
			      struct cordon_error *e)
{
	struct cordon_host_rule r;
	int ret = cordon_host_rule_parse(pattern, &r, e);

	if (ret < 0)
		return ret;
	ret = push_rule(l, &r, e);
	free(r.host);
	return ret;
}

int cordon_policy_remove_host(struct cordon_host_list *l, const char *pattern,
			      struct cordon_error *e)
{
	struct cordon_host_rule r;
	int ret = cordon_host_rule_parse(pattern, &r, e), removed = 0;
	size_t j = 0;

	if (ret < 0)
		return ret;
	for (size_t i = 0; i < l->n; i++) {
		if (rule_equal(&l->v[i], &r)) {
			free(l->v[i].host);
			removed++;
		} else {
			l->v[j++] = l->v[i];
		}
	}
	l->n = j;
	free(r.host);
	return removed;
}

/* drop_carved: take out of allow every carve-out that is the same place as an entry of deny (the
 * string, or the path it resolves to, as the read masks compare them: mounts_cover.c cancels a
 * mask equal to a carve-out). A repository's denyRead of a path the user's allowRead carves out
 * would otherwise be listed as masked and read all the same; masking it narrows the policy,
 * which is what a repository's file may do. Each path is resolved once and looked up in sorted
 * sets (policy_cover.h). Returns 0 or -ENOMEM with e->msg set (allow then unchanged). */
static int drop_carved(struct cordon_path_list *allow, const struct cordon_path_list *deny,
		       struct cordon_error *e)
{
	struct place_set masked;
	size_t k = 0;

	if (place_set_build(&masked, deny->v, deny->n) < 0)
		return cordon_error_set(e, ENOMEM, "out of memory");
	for (size_t i = 0; i < allow->n; i++) {
		if (place_set_has(&masked, allow->v[i]))
			free(allow->v[i]);
		else
			allow->v[k++] = allow->v[i];
	}
	allow->n = k;
	place_set_free(&masked);
	return 0;
}

int cordon_policy_tighten(struct cordon_policy *p, const struct cordon_policy *r, const char *rfile,
			  struct cordon_error *e)
{
	static const char loosen[] = "%s: %s: refused, a repository's config may only tighten the "
				     "policy (%s \"%s\" is not allowed by your own config)";
	static const char loosen_bool[] = "%s: %s: refused, a repository's config may only tighten "
					  "the policy (it sets %s)";
	const struct {
		const char *key;
		const struct cordon_path_list *mine, *theirs;
	} paths[] = {
	    {"filesystem.allowWrite", &p->allow_write, &r->allow_write},
	    {"filesystem.allowRead", &p->allow_read, &r->allow_read},
	    {"network.allowUnixSockets", &p->allow_unix_sockets, &r->allow_unix_sockets},
	};
	char buf[300];
	int ret;

	/* Check everything first: on refusal p is unchanged. Each of r's entries is looked up in
	 * a sorted view of p's list (policy_cover.h), not compared with all of them. */
	struct rule_set hosts;
	struct str_set mine;
	if (rule_set_build(&hosts, &p->allow_hosts) < 0)
		return cordon_error_set(e, ENOMEM, "out of memory");
	for (size_t i = 0; i < r->allow_hosts.n; i++) {
		if (!rule_set_covers(&hosts, &r->allow_hosts.v[i])) {
			rule_set_free(&hosts);
			cordon_host_rule_format(&r->allow_hosts.v[i], buf, sizeof(buf));
			return cordon_error_set(e, EPERM, loosen, rfile, "network.allowedDomains",
						"host", buf);
		}
	}
	rule_set_free(&hosts);
	for (size_t k = 0; k < sizeof(paths) / sizeof(paths[0]); k++) {
		if (str_set_build(&mine, paths[k].mine->v, paths[k].mine->n) < 0)
			return cordon_error_set(e, ENOMEM, "out of memory");
		for (size_t i = 0; i < paths[k].theirs->n; i++) {
			if (!str_set_covers_path(&mine, paths[k].theirs->v[i])) {
				str_set_free(&mine);
				return cordon_error_set(e, EPERM, loosen, rfile, paths[k].key,
							"path", paths[k].theirs->v[i]);
			}
		}
		str_set_free(&mine);
	}
	for (size_t i = 0; i < r->n_allow_bind; i++)
		if (!cordon_policy_binds(p, r->allow_bind[i]))
			return cordon_error_set(e, EPERM, loosen_bool, rfile, "network.allowBind",
						"a port");
	if (r->n_expose)
		return cordon_error_set(e, EPERM, loosen_bool, rfile, "network.expose",
					"a forward");
	if (r->allow_local_binding && !p->allow_local_binding)
		return cordon_error_set(e, EPERM, loosen_bool, rfile, "network.allowLocalBinding",
					"it to true");
	if (r->allow_git_config && !p->allow_git_config)
		return cordon_error_set(e, EPERM, loosen_bool, rfile, "filesystem.allowGitConfig",
					"it to true");
	if (r->ignore_violations && !p->ignore_violations)
		return cordon_error_set(e, EPERM, loosen_bool, rfile, "ignoreViolations",
					"violations to ignore");
	if (r->enable_weaker_nested_sandbox && !p->enable_weaker_nested_sandbox)
		return cordon_error_set(e, EPERM, loosen_bool, rfile, "enableWeakerNestedSandbox",
					"it to true");
	if (!r->private_tmp && p->private_tmp)
		return cordon_error_set(e, EPERM, loosen_bool, rfile, "privateTmp", "it to false");
	if (!r->lock_policy && p->lock_policy)
		return cordon_error_set(e, EPERM, loosen_bool, rfile, "lockPolicy", "it to false");
	if (!r->strict && p->strict)
		return cordon_error_set(e, EPERM, loosen_bool, rfile, "strict", "it to false");

	/* The git section checks all of r's before it narrows p's (git_policy.h). */
	if ((ret = cordon_git_policy_tighten(&p->git, &r->git, rfile, e)) < 0)
		return ret;

	/* Only additions to deny lists remain, and the carve-outs they cancel taken out; a failure
	 * here (ENOMEM) leaves p stricter. They are appended, and the repeats dropped in one pass
	 * (cordon_policy_dedup). */
	for (size_t i = 0; i < r->deny_hosts.n; i++)
		if ((ret = push_rule(&p->deny_hosts, &r->deny_hosts.v[i], e)) < 0)
			return ret;
	for (size_t i = 0; i < r->deny_read.n; i++)
		if ((ret = push_path(&p->deny_read, r->deny_read.v[i], e)) < 0)
			return ret;
	for (size_t i = 0; i < r->deny_write.n; i++)
		if ((ret = push_path(&p->deny_write, r->deny_write.v[i], e)) < 0)
			return ret;
	/* a carve-out equal to one of the repository's masks would cancel that mask */
	if ((ret = drop_carved(&p->allow_read, &r->deny_read, e)) < 0)
		return ret;
	if ((ret = cordon_policy_dedup(p, e)) < 0)
		return ret;
	p->lock_policy = p->lock_policy || r->lock_policy;
	p->strict = p->strict || r->strict;
	p->private_tmp = p->private_tmp || r->private_tmp;
	return 0;
}

/* same_place: a and b (normalised) are the same path, or resolve to the same one. */
static bool same_place(const char *a, const char *b)
{
	char ra[PATH_MAX], rb[PATH_MAX];
	if (!strcmp(a, b))
		return true;
	return realpath(a, ra) && realpath(b, rb) && !strcmp(ra, rb);
}

/* mask_writable: refuse the first deny_read entry that is the same place (same_place) as an
 * allow_write entry. Each path is resolved once and looked up in sorted sets of the writable
 * trees' names and resolved names, instead of a realpath(3) pair per deny x write pair. */
static int mask_writable(const struct cordon_policy *p, const char *cwd, struct cordon_error *e)
{
	const struct cordon_path_list *w = &p->allow_write;
	struct place_set writable;
	int r = 0;

	if (place_set_build(&writable, w->v, w->n) < 0)
		return cordon_error_set(e, ENOMEM, "out of memory");
	for (size_t i = 0; i < p->deny_read.n && r == 0; i++) {
		const char *m = p->deny_read.v[i];
		if (!place_set_has(&writable, m))
			continue;
		for (size_t j = 0; j < w->n; j++) {
			if (!same_place(m, w->v[j]))
				continue;
			r = cordon_error_set(
			    e, EINVAL,
			    "filesystem.denyRead: \"%s\" is also writable (%s): a "
			    "writable tree cannot be hidden; take it out of denyRead, "
			    "or work elsewhere",
			    m,
			    !strcmp(w->v[j], cwd) ? "the current directory"
						  : "filesystem.allowWrite");
			break;
		}
	}
	place_set_free(&writable);
	return r;
}

int cordon_policy_finish(struct cordon_policy *p, const char *cwd, struct cordon_error *e)
{
	int r;

	if (!cwd || cwd[0] != '/')
		return cordon_error_set(e, EINVAL, "current directory \"%s\" is not absolute",
					cwd ? cwd : "(null)");
	if ((r = cordon_policy_add_path(&p->allow_write, cwd, NULL, NULL, e)) < 0)
		return r;
	if ((r = cordon_policy_add_git_admin(p, cwd, e)) < 0)
		return r;
	for (size_t i = 0; i < p->allow_write.n; i++)
		if (!strcmp(p->allow_write.v[i], "/"))
			return cordon_error_set(
			    e, EINVAL,
			    "filesystem.allowWrite: \"/\" would make the whole "
			    "file system writable%s",
			    !strcmp(cwd, "/") ? " (the current directory is \"/\")" : "");
	/* A mask equal to a writable tree cannot be both: refuse rather than drop one silently.
	 * (A mask above a writable tree is kept, with the tree let through: "hide ~ but the
	 * project".) */
	if ((r = mask_writable(p, cwd, e)) < 0)
		return r;
	return cordon_git_policy_finish(&p->git, cwd, &p->allow_unix_sockets, e);
}

static void json_paths(struct cordon_strbuf *b, const char *key, const struct cordon_path_list *l)
{
	cordon_sb_addf(b, "    \"%s\": [", key);
	for (size_t i = 0; i < l->n; i++) {
		cordon_sb_add(b, i ? ",\n      " : "\n      ");
		cordon_sb_json_str(b, l->v[i], CORDON_JSON_BYTES);
	}
	cordon_sb_addf(b, "%s],\n", l->n ? "\n    " : "");
}

static void json_hosts(struct cordon_strbuf *b, const char *key, const struct cordon_host_list *l)
{
	char buf[300];

	cordon_sb_addf(b, "    \"%s\": [", key);
	for (size_t i = 0; i < l->n; i++) {
		cordon_host_rule_format(&l->v[i], buf, sizeof(buf));
		cordon_sb_add(b, i ? ", " : "");
		cordon_sb_json_str(b, buf, CORDON_JSON_BYTES);
	}
	cordon_sb_add(b, "],\n");
}

static const char *tf(bool b)
{
	return b ? "true" : "false";
}

int cordon_policy_to_json(const struct cordon_policy *p, char **out, struct cordon_error *e)
{
	struct cordon_strbuf b = {0};

	cordon_sb_add(&b, "{\n  \"network\": {\n");
	json_hosts(&b, "allowedDomains", &p->allow_hosts);
	json_hosts(&b, "deniedDomains", &p->deny_hosts);
	json_paths(&b, "allowUnixSockets", &p->allow_unix_sockets);
	cordon_sb_add(&b, "    \"allowBind\": [");
	for (size_t i = 0; i < p->n_allow_bind; i++)
		cordon_sb_addf(&b, "%s\"%u\"", i ? ", " : "", p->allow_bind[i]);
	cordon_sb_add(&b, "],\n    \"expose\": [");
	for (size_t i = 0; i < p->n_expose; i++)
		cordon_sb_addf(&b, "%s\"%u:%u\"", i ? ", " : "", p->expose[i].port,
			       p->expose[i].host_port);
	cordon_sb_add(&b, "],\n");
	cordon_sb_addf(&b, "    \"allowLocalBinding\": %s\n  },\n", tf(p->allow_local_binding));
	cordon_sb_add(&b, "  \"filesystem\": {\n");
	json_paths(&b, "denyRead", &p->deny_read);
	json_paths(&b, "allowRead", &p->allow_read);
	json_paths(&b, "allowWrite", &p->allow_write);
	json_paths(&b, "denyWrite", &p->deny_write);
	cordon_sb_addf(&b, "    \"allowGitConfig\": %s\n  },\n", tf(p->allow_git_config));
	cordon_git_policy_json(&b, &p->git);
	cordon_sb_addf(&b,
		       "  \"ignoreViolations\": %s,\n  \"enableWeakerNestedSandbox\": %s,\n"
		       "  \"lockPolicy\": %s,\n  \"privateTmp\": %s,\n  \"strict\": %s\n}\n",
		       tf(p->ignore_violations), tf(p->enable_weaker_nested_sandbox),
		       tf(p->lock_policy), tf(p->private_tmp), tf(p->strict));
	if (cordon_sb_take(&b, out) < 0)
		return cordon_error_set(e, ENOMEM, "out of memory");
	return 0;
}
