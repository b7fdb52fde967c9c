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
	CORDON_LAYER_CAPTURE = 1 << 6, /* the transparent capture (capture_probe.h) */
	CORDON_LAYER_NAMESPACES = CORDON_LAYER_USERNS | CORDON_LAYER_MOUNTNS | CORDON_LAYER_NETNS,
};

#define CORDON_REPORT_MAX_MISSING 10

struct cordon_report {
	struct cordon_kernel k;
	bool tiocsti_blocked; /* cordon's seccomp filter refuses TIOCSTI (probed in a child) */
	/* usable: cordon can confine here at all. Without user namespaces it cannot: it has no
	 * weaker mode, and k.userns_why says why and what the person can do. */
	bool usable;
	bool capture;	       /* the transparent capture works here (cordon_report_capture) */
	char capture_why[256]; /* when not: the step that failed, or "" */
	bool inside_sandbox; /* the prober is itself confined: this is what a nested sandbox gets */
	int n_missing;
	struct {
		const char *what; /* "Landlock TCP rules (ABI >= 4)", static text */
		unsigned layers;  /* CORDON_LAYER_* it takes away; 0 for part of a layer */
	} missing[CORDON_REPORT_MAX_MISSING];
};

/* cordon_report_from_kernel: fill r from a kernel probe k (cordon_kernel_probe), without probing
 * anything more: tiocsti_blocked and inside_sandbox are the caller's; capture is false until
 * cordon_report_capture. The missing list, in this order: user namespaces, Landlock (or its TCP
 * rules, ABI < 4), Landlock scoping (ABI < 6), seccomp (or its user notification, which the write
 * guard needs), the TIOCSTI filter (a kernel with legacy TIOCSTI whose filter does not refuse
 * it), mount_setattr. */
void cordon_report_from_kernel(struct cordon_report *r, const struct cordon_kernel *k,
			       bool tiocsti_blocked, bool inside_sandbox);

/* cordon_report_capture: whether the transparent capture works (capture_probe.h), and if not why
 * (may be NULL); a missing capture is added to the missing list. */
void cordon_report_capture(struct cordon_report *r, bool capture, const char *why);

/* cordon_report_probe: cordon_kernel_probe, then whether cordon's seccomp filter refuses TIOCSTI
 * with junk in the upper 32 bits of the request (tried in a child on fd -1: the filter answers
 * EPERM before the kernel would answer EBADF), then cordon_report_from_kernel, then the
 * transparent capture (cordon_capture_probe, in a child; not without user namespaces) for
 * cordon_report_capture. Changes nothing in the caller. Returns 0 or a negative errno with e->msg
 * set. */
int cordon_report_probe(struct cordon_report *r, bool inside_sandbox, struct cordon_error *e);

/* cordon_report_layers: the union of the layers the missing features take away. */
unsigned cordon_report_layers(const struct cordon_report *r);

/* cordon_report_layer_names: the names `sandbox status` uses for the layers in mask ("user
 * namespace, mount namespace, network namespace, Landlock, seccomp, guard, transparent capture",
 * in that order),
 * comma-separated into buf (len bytes; "" for none). */
void cordon_report_layer_names(unsigned mask, char *buf, size_t len);

/* cordon_report_json: r as one JSON object (no newline):
 * {"release", "userns", "landlock_abi", "seccomp", "seccomp_notify", "legacy_tiocsti",
 *  "tiocsti_blocked", "mount_setattr", "capture", "usable", "inside_sandbox",
 *  "missing": [what...]}, and "userns_why" (the diagnosis) when userns is false. */
void cordon_report_json(const struct cordon_report *r, struct cordon_strbuf *b);

/* cordon_report_text: r as the lines both `check` verbs print (label, value), with a "status:"
 * line saying why cordon cannot confine when it is not usable, and a note when inside_sandbox. */
void cordon_report_text(const struct cordon_report *r, struct cordon_strbuf *b);

#endif
