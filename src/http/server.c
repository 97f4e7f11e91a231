/*
 * server.c — the HTTP server on libmicrohttpd (see http.h).
 *
 * libmicrohttpd runs a pool of worker threads on epoll and enforces the
 * limits on connections (overall and per IP), idle time and per-connection
 * memory, so a few slow or hostile clients cannot starve the rest. This file
 * turns its callbacks into one http_req per request:
 *   1. the URI log callback sees the raw request target first and creates the
 *      request (its arena, path and query, decoded strictly by us);
 *   2. the access handler's first call routes the request and refuses bodies
 *      that are too large (413) before reading them;
 *   3. upload calls stream the body into the form decoder;
 *   4. the last call runs the application's before hook and the handler and
 *      queues the response with the default (security) headers;
 *   5. the completion callback runs the after hook, writes the access log
 *      line (unless the route is ROUTE_NO_LOG) and frees the arena.
 */
#include "http/http.h"
#include "http/form.h"
#include "core/util.h"

#include <assert.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define RAW_BODY_MAX_DEFAULT (1u << 20)
/* How much of a refused body is read (to answer on a usable connection) before
 * the connection is simply closed. */
#define DISCARD_MAX (16u << 20)

struct http_server {
	struct MHD_Daemon *daemon;
	const http_server_config *cfg;
	atomic_int in_flight;
	int port;
};

typedef struct request_state {
	http_req req;
	http_server *srv;
	const char *raw_uri;  /* as received, for the access log */
	const char *version;  /* "HTTP/1.1" */
	form_parser *parser;  /* NULL unless the body is a form */
	buf raw;              /* body of another content type */
	size_t body_seen;
	int early_status;     /* set when the request is refused before its handler */
	size_t discarded;     /* body bytes thrown away after the request was refused */
	bool started;         /* the access handler has been called */
	bool queued;
	size_t response_bytes;
	time_t started_at;
} request_state;

/* ---- small request helpers (declared in http.h) ---- */

const char *http_header(http_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->connection, MHD_HEADER_KIND, name);
}

const char *http_param(http_req *r, const char *name) { return http_kv_get(r->params, name); }
const char *http_query(http_req *r, const char *name) { return http_kv_get(r->query, name); }
const char *http_form(http_req *r, const char *name) { return http_kv_get(r->form, name); }
const char *http_cookie(http_req *r, const char *name) { return http_kv_get(r->cookies, name); }

const http_file *http_upload(http_req *r, const char *name)
{
	for (const http_file *f = r->files; f; f = f->next)
		if (strcmp(f->field, name) == 0 && f->size > 0)
			return f;
	return NULL;
}

void http_set_header(http_req *r, const char *name, const char *value)
{
	http_kv_add(r->arena, &r->resp_headers, name, value, strlen(value));
}

void http_set_cookie(http_req *r, const char *name, const char *value, long max_age)
{
	buf b = BUF_INIT;
	buf_printf(&b, "%s=%s; Path=/; HttpOnly; SameSite=Lax", name, max_age == 0 ? "" : value);
	if (max_age >= 0)
		buf_printf(&b, "; Max-Age=%ld", max_age);
	if (r->https)
		buf_puts(&b, "; Secure");
	http_set_header(r, "Set-Cookie", b.data);
	buf_free(&b);
}

int http_redirect(http_req *r, const char *url)
{
	http_set_header(r, "Location", url);
	buf_reset(&r->body);
	r->status = 303;
	return 303;
}

static void close_fd(void *p)
{
	int *fd = p;
	if (*fd >= 0)
		close(*fd);
}

/* Arena cleanup: releases a shared body that was never handed to libmicrohttpd. */
static void release_shared_body(void *p)
{
	http_req *r = p;
	if (r->body_shared_release)
		r->body_shared_release(r->body_shared_cls);
	r->body_shared_release = NULL;
}

void http_set_shared_body(http_req *r, const void *data, size_t len, void (*release)(void *cls), void *cls)
{
	assert(r->body_shared_release == NULL);
	r->body_shared = data;
	r->body_shared_len = len;
	r->body_shared_release = release;
	r->body_shared_cls = cls;
	arena_defer(r->arena, release_shared_body, r);
}

int http_send_file(http_req *r, const char *path, const char *content_type)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0)
		return 404;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return 404;
	}
	r->body_fd = fd;
	r->body_fd_size = (size_t)st.st_size;
	r->content_type = arena_strdup(r->arena, content_type);
	return 200;
}

