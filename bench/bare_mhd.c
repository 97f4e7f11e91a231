/*
 * bare_mhd.c — the floor under Trygg's HTTP layer, for bench/run.sh.
 *
 * Answers every request, whatever its method or path, with one fixed response
 * (a body file, its Content-Type and a file of extra headers), on
 * libmicrohttpd started with the same threading and limits as
 * src/http/server.c: internal thread pool on epoll, inter-thread
 * communication, and the same connection, per-IP, timeout and memory limits.
 * What Trygg spends beyond this per request is its own work: decoding and
 * routing, the request arena, the application hooks, the handler and the
 * template layer.
 *
 * It does not read request bodies, log, or check anything; it is not a server
 * to expose. It prints "serving on http://ADDR:PORT/" on standard error when
 * ready (as trygg does, so the script waits for both the same way) and stops
 * on SIGTERM or SIGINT.
 *
 * Usage: bare_mhd --listen 127.0.0.1:PORT --body FILE --content-type TYPE
 *                 [--headers FILE] [--threads N] [--connection-limit N]
 *                 [--per-ip-limit N] [--timeout-seconds N] [--connection-memory BYTES]
 * PORT 0 takes a free port. The headers file holds "Name: value" lines.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The command line; the limits default to Trygg's (src/core/config.c). */
typedef struct bare_options {
	const char *listen;
	const char *body_path;
	const char *content_type;
	const char *headers_path;
	unsigned threads;
	unsigned connection_limit;
	unsigned per_ip_limit;
	unsigned timeout_seconds;
	size_t connection_memory;
} bare_options;

/* Reads a whole file into a malloc'd buffer. Returns NULL on error (errno set). */
static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	size_t cap = 0, n = 0;
	if (f == NULL)
		return NULL;
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			char *grown = realloc(data, cap);
			if (grown == NULL)
				goto fail;
			data = grown;
		}
		size_t got = fread(data + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f))
		goto fail;
	fclose(f);
	*len = n;
	return data;
fail:
	free(data);
	fclose(f);
	return NULL;
}

/* Adds each "Name: value" line of the file to the response. Returns 0, or -1 after a message. */
static int add_header_lines(struct MHD_Response *resp, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[8192];
	int rc = -1;
	if (f == NULL) {
		fprintf(stderr, "bare_mhd: cannot read %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		char *colon = strchr(line, ':');
		if (colon == NULL || colon == line) {
			fprintf(stderr, "bare_mhd: %s: not a header line: %s\n", path, line);
			goto out;
		}
		*colon = '\0';
		const char *value = colon + 1;
		while (*value == ' ' || *value == '\t')
			value++;
		if (MHD_add_response_header(resp, line, value) != MHD_YES) {
			fprintf(stderr, "bare_mhd: %s: header refused: %s\n", path, line);
			goto out;
		}
	}
	rc = 0;
out:
	fclose(f);
	return rc;
}

/* Every request gets the one response; libmicrohttpd counts its references. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *connection, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct MHD_Response *resp = cls;
	(void)url;
	(void)method;
	(void)version;
	(void)upload_data;
	/* First call: headers only. Like Trygg, answer on the next call. */
	if (*con_cls == NULL) {
		*con_cls = resp;
		return MHD_YES;
	}
	*upload_data_size = 0;
	return MHD_queue_response(connection, MHD_HTTP_OK, resp);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	fputs("bare_mhd: http: ", stderr);
	vfprintf(stderr, fmt, ap);
}

/* Parses "ADDR:PORT" (IPv4 only: the benchmark runs on 127.0.0.1). Returns 0 or -1. */
static int parse_listen(const char *text, struct sockaddr_in *addr)
{
	const char *colon = strrchr(text, ':');
	char host[INET_ADDRSTRLEN];
	char *end;
	if (colon == NULL || (size_t)(colon - text) >= sizeof(host))
		return -1;
	memcpy(host, text, (size_t)(colon - text));
	host[colon - text] = '\0';
	long port = strtol(colon + 1, &end, 10);
	if (end == colon + 1 || *end != '\0' || port < 0 || port > 65535)
		return -1;
	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &addr->sin_addr) == 1 ? 0 : -1;
}

/* Parses a positive count. Returns 0 or -1. */
static int parse_count(const char *text, unsigned long *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(text, &end, 10);
	if (end == text || *end != '\0' || errno != 0 || v == 0 || text[0] == '-')
		return -1;
	*out = v;
	return 0;
}

static int usage(void)
{
	fputs("Usage: bare_mhd --listen ADDR:PORT --body FILE --content-type TYPE [--headers FILE]\n"
	      "                [--threads N] [--connection-limit N] [--per-ip-limit N]\n"
	      "                [--timeout-seconds N] [--connection-memory BYTES]\n",
	      stderr);
	return 2;
}

