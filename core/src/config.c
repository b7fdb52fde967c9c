/* config.c — JSON configuration files into a policy: jsmn tokens, checked for the JSON grammar
 * jsmn leaves open, then the sandbox-runtime and cordon keys; and the merge order of policy_build.
 */
#include "cordon/config.h"
#include "cordon/ports.h"

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

/* jsmn is header-only: this file holds the (static) implementation. Strict mode refuses bare
 * words; parent links let closing brackets find their opener. */
#define JSMN_STATIC
#define JSMN_STRICT
#define JSMN_PARENT_LINKS
#include <jsmn.h>

#define CONFIG_MAX_BYTES (1 << 20) /* a policy file is small; refuse anything larger */

struct ctx {
	const char *js;
	size_t len;
	jsmntok_t *t;
	int nt;
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

	if (off > c->len)
		off = c->len;
	for (size_t i = 0; i < off; i++) {
		if (c->js[i] == '\n') {
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

/* The text a token covers, quotes included for strings. */
static size_t tok_begin(const jsmntok_t *t)
{
	return (size_t)(t->type == JSMN_STRING ? t->start - 1 : t->start);
}

static size_t tok_end(const jsmntok_t *t)
{
	return (size_t)(t->type == JSMN_STRING ? t->end + 1 : t->end);
}

/* skip: index of the token after t[i] and everything it contains (a key's size is 1: its value). */
static int skip(const jsmntok_t *t, int i)
{
	int j = i + 1;

	for (int k = 0; k < t[i].size; k++)
		j = skip(t, j);
	return j;
}

static bool is_ws(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r'; /* RFC 8259 §2 */
}

/* gap: the text between two tokens must be whitespace, the separator sep (if non-zero), and
 * whitespace. jsmn accepts stray ',' and ':' and missing separators; this refuses them. */
static int gap(const struct ctx *c, size_t from, size_t to, char sep, const char *what)
{
	size_t i = from;

	while (i < to && is_ws(c->js[i]))
		i++;
	if (sep) {
		if (i >= to || c->js[i] != sep)
			return err_at(c, i, NULL, EINVAL, "invalid JSON: expected '%c' %s", sep,
				      what);
		i++;
		while (i < to && is_ws(c->js[i]))
			i++;
	}
	if (i < to)
		return err_at(c, i, NULL, EINVAL, "invalid JSON: unexpected '%c'", c->js[i]);
	return 0;
}

/* decode: the JSON string token t as a malloc'd NUL-terminated UTF-8 string (RFC 8259 §7).
 * Refuses raw control characters, "\u0000" and unpaired surrogates. */
static int decode(const struct ctx *c, const jsmntok_t *t, const char *key, char **out)
{
	const char *s = c->js + t->start;
	size_t n = (size_t)(t->end - t->start);
	char *buf = malloc(n + 1), *o = buf;

	*out = NULL;
	if (!buf)
		return cordon_error_set(c->e, ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		size_t at = (size_t)t->start + i;
		if (ch < 0x20) {
			free(buf);
			return err_at(c, at, key, EINVAL,
				      "invalid JSON: control character in a string");
		}
		if (ch != '\\') {
			*o++ = (char)ch;
			continue;
		}
		ch = (unsigned char)s[++i]; /* jsmn checked that an escape is complete */
		switch (ch) {
		case 'b':
			*o++ = '\b';
			break;
		case 'f':
			*o++ = '\f';
			break;
		case 'n':
			*o++ = '\n';
			break;
		case 'r':
			*o++ = '\r';
			break;
		case 't':
			*o++ = '\t';
			break;
		case 'u': {
			unsigned long cp =
			    strtoul((char[5]){s[i + 1], s[i + 2], s[i + 3], s[i + 4], 0}, NULL, 16);
			i += 4;
			if (cp >= 0xd800 && cp <= 0xdbff && i + 6 < n && s[i + 1] == '\\' &&
			    s[i + 2] == 'u') {
				unsigned long lo = strtoul(
				    (char[5]){s[i + 3], s[i + 4], s[i + 5], s[i + 6], 0}, NULL, 16);
				if (lo >= 0xdc00 && lo <= 0xdfff) {
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
					i += 6;
				}
			}
			if (cp == 0 || (cp >= 0xd800 && cp <= 0xdfff)) {
				free(buf);
				return err_at(c, at, key, EINVAL, "%s",
					      cp ? "invalid JSON: unpaired surrogate escape"
						 : "\"\\u0000\" is not allowed");
			}
			if (cp < 0x80) {
				*o++ = (char)cp;
			} else if (cp < 0x800) {
				*o++ = (char)(0xc0 | (cp >> 6));
				*o++ = (char)(0x80 | (cp & 0x3f));
			} else if (cp < 0x10000) {
				*o++ = (char)(0xe0 | (cp >> 12));
				*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
				*o++ = (char)(0x80 | (cp & 0x3f));
			} else {
				*o++ = (char)(0xf0 | (cp >> 18));
				*o++ = (char)(0x80 | ((cp >> 12) & 0x3f));
				*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
				*o++ = (char)(0x80 | (cp & 0x3f));
			}
			break;
		}
		default:
			*o++ = (char)ch; /* '"', '\\', '/' */
		}
	}
	*o = '\0';
	*out = buf;
	return 0;
}

/* valid_primitive: true, false, null or a number (RFC 8259 §3, §6). */
static bool valid_primitive(const char *s, size_t n)
{
	size_t i = 0;

	if ((n == 4 && !strncmp(s, "true", 4)) || (n == 5 && !strncmp(s, "false", 5)) ||
	    (n == 4 && !strncmp(s, "null", 4)))
		return true;
	if (i < n && s[i] == '-')
		i++;
	if (i < n && s[i] == '0')
		i++;
	else if (i < n && s[i] >= '1' && s[i] <= '9')
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	else
		return false;
	if (i < n && s[i] == '.') {
		if (++i >= n || s[i] < '0' || s[i] > '9')
			return false;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		if (++i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= n || s[i] < '0' || s[i] > '9')
			return false;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	return i == n;
}

/* check: the grammar jsmn does not enforce, over the subtree at token i; *next receives the
 * index after it. */
static int check(const struct ctx *c, int i, int *next)
{
	const jsmntok_t *t = &c->t[i];
	int r, j = i + 1;

	switch (t->type) {
	case JSMN_STRING:
		break; /* decoded (and refused if malformed) where the key that holds it is known */
	case JSMN_PRIMITIVE:
		if (!valid_primitive(c->js + t->start, (size_t)(t->end - t->start)))
			return err_at(c, (size_t)t->start, NULL, EINVAL,
				      "invalid JSON: invalid literal \"%.*s\"", t->end - t->start,
				      c->js + t->start);
		break;
	case JSMN_OBJECT:
	case JSMN_ARRAY: {
		bool obj = t->type == JSMN_OBJECT;
		size_t pos = tok_begin(t) + 1;
		for (int k = 0; k < t->size; k++) {
			const jsmntok_t *el = &c->t[j];
			if ((r = gap(c, pos, tok_begin(el), k ? ',' : 0, "between members")) < 0)
				return r;
			if (obj) {
				if (el->type != JSMN_STRING)
					return err_at(c, tok_begin(el), NULL, EINVAL,
						      "invalid JSON: object keys must be strings");
				if (el->size == 0)
					return err_at(c, tok_end(el), NULL, EINVAL,
						      "invalid JSON: expected ':' after a key");
				if (el->size > 1) {
					/* jsmn hangs a member that lacks its ',' under the key
					 * before it: report the missing ','. */
					int nx = skip(c->t, j + 1);
					if ((r = gap(c, tok_end(&c->t[j + 1]), tok_begin(&c->t[nx]),
						     ',', "between members")) < 0)
						return r;
					return err_at(c, tok_end(el), NULL, EINVAL, "invalid JSON");
				}
				const jsmntok_t *val = &c->t[j + 1];
				if ((r = gap(c, tok_end(el), tok_begin(val), ':', "after a key")) <
				    0)
					return r;
				el = val;
				j++;
			}
			if ((r = check(c, j, &j)) < 0)
				return r;
			pos = tok_end(el);
		}
		if ((r = gap(c, pos, tok_end(t) - 1, 0, "")) < 0)
			return r;
		break;
	}
	default:
		return err_at(c, (size_t)t->start, NULL, EINVAL, "invalid JSON");
	}
	*next = j;
	return 0;
}

static const char *type_name(const struct ctx *c, const jsmntok_t *t)
{
	switch (t->type) {
	case JSMN_OBJECT:
		return "an object";
	case JSMN_ARRAY:
		return "an array";
	case JSMN_STRING:
		return "a string";
	default:
		if (c->js[t->start] == 't' || c->js[t->start] == 'f')
			return "a boolean";
		if (c->js[t->start] == 'n')
			return "null";
		return "a number";
	}
}

static int get_bool(const struct ctx *c, int i, const char *key, bool *out)
{
	const jsmntok_t *t = &c->t[i];

	if (t->type != JSMN_PRIMITIVE || (c->js[t->start] != 't' && c->js[t->start] != 'f'))
		return err_at(c, tok_begin(t), key, EINVAL, "expected a boolean, got %s",
			      type_name(c, t));
	*out = c->js[t->start] == 't';
	return 0;
}

enum list_kind { LIST_PATHS, LIST_HOSTS, LIST_STRINGS, LIST_BINDS, LIST_EXPOSE };

/* get_list: an array of strings; each element is added to the path or host list, or only
 * checked to be a string (LIST_STRINGS). */
static int get_list(const struct ctx *c, int i, const char *key, enum list_kind kind, void *list)
{
	const jsmntok_t *t = &c->t[i];
	int r, j = i + 1;

	if (t->type != JSMN_ARRAY)
		return err_at(c, tok_begin(t), key, EINVAL, "expected an array of strings, got %s",
			      type_name(c, t));
	for (int k = 0; k < t->size; k++, j = skip(c->t, j)) {
		const jsmntok_t *el = &c->t[j];
		char *s;
		if (el->type != JSMN_STRING)
			return err_at(c, tok_begin(el), key, EINVAL,
				      "expected an array of strings, element %d is %s", k,
				      type_name(c, el));
		if ((r = decode(c, el, key, &s)) < 0)
			return r;
		if (kind == LIST_PATHS)
			r = cordon_policy_add_path(list, s, c->home, c->base, c->e);
		else if (kind == LIST_HOSTS)
			r = cordon_policy_add_host(list, s, c->e);
		else if (kind == LIST_BINDS) /* ports.h: the list is the policy's */
			r = cordon_policy_add_bind(c->p, s, c->e);
		else if (kind == LIST_EXPOSE)
			r = cordon_policy_add_expose(c->p, s, c->e);
		free(s);
		if (r < 0) {
			char why[sizeof(c->e->msg)];
			snprintf(why, sizeof(why), "%s", c->e->msg);
			return err_at(c, tok_begin(el), key, -r, "%s", why);
		}
	}
	return 0;
}

enum field_kind {
	F_BOOL,
	F_PATHS,
	F_HOSTS,
	F_NETWORK,
	F_FILESYSTEM,
	F_IGNORE,
	F_BINDS,
	F_EXPOSE,
	F_GIT
};

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
    {"git", F_GIT, 0},
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
    FIELD("allowBind", F_BINDS, allow_bind), /* cordon's: ["8000"] (ports.h) */
    FIELD("expose", F_EXPOSE, expose),	     /* cordon's: ["8000", "8001:9001"] */
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
static int load_git(const struct ctx *c, int i, const char *prefix);

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
	const jsmntok_t *t = &c->t[i];
	int r, j = i + 1;

	if (t->type == JSMN_PRIMITIVE)
		return get_bool(c, i, key, out);
	if (t->type != JSMN_OBJECT)
		return err_at(c, tok_begin(t), key, EINVAL,
			      "expected a boolean or an object of command patterns, got %s",
			      type_name(c, t));
	for (int k = 0; k < t->size; k++, j = skip(c->t, j)) {
		char *name, sub[256];
		if ((r = decode(c, &c->t[j], key, &name)) < 0)
			return r;
		for (int m = i + 1; m < j; m = skip(c->t, m)) {
			const jsmntok_t *a = &c->t[m], *b = &c->t[j];
			if (a->end - a->start == b->end - b->start &&
			    !memcmp(c->js + a->start, c->js + b->start,
				    (size_t)(a->end - a->start))) {
				join_key(sub, sizeof(sub), key, name);
				free(name);
				return err_at(c, tok_begin(b), sub, EINVAL, "duplicate key");
			}
		}
		join_key(sub, sizeof(sub), key, name);
		free(name);
		if ((r = get_list(c, j + 1, sub, LIST_STRINGS, NULL)) < 0)
			return r;
	}
	if (t->size > 0)
		*out = true;
	return 0;
}

static int load_object(const struct ctx *c, int i, const char *prefix, const struct field *fields)
{
	const jsmntok_t *t = &c->t[i];
	int r = 0, j = i + 1;
	char **seen = calloc((size_t)t->size + 1, sizeof(*seen));

	if (!seen)
		return cordon_error_set(c->e, ENOMEM, "out of memory");
	if (t->type != JSMN_OBJECT) {
		r = err_at(c, tok_begin(t), prefix, EINVAL, "expected an object, got %s",
			   type_name(c, t));
		goto out;
	}
	for (int k = 0; k < t->size; k++, j = skip(c->t, j)) {
		const jsmntok_t *kt = &c->t[j];
		char key[256];
		const struct field *f;

		if ((r = decode(c, kt, prefix, &seen[k])) < 0)
			goto out;
		join_key(key, sizeof(key), prefix, seen[k]);
		for (int m = 0; m < k; m++) {
			if (!strcmp(seen[m], seen[k])) {
				r = err_at(c, tok_begin(kt), key, EINVAL, "duplicate key");
				goto out;
			}
		}
		for (f = fields; f->key && strcmp(f->key, seen[k]); f++)
			;
		if (!f->key) {
			r = err_at(c, tok_begin(kt), key, EINVAL, "unknown key");
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
		case F_BINDS:
			r = get_list(c, j + 1, key, LIST_BINDS, target);
			break;
		case F_EXPOSE:
			r = get_list(c, j + 1, key, LIST_EXPOSE, target);
			break;
		case F_GIT:
			r = load_git(c, j + 1, key);
			break;
		}
		if (r < 0)
			goto out;
	}
out:
	for (int k = 0; k < t->size; k++)
		free(seen[k]);
	free(seen);
	return r;
}

/* The git section (git_policy.h): lists whose entries the section's own adders validate, one
 * key line or path, two booleans. */
static const struct git_field {
	const char *key;
	int (*add)(void *target, const char *s, const char *home, const char *base,
		   struct cordon_error *e);
	size_t off;   /* in struct cordon_git_policy */
	unsigned bit; /* CORDON_GIT_SET_* */
	bool single;  /* a string, not an array of strings */
} git_fields[] = {
    {"remotes", cordon_git_add_remote, offsetof(struct cordon_git_policy, remotes),
     CORDON_GIT_SET_REMOTES, false},
    {"pushRefs", cordon_git_add_push_ref, offsetof(struct cordon_git_policy, push_refs),
     CORDON_GIT_SET_PUSH_REFS, false},
    {"passTokens", cordon_git_add_token, offsetof(struct cordon_git_policy, pass_tokens),
     CORDON_GIT_SET_PASS_TOKENS, false},
    {"sshHosts", cordon_git_add_ssh_host, offsetof(struct cordon_git_policy, ssh_hosts),
     CORDON_GIT_SET_SSH_HOSTS, false},
    {"sshKeys", cordon_git_add_key, offsetof(struct cordon_git_policy, ssh_keys),
     CORDON_GIT_SET_SSH_KEYS, false},
    {"signingKey", cordon_git_set_signing_key, offsetof(struct cordon_git_policy, signing_key),
     CORDON_GIT_SET_SIGNING_KEY, true},
    {"allowDelete", NULL, offsetof(struct cordon_git_policy, allow_delete), 0, false},
    {"allowForce", NULL, offsetof(struct cordon_git_policy, allow_force), 0, false},
    {NULL, NULL, 0, 0, false},
};

/* git_string: one string token handed to add, its error placed at the token. */
static int git_string(const struct ctx *c, int i, const char *key, const struct git_field *f,
		      void *target)
{
	const jsmntok_t *el = &c->t[i];
	char *s;
	int r;

	if (el->type != JSMN_STRING)
		return err_at(c, tok_begin(el), key, EINVAL, "expected a string, got %s",
			      type_name(c, el));
	if ((r = decode(c, el, key, &s)) < 0)
		return r;
	r = f->add(target, s, c->home, c->base, c->e);
	free(s);
	if (r < 0) {
		char why[sizeof(c->e->msg)];
		snprintf(why, sizeof(why), "%s", c->e->msg);
		return err_at(c, tok_begin(el), key, -r, "%s", why);
	}
	return 0;
}

static int load_git(const struct ctx *c, int i, const char *prefix)
{
	const jsmntok_t *t = &c->t[i];
	struct cordon_git_policy *g = &c->p->git;
	int r, j = i + 1;

	if (t->type != JSMN_OBJECT)
		return err_at(c, tok_begin(t), prefix, EINVAL, "expected an object, got %s",
			      type_name(c, t));
	for (int k = 0; k < t->size; k++, j = skip(c->t, j)) {
		char *name, key[256];
		const struct git_field *f;

		if ((r = decode(c, &c->t[j], prefix, &name)) < 0)
			return r;
		join_key(key, sizeof(key), prefix, name);
		for (f = git_fields; f->key && strcmp(f->key, name); f++)
			;
		free(name);
		if (!f->key)
			return err_at(c, tok_begin(&c->t[j]), key, EINVAL, "unknown key");
		for (int m = i + 1; m < j; m = skip(c->t, m)) {
			const jsmntok_t *a = &c->t[m], *b = &c->t[j];
			if (a->end - a->start == b->end - b->start &&
			    !memcmp(c->js + a->start, c->js + b->start,
				    (size_t)(a->end - a->start)))
				return err_at(c, tok_begin(b), key, EINVAL, "duplicate key");
		}
		void *target = (char *)g + f->off;
		const jsmntok_t *v = &c->t[j + 1];
		if (!f->add) {
			r = get_bool(c, j + 1, key, (bool *)target);
		} else if (f->single && v->type == JSMN_PRIMITIVE && c->js[v->start] == 'n') {
			free(*(char **)target); /* null: none (as policy --json writes it) */
			*(char **)target = NULL;
			r = 0;
		} else if (f->single) {
			r = git_string(c, j + 1, key, f, target);
		} else if (v->type != JSMN_ARRAY) {
			r = err_at(c, tok_begin(v), key, EINVAL,
				   "expected an array of strings, got %s", type_name(c, v));
		} else {
			/* a later file's list replaces an earlier one's, as a whole */
			struct cordon_git_list *l = target;
			for (size_t n = 0; n < l->n; n++)
				free(l->v[n]);
			l->n = 0;
			r = 0;
			for (int el = 0, at = j + 2; r == 0 && el < v->size;
			     el++, at = skip(c->t, at))
				r = git_string(c, at, key, f, target);
		}
		if (r < 0)
			return r;
		g->set |= f->bit;
	}
	return 0;
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
	dst->git = (struct cordon_git_policy){0};
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
	if ((r = cordon_git_policy_copy(&dst->git, &src->git, e)) < 0)
		goto fail;
	return 0;
fail:
	cordon_policy_free(dst);
	return r;
}

int cordon_config_load_string(struct cordon_policy *p, const char *json, size_t len,
			      const char *name, const char *base, const char *home,
			      struct cordon_error *e)
{
	struct ctx c = {.js = json,
			.len = len,
			.name = name ? name : "(config)",
			.base = base,
			.home = home,
			.e = e};
	struct cordon_policy scratch;
	jsmn_parser parser;
	unsigned int cap = 64;
	const char *nul = memchr(json, '\0', len);
	int r, next;

	if (nul)
		return err_at(&c, (size_t)(nul - json), NULL, EINVAL, "invalid JSON: NUL byte");
	for (;;) {
		jsmntok_t *t = realloc(c.t, cap * sizeof(*t));
		if (!t) {
			free(c.t);
			return cordon_error_set(e, ENOMEM, "out of memory");
		}
		c.t = t;
		jsmn_init(&parser);
		r = jsmn_parse(&parser, json, len, c.t, cap);
		if (r != JSMN_ERROR_NOMEM)
			break;
		if (cap > (1u << 20)) {
			free(c.t);
			return cordon_error_set(e, E2BIG, "%s: too many JSON tokens", c.name);
		}
		cap *= 2;
	}
	if (r < 0) {
		size_t at = parser.pos;
		if (r == JSMN_ERROR_PART && at < len && json[at] == '"')
			r = err_at(&c, at, NULL, EINVAL, "invalid JSON: unterminated string");
		else if (r == JSMN_ERROR_PART)
			r = err_at(&c, len, NULL, EINVAL, "invalid JSON: unexpected end of input");
		else if (at < len)
			r = err_at(&c, at, NULL, EINVAL, "invalid JSON: unexpected '%c'", json[at]);
		else
			r = err_at(&c, at, NULL, EINVAL, "invalid JSON");
		free(c.t);
		return r;
	}
	c.nt = r;
	if (c.nt == 0) {
		r = err_at(&c, len, NULL, EINVAL, "invalid JSON: empty document");
		goto out;
	}
	if ((r = gap(&c, 0, tok_begin(&c.t[0]), 0, "")) < 0)
		goto out;
	if (c.t[0].type != JSMN_OBJECT) {
		r = err_at(&c, tok_begin(&c.t[0]), NULL, EINVAL,
			   "the top level must be an object, got %s", type_name(&c, &c.t[0]));
		goto out;
	}
	if ((r = check(&c, 0, &next)) < 0)
		goto out;
	if (next < c.nt) {
		r = err_at(&c, tok_begin(&c.t[next]), NULL, EINVAL,
			   "invalid JSON: text after the top-level object");
		goto out;
	}
	if ((r = gap(&c, tok_end(&c.t[0]), len, 0, "")) < 0)
		goto out;

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
	free(c.t);
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
	return cordon_config_load_file_at(p, path, NULL, home, e);
}

int cordon_config_srt_path(char *buf, size_t len)
{
	const char *home = getenv("HOME");
	if (!home || home[0] != '/')
		return -ENOENT;
	return snprintf(buf, len, "%s/.srt-settings.json", home) >= (int)len ? -ENAMETOOLONG : 0;
}

int cordon_config_load_file_at(struct cordon_policy *p, const char *path, const char *at,
			       const char *home, struct cordon_error *e)
{
	char base[PATH_MAX], *buf = NULL;
	struct stat st;
	size_t got = 0;
	int fd, r;

	if (at && (at[0] != '/' || strlen(at) >= sizeof(base)))
		return cordon_error_set(e, EINVAL, "%s: base directory is not absolute", path);
	if (at)
		snprintf(base, sizeof(base), "%s", at);
	else if ((r = dir_of(path, base, sizeof(base), e)) < 0)
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

/* like_booleans: r gets empty lists and p's booleans, so that after loading a repository's file
 * into it, every boolean that differs from p is one the file set. */
static void like_booleans(struct cordon_policy *r, const struct cordon_policy *p)
{
	memset(r, 0, sizeof(*r));
	r->allow_local_binding = p->allow_local_binding;
	r->allow_git_config = p->allow_git_config;
	r->ignore_violations = p->ignore_violations;
	r->enable_weaker_nested_sandbox = p->enable_weaker_nested_sandbox;
	r->lock_policy = p->lock_policy;
	r->private_tmp = p->private_tmp;
	r->strict = p->strict;
	r->git.allow_delete = p->git.allow_delete;
	r->git.allow_force = p->git.allow_force;
}

/* writable_exist: every allow_write entry from index `from` on must exist, as bubblewrap's --bind
 * refuses a missing source: a writable tree that is silently skipped leaves a command failing
 * later with EROFS and no hint why. `origin` names the flag or the file and key for the message.
 * A repository's .cordon.json is not checked: it can only narrow, never add, a writable tree. */
static int writable_exist(const struct cordon_policy *p, size_t from, const char *origin,
			  struct cordon_error *e)
{
	struct stat st;

	for (size_t i = from; i < p->allow_write.n; i++) {
		const char *w = p->allow_write.v[i];
		if (stat(w, &st) == 0 || (errno != ENOENT && errno != ENOTDIR))
			continue; /* other errors (EACCES) are reported by the mount layer */
		return cordon_error_set(e, ENOENT,
					"%s: writable path %s does not exist; create it first "
					"(mkdir -p %s) or leave it out",
					origin, w, w);
	}
	return 0;
}

int cordon_policy_build(struct cordon_policy *p, const char *config_file, char *const *allow_write,
			size_t n_allow_write, char *const *allow_host, size_t n_allow_host,
			const char *cwd, struct cordon_error *e)
{
	const char *home = getenv("HOME");
	char path[PATH_MAX];
	struct cordon_policy repo;
	int r;

	if (home && home[0] != '/')
		home = NULL;
	if (!cwd || cwd[0] != '/')
		return cordon_error_set(e, EINVAL, "current directory is not an absolute path");
	if ((r = cordon_policy_init(p, home, e)) < 0)
		return r;

	/* 1. the user's own config, if there is one, else sandbox-runtime's settings file. Relative
	 * paths in every file resolve against the current directory, as sandbox-runtime reads its
	 * settings ("allowWrite": ["."] is the project, not the file's directory). */
	size_t had = p->allow_write.n;
	char origin[PATH_MAX + 32];
	if (cordon_config_user_path(path, sizeof(path)) == 0) {
		r = cordon_config_load_file_at(p, path, cwd, home, e);
		if ((r == -ENOENT || r == -ENOTDIR) &&
		    cordon_config_srt_path(path, sizeof(path)) == 0)
			r = cordon_config_load_file_at(p, path, cwd, home, e);
		if (r < 0 && r != -ENOENT && r != -ENOTDIR)
			goto fail;
		snprintf(origin, sizeof(origin), "%s: filesystem.allowWrite", path);
		if ((r = writable_exist(p, had, origin, e)) < 0)
			goto fail;
	}
	/* 2. --config */
	if (config_file) {
		had = p->allow_write.n;
		if ((r = cordon_config_load_file_at(p, config_file, cwd, home, e)) < 0)
			goto fail;
		snprintf(origin, sizeof(origin), "%s: filesystem.allowWrite", config_file);
		if ((r = writable_exist(p, had, origin, e)) < 0)
			goto fail;
	}
	/* 3. flags: paths relative to the current directory */
	for (size_t i = 0; i < n_allow_write; i++) {
		had = p->allow_write.n;
		if ((r = cordon_policy_add_path(&p->allow_write, allow_write[i], home, cwd, e)) <
		    0) {
			cordon_error_prefix(e, r, "--allow-write");
			goto fail;
		}
		if ((r = writable_exist(p, had, "--allow-write", e)) < 0)
			goto fail;
	}
	for (size_t i = 0; i < n_allow_host; i++)
		if ((r = cordon_policy_add_host(&p->allow_hosts, allow_host[i], e)) < 0) {
			cordon_error_prefix(e, r, "--allow-host");
			goto fail;
		}
	/* 4. the repository's .cordon.json: it may only tighten. The current directory is writable
	 * in any case (step 5), so a file that names "." as writable loosens nothing. */
	snprintf(path, sizeof(path), "%s%s.cordon.json", cwd, strcmp(cwd, "/") ? "/" : "");
	like_booleans(&repo, p);
	r = cordon_config_load_file_at(&repo, path, cwd, home, e);
	if (r == 0) {
		if ((r = cordon_policy_add_path(&p->allow_write, cwd, NULL, NULL, e)) == 0)
			r = cordon_policy_tighten(p, &repo, path, e);
		cordon_policy_free(&repo);
		if (r < 0)
			goto fail;
	} else if (r != -ENOENT) {
		goto fail;
	}
	/* 5. the current directory, and validation of the whole */
	if ((r = cordon_policy_finish(p, cwd, e)) < 0)
		goto fail;
	return 0;
fail:
	cordon_policy_free(p);
	return r;
}
