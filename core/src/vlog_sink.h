/* vlog_sink.h — private to libcordon: the session's one violation-log sink. The proxy's refusals
 * and the guard worker's refused writes are appended through it (vlog.c owns the line format);
 * the log file is created on the first entry, so a session without violations leaves none. */
#ifndef CORDON_VLOG_SINK_H
#define CORDON_VLOG_SINK_H

#include <stdbool.h>

#include "cordon/vlog.h"

struct vlog_sink {
	int fd;	    /* open log (O_APPEND), or -1 */
	char *path; /* opened on the first entry while fd is -1; NULL once given up */
};

/* vlog_sink_init: a sink writing to fd (which it then owns), or, when fd is -1, to path opened
 * on the first entry (cordon_vlog_open; path may be NULL: no log at all).
 * Returns 0 or -ENOMEM (s is then a sink without a log, still safe to use and close). */
int vlog_sink_init(struct vlog_sink *s, int fd, const char *path);

/* vlog_sink_ready: open the log if it is not open yet; is there a log to write to? Tried once:
 * a log that cannot be opened is given up, so an unwritable one does not cost every refusal.
 * Callers skip work done only for the log (the proxy's client pid lookup) when false. */
bool vlog_sink_ready(struct vlog_sink *s);

/* vlog_sink_append: append v (one line, cordon_vlog_append), opening the log first as
 * vlog_sink_ready. Returns 0 (also when there is no log) or -errno of the write. */
int vlog_sink_append(struct vlog_sink *s, const struct cordon_vlog_entry *v);

/* vlog_sink_close: close the log and free the path. */
void vlog_sink_close(struct vlog_sink *s);

#endif
