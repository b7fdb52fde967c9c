/* report.h — the one kernel report: what this kernel offers each layer and what a sandbox started
 * now would lack, in one JSON shape and one text form for `cordon check`, `sandbox check`, serve's
 * initialize and status, and the layers the confinement order reports missing. */
#ifndef CORDON_REPORT_H
#define CORDON_REPORT_H

#include <stdbool.h>

#include "cordon/error.h"
#include "cordon/layers.h"
#include "cordon/strbuf.h"

/* The layers of `sandbox status` a missing feature takes away (a bit each). */
enum {
	CORDON_LAYER_USERNS = 1 << 0,
	CORDON_LAYER_MOUNTNS = 1 << 1,
	CORDON_LAYER_NETNS = 1 << 2,
	CORDON_LAYER_LANDLOCK = 1 << 3,
	CORDON_LAYER_SECCOMP = 1 << 4,
	CORDON_LAYER_GUARD = 1 << 5,
	CORDON_LAYER_NAMESPACES = CORDON_LAYER_USERNS | CORDON_LAYER_MOUNTNS | CORDON_LAYER_NETNS,
};

#define CORDON_REPORT_MAX_MISSING 8

struct cordon_report {
	struct cordon_kernel k;
	bool tiocsti_blocked; /* cordon's seccomp filter refuses TIOCSTI (probed in a child) */
	bool degraded;	      /* no user namespaces: Landlock and seccomp only */
	bool inside_sandbox; /* the prober is itself confined: this is what a nested sandbox gets */
	int n_missing;
	struct {
		const char *what; /* "Landlock TCP rules (ABI >= 4)", static text */
		unsigned layers;  /* CORDON_LAYER_* it takes away; 0 for part of a layer */
	} missing[CORDON_REPORT_MAX_MISSING];
};

/* cordon_report_from_kernel: fill r from a kernel probe k (cordon_kernel_probe), without probing
 * anything more: tiocsti_blocked and inside_sandbox are the caller's. The missing list, in this
 * order: user namespaces, Landlock (or its TCP rules, ABI < 4), Landlock scoping (ABI < 6),
 * seccomp (or its user notification, which the write guard needs), the TIOCSTI filter (a kernel
 * with legacy TIOCSTI whose filter does not refuse it), mount_setattr. */
void cordon_report_from_kernel(struct cordon_report *r, const struct cordon_kernel *k,
			       bool tiocsti_blocked, bool inside_sandbox);

/* cordon_report_probe: cordon_kernel_probe, then whether cordon's seccomp filter refuses TIOCSTI
 * with junk in the upper 32 bits of the request (tried in a child on fd -1: the filter answers
 * EPERM before the kernel would answer EBADF), then cordon_report_from_kernel. Changes nothing in
 * the caller. Returns 0 or a negative errno with e->msg set. */
int cordon_report_probe(struct cordon_report *r, bool inside_sandbox, struct cordon_error *e);

/* cordon_report_layers: the union of the layers the missing features take away. */
unsigned cordon_report_layers(const struct cordon_report *r);

/* cordon_report_layer_names: the names `sandbox status` uses for the layers in mask ("user
 * namespace, mount namespace, network namespace, Landlock, seccomp, guard", in that order),
 * comma-separated into buf (len bytes; "" for none). */
void cordon_report_layer_names(unsigned mask, char *buf, size_t len);

/* cordon_report_json: r as one JSON object (no newline):
 * {"release", "userns", "landlock_abi", "seccomp", "seccomp_notify", "legacy_tiocsti",
 *  "tiocsti_blocked", "mount_setattr", "degraded", "inside_sandbox", "missing": [what...]}. */
void cordon_report_json(const struct cordon_report *r, struct cordon_strbuf *b);

/* cordon_report_text: r as the lines both `check` verbs print (label, value), ending with a note
 * when inside_sandbox. */
void cordon_report_text(const struct cordon_report *r, struct cordon_strbuf *b);

#endif
