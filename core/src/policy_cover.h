/* policy_cover.h — sorted views of the policy's lists for the questions the tighten-only merge
 * and the final check ask once per entry of another list ("does the user's list cover this
 * one?"), so that they cost O(log n) each instead of a scan (policy.c). Internal to libcordon. */
#ifndef CORDON_POLICY_COVER_H
#define CORDON_POLICY_COVER_H

#include <stdbool.h>
#include <stddef.h>

#include "cordon/policy.h"

/* str_ptr_cmp: strcmp of two char * elements, for qsort(3) and bsearch(3). */
int str_ptr_cmp(const void *a, const void *b);
/* host_rule_cmp: host, then wildcard, then port: the fields policy.c's rule_equal compares, so
 * equal rules sort together (<0, 0, >0 as strcmp). */
int host_rule_cmp(const struct cordon_host_rule *x, const struct cordon_host_rule *y);

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

/* Paths and the paths they resolve to (realpath(3), taken once per entry when built), for "is
 * this the same place as an entry?": the same string, or both resolve to the same path. */
struct place_set {
	struct str_set names; /* the entries as given (borrowed) */
	struct str_set reals; /* the resolved ones (owned through real) */
	char **real;	      /* real[j]: entry j resolved, or NULL where realpath failed */
	size_t n;
};

/* place_set_build: the set of the n paths v (borrowed; they must outlive the set). Returns 0 or
 * -ENOMEM (s then empty). */
int place_set_build(struct place_set *s, char *const *v, size_t n);
/* place_set_has: path is an entry, or resolves to what an entry resolves to (one realpath). */
bool place_set_has(const struct place_set *s, const char *path);
void place_set_free(struct place_set *s);

#endif
