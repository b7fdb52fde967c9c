/* serve_methods.c — the methods of `cordon serve` other than run: initialize, session.start,
 * status, policy.get, hosts.list, hosts.allow, log.list, shutdown. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cordon/hostpat.h"
#include "cordon/proxy.h"
#include "cordon/report.h"
#include "cordon/vlog.h"
#include "serve.h"

/* kernel_json: the kernel report (report.h), as `cordon check --json` prints it. */
void serve_kernel_json(struct cordon_strbuf *b)
{
	struct cordon_report r;
	struct cordon_error e = {{0}};

	if (cordon_report_probe(&r, getenv("CORDON_SESSION") != NULL, &e) < 0) {
		cordon_sb_add(b, "{\"error\":");
		cordon_sb_json_str(b, e.msg, CORDON_JSON_UTF8);
		cordon_sb_add(b, "}");
		return;
	}
	cordon_report_json(&r, b);
}

static void m_initialize(struct req *q)
{
	struct cordon_strbuf b = {0};
	int caps = cordon_json_get(q->d, q->params, "capabilities");
	bool ask = false;

	if (caps >= 0 && cordon_json_type(q->d, caps) != CORDON_JSON_OBJ) {
		serve_reply_error(q->id, RPC_INVALID_PARAMS, "capabilities must be an object");
		return;
	}
	int a = cordon_json_get(q->d, caps, "networkAsk");
	if (a >= 0 && !cordon_json_bool(q->d, a, &ask)) {
		serve_reply_error(q->id, RPC_INVALID_PARAMS,
				  "capabilities.networkAsk must be a boolean");
		return;
	}
	q->s->ask_enabled = ask;
	cordon_sb_addf(&b,
		       "{\"serverInfo\":{\"name\":\"cordon\",\"version\":\"%s\"},"
		       "\"protocolVersion\":%d,\"capabilities\":{\"run\":true,\"cancel\":true,"
		       "\"networkAsk\":%s,\"askTimeoutMs\":%ld,\"methods\":[\"initialize\","
		       "\"session.start\",\"run\",\"run.cancel\",\"status\",\"policy.get\","
		       "\"hosts.list\",\"hosts.allow\",\"log.list\",\"shutdown\"]},",
		       CORDON_VERSION, PROTOCOL_VERSION, q->s->ask_listen >= 0 ? "true" : "false",
		       q->s->ask_ms);
	/* For terminals the client starts itself (`cordon shell` with this in CORDON_ASK_SOCKET):
	 * their sessions ask through this server too. */
	cordon_sb_add(&b, "\"askSocket\":");
	if (ask && q->s->ask_listen >= 0)
		cordon_sb_json_str(&b, q->s->ask_name, CORDON_JSON_UTF8);
	else
		cordon_sb_add(&b, "null");
	cordon_sb_add(&b, ",\"kernel\":");
	serve_kernel_json(&b);
	cordon_sb_add(&b, "}");
	if (q->id)
		serve_reply_result(q->id, b.s);
	cordon_sb_free(&b);
}

/* param_request: the policy params of session.start into rq (cordon_policy_build's request).
 * Returns 0, or -1 when one has the wrong type. */
static int param_request(const struct req *q, struct cordon_policy_request *rq)
{
	struct cordon_error e = {{0}};
	char **v = NULL, *str;
	size_t n = 0;
	bool bad = false;
	int st, r = 0;

	str = serve_param_str(q, "config", &bad);
	r |= cordon_policy_request_set_config(rq, str, &e);
	free(str);
	if (serve_param_strv(q, "allowWrite", &v, &n) < 0)
		bad = true;
	for (size_t i = 0; i < n; i++)
		r |= cordon_policy_request_add_write(rq, v[i], &e);
	serve_strv_free(v, n);
	if (serve_param_strv(q, "allowHost", &v, &n) < 0)
		bad = true;
	for (size_t i = 0; i < n; i++)
		r |= cordon_policy_request_add_host(rq, v[i], &e);
	serve_strv_free(v, n);
	serve_param_bool(q, "strict", &rq->strict, &bad);
	serve_param_bool(q, "lock", &rq->lock, &bad);
	st = cordon_json_get(q->d, q->params, "settings");
	if (st >= 0 && !cordon_json_is_null(q->d, st)) {
		size_t len;
		const char *raw = cordon_json_raw(q->d, st, &len);
		if (cordon_json_type(q->d, st) != CORDON_JSON_OBJ) {
			bad = true;
		} else if ((str = strndup(raw, len))) {
			r |= cordon_policy_request_set_settings(rq, str, &e);
			free(str);
		} else {
			r = -1;
		}
	}
	return bad || r ? -1 : 0;
}

/* m_session_start: {config?, allowWrite?, allowHost?, strict?, lock?, settings?, cwd?}: replace
 * the session's policy request after checking that it builds; result {policy}. */