/* Parses the Cookie header ("a=1; b=2") into r->cookies; bad pairs are skipped. */
static void parse_cookies(http_req *r)
{
	const char *h = http_header(r, "Cookie");
	if (h == NULL)
		return;
	const char *p = h;
	while (*p) {
		while (*p == ' ' || *p == ';')
			p++;
		const char *end = strchrnul(p, ';');
		const char *eq = memchr(p, '=', (size_t)(end - p));
		if (eq && eq > p) {
			const char *v = eq + 1;
			size_t vlen = (size_t)(end - v);
			while (vlen && v[vlen - 1] == ' ')
				vlen--;
			if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') {
				v++;
				vlen -= 2;
			}
			if (str_valid_utf8(v, vlen) && memchr(v, '\0', vlen) == NULL)
				http_kv_add(r->arena, &r->cookies, arena_strndup(r->arena, p, (size_t)(eq - p)),
					    arena_strndup(r->arena, v, vlen), vlen);
		}
		p = end;
	}
}

/* The client's address, or the last X-Forwarded-For hop when behind the trusted proxy. */
static const char *client_address(http_req *r, const http_server_config *cfg)
{
	if (cfg->trust_proxy) {
		const char *xff = http_header(r, "X-Forwarded-For");
		if (xff && *xff) {
			const char *last = strrchr(xff, ',');
			last = last ? last + 1 : xff;
			while (*last == ' ')
				last++;
			return arena_strndup(r->arena, last, 64);
		}
	}
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(r->connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	char text[INET6_ADDRSTRLEN] = "-";
	if (ci && ci->client_addr) {
		const struct sockaddr *sa = ci->client_addr;
		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, text, sizeof(text));
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, text, sizeof(text));
	}
	return arena_strdup(r->arena, text);
}

/* ---- the response ---- */

static enum MHD_Result queue_response(request_state *st, int status)
{
	http_req *r = &st->req;
	const http_server_config *cfg = st->srv->cfg;
	struct MHD_Response *resp;

	if (status >= 400 && r->body.len == 0 && r->body_fd < 0 && r->body_shared_release == NULL && cfg->error_page) {
		r->content_type = NULL;
		cfg->error_page(r, status);
	}
	r->status = status;
	if (r->body_fd >= 0) {
		resp = MHD_create_response_from_fd(r->body_fd_size, r->body_fd);
		st->response_bytes = r->body_fd_size;
		r->body_fd = -1; /* libmicrohttpd closes it */
	} else if (r->body_shared_release) {
		st->response_bytes = r->body_shared_len;
		resp = MHD_create_response_from_buffer_with_free_callback_cls(r->body_shared_len, (void *)r->body_shared,
										r->body_shared_release, r->body_shared_cls);
		if (resp)
			r->body_shared_release = NULL; /* libmicrohttpd releases it */
	} else {
		st->response_bytes = r->body.len;
		size_t len = r->body.len;
		resp = MHD_create_response_from_buffer(len, buf_detach(&r->body), MHD_RESPMEM_MUST_FREE);
	}
	if (resp == NULL)
		return MHD_NO;
	/* A default header the handler set itself (e.g. a stricter Referrer-Policy) is the handler's. */
	for (const char *const *h = cfg->default_headers; h && h[0]; h += 2) {
		bool replaced = false;
		for (const http_kv *own = r->resp_headers; own && !replaced; own = own->next)
			replaced = strcasecmp(own->name, h[0]) == 0;
		if (!replaced)
			MHD_add_response_header(resp, h[0], h[1]);
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				r->content_type ? r->content_type : "text/html; charset=utf-8");
	for (const http_kv *h = r->resp_headers; h; h = h->next)
		MHD_add_response_header(resp, h->name, h->value);
	enum MHD_Result ret = MHD_queue_response(r->connection, (unsigned)status, resp);
	MHD_destroy_response(resp);
	st->queued = true;
	return ret;
}

/* ---- libmicrohttpd callbacks ---- */

