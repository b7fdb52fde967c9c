/* ports.c — dev-server ports of a policy (ports.h). */
#include "cordon/ports.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int cordon_port_parse(const char *s, const char *what, struct cordon_error *e)
{
	char *end;
	long v;

	if (!s || !*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 5)
		return cordon_error_set(e, EINVAL, "%s: \"%s\" is not a TCP port (1-65535)", what,
					s ? s : "");
	v = strtol(s, &end, 10);
	if (v < 1 || v > 65535)
		return cordon_error_set(e, EINVAL, "%s: \"%s\" is not a TCP port (1-65535)", what,
					s);
	return (int)v;
}

static int add_bind_port(struct cordon_policy *p, uint16_t port, const char *what,
			 struct cordon_error *e)
{
	for (size_t i = 0; i < p->n_allow_bind; i++)
		if (p->allow_bind[i] == port)
			return 0;
	if (p->n_allow_bind >= CORDON_PORTS_MAX)
		return cordon_error_set(e, ENOSPC, "%s: more than %d ports", what,
					CORDON_PORTS_MAX);
	p->allow_bind[p->n_allow_bind++] = port;
	return 0;
}

int cordon_policy_add_bind(struct cordon_policy *p, const char *port, struct cordon_error *e)
{
	int v = cordon_port_parse(port, "--allow-bind", e);

	return v < 0 ? v : add_bind_port(p, (uint16_t)v, "--allow-bind", e);
}

int cordon_policy_add_expose(struct cordon_policy *p, const char *spec, struct cordon_error *e)
{
	char buf[16];
	const char *colon = strchr(spec, ':');
	int port, host;

	if (strlen(spec) >= sizeof(buf))
		return cordon_error_set(e, EINVAL, "--expose: \"%.32s\" is not PORT[:HOSTPORT]",
					spec);
	memcpy(buf, spec, strlen(spec) + 1);
	if (colon)
		buf[colon - spec] = '\0';
	port = cordon_port_parse(buf, "--expose", e);
	if (port < 0)
		return port;
	host = colon ? cordon_port_parse(colon + 1, "--expose", e) : port;
	if (host < 0)
		return host;
	for (size_t i = 0; i < p->n_expose; i++)
		if (p->expose[i].host_port == host)
			return cordon_error_set(e, EEXIST, "--expose: host port %d given twice",
						host);
	if (p->n_expose >= CORDON_PORTS_MAX)
		return cordon_error_set(e, ENOSPC, "--expose: more than %d forwards",
					CORDON_PORTS_MAX);
	int r = add_bind_port(p, (uint16_t)port, "--expose", e);
	if (r < 0)
		return r;
	p->expose[p->n_expose].port = (uint16_t)port;
	p->expose[p->n_expose].host_port = (uint16_t)host;
	p->n_expose++;
	return 0;
}

bool cordon_policy_binds(const struct cordon_policy *p, uint16_t port)
{
	if (p->allow_local_binding)
		return true;
	for (size_t i = 0; i < p->n_allow_bind; i++)
		if (p->allow_bind[i] == port)
			return true;
	return false;
}
