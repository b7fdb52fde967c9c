/* config.c — JSON configuration files into a policy: the text read by json.h, then the
 * sandbox-runtime and cordon keys. */
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
#include "cordon/json.h"

#define CONFIG_MAX_BYTES (1 << 20) /* a policy file is small; refuse anything larger */

struct ctx {
	struct cordon_json d;
	const char *name, *base, *home;
	bool policy_form; /* cordon_policy_from_json: paths are already resolved, never patterns */
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

/* list_cap: the error for element k (0-based, token j) of a list past CORDON_POLICY_LIST_MAX. A
 * file's own policy (not the policy --json form, which holds the merge of several files). */
static int list_cap(const struct ctx *c, int j, const char *key, int k)
{
	return err_at(c, cordon_json_offset(&c->d, j), key, E2BIG,
		      "more than %d entries in one file (this is entry %d)",
		      CORDON_POLICY_LIST_MAX, k + 1);
}

enum list_kind { LIST_PATHS, LIST_HOSTS, LIST_STRINGS, LIST_BINDS, LIST_EXPOSE };

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
		if (kind == LIST_PATHS && !c->policy_form && k >= CORDON_POLICY_LIST_MAX)
			return list_cap(c, j, key, k);
		if ((r = decode(c, j, key, &s)) < 0)
			return r;
		if (kind == LIST_PATHS && !c->policy_form && strpbrk(s, "*?[")) {
			/* sandbox-runtime expands globs in denyRead on Linux; cordon binds concrete
			 * paths, and a pattern taken literally would mask nothing */
			r = err_at(c, cordon_json_offset(d, j), key, EINVAL,
				   "\"%s\": glob patterns are not expanded; name each path", s);
			free(s);
			return r;
		}
		/* duplicates are dropped once the file is loaded (load: cordon_policy_dedup) */
		if (kind == LIST_PATHS)
			r = cordon_policy_append_path(list, s, c->home, c->base, c->e);
		else if (kind == LIST_HOSTS)
			r = cordon_policy_append_host(list, s, c->e);
		else if (kind == LIST_BINDS) /* ports.h: the list is the policy's */
			r = cordon_policy_add_bind(c->p, s, c->e);
		else if (kind == LIST_EXPOSE)
			r = cordon_policy_add_expose(c->p, s, c->e);
		free(s);
		if (r < 0) {
			char why[sizeof(c->e->msg)];
			snprintf(why, sizeof(why), "%s", c->e->msg);
			return err_at(c, cordon_json_offset(d, j), key, -r, "%s", why);
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
	F_GIT,
	/* sandbox-runtime keys without a cordon counterpart (see srt_why below) */
	F_NOOP, /* nothing to do on Linux or in cordon: the type is checked, the value ignored */
	F_NOOP_FALSE, /* a boolean cordon cannot honour: false (the default) is accepted, true
			 refused */
	F_REFUSE,     /* a feature cordon does not have: refused, saying what to use instead */
};

struct field {
	const char *key;
	enum field_kind kind;
	size_t off;	 /* F_BOOL ... F_EXPOSE: offset of the target in struct cordon_policy */
	char type;	 /* F_NOOP: the JSON type sandbox-runtime documents: b(oolean), o(bject),
			    a(rray), s(tring) or i(nteger, 1..10) */
	const char *why; /* F_NOOP_FALSE, F_REFUSE: the rest of the message */
};

#define FIELD(k, kind, member)                                                                     \
	{                                                                                          \
		k, kind, offsetof(struct cordon_policy, member), 0, NULL                           \
	}
#define NOOP(k, type)                                                                              \
	{                                                                                          \
		k, F_NOOP, 0, type, NULL                                                           \
	}
#define NOT_TRUE(k, why)                                                                           \
	{                                                                                          \
		k, F_NOOP_FALSE, 0, 'b', why                                                       \
	}
#define REFUSE(k, why)                                                                             \
	{                                                                                          \
		k, F_REFUSE, 0, 0, why                                                             \
	}

/* The keys of a settings file: sandbox-runtime's (its README, "Configuration Options", and its
 * settings schema, sandbox-config.ts) and cordon's own. A sandbox-runtime key is either honoured,
 * ignored because it means nothing here (macOS or Windows only, or a helper program srt runs that
 * cordon does not need), or refused by name with what to use instead: never half-honoured. */
static const struct field root_fields[] = {
    {"network", F_NETWORK, 0, 0, NULL},
    {"filesystem", F_FILESYSTEM, 0, 0, NULL},
    {"git", F_GIT, 0, 0, NULL}, /* cordon's git section; sandbox-runtime's git.* keys too */
    FIELD("ignoreViolations", F_IGNORE, ignore_violations),
    FIELD("enableWeakerNestedSandbox", F_BOOL, enable_weaker_nested_sandbox),
    NOOP("enableWeakerNetworkIsolation", 'b'), /* macOS: com.apple.trustd.agent */
    NOOP("allowAppleEvents", 'b'),	       /* macOS */
    NOOP("allowPty", 'b'),		       /* macOS */
    NOOP("windows", 'o'),		       /* Windows */
    /* cordon guards the dangerous names at every depth (the guard), not by a search */
    NOOP("mandatoryDenySearchDepth", 'i'),
    NOOP("ripgrep", 'o'),	   /* srt's helper programs: cordon runs none of them */
    NOOP("seccomp", 'o'),	   /* cordon builds its filter with libseccomp itself */
    NOOP("bwrapPath", 's'),	   /* cordon does not use bubblewrap */
    NOOP("javaAgentJarPath", 's'), /* JVMs read HTTPS_PROXY only through -Dhttps.proxyHost */
    REFUSE("credentials", "cordon does not mask credentials; keep such files from being read "
			  "with filesystem.denyRead"),
    FIELD("lockPolicy", F_BOOL, lock_policy),
    FIELD("privateTmp", F_BOOL, private_tmp),
    FIELD("strict", F_BOOL, strict),
    {NULL, F_BOOL, 0, 0, NULL},
};

static const struct field network_fields[] = {
    FIELD("allowedDomains", F_HOSTS, allow_hosts),
    FIELD("deniedDomains", F_HOSTS, deny_hosts),
    FIELD("allowUnixSockets", F_PATHS, allow_unix_sockets),
    FIELD("allowLocalBinding", F_BOOL, allow_local_binding),
    FIELD("allowBind", F_BINDS, allow_bind), /* cordon's: ["8000"] (ports.h) */
    FIELD("expose", F_EXPOSE, expose),	     /* cordon's: ["8000", "8001:9001"] */
    NOT_TRUE("allowAllUnixSockets", "cordon refuses socket(AF_UNIX) unless "
				    "network.allowUnixSockets names a socket; list them there"),
    NOOP("allowMachLookup", 'a'), /* macOS */
    NOOP("deniedDomainReasons", 'o'),
    NOT_TRUE("strictAllowlist",
	     "cordon asks about unlisted hosts only through an editor's `cordon serve` "
	     "(network/ask); answer deny there, or leave networkAsk out of initialize"),
    REFUSE("httpProxyPort", "cordon's own proxy decides every connection; an external proxy "
			    "is not supported, leave the key out"),
    REFUSE("socksProxyPort", "cordon's own proxy decides every connection; an external proxy "
			     "is not supported, leave the key out"),
    REFUSE("mitmProxy", "cordon does not route hosts through another proxy; leave the key out"),
    REFUSE("parentProxy", "cordon's proxy connects directly; an upstream proxy is not "
			  "supported, leave the key out"),
    REFUSE("tlsTerminate", "cordon does not terminate TLS (it decides by host name); leave the "
			   "key out"),
    REFUSE("filterRequest", "a callback of the sandbox-runtime library, not a settings key"),
    {NULL, F_BOOL, 0, 0, NULL},
};

static const struct field filesystem_fields[] = {
    FIELD("denyRead", F_PATHS, deny_read),
    FIELD("allowRead", F_PATHS, allow_read),
    FIELD("allowWrite", F_PATHS, allow_write),
    FIELD("denyWrite", F_PATHS, deny_write),
    FIELD("allowGitConfig", F_BOOL, allow_git_config),
    NOT_TRUE("disabled", "cordon always applies the filesystem policy; widen it with "
			 "filesystem.allowWrite"),
    {NULL, F_BOOL, 0, 0, NULL},
};

/* srt_value: a key of F_NOOP, F_NOOP_FALSE or F_REFUSE at token i. */
static int srt_value(const struct ctx *c, int i, const char *key, const struct field *f)
{
	const struct cordon_json *d = &c->d;
	size_t at = cordon_json_offset(d, i);
	enum cordon_json_type t = cordon_json_type(d, i);
	bool b;
	long l;

	switch (f->kind) {
	case F_REFUSE:
		return err_at(c, at, key, EINVAL, "not supported: %s", f->why);
	case F_NOOP_FALSE:
		if (!cordon_json_bool(d, i, &b))
			return err_at(c, at, key, EINVAL, "expected a boolean, got %s",
				      cordon_json_type_name(d, i));
		return b ? err_at(c, at, key, EINVAL, "true is not supported: %s", f->why) : 0;
	default:
		break;
	}
	switch (f->type) {
	case 'b':
		if (cordon_json_bool(d, i, &b))
			return 0;
		return err_at(c, at, key, EINVAL, "expected a boolean, got %s",
			      cordon_json_type_name(d, i));
	case 'i':
		if (cordon_json_long(d, i, &l) && l >= 1 && l <= 10)
			return 0;
		return err_at(c, at, key, EINVAL, "expected an integer from 1 to 10");
	case 's':
		if (t == CORDON_JSON_STR)
			return 0;
		break;
	case 'a':
		if (t == CORDON_JSON_ARR)
			return 0;
		break;
	default:
		if (t == CORDON_JSON_OBJ)
			return 0;
	}
	return err_at(c, at, key, EINVAL, "expected %s, got %s",
		      f->type == 's'   ? "a string"
		      : f->type == 'a' ? "an array"
				       : "an object",
		      cordon_json_type_name(d, i));
}

static int load_object(const struct ctx *c, int i, const char *prefix, const struct field *fields);
static int load_git(const struct ctx *c, int i, const char *prefix);

/* join_key: "prefix.name" (or "name") for messages; a truncated key only shortens a message. */
static void join_key(char *out, size_t len, const char *prefix, const char *name)
{
	int n = snprintf(out, len, "%s%s%s", prefix ? prefix : "", prefix ? "." : "", name);

	if (n < 0 && len)
		out[0] = '\0';
}

/* keyed: one member of an object, for the duplicate search. */
struct keyed {
	char *name; /* decoded */
	int k;	    /* its place among the members */
};

static int keyed_cmp(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	int r = strcmp(x->name, y->name);

	return r ? r : (x->k > y->k) - (x->k < y->k);
}

/* first_dup: *dup receives the place (0-based) of the first member of object i whose key repeats
 * an earlier one, or the member count when none does. Keys are compared decoded, so that a key
 * spelled with escapes ("\u0067it") is the key it spells; every object loader asks this one
 * function. Sorting makes it O(n log n) where a search per key was quadratic. Keys are decoded up
 * to the first that does not decode: the loader reports that one when it gets there, and only a
 * repeat before it counts. Returns 0, or -ENOMEM with c->e set. */
static int first_dup(const struct ctx *c, int i, int *dup)
{
	const struct cordon_json *d = &c->d;
	int size = cordon_json_size(d, i), got = 0, j = i + 1;
	struct keyed *v;
	struct cordon_json_error je;

	*dup = size;
	if (cordon_json_type(d, i) != CORDON_JSON_OBJ || size < 2)
		return 0;
	if (!(v = calloc((size_t)size, sizeof(*v))))
		return cordon_error_set(c->e, ENOMEM, "out of memory");
	for (int k = 0; k < size; k++, j = cordon_json_next(d, j)) {
		int r = cordon_json_strdup(d, j, &v[got].name, &je);
		if (r == -ENOMEM) {
			*dup = -1;
			break;
		}
		if (r < 0)
			break;
		v[got++].k = k;
	}
	if (*dup >= 0) {
		qsort(v, (size_t)got, sizeof(*v), keyed_cmp);
		/* equal keys sort by place: any but the first of a run is a repeat */
		for (int m = 1; m < got; m++)
			if (v[m].k < *dup && !strcmp(v[m - 1].name, v[m].name))
				*dup = v[m].k;
	}
	for (int m = 0; m < got; m++)
		free(v[m].name);
	free(v);
	return *dup < 0 ? cordon_error_set(c->e, ENOMEM, "out of memory") : 0;
}

/* load_ignore: ignoreViolations is true/false or, as in sandbox-runtime, an object mapping
 * command patterns to arrays of paths; cordon only logs, so any entry turns it on. */
static int load_ignore(const struct ctx *c, int i, const char *key, bool *out)
{
	const struct cordon_json *d = &c->d;
	int r, dup, j = i + 1;

	if (cordon_json_type(d, i) == CORDON_JSON_PRIM)
		return get_bool(c, i, key, out);
	if (cordon_json_type(d, i) != CORDON_JSON_OBJ)
		return err_at(c, cordon_json_offset(d, i), key, EINVAL,
			      "expected a boolean or an object of command patterns, got %s",
			      cordon_json_type_name(d, i));
	if ((r = first_dup(c, i, &dup)) < 0)
		return r;
	for (int k = 0; k < cordon_json_size(d, i); k++, j = cordon_json_next(d, j)) {
		char *name, sub[256];
		if ((r = decode(c, j, key, &name)) < 0)
			return r;
		join_key(sub, sizeof(sub), key, name);
		free(name);
		if (k == dup)
			return err_at(c, cordon_json_offset(d, j), sub, EINVAL, "duplicate key");
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
	int r, dup, j = i + 1, size = cordon_json_size(d, i);

	if (cordon_json_type(d, i) != CORDON_JSON_OBJ)
		return err_at(c, cordon_json_offset(d, i), prefix, EINVAL,
			      "expected an object, got %s", cordon_json_type_name(d, i));
	if ((r = first_dup(c, i, &dup)) < 0)
		return r;
	for (int k = 0; k < size; k++, j = cordon_json_next(d, j)) {
		char key[256], *name;
		const struct field *f;

		if ((r = decode(c, j, prefix, &name)) < 0)
			return r;
		join_key(key, sizeof(key), prefix, name);
		for (f = fields; f->key && strcmp(f->key, name); f++)
			;
		free(name);
		if (k == dup)
			return err_at(c, cordon_json_offset(d, j), key, EINVAL, "duplicate key");
		if (!f->key)
			return err_at(c, cordon_json_offset(d, j), key, EINVAL, "unknown key");
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
		default:
			r = srt_value(c, j + 1, key, f);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/* The git section (git_policy.h): lists whose entries the section's own adders validate, one
 * key line or path, two booleans; and sandbox-runtime's git.safeDirectories, which cordon needs
 * no more than srt's other helpers (it maps the caller's own uid, so git sees the owner). */
static const struct git_field {
	const char *key;
	int (*add)(void *target, const char *s, const char *home, const char *base,
		   struct cordon_error *e);
	size_t off;   /* in struct cordon_git_policy */
	unsigned bit; /* CORDON_GIT_SET_* */
	char type;    /* 'l' an array of strings, 's' a string (or null), 'b' a boolean,
			 'n' sandbox-runtime's, checked to be an array and ignored */
} git_fields[] = {
    {"remotes", cordon_git_add_remote, offsetof(struct cordon_git_policy, remotes),
     CORDON_GIT_SET_REMOTES, 'l'},
    {"pushRefs", cordon_git_add_push_ref, offsetof(struct cordon_git_policy, push_refs),
     CORDON_GIT_SET_PUSH_REFS, 'l'},
    {"passTokens", cordon_git_add_token, offsetof(struct cordon_git_policy, pass_tokens),
     CORDON_GIT_SET_PASS_TOKENS, 'l'},
    {"sshHosts", cordon_git_add_ssh_host, offsetof(struct cordon_git_policy, ssh_hosts),
     CORDON_GIT_SET_SSH_HOSTS, 'l'},
    {"sshKeys", cordon_git_add_key, offsetof(struct cordon_git_policy, ssh_keys),
     CORDON_GIT_SET_SSH_KEYS, 'l'},
    {"signingKey", cordon_git_set_signing_key, offsetof(struct cordon_git_policy, signing_key),
     CORDON_GIT_SET_SIGNING_KEY, 's'},
    {"allowDelete", NULL, offsetof(struct cordon_git_policy, allow_delete), 0, 'b'},
    {"allowForce", NULL, offsetof(struct cordon_git_policy, allow_force), 0, 'b'},
    {"safeDirectories", NULL, 0, 0, 'n'},
    {NULL, NULL, 0, 0, 0},
};

/* git_string: one string token handed to add, its error placed at the token. */
static int git_string(const struct ctx *c, int i, const char *key, const struct git_field *f,
		      void *target)
{
	const struct cordon_json *d = &c->d;
	char *s;
	int r;

	if (cordon_json_type(d, i) != CORDON_JSON_STR)
		return err_at(c, cordon_json_offset(d, i), key, EINVAL, "expected a string, got %s",
			      cordon_json_type_name(d, i));
	if ((r = decode(c, i, key, &s)) < 0)
		return r;
	r = f->add(target, s, c->home, c->base, c->e);
	free(s);
	if (r < 0) {
		char why[sizeof(c->e->msg)];
		snprintf(why, sizeof(why), "%s", c->e->msg);
		return err_at(c, cordon_json_offset(d, i), key, -r, "%s", why);
	}
	return 0;
}

static int load_git(const struct ctx *c, int i, const char *prefix)
{
	const struct cordon_json *d = &c->d;
	struct cordon_git_policy *g = &c->p->git;
	int r, dup, j = i + 1;

	if (cordon_json_type(d, i) != CORDON_JSON_OBJ)
		return err_at(c, cordon_json_offset(d, i), prefix, EINVAL,
			      "expected an object, got %s", cordon_json_type_name(d, i));
	if ((r = first_dup(c, i, &dup)) < 0)
		return r;
	for (int k = 0; k < cordon_json_size(d, i); k++, j = cordon_json_next(d, j)) {
		char *name, key[256];
		const struct git_field *f;

		if ((r = decode(c, j, prefix, &name)) < 0)
			return r;
		join_key(key, sizeof(key), prefix, name);
		for (f = git_fields; f->key && strcmp(f->key, name); f++)
			;
		free(name);
		if (!f->key)
			return err_at(c, cordon_json_offset(d, j), key, EINVAL, "unknown key");
		if (k == dup)
			return err_at(c, cordon_json_offset(d, j), key, EINVAL, "duplicate key");
		void *target = (char *)g + f->off;
		int v = j + 1;
		if (f->type == 'b') {
			r = get_bool(c, v, key, (bool *)target);
		} else if (f->type == 'n') {
			r = get_list(c, v, key, LIST_STRINGS, NULL);
		} else if (f->type == 's' && cordon_json_is_null(d, v)) {
			free(*(char **)target); /* null: none (as policy --json writes it) */
			*(char **)target = NULL;
			r = 0;
		} else if (f->type == 's') {
			r = git_string(c, v, key, f, target);
		} else if (cordon_json_type(d, v) != CORDON_JSON_ARR) {
			r = err_at(c, cordon_json_offset(d, v), key, EINVAL,
				   "expected an array of strings, got %s",
				   cordon_json_type_name(d, v));
		} else {
			/* a later file's list replaces an earlier one's, as a whole */
			struct cordon_git_list *l = target;
			for (size_t n = 0; n < l->n; n++)
				free(l->v[n]);
			l->n = 0; /* its allocation (cap) is reused */
			r = 0;
			for (int el = 0, at = v + 1; r == 0 && el < cordon_json_size(d, v);
			     el++, at = cordon_json_next(d, at))
				r = !c->policy_form && el >= CORDON_POLICY_LIST_MAX
					? list_cap(c, at, key, el)
					: git_string(c, at, key, f, target);
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
	dst->repo_config = NULL;
	dst->git = (struct cordon_git_policy){0};
	for (size_t k = 0; k < sizeof(paths) / sizeof(paths[0]); k++)
		*(struct cordon_path_list *)((char *)dst + paths[k]) = (struct cordon_path_list){0};
	for (size_t k = 0; k < sizeof(hosts) / sizeof(hosts[0]); k++)
		*(struct cordon_host_list *)((char *)dst + hosts[k]) = (struct cordon_host_list){0};
	for (size_t k = 0; k < sizeof(paths) / sizeof(paths[0]); k++) {
		const struct cordon_path_list *s = (const void *)((const char *)src + paths[k]);
		struct cordon_path_list *d = (void *)((char *)dst + paths[k]);
		for (size_t i = 0; i < s->n; i++)
			if ((r = cordon_policy_append_path(d, s->v[i], NULL, NULL, e)) < 0)
				goto fail; /* s has no duplicates: no search */
	}
	if (src->repo_config && !(dst->repo_config = strdup(src->repo_config))) {
		r = cordon_error_set(e, ENOMEM, "out of memory");
		goto fail;
	}
	for (size_t k = 0; k < sizeof(hosts) / sizeof(hosts[0]); k++) {
		const struct cordon_host_list *s = (const void *)((const char *)src + hosts[k]);
		struct cordon_host_list *d = (void *)((char *)dst + hosts[k]);
		for (size_t i = 0; i < s->n; i++) {
			cordon_host_rule_format(&s->v[i], buf, sizeof(buf));
			if ((r = cordon_policy_append_host(d, buf, e)) < 0)
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

/* load: cordon_config_load_string, or (policy_form) cordon_policy_from_json. */
static int load(struct cordon_policy *p, const char *json, size_t len, const char *name,
		const char *base, const char *home, bool policy_form, struct cordon_error *e)
{
	struct ctx c = {.name = name ? name : "(config)",
			.base = base,
			.home = home,
			.policy_form = policy_form,
			.e = e};
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
	/* the lists were appended to without a search per entry: one pass drops the repeats */
	if ((r = load_object(&c, 0, NULL, root_fields)) < 0 ||
	    (r = cordon_policy_dedup(&scratch, e)) < 0) {
		cordon_policy_free(&scratch);
		goto out;
	}
	cordon_policy_free(p);
	*p = scratch;
out:
	cordon_json_free(&c.d);
	return r;
}

int cordon_config_load_string(struct cordon_policy *p, const char *json, size_t len,
			      const char *name, const char *base, const char *home,
			      struct cordon_error *e)
{
	return load(p, json, len, name, base, home, false, e);
}

int cordon_policy_from_json(struct cordon_policy *p, const char *json, struct cordon_error *e)
{
	memset(p, 0, sizeof(*p));
	return load(p, json, strlen(json), "policy", "/", NULL, true, e);
}

int cordon_config_load_file(struct cordon_policy *p, const char *path, const char *base,
			    const char *home, struct cordon_error *e)
{
	char *buf = NULL;
	struct stat st;
	size_t got = 0;
	int fd, r;

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

int cordon_config_srt_path(char *buf, size_t len)
{
	const char *home = getenv("HOME");
	int n;

	if (!home || home[0] != '/')
		return -ENOENT;
	n = snprintf(buf, len, "%s/.srt-settings.json", home);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}
