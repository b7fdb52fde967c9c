/* capture_probe.h — the transparent capture of a sandbox's TCP connections and DNS queries
 * (docs/design.md §5): whether this kernel can give it. */
#ifndef CORDON_CAPTURE_PROBE_H
#define CORDON_CAPTURE_PROBE_H

#include <stdbool.h>
#include <stddef.h>

/* cordon_capture_probe: can a sandbox started now have the transparent capture? A child
 * process makes a user and network namespace and applies the capture's routes and nftables
 * ruleset there (nf_tables with nat, redir and conntrack), as a session's builder would; the
 * caller changes nothing. Returns true, or false with why (may be NULL) naming the step that
 * failed. */
bool cordon_capture_probe(char *why, size_t len);

#endif
