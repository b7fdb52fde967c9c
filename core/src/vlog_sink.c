/* vlog_sink.c — the session's violation-log sink (vlog_sink.h): lazy creation of the log, then
 * one append per entry. */
#include "vlog_sink.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int vlog_sink_init(struct vlog_sink *s, int fd, const char *path)
{
	s->fd = fd;
	s->path = NULL;
	if (fd < 0 && path && !(s->path = strdup(path)))
		return -ENOMEM;
	return 0;
}

bool vlog_sink_ready(struct vlog_sink *s)
{
	if (s->fd < 0 && s->path) {
		s->fd = cordon_vlog_open(s->path, NULL);
		if (s->fd < 0) {
			free(s->path);
			s->path = NULL;
		}
	}
	return s->fd >= 0;
}

int vlog_sink_append(struct vlog_sink *s, const struct cordon_vlog_entry *v)
{
	if (!vlog_sink_ready(s))
		return 0;
	return cordon_vlog_append(s->fd, v, NULL);
}

void vlog_sink_close(struct vlog_sink *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	free(s->path);
	s->path = NULL;
}