/* Called first with the raw request target; creates the request. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *connection)
{
	http_server *srv = cls;
	request_state *st;
	arena *a = arena_new();
	st = arena_alloc(a, sizeof(*st));
	st->srv = srv;
	st->req.arena = a;
	st->req.connection = connection;
	st->req.body_fd = -1;
	st->req.raw_query = "";
	st->req.path = "/";
	st->req.app = srv->cfg->app;
	st->raw_uri = arena_strndup(a, uri, 2048);
	st->started_at = time(NULL);
	atomic_fetch_add(&srv->in_flight, 1);
	arena_defer(a, close_fd, &st->req.body_fd);

	const char *q = strchr(uri, '?');
	size_t path_len = q ? (size_t)(q - uri) : strlen(uri);
	if (path_len == 0 || uri[0] != '/') {
		st->early_status = 400;
		return st;
	}
	char *path = http_urldecode_path(a, uri, path_len);
	if (path == NULL) {
		st->early_status = 400;
		return st;
	}
	st->req.path = path;
	if (q) {
		st->req.raw_query = arena_strdup(a, q + 1);
		if (http_urldecode_form(a, q + 1, strlen(q + 1), &st->req.query) != 0)
			st->early_status = 400;
	}
	return st;
}

/* libmicrohttpd must not decode the path itself: on_uri already did, strictly. */
static size_t unescape_nothing(void *cls, struct MHD_Connection *c, char *s)
{
	return strlen(s);
}

typedef struct header_count {
	int host, content_length, transfer_encoding;
	const char *first_length;
	bool lengths_differ;
	bool bad_name; /* white space in a header name */
} header_count;

static enum MHD_Result count_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	header_count *hc = cls;
	(void)kind;
	if (key == NULL || *key == '\0' || strpbrk(key, " \t") != NULL)
		hc->bad_name = true;
	else if (strcasecmp(key, "Host") == 0)
		hc->host++;
	else if (strcasecmp(key, "Transfer-Encoding") == 0)
		hc->transfer_encoding++;
	else if (strcasecmp(key, "Content-Length") == 0) {
		if (hc->content_length++ == 0)
			hc->first_length = value;
		else if (value == NULL || hc->first_length == NULL || strcmp(value, hc->first_length) != 0)
			hc->lengths_differ = true;
	}
	return MHD_YES;
}

/* Refuses what RFC 9112 says a server must refuse because it invites request
 * smuggling: several Host headers, Content-Length values that disagree, and
 * Content-Length together with Transfer-Encoding. */
static bool headers_acceptable(http_req *r)
{
	header_count hc = { 0, 0, 0, NULL, false, false };
	MHD_get_connection_values(r->connection, MHD_HEADER_KIND, count_header, &hc);
	if (hc.host > 1 || hc.lengths_differ || hc.bad_name)
		return false;
	if (hc.content_length > 0 && hc.transfer_encoding > 0)
		return false;
	return true;
}

/* First call: route, check the declared size, prepare the body decoder. */
static int request_begin(request_state *st, const char *method)
{
	http_req *r = &st->req;
	const http_server_config *cfg = st->srv->cfg;
	int status = 0;

	r->method = arena_strdup(r->arena, method);
	r->client_addr = client_address(r, cfg);
	const char *proto = cfg->trust_proxy ? http_header(r, "X-Forwarded-Proto") : NULL;
	r->https = proto && strcmp(proto, "https") == 0;
	parse_cookies(r);
	if (!headers_acceptable(r)) {
		/* Where the body ends is uncertain: answer, then close the connection. */
		http_set_header(r, "Connection", "close");
		return 400;
	}
	r->route = http_route_match(cfg->routes, cfg->route_count, r->arena, r->method, r->path, &r->params, &status);
	if (r->route == NULL) {
		if (status == 405)
			http_set_header(r, "Allow", http_route_allowed(cfg->routes, cfg->route_count, r->arena, r->path));
		return status;
	}

	size_t limit = (r->route->flags & ROUTE_UPLOAD) ? cfg->upload_limit : cfg->body_limit;
	const char *cl = http_header(r, "Content-Length");
	if (cl) {
		int64_t n;
		if (str_to_int64(cl, &n) != 0 || n < 0)
			return 400;
		if ((uint64_t)n > limit)
			return 413;
	}
	const char *ctype = http_header(r, "Content-Type");
	bool has_body = cl ? strcmp(cl, "0") != 0 : http_header(r, "Transfer-Encoding") != NULL;
	if (!has_body)
		return 0;
	if (ctype && (strncasecmp(ctype, "application/x-www-form-urlencoded", 33) == 0 ||
		      strncasecmp(ctype, "multipart/form-data", 19) == 0)) {
		form_limits lim = {
			.body = limit,
			.file = (r->route->flags & ROUTE_UPLOAD) ? cfg->upload_file_limit : 0,
			.tmpdir = cfg->upload_dir,
		};
		st->parser = form_parser_new(r->arena, ctype, &lim);
		if (st->parser == NULL)
			return 400;
	}
	return 0;
}

