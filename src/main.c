/*
 * main.c — the trygg command: serve, migrate, demo, user. Parses the command
 * line, reads the configuration, and hands over to the modules.
 * Exit status: 0 success, 1 failure while running, 2 bad usage.
 */
#include "areas/area.h"
#include "auth/auth.h"
#include "contact/contact.h"
#include "core/config.h"
#include "core/util.h"
#include "demo/demo.h"
#include "http/http.h"
#include "mail/mail.h"
#include "pages/pages.h"
#include "reports/reports.h"
#include "settings/settings.h"
#include "survey/survey.h"
#include "tips/tips.h"
#include "web/web.h"

#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef TRYGG_VERSION
#define TRYGG_VERSION "0.0.0"
#endif

#define EXIT_USAGE 2

static const char usage_main[] =
	"Usage: trygg COMMAND [OPTIONS]\n"
	"\n"
	"Trygg — the joint safety work of a municipality and its police.\n"
	"\n"
	"Commands:\n"
	"  serve                 serve the web site and API\n"
	"  migrate               bring the database schema up to date\n"
	"  demo                  load demo data (Partille)\n"
	"  user add EMAIL --role ROLE[,ROLE…] [--name NAME]\n"
	"                        add a staff account (password from standard input,\n"
	"                        or generated and printed when input is a terminal or empty)\n"
	"  user list             list staff accounts\n"
	"  areas import FILE.geojson [--replace] [--approximate]\n"
	"                        import the municipality's areas (and boundary)\n"
	"  areas list            list the areas\n"
	"  survey import ROUND FILE.csv [--valid-only]\n"
	"                        import answers to a survey round from a CSV file\n"
	"  settings list | set KEY VALUE\n"
	"                        show or change the municipality's settings\n"
	"  tips init-key --officer EMAIL | status | retention\n"
	"                        the police unit's key for anonymous tips, and their clean-up\n"
	"  apikey create NAME | list | revoke ID\n"
	"                        keys of Open311 clients (a new key is printed once)\n"
	"\n"
	"Options for every command:\n"
	"  --database URL        sqlite:PATH (default sqlite:var/trygg.db) or postgresql://…\n"
	"  --config FILE         configuration file (key = value lines)\n"
	"  -h, --help            show help for the command\n"
	"  --version             show the version\n"
	"\n"
	"Roles: handlaggare, samordnare, polis, admin.\n";

static const char usage_serve[] =
	"Usage: trygg serve [--listen ADDR:PORT] [--database URL] [--config FILE]\n"
	"\n"
	"Serves Trygg over HTTP (default 127.0.0.1:8080). Applies pending migrations first.\n"
	"Put a TLS-terminating reverse proxy in front of it in production (see README).\n"
	"SIGTERM or SIGINT: stop accepting, finish requests in flight, close the database.\n";

static const char usage_migrate[] =
	"Usage: trygg migrate [--database URL] [--config FILE]\n"
	"\n"
	"Applies every migration not yet applied, each in its own transaction.\n";

static const char usage_demo[] =
	"Usage: trygg demo [--database URL] [--config FILE]\n"
	"\n"
	"Loads the demo data for Partille, including one staff login per role, and\n"
	"prints those logins. Running it again changes nothing.\n";

static const char usage_user[] =
	"Usage: trygg user add EMAIL --role ROLE[,ROLE…] [--name NAME] [--database URL]\n"
	"       trygg user list [--database URL]\n"
	"\n"
	"'user add' reads the password from standard input (one line, at least 12\n"
	"characters); when standard input is a terminal or empty, it generates one and\n"
	"prints it. The new user must change a generated password at first login.\n"
	"Roles: handlaggare, samordnare, polis, admin.\n";

static const char usage_survey[] =
	"Usage: trygg survey import ROUND FILE.csv [--valid-only] [--database URL]\n"
	"\n"
	"Imports answers to the survey round ROUND (its id or slug) from a CSV file whose\n"
	"header names the questionnaire's item codes (see the round's codebook), with\n"
	"the optional columns mode, ref and weight. Every row is checked; when any row\n"
	"has a problem, every problem is printed and nothing is imported, unless\n"
	"--valid-only says to import the valid rows and skip the others.\n"
	"Exit status 1 when nothing was imported.\n";

