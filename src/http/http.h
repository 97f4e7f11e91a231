/*
 * http.h — Trygg's HTTP layer on libmicrohttpd: the request as handlers see it,
 * the route table, and the server.
 *
 * A handler gets an http_req whose strings all live in the request arena
 * (r->arena) and are freed when the response has been sent. It writes the
 * response body into r->body, may set headers and cookies, and returns the
 * HTTP status. A status >= 400 with an empty body is turned into an error
 * page by the application's error hook, in the user's language.
 *
 * This layer knows nothing of sessions, users or templates: the application
 * adds those through the before/after hooks in http_server_config.
 */
#ifndef TRYGG_HTTP_HTTP_H
#define TRYGG_HTTP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/arena.h"
#include "core/buf.h"

struct MHD_Connection;

/* A name/value pair in an arena-owned, singly linked list (kept in arrival order). */
typedef struct http_kv {
	const char *name;
	const char *value;
	size_t value_len; /* value may hold NUL bytes only when it came from a file part */
	struct http_kv *next;
} http_kv;

/* An uploaded file, stored in a temporary file that is removed with the request. */
typedef struct http_file {
	const char *field;        /* form field name */
	const char *filename;     /* as sent by the client (untrusted, may be "") */
	const char *content_type; /* as sent by the client (untrusted) */
	const char *path;         /* temporary file holding the content */
	size_t size;
	struct http_file *next;
} http_file;

typedef struct http_req http_req;
typedef int (*http_handler)(http_req *r);

enum http_route_flag {
	ROUTE_NO_LOG = 1u << 0,  /* never in the access log; the client address is never stored */
	ROUTE_UPLOAD = 1u << 1,  /* multipart bodies with files up to the upload limit */
	ROUTE_NO_CSRF = 1u << 2, /* authenticated otherwise (API keys); no form token checked */
	ROUTE_STAFF = 1u << 3,   /* only for a logged-in staff member */
};

typedef struct http_route {
	const char *method;  /* "GET" (also answers HEAD), "POST", … */
	const char *pattern; /* "/a/{name}/b"; "{name...}" at the end takes the rest of the path */
	http_handler handler;
	unsigned flags;      /* enum http_route_flag */
	unsigned roles;      /* roles of which the user needs one (meaning is the application's); 0 = any */
} http_route;

struct http_req {
	arena *arena;

	/* The request. */
	const char *method;
	const char *path;      /* percent-decoded, valid UTF-8, starts with '/' */
	const char *raw_query; /* as sent, without '?', or "" */
	const http_route *route;
	http_kv *params;  /* from the route pattern */
	http_kv *query;   /* from the query string */
	http_kv *form;    /* from an urlencoded or multipart body */
	http_file *files; /* from a multipart body (ROUTE_UPLOAD only) */
	http_kv *cookies;
	const char *raw_body; /* body of any other content type (e.g. JSON), NUL-terminated, or NULL */
	size_t raw_body_len;
	/* The client's address. Kept in memory only while the request lasts; on
	 * ROUTE_NO_LOG routes it must never be written anywhere (use it only through
	 * web_rate_limit(), which keeps a rotating keyed hash). */
	const char *client_addr;
	bool https;              /* the request came over TLS (through the trusted proxy) */
	struct MHD_Connection *connection;

	/* The response. */
	int status;
	const char *content_type; /* default "text/html; charset=utf-8" */
	buf body;
	http_kv *resp_headers;
	int body_fd; /* when >= 0, the response body is this file (taken over) instead of body */
	size_t body_fd_size;
	/* Set by http_set_shared_body(): bytes owned elsewhere, sent instead of body. */
	const void *body_shared;
	size_t body_shared_len;
	void (*body_shared_release)(void *cls); /* NULL once libmicrohttpd has taken it over */
	void *body_shared_cls;

	/* The application's. */
	void *app;   /* http_server_config.app */
	void *state; /* per-request state set by the before hook */
};

/* Looks up a value. Returns NULL when absent. Names compare exactly, except
 * request headers, which compare without regard to case. */
