/* proxy_loop.h — private to the proxy: the handler object every fd in the proxy's epoll set
 * points to (epoll_event.data.ptr). */
#ifndef CORDON_PROXY_LOOP_H
#define CORDON_PROXY_LOOP_H

#include <stdbool.h>
#include <stdint.h>

/* An epoll registration. Objects are freed only after the batch of events that may still name
 * them has been handled, so fn checks dead first. */
struct px_ev {
	void (*fn)(struct px_ev *ev, uint32_t events);
	int fd;
	bool dead;
};

#endif