static const char usage_areas[] =
	"Usage: trygg areas import FILE.geojson [--replace] [--approximate] [--database URL]\n"
	"       trygg areas list [--database URL]\n"
	"\n"
	"'areas import' reads a GeoJSON FeatureCollection of Polygon or MultiPolygon\n"
	"features in WGS84 and prints what it read, imported and rejected, and why.\n"
	"Each feature's name, code and population come from its properties (name or\n"
	"namn or regso_name; code or kod or regsokod or the feature's id; population\n"
	"or befolkning or pop_total); \"kind\": \"municipality\" marks the boundary.\n"
	"Areas are matched on their code: known ones are updated, new ones added, and\n"
	"the others kept; with --replace the areas the file does not mention are\n"
	"retired (items recorded in them keep them). --approximate marks every area's\n"
	"borders as approximate. Exit status 1 when nothing in the file could be used.\n";

typedef struct options {
	config cfg;
	const char *role;
	const char *name;
	bool help;
	int argc; /* positional arguments after the command */
	char **argv;
} options;

/* Prints "trygg: " and message, with its one "%s" replaced by arg, then the usage.
 * Returns EXIT_USAGE. */
static int usage_error(const char *usage, const char *message, const char *arg)
{
	const char *hole = strstr(message, "%s");
	fputs("trygg: ", stderr);
	if (hole) {
		fwrite(message, 1, (size_t)(hole - message), stderr);
		fputs(arg, stderr);
		fputs(hole + 2, stderr);
	} else {
		fputs(message, stderr);
	}
	fputs("\n\n", stderr);
	fputs(usage, stderr);
	return EXIT_USAGE;
}

