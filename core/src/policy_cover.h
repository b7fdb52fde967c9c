/* policy_cover.h — sorted views of the policy's lists for the questions the tighten-only merge
 * and the final check ask once per entry of another list ("does the user's list cover this
 * one?"), so that they cost O(log n) each instead of a scan (policy.c). Internal to libcordon. */
#ifndef CORDON_POLICY_COVER_H
#define CORDON_POLICY_COVER_H

#include <stdbool.h>
#include <stddef.h>

#include "cordon/policy.h"

/* Strings (borrowed: the set does not own them), sorted by strcmp. */
struct str_set {
	const char **v;
	size_t n;
};

/* str_set_build: a set of the n strings v (NULL entries skipped). Returns 0 or -ENOMEM. */
int str_set_build(struct str_set *s, char *const *v, size_t n);
void str_set_free(struct str_set *s);
/* str_set_has: x is one of the strings. */
bool str_set_has(const struct str_set *s, const char *x);
/* str_set_covers_path: path (normalised, absolute) equals an entry or lies beneath one ("/"
 * covers everything): each of its at most PATH_MAX prefixes looked up once. */
bool str_set_covers_path(const struct str_set *s, const char *path);

/* Host rules (borrowed), sorted by host, wildcard, port. */
struct rule_set {
	const struct cordon_host_rule **v;
	size_t n;
};

int rule_set_build(struct rule_set *s, const struct cordon_host_list *l);
void rule_set_free(struct rule_set *s);
/* rule_set_covers: every host:port r allows is allowed by a rule of the set: an equal rule, the
 * same host and wildcard on any port, or a wildcard rule for a parent domain of r's host on r's
 * port or any (hostpat.h: "*.example.com" covers a.example.com and *.a.example.com). */
bool rule_set_covers(const struct rule_set *s, const struct cordon_host_rule *r);

#endif
