/* seccomp_prog.h — internal to seccomp.c, session.c and confine.c: the seccomp filter of seccomp.c
 * built ahead of loading, so that it is compiled while the caller waits for the session process. */
#ifndef CORDON_SECCOMP_PROG_H
#define CORDON_SECCOMP_PROG_H

#include <linux/filter.h>
#include <stdbool.h>

#include "cordon/error.h"
#include "cordon/policy.h"

/* A filter program as libseccomp generated it (seccomp_export_bpf(3)), and what it is for. */
struct seccomp_prog {
	struct sock_filter *insns; /* NULL when not prepared */
	unsigned short len;
	bool listener;	 /* has the guard's notification rules */
	bool allow_unix; /* built for a policy that allows unix sockets */
};

/* seccomp_prog_prepare: build the filter cordon_seccomp_apply would load for p (with the guard's
 * rules when listener is true) and export the program libseccomp generates for it into out.
 * Changes nothing in the calling process. Returns 0 or a negative errno (out left empty). */
int seccomp_prog_prepare(const struct cordon_policy *p, bool listener, struct seccomp_prog *out,
			 struct cordon_error *e);

/* seccomp_export_pfc_fd: write the filter cordon_seccomp_apply would load for p (with the guard's
 * rules when listener is true) to fd as libseccomp's pseudo filter code, a text listing of every
 * rule (seccomp_export_pfc(3)); for tests and inspection. Changes nothing in the calling process.
 * Returns 0 or a negative errno. */
int seccomp_export_pfc_fd(const struct cordon_policy *p, bool listener, int fd,
			  struct cordon_error *e);

/* seccomp_prog_fits: whether pr was prepared for a policy like p and the same listener choice. */
bool seccomp_prog_fits(const struct seccomp_prog *pr, const struct cordon_policy *p, bool listener);

/* seccomp_prog_load: load pr into the calling process as cordon_seccomp_apply loads its filter
 * (seccomp(2) SECCOMP_SET_MODE_FILTER, with SECCOMP_FILTER_FLAG_NEW_LISTENER and the listener fd
 * in *listener when pr has the guard's rules; listener must be non-NULL exactly then).
 * Requires NNP. Returns 0 or a negative errno. */
int seccomp_prog_load(const struct seccomp_prog *pr, int *listener, struct cordon_error *e);

/* seccomp_prog_free: release what seccomp_prog_prepare allocated; pr is left empty. */
void seccomp_prog_free(struct seccomp_prog *pr);

#endif
