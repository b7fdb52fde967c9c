/* loop.h — private to libcordon: the session process's event loop (one epoll(7) set). The
 * session owns it; the proxy, the control channel, the guard's log channel and any other
 * listener register their fds with it. */
#ifndef CORDON_LOOP_H
#define CORDON_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#include "cordon/error.h"

struct cordon_loop;

/* ---- watches: an fd and a callback; the loop closes the fd when the callback says so ---- */

/* Called with the EPOLL* bits that fired on fd. Return 0 to keep watching, non-zero to stop:
 * the loop then removes fd from the set and closes it. */
typedef int (*loop_fd_cb)(struct cordon_loop *l, int fd, uint32_t events, void *arg);

/* loop_new: an empty loop (epoll_create1, close-on-exec). Returns 0 or -errno with e->msg. */
int loop_new(struct cordon_loop **out, struct cordon_error *e);

/* loop_watch: call cb(l, fd, events, arg) whenever fd is ready for events (EPOLL* bits,
 * level-triggered unless EPOLLET is given). fd becomes the loop's: it is closed when cb returns
 * non-zero, or by loop_free. Returns 0 or -errno with e->msg (fd is then still the caller's). */
int loop_watch(struct cordon_loop *l, int fd, uint32_t events, loop_fd_cb cb, void *arg,
	       struct cordon_error *e);

/* loop_unwatch: stop the watch made with cb and arg; its fd is the caller's again (not
 * closed). Returns that fd, or -ENOENT when no such watch is left (its callback ended it). */
int loop_unwatch(struct cordon_loop *l, loop_fd_cb cb, void *arg);

/* loop_run: wait for events and dispatch them until loop_stop (called from a callback or a
 * hook). Returns 0, or -errno with e->msg when epoll_wait fails (EINTR is retried). */
int loop_run(struct cordon_loop *l, struct cordon_error *e);

/* loop_stop: loop_run returns after the current batch of events. */
void loop_stop(struct cordon_loop *l);

/* loop_free: close every watched fd and free l (NULL: nothing). Registrations made with
 * loop_add and hooks belong to their owners, who remove them first. */
void loop_free(struct cordon_loop *l);

/* ---- registrations owned by a module (the proxy's sockets): no fd ownership ---- */

/* An fd registered by its owner. The owner keeps the object alive until the end of the batch
 * of events that may still name it (a hook's run is after the batch: free there), and sets
 * dead when it stops caring: the loop then skips it. */
struct loop_ev {
	void (*fn)(struct loop_ev *ev, uint32_t events);
	int fd;
	bool dead;
};

/* loop_add / loop_mod: register ev->fd for events (EPOLL_CTL_ADD / _MOD); epoll_event.data
 * names ev. Return 0 or -errno. loop_del: remove ev->fd from the set (the owner closes it). */
int loop_add(struct cordon_loop *l, struct loop_ev *ev, uint32_t events);
int loop_mod(struct cordon_loop *l, struct loop_ev *ev, uint32_t events);
void loop_del(struct cordon_loop *l, struct loop_ev *ev);

/* ---- hooks: timeouts and work after every batch ---- */

/* A hook's timeout_ms says how long the loop may sleep for its sake (milliseconds, -1: no
 * limit); run is called after every batch of events (and after a wake-up for its timeout), in
 * the order the hooks were added: expire timers, free what the batch closed. */
struct loop_hook {
	int (*timeout_ms)(void *arg);
	void (*run)(void *arg);
	void *arg;
	struct loop_hook *next; /* the loop's */
};

/* loop_hook_add: add h (owned by the caller, alive until loop_hook_del). */
void loop_hook_add(struct cordon_loop *l, struct loop_hook *h);
void loop_hook_del(struct cordon_loop *l, struct loop_hook *h);

#endif