/* The HTTP status for a form decoder's error. */
static int form_status(int rc)
{
	switch (rc) {
	case FORM_OK: return 0;
	case FORM_TOO_LARGE: return 413;
	case FORM_STORAGE: return 503;
	default: return 400;
	}
}

static int request_body(request_state *st, const char *data, size_t len)
{
	const http_server_config *cfg = st->srv->cfg;
	st->body_seen += len;
	if (st->parser) {
		int rc = form_parser_feed(st->parser, data, len);
		return form_status(rc);
	}
	size_t limit = (st->req.route->flags & ROUTE_UPLOAD) ? cfg->upload_limit : cfg->body_limit;
	if (limit == 0 || limit > RAW_BODY_MAX_DEFAULT * 16)
		limit = RAW_BODY_MAX_DEFAULT;
	if (st->raw.len + len > limit)
		return 413;
	buf_append(&st->raw, data, len);
	return 0;
}

static int request_run(request_state *st)
{
	http_req *r = &st->req;
	const http_server_config *cfg = st->srv->cfg;
	int status;

	if (st->parser) {
		int rc = form_parser_finish(st->parser, &r->form, &r->files);
		if (rc != FORM_OK)
			return form_status(rc);
	} else if (st->raw.len > 0 || st->raw.data) {
		r->raw_body = arena_strndup(r->arena, buf_cstr(&st->raw), st->raw.len);
		r->raw_body_len = st->raw.len;
		buf_free(&st->raw);
	}
	if (cfg->before) {
		status = cfg->before(r);
		if (status != 0)
			return status;
	}
	r->status = 200;
	status = r->route->handler(r);
	return status > 0 ? status : 500;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *connection, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	request_state *st = *con_cls;
	(void)cls;
	(void)url;
	if (st == NULL)
		return MHD_NO; /* cannot happen: on_uri always creates one */
	if (!st->started) {
		st->started = true;
		st->req.connection = connection;
		st->version = arena_strndup(st->req.arena, version, 16);
		if (st->early_status == 0)
			st->early_status = request_begin(st, method);
		else {
			st->req.method = arena_strdup(st->req.arena, method);
			st->req.client_addr = client_address(&st->req, st->srv->cfg);
		}
		/* A body declared too large is refused before it is sent (the client may
		 * be waiting for "100 Continue"); the connection is then closed. Other
		 * refusals wait for the end of the body, so the connection stays usable. */
		if (st->early_status == 413)
			return queue_response(st, st->early_status);
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		if (st->early_status != 0) {
			/* Refused already: the rest of the body is read and thrown away, up to a point. */
			st->discarded += *upload_data_size;
			*upload_data_size = 0;
			return st->discarded > DISCARD_MAX ? MHD_NO : MHD_YES;
		}
		st->early_status = request_body(st, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (st->queued)
		return MHD_YES;
	if (st->early_status != 0)
		return queue_response(st, st->early_status);
	return queue_response(st, request_run(st));
}

static void access_log_line(request_state *st)
{
	const http_server_config *cfg = st->srv->cfg;
	http_req *r = &st->req;
	if (cfg->access_log == NULL || (r->route && (r->route->flags & ROUTE_NO_LOG)))
		return;
	/* A request that matched no route, or failed before routing, is kept out of the
	 * log too when its path lies under a ROUTE_NO_LOG route (e.g. a wrong method or
	 * bad encoding on a tip page): judged on the raw target, before any decoding. */
	for (size_t i = 0; i < cfg->route_count; i++) {
		const http_route *rt = &cfg->routes[i];
		if (!(rt->flags & ROUTE_NO_LOG))
			continue;
		size_t literal = strcspn(rt->pattern, "{");
		if (literal > 1 && strncmp(st->raw_uri, rt->pattern, literal) == 0)
			return;
	}
	struct tm tm;
	char when[64];
	localtime_r(&st->started_at, &tm);
	strftime(when, sizeof(when), "%d/%b/%Y:%H:%M:%S %z", &tm);
	const char *referer = r->connection ? http_header(r, "Referer") : NULL;
	const char *agent = r->connection ? http_header(r, "User-Agent") : NULL;
	buf line = BUF_INIT;
	/* Combined Log Format. Quotes and control bytes in client data are escaped. */
	buf_printf(&line, "%s - - [%s] \"", r->client_addr && *r->client_addr ? r->client_addr : "-", when);
	const char *parts[] = { r->method ? r->method : "-", " ", st->raw_uri, " ", st->version ? st->version : "-", "\" ", NULL };
	for (int i = 0; parts[i]; i++) {
		for (const char *p = parts[i]; *p; p++) {
			if (i % 2 == 0 && ((unsigned char)*p < 0x20 || *p == '"' || *p == '\\' || (unsigned char)*p == 0x7f))
				buf_printf(&line, "\\x%02x", (unsigned char)*p);
			else
				buf_putc(&line, *p);
		}
	}
	buf_printf(&line, "%d %zu \"", r->status ? r->status : 0, st->response_bytes);
	for (int k = 0; k < 2; k++) {
		const char *v = k == 0 ? referer : agent;
		for (const char *p = v ? v : "-"; *p; p++) {
			if ((unsigned char)*p < 0x20 || *p == '"' || *p == '\\' || (unsigned char)*p == 0x7f)
				buf_printf(&line, "\\x%02x", (unsigned char)*p);
			else
				buf_putc(&line, *p);
		}
		buf_puts(&line, k == 0 ? "\" \"" : "\"\n");
	}
	fwrite(line.data, 1, line.len, cfg->access_log);
	fflush(cfg->access_log);
	buf_free(&line);
}

static void on_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	http_server *srv = cls;
	request_state *st = *con_cls;
	(void)connection;
	(void)toe;
	if (st == NULL)
		return;
	*con_cls = NULL;
	if (st->started && srv->cfg->after)
		srv->cfg->after(&st->req);
	if (st->started)
		access_log_line(st);
	buf_free(&st->raw);
	buf_free(&st->req.body);
	arena_free(st->req.arena);
	atomic_fetch_sub(&srv->in_flight, 1);
}

/* libmicrohttpd's own messages; they never carry a request's content. */
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	fputs("trygg: http: ", stderr);
	vfprintf(stderr, fmt, ap);
}

