/* capture_session.c — the session process's side of the transparent capture
 * (capture_session.h): pool, TLS parser, DNS stub, forwards. */
#include "capture_session.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cordon/ports.h"
#include "dns_pool.h"
#include "dns_stub.h"
#include "expose.h"
#include "proxy/proxy_transparent.h"
#include "tls_sni.h"

struct capture_session {
	struct capture_state st;
	struct px_capture px;
	struct dns_stub *stub;
	struct expose *expose;
	const struct cordon_policy *policy; /* the live policy, from capture_session_serve */
};

int capture_session_new(struct capture_state *st, struct cordon_proxy_config *cfg,
			struct capture_session **out, struct cordon_error *e)
{
	struct capture_session *cs = calloc(1, sizeof(*cs));

	*out = NULL;
	if (!cs) {
		capture_fds_close(&st->fds);
		return cordon_error_set(e, ENOMEM, "capture: out of memory");
	}
	cs->st = *st;
	st->on = false;
	for (int i = 0; i < CFD_N; i++)
		st->fds.fd[i] = -1;
	*out = cs;
	if (!cs->st.on)
		return 0;
	cs->px.pool = dns_pool_new();
	cs->px.sni = tls_sni_new();
	if (!cs->px.pool || !cs->px.sni)
		return cordon_error_set(e, ENOMEM, "capture: out of memory");
	cfg->capture = &cs->px;
	/* The proxy owns the listeners from here (closed by it on failure too). */
	cfg->transparent_fd[0] = cs->st.fds.fd[CFD_TCP4];
	cfg->transparent_fd[1] = cs->st.fds.fd[CFD_TCP6];
	cs->st.fds.fd[CFD_TCP4] = cs->st.fds.fd[CFD_TCP6] = -1;
	return 0;
}

int capture_session_serve(struct capture_session *cs, struct cordon_proxy *px,
			  struct cordon_policy *p, struct cordon_error *e)
{
	int r;

	cs->policy = p;
	if (!cs->st.on && p->n_expose)
		return cordon_error_set(e, EOPNOTSUPP, "--expose needs the transparent capture (%s)",
					cs->st.why[0] ? cs->st.why : "not in force");
	if (!cs->st.on)
		return 0;
	r = dns_stub_start(px, cs->px.pool, p, &cs->st.fds, &cs->stub, e);
	if (r < 0)
		return r;
	r = expose_new(px, cs->st.fds.fd[CFD_FACTORY], &cs->expose, e);
	if (r < 0)
		return r;
	cs->st.fds.fd[CFD_FACTORY] = -1; /* the forwards own it */
	return expose_start(cs->expose, p, e);
}

bool capture_session_on(const struct capture_session *cs, const char **why)
{
	if (why)
		*why = cs ? cs->st.why : "";
	return cs && cs->st.on;
}

/* allow_bind: "allow-bind PORT". Landlock's bind rule cannot be loosened once a process is
 * confined (landlock_restrict_self(2): a domain only ever gets stricter), so a port that the
 * policy did not allow at start needs a new sandbox; the reply says how. */
static char *allow_bind(const struct capture_session *cs, const char *arg)
{
	struct cordon_error e = {{0}};
	int port = cordon_port_parse(arg, "allow-bind", &e);
	char *out = malloc(1024);

	if (!out)
		return NULL;
	if (port < 0)
		snprintf(out, 1024, "err %.1000s", e.msg);
	else if (cs->policy && cordon_policy_binds(cs->policy, (uint16_t)port))
		snprintf(out, 1024, "ok already");
	else
		snprintf(
		    out, 1024,
		    "err binding TCP port %d cannot be allowed in a running sandbox: "
		    "Landlock's bind rule is fixed once a process is confined; start a new one "
		    "with `sandbox on --allow-bind %d` (or `cordon run --allow-bind %d -- CMD`)",
		    port, port, port);
	return out;
}

bool capture_session_control(struct capture_session *cs, const char *req, char **reply)
{
	if (!strncmp(req, "allow-bind ", 11)) {
		*reply = allow_bind(cs, req + 11);
		return true;
	}
	if (strncmp(req, "expose", 6) && strncmp(req, "unexpose", 8))
		return false;
	if (!cs || !cs->expose) {
		const char *why = cs && cs->st.why[0] ? cs->st.why : "capture is not in force";
		size_t n = strlen(why) + 64;
		*reply = malloc(n);
		if (*reply)
			snprintf(*reply, n, "err expose needs the transparent capture (%s)", why);
		return true;
	}
	*reply = expose_control(cs->expose, req);
	return true;
}

void capture_session_free(struct capture_session *cs)
{
	if (!cs)
		return;
	dns_stub_free(cs->stub);
	expose_free(cs->expose);
	tls_sni_free(cs->px.sni);
	dns_pool_free(cs->px.pool);
	capture_fds_close(&cs->st.fds);
	free(cs);
}