/* Parses the options of a command. Returns 0, or EXIT_USAGE after a message. */
static int parse_options(options *o, int argc, char **argv, const char *usage, bool serve, bool user, bool permute)
{
	enum { OPT_LISTEN = 1000, OPT_DATABASE, OPT_CONFIG, OPT_ROLE, OPT_NAME };
	static const struct option long_opts[] = {
		{ "listen", required_argument, NULL, OPT_LISTEN },
		{ "database", required_argument, NULL, OPT_DATABASE },
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "role", required_argument, NULL, OPT_ROLE },
		{ "name", required_argument, NULL, OPT_NAME },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *database = NULL, *listen = NULL, *config_file = NULL;
	int c;
	opterr = 0;
	optind = 1;
	/* "user add EMAIL --role R": options may follow the words. Commands whose module
	 * reads its own options after the words stop at the first word instead ("+"). */
	while ((c = getopt_long(argc, argv, permute ? "h" : "+h", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_LISTEN:
			if (!serve)
				return usage_error(usage, "--listen is only for 'serve'%s", "");
			listen = optarg;
			break;
		case OPT_DATABASE: database = optarg; break;
		case OPT_CONFIG: config_file = optarg; break;
		case OPT_ROLE:
			if (!user)
				return usage_error(usage, "--role is only for 'user add'%s", "");
			o->role = optarg;
			break;
		case OPT_NAME:
			if (!user)
				return usage_error(usage, "--name is only for 'user add'%s", "");
			o->name = optarg;
			break;
		case 'h': o->help = true; break;
		default:
			return usage_error(usage, "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	o->argc = argc - optind;
	o->argv = argv + optind;
	if (o->help)
		return 0;
	char *err = NULL;
	if (config_file && config_load_file(&o->cfg, config_file, &err) != 0) {
		fprintf(stderr, "trygg: %s\n", err);
		free(err);
		return EXIT_USAGE;
	}
	if (database) {
		free(o->cfg.database);
		o->cfg.database = xstrdup(database);
	}
	if (listen && config_set_listen(&o->cfg, listen) != 0)
		return usage_error(usage, "--listen '%s' is not ADDRESS:PORT", listen);
	if (!str_starts_with(o->cfg.database, "sqlite:") && !str_starts_with(o->cfg.database, "postgresql://") &&
	    !str_starts_with(o->cfg.database, "postgres://"))
		return usage_error(usage, "--database '%s' must start with sqlite: or postgresql://", o->cfg.database);
	if (o->cfg.timezone && *o->cfg.timezone)
		setenv("TZ", o->cfg.timezone, 1);
	tzset();
	return 0;
}

/* Makes the folder of a SQLite database file, so a fresh checkout just works. */
static void ensure_sqlite_folder(const char *url)
{
	if (!str_starts_with(url, "sqlite:"))
		return;
	const char *path = url + strlen("sqlite:");
	const char *slash = strrchr(path, '/');
	if (slash == NULL || slash == path)
		return;
	char *dir = xstrndup(path, (size_t)(slash - path));
	mkdir(dir, 0750);
	free(dir);
}

/* The security headers sent with every response. The Content-Security-Policy
 * allows scripts and styles only from Trygg itself (no inline code) and images
 * also from the map tile server. headers[1] is owned by the caller (free it). */
static void security_headers_build(const config *cfg, const char *headers[14])
{
	buf csp = BUF_INIT;
	buf_puts(&csp, "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:");
	const char *tiles = cfg->map_tile_url;
	const char *scheme_end = tiles ? strstr(tiles, "://") : NULL;
	if (scheme_end) {
		/* Only the origin of the tile URL: "https://tile.openstreetmap.org". */
		size_t origin_len = strcspn(scheme_end + 3, "/");
		const char *brace = memchr(scheme_end + 3, '{', origin_len);
		buf_putc(&csp, ' ');
		if (brace) /* "{s}.tile.example.org": any subdomain */
			buf_printf(&csp, "%.*s*%.*s", (int)(scheme_end + 3 - tiles), tiles,
				   (int)(origin_len - (size_t)(strchr(brace, '}') + 1 - (scheme_end + 3))), strchr(brace, '}') + 1);
		else
			buf_append(&csp, tiles, (size_t)(scheme_end + 3 - tiles) + origin_len);
	}
	buf_puts(&csp, "; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
		       "form-action 'self'; frame-ancestors 'none'");
	const char *const fixed[] = {
		"Content-Security-Policy", NULL,
		"X-Content-Type-Options", "nosniff",
		"Referrer-Policy", "same-origin",
		"X-Frame-Options", "DENY",
		"Permissions-Policy", "camera=(), microphone=(), geolocation=(self), payment=()",
		"Cross-Origin-Opener-Policy", "same-origin",
		NULL, NULL,
	};
	memcpy(headers, fixed, sizeof(fixed));
	headers[1] = buf_detach(&csp);
}

/* Joins the route tables of the platform and of every feature. Caller frees. */
static http_route *collect_routes(size_t *count)
{
	static const struct {
		const http_route *routes;
		const size_t *count;
	} tables[] = {
		{ web_routes, &web_route_count },
		{ auth_routes, &auth_route_count },
		{ area_routes, &area_route_count },
		{ settings_routes, &settings_route_count },
		{ mail_routes, &mail_route_count },
		{ contact_routes, &contact_route_count },
		{ page_routes, &page_route_count },
		{ tips_routes, &tips_route_count },
		{ report_routes, &report_route_count },
		{ open311_routes, &open311_route_count },
		{ report_apikey_routes, &report_apikey_route_count },
		{ report_staff_routes, &report_staff_route_count },
		{ report_public_routes, &report_public_route_count },
		{ report_category_routes, &report_category_route_count },
		{ survey_answer_routes, &survey_answer_route_count },
		{ survey_entry_routes, &survey_entry_route_count },
		{ survey_results_routes, &survey_results_route_count },
		{ survey_review_routes, &survey_review_route_count },
		{ survey_builder_routes, &survey_builder_route_count },
		{ survey_import_routes, &survey_import_route_count },
		{ survey_population_routes, &survey_population_route_count },
	};
	size_t n = 0, k = 0;
	for (size_t i = 0; i < ARRAY_LEN(tables); i++)
		n += *tables[i].count;
	http_route *all = xcalloc(n, sizeof(*all));
	for (size_t i = 0; i < ARRAY_LEN(tables); i++)
		for (size_t j = 0; j < *tables[i].count; j++)
			all[k++] = tables[i].routes[j];
	*count = n;
	return all;
}

/* The server's malloc, set before any thread starts. Answers are built in
 * buffers of up to about half a megabyte (an Open311 page): with a fixed
 * mmap threshold such buffers get pages of their own that go back to the
 * system when freed, instead of glibc raising the threshold after the first
 * free and keeping them in its heaps; and the worker threads share two heaps
 * instead of growing one each (up to 8 per core). Together this keeps the
 * resident memory near what is in use (bench/README.md, memory). */
static void serve_malloc_setup(void)
{
	mallopt(M_MMAP_THRESHOLD, 64 * 1024);
	mallopt(M_ARENA_MAX, 2);
}

static int cmd_serve(options *o)
{
	app a;
	char *err = NULL;
	int rc = 1;
	FILE *log = NULL;
	http_server *srv = NULL;
	http_route *routes = NULL;
	const char *security_headers[14];
	sigset_t stop;

	serve_malloc_setup();
	ensure_sqlite_folder(o->cfg.database);
	mkdir(o->cfg.data_dir, 0750);
	mkdir(o->cfg.upload_dir, 0700);
	if (app_open(&a, &o->cfg, &err) != 0) {
		fprintf(stderr, "trygg: %s\n", err ? err : "cannot start");
		free(err);
		return 1;
	}
	/* After app_open(): its failure returns before `out`, which frees headers[1]. */
	security_headers_build(&o->cfg, security_headers);
	if (strcmp(o->cfg.access_log, "-") == 0)
		log = stderr;
	else if (*o->cfg.access_log && (log = fopen(o->cfg.access_log, "a")) == NULL) {
		fprintf(stderr, "trygg: cannot open access log %s\n", o->cfg.access_log);
		goto out;
	}
	routes = collect_routes(&a.route_count);
	auth_password_hooks = tips_auth_hooks; /* officers' tip keys at login and password change */
	a.routes = routes;
	static const web_error_format error_formats[] = {
		{ "/open311/", report_open311_error }, /* GeoReport v2 error lists, for API clients */
	};
	a.error_formats = error_formats;
	a.error_format_count = ARRAY_LEN(error_formats);

	http_server_config hc = {
		.listen_addr = o->cfg.listen_addr,
		.port = o->cfg.port,
		.threads = o->cfg.threads,
		.connection_limit = o->cfg.connection_limit,
		.per_ip_limit = o->cfg.per_ip_limit,
		.timeout_seconds = o->cfg.timeout_seconds,
		.connection_memory = o->cfg.connection_memory,
		.body_limit = o->cfg.body_limit,
		.upload_limit = o->cfg.upload_limit,
		.upload_file_limit = o->cfg.upload_file_limit,
		.upload_dir = o->cfg.upload_dir,
		.trust_proxy = o->cfg.trust_proxy,
		.routes = routes,
		.route_count = a.route_count,
		.app = &a,
		.before = app_before,
		.after = app_after,
		.error_page = app_error_page,
		.default_headers = security_headers,
		.access_log = log,
	};

	/* Block the stop signals before any thread starts, then wait for them here. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	srv = http_server_start(&hc, &err);
	if (srv == NULL) {
		fprintf(stderr, "trygg: %s\n", err);
		free(err);
		goto out;
	}
	fprintf(stderr, "trygg %s: serving on http://%s%s%s:%d/ (database %s)\n", TRYGG_VERSION,
		strchr(o->cfg.listen_addr, ':') ? "[" : "", o->cfg.listen_addr,
		strchr(o->cfg.listen_addr, ':') ? "]" : "", http_server_port(srv),
		str_starts_with(o->cfg.database, "sqlite:") ? o->cfg.database : "postgresql");
	/* The background jobs of every server: mail, and erasing old personal data. */
	static const mail_job jobs[] = {
		{ "contact retention", contact_retention_run, 3600 },
		{ "tips retention", tips_retention_run, 3600 },
		{ "fault report retention", report_retention_run, 3600 },
	};
	if (mail_worker_start(a.db, &o->cfg, jobs, ARRAY_LEN(jobs), &err) != 0) {
		fprintf(stderr, "trygg: %s\n", err);
		free(err);
		http_server_stop(srv, 0);
		goto out;
	}
	int sig = 0;
	sigwait(&stop, &sig);
	fprintf(stderr, "trygg: stopping (signal %d): finishing requests in flight\n", sig);
	http_server_stop(srv, o->cfg.grace_seconds);
	mail_worker_stop();
	rc = 0;
out:
	if (log && log != stderr)
		fclose(log);
	app_close(&a);
	free(routes);
	free((char *)security_headers[1]);
	if (rc == 0)
		fprintf(stderr, "trygg: stopped\n");
	return rc;
}

static int cmd_migrate(options *o)
{
	char *err = NULL;
	ensure_sqlite_folder(o->cfg.database);
	db *d = db_open(o->cfg.database, 1, &err);
	buf dir = BUF_INIT;
	int rc = 1;
	if (d == NULL)
		goto out;
	buf_printf(&dir, "%s/migrations", o->cfg.share_dir);
	if (db_migrate(d, dir.data, &err) != 0)
		goto out;
	printf("Database is up to date.\n");
	rc = 0;
out:
	if (err)
		fprintf(stderr, "trygg: %s\n", err);
	free(err);
	buf_free(&dir);
	db_close(d);
	return rc;
}

/* Opens the database, migrated, for a command-line task. Returns NULL after a message. */
static db *open_migrated(options *o)
{
	char *err = NULL;
	buf dir = BUF_INIT;
	ensure_sqlite_folder(o->cfg.database);
	db *d = db_open(o->cfg.database, 1, &err);
	if (d) {
		buf_printf(&dir, "%s/migrations", o->cfg.share_dir);
		if (db_migrate(d, dir.data, &err) != 0) {
			db_close(d);
			d = NULL;
		}
	}
	if (d == NULL)
		fprintf(stderr, "trygg: %s\n", err ? err : "cannot open the database");
	free(err);
	buf_free(&dir);
	return d;
}

static int cmd_demo(options *o)
{
	db *d = open_migrated(o);
	if (d == NULL)
		return 1;
	int rc = demo_load(d, &o->cfg, stdout) == 0 ? 0 : 1;
	db_close(d);
	return rc;
}

/* Reads one line of password from standard input; NULL when none was given. */
static char *read_password(void)
{
	if (isatty(STDIN_FILENO))
		return NULL;
	char line[1024];
	if (fgets(line, sizeof(line), stdin) == NULL)
		return NULL;
	line[strcspn(line, "\r\n")] = '\0';
	if (line[0] == '\0')
		return NULL;
	char *p = xstrdup(line);
	sodium_memzero(line, sizeof(line));
	return p;
}

static int cmd_user(options *o)
{
	if (o->argc < 1)
		return usage_error(usage_user, "missing 'add' or 'list'%s", "");
	if (strcmp(o->argv[0], "list") == 0) {
		if (o->argc != 1)
			return usage_error(usage_user, "unexpected argument '%s'", o->argv[1]);
		db *d = open_migrated(o);
		if (d == NULL)
			return 1;
		db_conn *c = db_acquire(d);
		int rc = c && account_list_print(c, stdout) == 0 ? 0 : 1;
		db_release(d, c);
		db_close(d);
		return rc;
	}
	if (strcmp(o->argv[0], "add") != 0)
		return usage_error(usage_user, "unknown user command '%s'", o->argv[0]);
	if (o->argc != 2)
		return usage_error(usage_user, "'user add' takes one e-mail address%s", "");
	unsigned roles = 0;
	if (o->role == NULL)
		return usage_error(usage_user, "'user add' needs --role%s", "");
	if (role_parse(o->role, &roles) != 0 || roles == 0)
		return usage_error(usage_user, "unknown role in '%s'", o->role);
	if (sodium_init() < 0)
		return 1;
	char *password = read_password(), *generated = NULL, *err = NULL;
	db *d = open_migrated(o);
	int rc = 1;
	if (d == NULL)
		goto out;
	db_conn *c = db_acquire(d);
	if (c == NULL)
		goto out;
	int64_t id = account_create(c, &o->cfg, o->argv[1], o->name ? o->name : "", roles, password, &generated, &err);
	if (id > 0)
		audit_write(c, 0, "user.create", "", o->argv[1]);
	db_release(d, c);
	if (id < 0) {
		fprintf(stderr, "trygg: %s\n", err ? err : "cannot add the user");
		goto out;
	}
	printf("Added %s (id %lld).\n", o->argv[1], (long long)id);
	if (generated)
		printf("Password: %s\n(The user must change it at first login.)\n", generated);
	rc = 0;
out:
	if (password) {
		sodium_memzero(password, strlen(password));
		free(password);
	}
	free(generated);
	free(err);
	db_close(d);
	return rc;
}

/* `trygg settings …`: the settings module's own command (src/settings/cli.c). */
static int cmd_settings(options *o)
{
	return settings_command(&o->cfg, o->argc, o->argv);
}

/* `trygg tips …`: the tip service's own command (src/tips/cli.c). */
static int cmd_tips(options *o)
{
	return tips_command(&o->cfg, o->argc, o->argv);
}

/* `trygg apikey …`: Open311 client keys (src/reports/apikeys.c). */
static int cmd_apikey(options *o)
{
	if (o->role || o->name)
		return usage_error(report_apikey_usage, "--role and --name are only for 'user add'%s", "");
	db *d = open_migrated(o);
	if (d == NULL)
		return 1;
	int rc = report_apikey_cli(d, o->argc, o->argv);
	db_close(d);
	return rc;
}

/* `trygg areas …`: the areas module reads its own words and options (src/areas/areas_cli.c). */
static int cmd_areas(options *o)
{
	areas_command ac;
	if (o->role || o->name)
		return usage_error(usage_areas, "--role and --name are only for 'user add'%s", "");
	int rc = areas_cli_parse(&ac, &o->cfg, o->argc, o->argv, usage_areas);
	if (rc != 0 || ac.help)
		return rc;
	db *d = open_migrated(o);
	if (d == NULL)
		return 1;
	rc = areas_cli_run(&ac, d, &o->cfg);
	db_close(d);
	return rc;
}

static int cmd_survey(options *o)
{
	survey_command sc;
	if (o->role || o->name)
		return usage_error(usage_survey, "--role and --name are only for 'user add'%s", "");
	int rc = survey_cli_parse(&sc, &o->cfg, o->argc, o->argv, usage_survey);
	if (rc != 0 || sc.help)
		return rc;
	db *d = open_migrated(o);
	if (d == NULL)
		return 1;
	rc = survey_cli_run(&sc, d);
	db_close(d);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct command {
		const char *name;
		int (*run)(options *);
		const char *usage;
		bool serve, user, permute;
	} commands[] = {
		{ "serve", cmd_serve, usage_serve, true, false, true },
		{ "migrate", cmd_migrate, usage_migrate, false, false, true },
		{ "demo", cmd_demo, usage_demo, false, false, true },
		{ "user", cmd_user, usage_user, false, true, true },
		{ "areas", cmd_areas, usage_areas, false, true, false },
		{ "survey", cmd_survey, usage_survey, false, true, false },
		{ "settings", cmd_settings, settings_usage, false, true, false },
		{ "tips", cmd_tips, tips_usage, false, true, false },
		{ "apikey", cmd_apikey, report_apikey_usage, false, true, true },
	};
	if (argc < 2)
		return usage_error(usage_main, "missing command%s", "");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		fputs(usage_main, stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("trygg %s\n", TRYGG_VERSION);
		return 0;
	}
	for (size_t i = 0; i < ARRAY_LEN(commands); i++) {
		if (strcmp(argv[1], commands[i].name) != 0)
			continue;
		options o;
		memset(&o, 0, sizeof(o));
		config_defaults(&o.cfg);
		int rc = parse_options(&o, argc - 1, argv + 1, commands[i].usage, commands[i].serve, commands[i].user,
				       commands[i].permute);
		if (rc == 0 && !o.help && !commands[i].user && o.argc > 0)
			rc = usage_error(commands[i].usage, "unexpected argument '%s'", o.argv[0]);
		else if (rc == 0 && o.help)
			fputs(commands[i].usage, stdout);
		else if (rc == 0)
			rc = commands[i].run(&o);
		config_free(&o.cfg);
		return rc;
	}
	return usage_error(usage_main, "unknown command '%s'", argv[1]);
}
