/* config.c — JSON configuration files into a policy: the text read by json.h, then the
 * sandbox-runtime and cordon keys. */
#include "cordon/config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cordon/hostpat.h"
#include "cordon/json.h"

#define CONFIG_MAX_BYTES (1 << 20) /* a policy file is small; refuse anything larger */

struct ctx {
	struct cordon_json d;
	const char *name, *base, *home;
	struct cordon_policy *p; /* the scratch copy being filled */
	struct cordon_error *e;
};

/* err_at: "NAME:LINE:COLUMN: KEY: message" (KEY omitted when NULL); line and column are 1-based,
 * the column counted in bytes. Returns -errnum. */
static int __attribute__((format(printf, 5, 6)))
err_at(const struct ctx *c, size_t off, const char *key, int errnum, const char *fmt, ...)
{
	char msg[768];
	unsigned line = 1, col = 1;
	va_list ap;

	if (off > c->d.len)
		off = c->d.len;
	for (size_t i = 0; i < off; i++) {
		if (c->d.js[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return cordon_error_set(c->e, errnum, "%s:%u:%u: %s%s%s", c->name, line, col,
				key ? key : "", key ? ": " : "", msg);
}

/* decode: the string at i, or an error naming its position and key. */
static int decode(const struct ctx *c, int i, const char *key, char **out)
{
	struct cordon_json_error je;
	int r = cordon_json_strdup(&c->d, i, out, &je);

	if (r == -ENOMEM)
		return cordon_error_set(c->e, ENOMEM, "out of memory");
	return r < 0 ? err_at(c, je.offset, key, -r, "%s", je.msg) : 0;
}

static int get_bool(const struct ctx *c, int i, const char *key, bool *out)
{
	if (!cordon_json_bool(&c->d, i, out))
		return err_at(c, cordon_json_offset(&c->d, i), key, EINVAL,
			      "expected a boolean, got %s", cordon_json_type_name(&c->d, i));
	return 0;
}

enum list_kind { LIST_PATHS, LIST_HOSTS, LIST_STRINGS };

/* get_list: an array of strings; each element is added to the path or host list, or only
 * checked to be a string (LIST_STRINGS). */
static int get_list(const struct ctx *c, int i, const char *key, enum list_kind kind, void *list)
{
	const struct cordon_json *d = &c->d;
	int r, j = i + 1;

	if (cordon_json_type(d, i) != CORDON_JSON_ARR)
		return err_at(c, cordon_json_offset(d, i), key, EINVAL,
			      "expected an array of strings, got %s", cordon_json_type_name(d, i));
	for (int k = 0; k < cordon_json_size(d, i); k++, j = cordon_json_next(d, j)) {
		char *s;
		if (cordon_json_type(d, j) != CORDON_JSON_STR)
			return err_at(c, cordon_json_offset(d, j), key, EINVAL,
				      "expected an array of strings, element %d is %s", k,
				      cordon_json_type_name(d, j));
		if ((r = decode(c, j, key, &s)) < 0)
			return r;
		if (kind == LIST_PATHS)
			r = cordon_policy_add_path(list, s, c->home, c->base, c->e);
		else if (kind == LIST_HOSTS)
			r = cordon_policy_add_host(list, s, c->e);
		free(s);
		if (r < 0) {
			char why[sizeof(c->e->msg)];
			snprintf(why, sizeof(why), "%s", c->e->msg);
			return err_at(c, cordon_json_offset(d, j), key, -r, "%s", why);
		}
	}
	return 0;
}

enum field_kind { F_BOOL, F_PATHS, F_HOSTS, F_NETWORK, F_FILESYSTEM, F_IGNORE };

struct field {
	const char *key;
	enum field_kind kind;
	size_t off; /* offset of the target in struct cordon_policy */
};

#define FIELD(k, kind, member)                                                                     \
	{                                                                                          \
		k, kind, offsetof(struct cordon_policy, member)                                    \
	}

static const struct field root_fields[] = {
    {"network", F_NETWORK, 0},
    {"filesystem", F_FILESYSTEM, 0},
    FIELD("ignoreViolations", F_IGNORE, ignore_violations),
    FIELD("enableWeakerNestedSandbox", F_BOOL, enable_weaker_nested_sandbox),
    FIELD("lockPolicy", F_BOOL, lock_policy),
    FIELD("privateTmp", F_BOOL, private_tmp),
    FIELD("strict", F_BOOL, strict),
    {NULL, F_BOOL, 0},
};

static const struct field network_fields[] = {
    FIELD("allowedDomains", F_HOSTS, allow_hosts),
    FIELD("deniedDomains", F_HOSTS, deny_hosts),
    FIELD("allowUnixSockets", F_PATHS, allow_unix_sockets),
    FIELD("allowLocalBinding", F_BOOL, allow_local_binding),
    {NULL, F_BOOL, 0},
};

static const struct field filesystem_fields[] = {
    FIELD("denyRead", F_PATHS, deny_read),
    FIELD("allowRead", F_PATHS, allow_read),
    FIELD("allowWrite", F_PATHS, allow_write),
    FIELD("denyWrite", F_PATHS, deny_write),
    FIELD("allowGitConfig", F_BOOL, allow_git_config),
    {NULL, F_BOOL, 0},
};

static int load_object(const struct ctx *c, int i, const char *prefix, const struct field *fields);

/* join_key: "prefix.name" (or "name") for messages; a truncated key only shortens a message. */
static void join_key(char *out, size_t len, const char *prefix, const char *name)
{
	int n = snprintf(out, len, "%s%s%s", prefix ? prefix : "", prefix ? "." : "", name);

	if (n < 0 && len)
		out[0] = '\0';
}

/* load_ignore: ignoreViolations is true/false or, as in sandbox-runtime, an object mapping
 * command patterns to arrays of paths; cordon only logs, so any entry turns it on. */
static int load_ignore(const struct ctx *c, int i, const char *key, bool *out)
{
	const struct cordon_json *d = &c->d;
	int r, j = i + 1;

	if (cordon_json_type(d, i) == CORDON_JSON_PRIM)
		return get_bool(c, i, key, out);
	if (cordon_json_type(d, i) != CORDON_JSON_OBJ)
		return err_at(c, cordon_json_offset(d, i), key, EINVAL,
			      "expected a boolean or an object of command patterns, got %s",
			      cordon_json_type_name(d, i));
	for (int k = 0; k < cordon_json_size(d, i); k++, j = cordon_json_next(d, j)) {
		char *name, sub[256];
		size_t bn, an;
		const char *b = cordon_json_raw(d, j, &bn);
		if ((r = decode(c, j, key, &name)) < 0)
			return r;
		for (int m = i + 1; m < j; m = cordon_json_next(d, m)) {
			const char *a = cordon_json_raw(d, m, &an);
			if (an == bn && !memcmp(a, b, an)) {
				join_key(sub, sizeof(sub), key, name);
				free(name);
				return err_at(c, cordon_json_offset(d, j), sub, EINVAL,
					      "duplicate key");
			}
		}
		join_key(sub, sizeof(sub), key, name);
		free(name);
		if ((r = get_list(c, j + 1, sub, LIST_STRINGS, NULL)) < 0)
			return r;
	}
	if (cordon_json_size(d, i) > 0)
		*out = true;
	return 0;
}

static int load_object(const struct ctx *c, int i, const char *prefix, const struct field *fields)
{
	const struct cordon_json *d = &c->d;
	int r = 0, j = i + 1, size = cordon_json_size(d, i);
	char **seen = calloc((size_t)size + 1, sizeof(*seen));

	if (!seen)
		return cordon_error_set(c->e, ENOMEM, "out of memory");
	if (cordon_json_type(d, i) != CORDON_JSON_OBJ) {
		r = err_at(c, cordon_json_offset(d, i), prefix, EINVAL,
			   "expected an object, got %s", cordon_json_type_name(d, i));
		goto out;
	}
	for (int k = 0; k < size; k++, j = cordon_json_next(d, j)) {
		char key[256];
		const struct field *f;

		if ((r = decode(c, j, prefix, &seen[k])) < 0)
			goto out;
		join_key(key, sizeof(key), prefix, seen[k]);
		for (int m = 0; m < k; m++) {
			if (!strcmp(seen[m], seen[k])) {
				r = err_at(c, cordon_json_offset(d, j), key, EINVAL,
					   "duplicate key");
				goto out;
			}
		}
		for (f = fields; f->key && strcmp(f->key, seen[k]); f++)
			;
		if (!f->key) {
			r = err_at(c, cordon_json_offset(d, j), key, EINVAL, "unknown key");
			goto out;
		}
		char *target = (char *)c->p + f->off;
		switch (f->kind) {
		case F_BOOL:
			r = get_bool(c, j + 1, key, (bool *)target);
			break;
		case F_PATHS:
			r = get_list(c, j + 1, key, LIST_PATHS, target);
			break;
		case F_HOSTS:
			r = get_list(c, j + 1, key, LIST_HOSTS, target);
			break;
		case F_NETWORK:
			r = load_object(c, j + 1, key, network_fields);
			break;
		case F_FILESYSTEM:
			r = load_object(c, j + 1, key, filesystem_fields);
			break;
		case F_IGNORE:
			r = load_ignore(c, j + 1, key, (bool *)target);
			break;
		}
		if (r < 0)
			goto out;
	}
out:
	for (int k = 0; k < size; k++)
		free(seen[k]);
	free(seen);
	return r;
}

/* copy_policy: a deep copy of src into dst (zeroed first). */
static int copy_policy(struct cordon_policy *dst, const struct cordon_policy *src,
		       struct cordon_error *e)
{
	const size_t paths[] = {
	    offsetof(struct cordon_policy, allow_unix_sockets),
	    offsetof(struct cordon_policy, deny_read),
	    offsetof(struct cordon_policy, allow_read),
	    offsetof(struct cordon_policy, allow_write),
	    offsetof(struct cordon_policy, deny_write),
	};
	const size_t hosts[] = {
	    offsetof(struct cordon_policy, allow_hosts),
	    offsetof(struct cordon_policy, deny_hosts),
	};
	char buf[300];
	int r;

	*dst = *src;
	for (size_t k = 0; k < sizeof(paths) / sizeof(paths[0]); k++)
		*(struct cordon_path_list *)((char *)dst + paths[k]) = (struct cordon_path_list){0};
	for (size_t k = 0; k < sizeof(hosts) / sizeof(hosts[0]); k++)
		*(struct cordon_host_list *)((char *)dst + hosts[k]) = (struct cordon_host_list){0};
	for (size_t k = 0; k < sizeof(paths) / sizeof(paths[0]); k++) {
		const struct cordon_path_list *s = (const void *)((const char *)src + paths[k]);
		struct cordon_path_list *d = (void *)((char *)dst + paths[k]);
		for (size_t i = 0; i < s->n; i++)
			if ((r = cordon_policy_add_path(d, s->v[i], NULL, NULL, e)) < 0)
				goto fail;
	}
	for (size_t k = 0; k < sizeof(hosts) / sizeof(hosts[0]); k++) {
		const struct cordon_host_list *s = (const void *)((const char *)src + hosts[k]);
		struct cordon_host_list *d = (void *)((char *)dst + hosts[k]);
		for (size_t i = 0; i < s->n; i++) {
			cordon_host_rule_format(&s->v[i], buf, sizeof(buf));
			if ((r = cordon_policy_add_host(d, buf, e)) < 0)
				goto fail;
		}
	}
	return 0;
fail:
	cordon_policy_free(dst);
	return r;
}

int cordon_config_load_string(struct cordon_policy *p, const char *json, size_t len,
			      const char *name, const char *base, const char *home,
			      struct cordon_error *e)
{
	struct ctx c = {.name = name ? name : "(config)", .base = base, .home = home, .e = e};
	struct cordon_policy scratch;
	struct cordon_json_error je;
	int r;

	r = cordon_json_parse(&c.d, json, len, CORDON_JSON_OBJECT, &je);
	if (r == -ENOMEM) {
		r = cordon_error_set(e, ENOMEM, "out of memory");
		goto out;
	}
	if (r < 0) {
		r = err_at(&c, je.offset, NULL, -r, "%s", je.msg);
		goto out;
	}

	/* Fill a copy: on any error p stays as it was. */
	if ((r = copy_policy(&scratch, p, e)) < 0)
		goto out;
	c.p = &scratch;
	if ((r = load_object(&c, 0, NULL, root_fields)) < 0) {
		cordon_policy_free(&scratch);
		goto out;
	}
	cordon_policy_free(p);
	*p = scratch;
out:
	cordon_json_free(&c.d);
	return r;
}

/* dir_of: the absolute, normalised directory holding path. */
static int dir_of(const char *path, char *out, size_t len, struct cordon_error *e)
{
	struct cordon_path_list l = {0};
	char cwd[PATH_MAX], dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int r;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if (dir[0] != '/' && !getcwd(cwd, sizeof(cwd)))
		return cordon_error_set(e, errno, "cannot get the current directory: %m");
	if ((r = cordon_policy_add_path(&l, dir, NULL, dir[0] == '/' ? NULL : cwd, e)) < 0)
		return r;
	r = snprintf(out, len, "%s", l.v[0]) >= (int)len ? -ENAMETOOLONG : 0;
	free(l.v[0]);
	free(l.v);
	return r < 0 ? cordon_error_set(e, ENAMETOOLONG, "%s: path too long", path) : 0;
}

int cordon_config_load_file(struct cordon_policy *p, const char *path, const char *home,
			    struct cordon_error *e)
{
	char base[PATH_MAX], *buf = NULL;
	struct stat st;
	size_t got = 0;
	int fd, r;

	if ((r = dir_of(path, base, sizeof(base), e)) < 0)
		return r;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return cordon_error_set(e, errno, "%s: cannot open: %m", path);
	if (fstat(fd, &st) < 0) {
		r = cordon_error_set(e, errno, "%s: %m", path);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = cordon_error_set(e, EINVAL, "%s: not a regular file", path);
		goto out;
	}
	if (st.st_size > CONFIG_MAX_BYTES) {
		r = cordon_error_set(e, EFBIG, "%s: larger than %d bytes", path, CONFIG_MAX_BYTES);
		goto out;
	}
	if (!(buf = malloc((size_t)st.st_size + 1))) {
		r = cordon_error_set(e, ENOMEM, "out of memory");
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = cordon_error_set(e, errno, "%s: cannot read: %m", path);
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	r = cordon_config_load_string(p, buf, got, path, base, home, e);
out:
	free(buf);
	close(fd);
	return r;
}

int cordon_config_user_path(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	int n;

	/* XDG Base Directory Specification: a relative $XDG_CONFIG_HOME is invalid, ignore it. */
	if (xdg && xdg[0] == '/')
		n = snprintf(buf, len, "%s/cordon/config.json", xdg);
	else if (home && home[0] == '/')
		n = snprintf(buf, len, "%s/.config/cordon/config.json", home);
	else
		return -ENOENT;
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}
