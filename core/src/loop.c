/* loop.c — the session process's event loop (loop.h): one epoll set, fd watches with callbacks,
 * owner-managed registrations, and hooks that bound the wait and run after each batch. */
#include "loop.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#define LOOP_MAX_EVENTS 64

struct loop_watch {
	struct loop_ev ev; /* first: epoll data names the watch through it */
	struct cordon_loop *l;
	loop_fd_cb cb;
	void *arg;
	struct loop_watch *next;
};

struct cordon_loop {
	int epfd;
	bool stop;
	struct loop_watch *watches, *dead; /* dead: closed during this batch, freed after it */
	struct loop_hook *hooks;
};

int loop_new(struct cordon_loop **out, struct cordon_error *e)
{
	struct cordon_loop *l = calloc(1, sizeof(*l));

	if (!l)
		return cordon_error_set(e, ENOMEM, "event loop: out of memory");
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		int err = errno;

		free(l);
		return cordon_error_set(e, err, "event loop: epoll_create1: %s", strerror(err));
	}
	*out = l;
	return 0;
}

int loop_add(struct cordon_loop *l, struct loop_ev *ev, uint32_t events)
{
	struct epoll_event e = {.events = events, .data.ptr = ev};

	return epoll_ctl(l->epfd, EPOLL_CTL_ADD, ev->fd, &e) < 0 ? -errno : 0;
}

int loop_mod(struct cordon_loop *l, struct loop_ev *ev, uint32_t events)
{
	struct epoll_event e = {.events = events, .data.ptr = ev};

	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, ev->fd, &e) < 0 ? -errno : 0;
}

void loop_del(struct cordon_loop *l, struct loop_ev *ev)
{
	if (ev->fd >= 0)
		epoll_ctl(l->epfd, EPOLL_CTL_DEL, ev->fd, NULL);
}

/* retire: take w out of the set and the list; freed after the batch, which may still name it.
 * Returns its fd. */
static int retire(struct cordon_loop *l, struct loop_watch *w)
{
	int fd = w->ev.fd;

	loop_del(l, &w->ev);
	w->ev.fd = -1;
	w->ev.dead = true;
	for (struct loop_watch **pp = &l->watches; *pp; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	w->next = l->dead;
	l->dead = w;
	return fd;
}

static void watch_ev(struct loop_ev *ev, uint32_t events)
{
	struct loop_watch *w = (struct loop_watch *)ev;

	if (w->cb(w->l, ev->fd, events, w->arg) != 0)
		close(retire(w->l, w));
}

int loop_unwatch(struct cordon_loop *l, loop_fd_cb cb, void *arg)
{
	for (struct loop_watch *w = l->watches; w; w = w->next)
		if (w->cb == cb && w->arg == arg)
			return retire(l, w);
	return -ENOENT;
}

int loop_watch(struct cordon_loop *l, int fd, uint32_t events, loop_fd_cb cb, void *arg,
	       struct cordon_error *e)
{
	struct loop_watch *w = calloc(1, sizeof(*w));
	int r;

	if (!w)
		return cordon_error_set(e, ENOMEM, "event loop: out of memory");
	w->ev.fn = watch_ev;
	w->ev.fd = fd;
	w->l = l;
	w->cb = cb;
	w->arg = arg;
	r = loop_add(l, &w->ev, events);
	if (r < 0) {
		free(w);
		return cordon_error_set(e, -r, "event loop: watch fd %d: %s", fd, strerror(-r));
	}
	w->next = l->watches;
	l->watches = w;
	return 0;
}

void loop_hook_add(struct cordon_loop *l, struct loop_hook *h)
{
	struct loop_hook **pp = &l->hooks;

	while (*pp)
		pp = &(*pp)->next;
	h->next = NULL;
	*pp = h;
}

void loop_hook_del(struct cordon_loop *l, struct loop_hook *h)
{
	for (struct loop_hook **pp = &l->hooks; *pp; pp = &(*pp)->next)
		if (*pp == h) {
			*pp = h->next;
			return;
		}
}

/* timeout: the shortest wait any hook allows, -1 for none. */
static int timeout(struct cordon_loop *l)
{
	int t = -1;

	for (struct loop_hook *h = l->hooks; h; h = h->next) {
		int ht = h->timeout_ms ? h->timeout_ms(h->arg) : -1;

		if (ht >= 0 && (t < 0 || ht < t))
			t = ht;
	}
	return t;
}

static void free_dead(struct cordon_loop *l)
{
	while (l->dead) {
		struct loop_watch *w = l->dead;

		l->dead = w->next;
		free(w);
	}
}

int loop_run(struct cordon_loop *l, struct cordon_error *e)
{
	struct epoll_event evs[LOOP_MAX_EVENTS];

	l->stop = false;
	while (!l->stop) {
		int n = epoll_wait(l->epfd, evs, LOOP_MAX_EVENTS, timeout(l));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return cordon_error_set(e, errno, "event loop: epoll_wait: %s",
						strerror(errno));
		}
		for (int i = 0; i < n; i++) {
			struct loop_ev *ev = evs[i].data.ptr;

			if (!ev->dead)
				ev->fn(ev, evs[i].events);
		}
		for (struct loop_hook *h = l->hooks, *nx; h; h = nx) {
			nx = h->next; /* a hook may remove itself */
			if (h->run)
				h->run(h->arg);
		}
		free_dead(l);
	}
	return 0;
}

void loop_stop(struct cordon_loop *l)
{
	l->stop = true;
}

void loop_free(struct cordon_loop *l)
{
	if (!l)
		return;
	while (l->watches) {
		struct loop_watch *w = l->watches;

		l->watches = w->next;
		if (w->ev.fd >= 0)
			close(w->ev.fd);
		free(w);
	}
	free_dead(l);
	close(l->epfd);
	free(l);
}