http_server *http_server_start(const http_server_config *cfg, char **err)
{
	http_server *srv = xcalloc(1, sizeof(*srv));
	struct sockaddr_storage addr;
	memset(&addr, 0, sizeof(addr));
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_ERROR_LOG;
	*err = NULL;
	srv->cfg = cfg;
	atomic_init(&srv->in_flight, 0);
	if (strchr(cfg->listen_addr, ':')) {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&addr;
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)cfg->port);
		if (inet_pton(AF_INET6, cfg->listen_addr, &a6->sin6_addr) != 1)
			goto bad_addr;
		flags |= MHD_USE_IPv6;
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)&addr;
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)cfg->port);
		if (inet_pton(AF_INET, cfg->listen_addr, &a4->sin_addr) != 1)
			goto bad_addr;
	}
	srv->daemon = MHD_start_daemon(
		flags, (uint16_t)cfg->port, NULL, NULL, on_request, srv,
		MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(cfg->threads > 0 ? cfg->threads : 4),
		MHD_OPTION_CONNECTION_LIMIT, cfg->connection_limit,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, cfg->per_ip_limit,
		MHD_OPTION_CONNECTION_TIMEOUT, cfg->timeout_seconds,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, cfg->connection_memory,
		MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv,
		MHD_OPTION_UNESCAPE_CALLBACK, unescape_nothing, NULL,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
		MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1,
		/* Strict HTTP: Host required in HTTP/1.1, no whitespace in header names. */
		MHD_OPTION_STRICT_FOR_CLIENT, (int)1,
		MHD_OPTION_END);
	if (srv->daemon == NULL) {
		buf e = BUF_INIT;
		buf_printf(&e, "cannot listen on %s:%d: %s", cfg->listen_addr, cfg->port, strerror(errno));
		*err = buf_detach(&e);
		free(srv);
		return NULL;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
	srv->port = info ? info->port : cfg->port;
	return srv;
bad_addr:
	*err = xstrdup("listen address is not an IP address");
	free(srv);
	return NULL;
}

int http_server_port(const http_server *s)
{
	return s->port;
}

void http_server_stop(http_server *s, int grace_seconds)
{
	if (s == NULL)
		return;
	/* Stop accepting; connections already open go on. */
	MHD_socket fd = MHD_quiesce_daemon(s->daemon);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	struct timespec tick = { 0, 20 * 1000 * 1000 };
	for (int i = 0; i < grace_seconds * 50 && atomic_load(&s->in_flight) > 0; i++)
		nanosleep(&tick, NULL);
	MHD_stop_daemon(s->daemon);
	free(s);
}