static void m_session_start(struct req *q)
{
	struct serve tmp = {0}, *s = q->s;
	struct cordon_policy p;
	struct cordon_error e = {{0}};
	char cwd[PATH_MAX], *c, *json = NULL;
	bool bad = false;

	c = serve_param_str(q, "cwd", &bad);
	if (param_request(q, &tmp.req) < 0 || bad) {
		serve_reply_error(
		    q->id, RPC_INVALID_PARAMS,
		    "session.start: config and cwd are strings, allowWrite and allowHost "
		    "arrays of strings, strict and lock booleans, settings an object");
		goto out;
	}
	if (!c && !getcwd(cwd, sizeof(cwd)))
		strcpy(cwd, "/");
	tmp.session_hosts = s->session_hosts;
	tmp.n_session_hosts = s->n_session_hosts;
	if (serve_build_policy(&tmp, c ? c : cwd, &p, &e) < 0) {
		serve_reply_error(q->id, RPC_INVALID_PARAMS, e.msg);
		cordon_policy_free(&p);
		goto out;
	}
	if (cordon_policy_to_json(&p, &json, &e) < 0) {
		serve_reply_error(q->id, RPC_INTERNAL_ERROR, e.msg);
		cordon_policy_free(&p);
		goto out;
	}
	cordon_policy_free(&p);
	cordon_policy_request_free(&s->req);
	s->req = tmp.req;
	memset(&tmp.req, 0, sizeof(tmp.req));
	s->started = true;
	if (q->id) {
		struct cordon_strbuf b = {0};
		cordon_sb_add(&b, "{\"policy\":");
		jb_compact(&b, json);
		cordon_sb_add(&b, "}");
		serve_reply_result(q->id, b.s);
		cordon_sb_free(&b);
	}
out:
	free(json);
	free(c);
	cordon_policy_request_free(&tmp.req);
}

static void m_status(struct req *q)
{
	struct cordon_strbuf b = {0};
	bool first = true;
	cordon_sb_addf(&b, "{\"version\":\"%s\",\"started\":%s,\"networkAsk\":%s,\"runs\":[",
		       CORDON_VERSION, q->s->started ? "true" : "false",
		       q->s->ask_enabled && q->s->ask_listen >= 0 ? "true" : "false");
	for (struct run *r = q->s->runs; r; r = r->next, first = false)
		cordon_sb_addf(&b, "%s{\"id\":%s,\"pid\":%d}", first ? "" : ",", r->id, r->pid);
	cordon_sb_add(&b, "],\"sessions\":[");
	first = true;
	for (struct conn *c = q->s->conns; c; c = c->next) {
		if (!c->id[0])
			continue;
		cordon_sb_add(&b, first ? "" : ",");
		cordon_sb_json_str(&b, c->id, CORDON_JSON_UTF8);
		first = false;
	}
	/* What the session of each run holds: it raises the soft fd limit it inherits from here. */
	struct rlimit rl;
	size_t conns = getrlimit(RLIMIT_NOFILE, &rl) == 0
			   ? cordon_proxy_capacity(cordon_proxy_nofile_target(&rl))
			   : 0;
	cordon_sb_addf(&b, "],\"proxyMaxConnections\":%zu,\"kernel\":", conns);
	serve_kernel_json(&b);
	cordon_sb_add(&b, "}");
	if (q->id)
		serve_reply_result(q->id, b.s);
	cordon_sb_free(&b);
}

static void m_policy_get(struct req *q)
{
	struct cordon_policy p;
	struct cordon_error e = {{0}};
	char *json = NULL;

	if (serve_with_policy(q, &p) < 0)
		return;
	if (cordon_policy_to_json(&p, &json, &e) < 0) {
		serve_reply_error(q->id, RPC_INTERNAL_ERROR, e.msg);
	} else if (q->id) {
		struct cordon_strbuf b = {0};
		jb_compact(&b, json);
		serve_reply_result(q->id, b.s);
		cordon_sb_free(&b);
	}
	free(json);
	cordon_policy_free(&p);
}

static void host_list_json(struct cordon_strbuf *b, const struct cordon_host_list *l)
{
	char buf[300];

	cordon_sb_add(b, "[");
	for (size_t i = 0; i < l->n; i++) {
		cordon_host_rule_format(&l->v[i], buf, sizeof(buf));
		cordon_sb_add(b, i ? "," : "");
		cordon_sb_json_str(b, buf, CORDON_JSON_UTF8);
	}
	cordon_sb_add(b, "]");
}

static void m_hosts_list(struct req *q)
{
	struct cordon_policy p;
	struct cordon_strbuf b = {0};

	if (serve_with_policy(q, &p) < 0)
		return;
	cordon_sb_add(&b, "{\"allow\":");
	host_list_json(&b, &p.allow_hosts);
	cordon_sb_add(&b, ",\"deny\":");
	host_list_json(&b, &p.deny_hosts);
	cordon_sb_add(&b, ",\"session\":[");
	for (size_t i = 0; i < q->s->n_session_hosts; i++) {
		cordon_sb_add(&b, i ? "," : "");
		cordon_sb_json_str(&b, q->s->session_hosts[i], CORDON_JSON_UTF8);
	}
	cordon_sb_add(&b, "]}");
	if (q->id)
		serve_reply_result(q->id, b.s);
	cordon_sb_free(&b);
	cordon_policy_free(&p);
}