/* Returns 0, or 2 after the usage. */
static int parse_options(bare_options *o, int argc, char **argv)
{
	enum { OPT_LISTEN = 1000, OPT_BODY, OPT_TYPE, OPT_HEADERS, OPT_THREADS, OPT_CONN, OPT_PER_IP,
	       OPT_TIMEOUT, OPT_MEMORY };
	static const struct option long_opts[] = {
		{ "listen", required_argument, NULL, OPT_LISTEN },
		{ "body", required_argument, NULL, OPT_BODY },
		{ "content-type", required_argument, NULL, OPT_TYPE },
		{ "headers", required_argument, NULL, OPT_HEADERS },
		{ "threads", required_argument, NULL, OPT_THREADS },
		{ "connection-limit", required_argument, NULL, OPT_CONN },
		{ "per-ip-limit", required_argument, NULL, OPT_PER_IP },
		{ "timeout-seconds", required_argument, NULL, OPT_TIMEOUT },
		{ "connection-memory", required_argument, NULL, OPT_MEMORY },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
		unsigned long v = 0;
		/* The options from --threads on are all counts. */
		if (c >= OPT_THREADS && parse_count(optarg, &v) != 0) {
			fprintf(stderr, "bare_mhd: '%s' is not a positive number\n", optarg);
			return usage();
		}
		switch (c) {
		case OPT_LISTEN: o->listen = optarg; break;
		case OPT_BODY: o->body_path = optarg; break;
		case OPT_TYPE: o->content_type = optarg; break;
		case OPT_HEADERS: o->headers_path = optarg; break;
		case OPT_THREADS: o->threads = (unsigned)v; break;
		case OPT_CONN: o->connection_limit = (unsigned)v; break;
		case OPT_PER_IP: o->per_ip_limit = (unsigned)v; break;
		case OPT_TIMEOUT: o->timeout_seconds = (unsigned)v; break;
		case OPT_MEMORY: o->connection_memory = (size_t)v; break;
		default: return usage();
		}
	}
	if (optind != argc || o->listen == NULL || o->body_path == NULL || o->content_type == NULL)
		return usage();
	return 0;
}

int main(int argc, char **argv)
{
	bare_options o = {
		.threads = 4,
		.connection_limit = 1000,
		.per_ip_limit = 64,
		.timeout_seconds = 30,
		.connection_memory = 32 * 1024,
	};
	struct sockaddr_in addr;
	struct MHD_Response *resp = NULL;
	struct MHD_Daemon *daemon = NULL;
	char *body = NULL;
	size_t body_len = 0;
	sigset_t stop;
	int sig = 0, rc = 1;

	if (parse_options(&o, argc, argv) != 0)
		return 2;
	if (parse_listen(o.listen, &addr) != 0) {
		fprintf(stderr, "bare_mhd: --listen '%s' is not IPV4ADDRESS:PORT\n", o.listen);
		return 2;
	}
	body = read_file(o.body_path, &body_len);
	if (body == NULL) {
		fprintf(stderr, "bare_mhd: cannot read %s: %s\n", o.body_path, strerror(errno));
		return 1;
	}
	resp = MHD_create_response_from_buffer(body_len, body, MHD_RESPMEM_PERSISTENT);
	if (resp == NULL || MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, o.content_type) != MHD_YES)
		goto out;
	if (o.headers_path && add_header_lines(resp, o.headers_path) != 0)
		goto out;

	/* As in src/main.c: block the stop signals before any thread starts, then wait for them. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* The flags and options of http_server_start() in src/http/server.c, minus Trygg's callbacks. */
	daemon = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_ERROR_LOG,
		ntohs(addr.sin_port), NULL, NULL, on_request, resp,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
		MHD_OPTION_THREAD_POOL_SIZE, o.threads,
		MHD_OPTION_CONNECTION_LIMIT, o.connection_limit,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, o.per_ip_limit,
		MHD_OPTION_CONNECTION_TIMEOUT, o.timeout_seconds,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, o.connection_memory,
		MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
		MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1,
		MHD_OPTION_END);
	if (daemon == NULL) {
		fprintf(stderr, "bare_mhd: cannot listen on %s: %s\n", o.listen, strerror(errno));
		goto out;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
	char host[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &addr.sin_addr, host, sizeof(host));
	fprintf(stderr, "bare_mhd: serving on http://%s:%u/ (%zu bytes of %s)\n", host,
		info ? (unsigned)info->port : (unsigned)ntohs(addr.sin_port), body_len, o.content_type);
	sigwait(&stop, &sig);
	rc = 0;
out:
	if (daemon)
		MHD_stop_daemon(daemon);
	if (resp)
		MHD_destroy_response(resp);
	free(body);
	return rc;
}