const char *http_header(http_req *r, const char *name);
const char *http_param(http_req *r, const char *name);
const char *http_query(http_req *r, const char *name);
const char *http_form(http_req *r, const char *name);
const char *http_cookie(http_req *r, const char *name);
/* The first non-empty uploaded file of field name (ROUTE_UPLOAD routes), or NULL. */
const http_file *http_upload(http_req *r, const char *name);
const char *http_kv_get(const http_kv *list, const char *name);
/* Appends name=value to *list (both copied into a). */
void http_kv_add(arena *a, http_kv **list, const char *name, const char *value, size_t value_len);

/* Adds a response header (copied). */
void http_set_header(http_req *r, const char *name, const char *value);
/* Sets a cookie. max_age < 0 makes a session cookie, 0 deletes it. The cookie is
 * always HttpOnly, Path=/ and SameSite=Lax, and Secure when r->https. */
void http_set_cookie(http_req *r, const char *name, const char *value, long max_age);
/* Sets a 303 redirect to url. Returns 303, for "return http_redirect(r, …);". */
int http_redirect(http_req *r, const char *url);
/* Sends len bytes at data, owned by someone else, as the body without copying
 * them. release(cls) is called exactly once: when they have been sent, or when
 * the request ends without sending them. */
void http_set_shared_body(http_req *r, const void *data, size_t len, void (*release)(void *cls), void *cls);
/* Sends the file at path (opened now) as the body. Returns 200, or 404 when it cannot be opened. */
int http_send_file(http_req *r, const char *path, const char *content_type);

/* Decodes an application/x-www-form-urlencoded string into *list. Returns 0,
 * or -1 when it holds bad percent-encoding or invalid UTF-8. */
int http_urldecode_form(arena *a, const char *s, size_t len, http_kv **list);
/* Decodes %XX escapes ('+' stays '+'). Returns NULL on bad encoding or invalid UTF-8. */
char *http_urldecode_path(arena *a, const char *s, size_t len);

/* Finds the route for method and path. Fills *params. Returns the route, or NULL with
 * *status set to 404 (no such path) or 405 (path exists, method does not). */
const http_route *http_route_match(const http_route *routes, size_t count, arena *a,
				   const char *method, const char *path, http_kv **params, int *status);

/* The methods routes accept for path, for the Allow header of a 405 ("GET, HEAD, POST"). */
const char *http_route_allowed(const http_route *routes, size_t count, arena *a, const char *path);

typedef struct http_server_config {
	const char *listen_addr; /* IPv4 or IPv6 literal, e.g. "127.0.0.1" */
	int port;                /* 0 picks a free port (see http_server_port()) */
	int threads;             /* worker threads */
	unsigned connection_limit;
	unsigned per_ip_limit;
	unsigned timeout_seconds;
	size_t connection_memory;  /* per-connection memory for headers and buffering */
	size_t body_limit;         /* request bodies of ordinary routes */
	size_t upload_limit;       /* request bodies of ROUTE_UPLOAD routes */
	size_t upload_file_limit;  /* each uploaded file */
	const char *upload_dir;    /* where uploads are written while the request lasts */
	bool trust_proxy;          /* honour X-Forwarded-For / X-Forwarded-Proto from the proxy */

	const http_route *routes;
	size_t route_count;
	void *app;
	/* Runs before the handler. Returns 0 to go on, or a status to answer with instead. */
	int (*before)(http_req *r);
	/* Runs when the request is over, whatever happened (release what before took). */
	void (*after)(http_req *r);
	/* Fills r->body with an error page for status (r->body is empty). */
	void (*error_page)(http_req *r, int status);
	/* Extra headers for every response (security headers), NULL-terminated name/value pairs. */
	const char *const *default_headers;
	FILE *access_log; /* Combined Log Format; NULL for none */
} http_server_config;

typedef struct http_server http_server;

/* Starts serving in background threads. Returns NULL with *err (caller frees) on failure.
 * cfg and the route table must outlive the server. */
http_server *http_server_start(const http_server_config *cfg, char **err);
/* The port actually listened on. */
int http_server_port(const http_server *s);
/* Stops accepting, waits up to grace_seconds for requests in flight, then stops. */
void http_server_stop(http_server *s, int grace_seconds);

#endif
