/* git_verb.c — `sandbox git [--json]`: the git side of the live session (git_relay.h): the
 * endpoint, the remotes relayed, the push rules, SSH hosts and keys, the signing key, and the
 * recent pushes and signatures. The JSON comes from the session process; this file only prints. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cordon/control.h"
#include "cordon/strbuf.h"
#include "cordon/verbs.h"
#include "git_verb.h"

#define JSMN_STATIC
#define JSMN_PARENT_LINKS
#include <jsmn.h>

struct doc {
	const char *js;
	jsmntok_t t[2048];
	int n;
};

static void out(const struct cordon_shell *sh, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void out(const struct cordon_shell *sh, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	sh->out(sh->arg, buf);
}

/* skip: the token after t[i] and all it holds. */
static int skip(const struct doc *d, int i)
{
	int j = i + 1;
	for (int k = 0; k < d->t[i].size; k++)
		j = skip(d, j);
	return j;
}

/* get: the value token of key in the object at i, or -1. */
static int get(const struct doc *d, int i, const char *key)
{
	if (i < 0 || d->t[i].type != JSMN_OBJECT)
		return -1;
	for (int k = 0, j = i + 1; k < d->t[i].size; k++, j = skip(d, j + 1)) {
		const jsmntok_t *t = &d->t[j];
		if ((size_t)(t->end - t->start) == strlen(key) &&
		    !strncmp(d->js + t->start, key, (size_t)(t->end - t->start)))
			return j + 1;
	}
	return -1;
}

/* str: the text of token i (escapes decoded as ASCII), "" when absent or null. */
static void str(const struct doc *d, int i, char *buf, size_t len)
{
	buf[0] = '\0';
	if (i < 0 || (d->t[i].type != JSMN_STRING && d->t[i].type != JSMN_PRIMITIVE))
		return;
	if (d->t[i].type == JSMN_PRIMITIVE) {
		snprintf(buf, len, "%.*s", d->t[i].end - d->t[i].start, d->js + d->t[i].start);
		if (!strcmp(buf, "null"))
			buf[0] = '\0';
		return;
	}
	cordon_json_unescape_ascii(d->js + d->t[i].start, (size_t)(d->t[i].end - d->t[i].start),
				   buf, len);
}

/* list: the strings of the array at i joined by ", ", "(none)" when empty. */
static void list(const struct doc *d, int i, char *buf, size_t len)
{
	struct cordon_strbuf b = {0};
	char one[1024];

	for (int k = 0, j = i + 1; i >= 0 && d->t[i].type == JSMN_ARRAY && k < d->t[i].size;
	     k++, j = skip(d, j)) {
		str(d, j, one, sizeof(one));
		cordon_sb_add(&b, k ? ", " : "");
		cordon_sb_add(&b, one);
	}
	snprintf(buf, len, "%s", b.len && !b.oom ? b.s : "(none)");
	cordon_sb_free(&b);
}

int cordon_git_verb(const struct cordon_shell *sh, int ctl_fd, bool json)
{
	char *words[] = {"git", NULL}, *reply = NULL;
	struct cordon_error e = {{0}};
	struct doc *d;
	char a[4096], b[4096];

	if (ctl_fd < 0) {
		sh->err(sh->arg, "sandbox: git: no session here (run `sandbox on` first, in this "
				 "shell itself)\n");
		return CORDON_VERB_FAIL;
	}
	if (cordon_control_call(ctl_fd, words, -1, &reply, &e) < 0) {
		snprintf(a, sizeof(a), "sandbox: git: %s\n", e.msg);
		sh->err(sh->arg, a);
		return CORDON_VERB_FAIL;
	}
	if (json) {
		sh->out(sh->arg, reply);
		sh->out(sh->arg, "\n");
		free(reply);
		return CORDON_VERB_OK;
	}
	d = malloc(sizeof(*d));
	jsmn_parser p;
	jsmn_init(&p);
	if (!d || (d->n = jsmn_parse(&p, reply, strlen(reply), d->t, 2048)) < 1) {
		sh->out(sh->arg, reply);
		sh->out(sh->arg, "\n");
		free(d);
		free(reply);
		return CORDON_VERB_OK;
	}
	d->js = reply;
	str(d, get(d, 0, "endpoint"), a, sizeof(a));
	out(sh, "git endpoint:   %s\n", a[0] ? a : "(none: no git.remotes or git.signingKey)");
	list(d, get(d, 0, "remotes"), a, sizeof(a));
	out(sh, "remotes:        %s\n", a);
	list(d, get(d, 0, "pushRefs"), a, sizeof(a));
	str(d, get(d, 0, "startBranch"), b, sizeof(b));
	out(sh, "push refs:      %s%s%s%s\n", a, strstr(a, "@start") ? " (@start = " : "",
	    strstr(a, "@start") ? (b[0] ? b : "no branch") : "", strstr(a, "@start") ? ")" : "");
	str(d, get(d, 0, "allowDelete"), a, sizeof(a));
	str(d, get(d, 0, "allowForce"), b, sizeof(b));
	out(sh, "deletes:        %s\nforce pushes:   %s\n",
	    !strcmp(a, "true") ? "allowed" : "refused", !strcmp(b, "true") ? "allowed" : "refused");
	list(d, get(d, 0, "passTokens"), a, sizeof(a));
	out(sh, "tokens passed:  %s\n", a);
	list(d, get(d, 0, "sshHosts"), a, sizeof(a));
	out(sh, "ssh hosts:      %s\n", a);
	list(d, get(d, 0, "sshKeys"), a, sizeof(a));
	out(sh, "ssh keys:       %s\n", a);
	str(d, get(d, 0, "agentSocket"), a, sizeof(a));
	out(sh, "agent socket:   %s\n", a[0] ? a : "(none)");
	str(d, get(d, 0, "signingKey"), a, sizeof(a));
	out(sh, "signing key:    %s\n", a[0] ? a : "(none)");
	int ev = get(d, 0, "events");
	out(sh, "recent:%s\n",
	    ev < 0 || d->t[ev].size == 0 ? "         (no push or signature yet)" : "");
	for (int k = 0, j = ev + 1; ev >= 0 && k < d->t[ev].size; k++, j = skip(d, j)) {
		char kind[16], what[512], ref[512], result[64], detail[512], when[64], t[32];
		str(d, get(d, j, "kind"), kind, sizeof(kind));
		str(d, get(d, j, "what"), what, sizeof(what));
		str(d, get(d, j, "ref"), ref, sizeof(ref));
		str(d, get(d, j, "result"), result, sizeof(result));
		str(d, get(d, j, "detail"), detail, sizeof(detail));
		str(d, get(d, j, "time"), t, sizeof(t));
		time_t tt = (time_t)strtoll(t, NULL, 10);
		struct tm tm;
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime_r(&tt, &tm));
		if (!strcmp(kind, "push"))
			out(sh, "  %s  push %s to %s: %s%s%s\n", when, ref, what, result,
			    detail[0] ? " - " : "", detail);
		else
			out(sh, "  %s  sign %s \"%s\": %s%s%s\n", when, what, ref, result,
			    detail[0] ? " - " : "", detail);
	}
	free(d);
	free(reply);
	return CORDON_VERB_OK;
}