struct log_ctx {
	struct cordon_strbuf *b;
	const char *session;
	bool first;
};

static int log_entry(const struct cordon_vlog_entry *v, void *arg)
{
	struct log_ctx *c = arg;
	char t[32];
	struct tm tm;

	gmtime_r(&v->time, &tm);
	strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%SZ", &tm);
	cordon_sb_addf(c->b, "%s{\"session\":", c->first ? "" : ",");
	cordon_sb_json_str(c->b, c->session, CORDON_JSON_UTF8);
	cordon_sb_addf(c->b, ",\"time\":\"%s\",\"host\":", t);
	cordon_sb_json_str(c->b, v->host, CORDON_JSON_UTF8);
	cordon_sb_addf(c->b, ",\"port\":%u,\"pid\":%d,\"reason\":", v->port, (int)v->pid);
	cordon_sb_json_str(c->b, v->reason, CORDON_JSON_UTF8);
	cordon_sb_add(c->b, ",\"proto\":");
	cordon_sb_json_str(c->b, v->proto, CORDON_JSON_UTF8);
	if (!strcmp(v->proto, "write")) { /* a refused write (vlog.h): what and how */
		cordon_sb_add(c->b, ",\"path\":");
		cordon_sb_json_str(c->b, v->path, CORDON_JSON_UTF8);
		cordon_sb_add(c->b, ",\"syscall\":");
		cordon_sb_json_str(c->b, v->syscall, CORDON_JSON_UTF8);
	}
	cordon_sb_add(c->b, "}");
	c->first = false;
	return 0;
}

/* m_log_list: the violations logged by the sessions of this server's runs, oldest session first
 * within each session in log order. */
static void m_log_list(struct req *q)
{
	struct cordon_strbuf b = {0};
	struct log_ctx c = {.b = &b, .first = true};
	struct cordon_error e = {{0}};
	cordon_sb_add(&b, "{\"entries\":[");
	for (struct conn *k = q->s->conns; k; k = k->next) {
		if (!k->log_path)
			continue;
		c.session = k->id;
		if (cordon_vlog_read(k->log_path, log_entry, &c, &e) < 0)
			fprintf(stderr, "cordon serve: %s\n", e.msg);
	}
	cordon_sb_add(&b, "]}");
	if (q->id)
		serve_reply_result(q->id, b.s);
	cordon_sb_free(&b);
}

/* m_hosts_allow: {host}: allow a pattern for the rest of the session: later runs get it in their
 * allowlist, and running sessions connected for network/ask are told at once. */
static void m_hosts_allow(struct req *q)
{
	struct cordon_host_rule rule;
	struct cordon_error e = {{0}};
	bool bad = false, have = false;
	char *h = serve_param_str(q, "host", &bad), fmt[300], msg[320];

	if (!h || bad) {
		serve_reply_error(q->id, RPC_INVALID_PARAMS, "hosts.allow: host (a string) needed");
		free(h);
		return;
	}
	if (cordon_host_rule_parse(h, &rule, &e) < 0) {
		serve_reply_error(q->id, RPC_INVALID_PARAMS, e.msg);
		free(h);
		return;
	}
	cordon_host_rule_format(&rule, fmt, sizeof(fmt));
	free(rule.host);
	free(h);
	for (size_t i = 0; i < q->s->n_session_hosts; i++)
		have = have || !strcmp(q->s->session_hosts[i], fmt);
	if (!have && serve_strv_push(&q->s->session_hosts, &q->s->n_session_hosts, fmt) < 0) {
		serve_reply_error(q->id, RPC_INTERNAL_ERROR, "out of memory");
		return;
	}
	int n = snprintf(msg, sizeof(msg), "allow %s", fmt);
	for (struct conn *c = q->s->conns; c; c = c->next)
		if (c->fd >= 0)
			send(c->fd, msg, n, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (q->id) {
		struct cordon_strbuf b = {0};
		cordon_sb_add(&b, "{\"allowed\":");
		cordon_sb_json_str(&b, fmt, CORDON_JSON_UTF8);
		cordon_sb_add(&b, "}");
		serve_reply_result(q->id, b.s);
		cordon_sb_free(&b);
	}
}

static void m_shutdown(struct req *q)
{
	q->s->quit = true;
	if (q->id)
		serve_reply_result(q->id, "null");
}

/* The methods, as initialize lists them. */
static const struct method {
	const char *name;
	serve_method_fn fn;
} methods[] = {
    /* clang-format off */
    {"initialize", m_initialize},
    {"session.start", m_session_start},
    {"run", serve_m_run},
    {"run.cancel", serve_m_run_cancel},
    {"status", m_status},
    {"policy.get", m_policy_get},
    {"hosts.list", m_hosts_list},
    {"hosts.allow", m_hosts_allow},
    {"log.list", m_log_list},
    {"shutdown", m_shutdown},
    /* clang-format on */
};

serve_method_fn serve_method(const char *name)
{
	for (size_t k = 0; k < sizeof(methods) / sizeof(methods[0]); k++)
		if (!strcmp(name, methods[k].name))
			return methods[k].fn;
	return NULL;
}
