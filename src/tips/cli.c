/*
 * cli.c — `trygg tips …`, the hooks that src/auth/ calls at an officer's
 * login and password change, and the demo tips (see tips.h).
 *
 * main.c's option parser stops at the first word that is not an option, so
 * this file also reads --database and --config when they follow the words.
 * The command line speaks English; it never prints a tip.
 */
#include "tips/tips.h"
#include "tips/tip_store.h"
#include "areas/area.h"
#include "core/cli.h"
#include "core/util.h"
#include "demo/demo.h"
#include "web/web.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define EXIT_USAGE 2
#define DEMO_OFFICER "polis@trygg.example"

const char tips_usage[] =
	"Usage: trygg tips init-key --officer EMAIL [--database URL] [--config FILE]\n"
	"       trygg tips status [--database URL] [--config FILE]\n"
	"       trygg tips retention [--database URL] [--config FILE]\n"
	"\n"
	"'init-key' creates the police unit's key for anonymous tips and gives the\n"
	"officer EMAIL (who must hold the polis role) access to it. It reads that\n"
	"officer's password from standard input (one line): the key is stored only\n"
	"wrapped by it. Other officers get access when an officer who has it approves\n"
	"them on /personal/tips/nycklar after their first login.\n"
	"'status' shows the unit key's fingerprint and which officers have access.\n"
	"'retention' runs the hourly clean-up now: closed tips older than the\n"
	"retention time are erased for good.\n";

/* ---- the hooks for src/auth/ ---- */

static void hook_login(http_req *r, const account *acc, const char *session_token, const char *password)
{
	bool replaced = false;
	if (tip_officer_login(web_db(r), web_app(r)->cfg, acc->id, (acc->roles & ROLE_POLIS) != 0, password,
			      session_token, &replaced) != 0) {
		fprintf(stderr, "trygg: tips: could not prepare the key of user %lld at login\n", (long long)acc->id);
		return;
	}
	if (replaced)
		audit_write(web_db(r), acc->id, "tips.key_replaced", arena_printf(r->arena, "user:%lld", (long long)acc->id),
			    "the password no longer opened the officer key (set by someone else); access must be approved again");
}

static void hook_password_changed(http_req *r, int64_t user_id, const char *old_password, const char *fresh_password)
{
	if (tip_officer_rewrap(web_db(r), web_app(r)->cfg, user_id, old_password, fresh_password) != 0)
		fprintf(stderr, "trygg: tips: could not re-wrap the key of user %lld\n", (long long)user_id);
}

const auth_hooks tips_auth_hooks = { hook_login, hook_password_changed };

/* ---- the command ---- */

typedef struct tips_options {
	const char *action;
	const char *officer;
} tips_options;

/* Reads the words and options. Returns 0, 1 for --help (printed), or EXIT_USAGE after a message. */
static int parse(tips_options *o, config *cfg, int argc, char **argv)
{
	cli_db_options given = { 0 };
	memset(o, 0, sizeof(*o));
	if (argc < 1)
		return cli_usage_error(tips_usage, "missing 'init-key', 'status' or 'retention'", NULL);
	o->action = argv[0];
	if (strcmp(o->action, "-h") == 0 || strcmp(o->action, "--help") == 0) {
		fputs(tips_usage, stdout);
		return 1;
	}
	if (strcmp(o->action, "init-key") != 0 && strcmp(o->action, "status") != 0 && strcmp(o->action, "retention") != 0)
		return cli_usage_error(tips_usage, "unknown tips command", o->action);
	for (int i = 1; i < argc; i++) {
		bool missing = false;
		const char *v;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			fputs(tips_usage, stdout);
			return 1;
		} else if ((v = cli_option_value(argc, argv, &i, "--officer", &missing)) != NULL) {
			o->officer = v;
		} else if (cli_db_option(&given, argc, argv, &i, &missing)) {
			continue;
		} else if (missing) {
			return cli_usage_error(tips_usage, "option needs a value:", argv[i]);
		} else {
			return cli_usage_error(tips_usage, "unexpected argument", argv[i]);
		}
	}
	if ((strcmp(o->action, "init-key") == 0) != (o->officer != NULL))
		return cli_usage_error(tips_usage, o->officer ? "--officer is only for 'init-key'" : "'init-key' needs --officer EMAIL", NULL);
	return cli_db_apply(&given, cfg, tips_usage);
}

/* Reads one line of password from standard input into a new string (wipe and free it); NULL when none. */
static char *read_password(void)
{
	char line[1024];
	if (fgets(line, sizeof(line), stdin) == NULL)
		return NULL;
	line[strcspn(line, "\r\n")] = '\0';
	char *p = line[0] ? xstrdup(line) : NULL;
	sodium_memzero(line, sizeof(line));
	return p;
}

static int init_key(db_conn *c, const config *cfg, arena *a, const char *email)
{
	account acc;
	int rc = 1;
	char *password = read_password();
	if (password == NULL) {
		fprintf(stderr, "trygg: give the officer's password on standard input\n");
		return EXIT_USAGE;
	}
	const char *normal = account_normalise_email(a, email);
	int ok = account_verify_password(c, cfg, a, normal, password, &acc);
	if (ok < 0) {
		fprintf(stderr, "trygg: %s\n", db_errmsg(c));
	} else if (ok == 0) {
		fprintf(stderr, "trygg: %s: no such enabled account, or the password is wrong\n", normal);
	} else if (!(acc.roles & ROLE_POLIS)) {
		fprintf(stderr, "trygg: %s does not hold the polis role (trygg user add … --role polis)\n", normal);
	} else {
		int made = tip_keyring_init(c, cfg, acc.id, password, (int64_t)time(NULL));
		if (made == 1)
			fprintf(stderr, "trygg: the police unit's key exists already; an officer with access can rotate it on /personal/tips/nycklar\n");
		else if (made < 0)
			fprintf(stderr, "trygg: could not create the key\n");
		else {
			audit_write(c, 0, "tips.init_key", arena_printf(a, "user:%lld", (long long)acc.id), "");
			printf("Created the police unit's key for tips. %s has access; other officers get it when\n"
			       "an officer with access approves them on /personal/tips/nycklar.\n", normal);
			rc = 0;
		}
	}
	sodium_memzero(password, strlen(password));
	free(password);
	return rc;
}

static int print_officer(void *ud, const tip_officer *o)
{
	(void)ud;
	printf("  %-9s %-30s %s%s\n", o->has_access ? "access" : "pending", o->email, o->fingerprint,
	       o->is_officer ? "" : " (no longer holds the polis role)");
	return 0;
}

static int status(db_conn *c)
{
	tip_unit u;
	char fingerprint[TIP_FINGERPRINT_CHARS + 1];
	int found = tip_unit_current(c, &u);
	if (found < 0)
		return 1;
	if (found == 0) {
		printf("No unit key yet: run 'trygg tips init-key --officer EMAIL'.\n");
		return 0;
	}
	tip_fingerprint(u.pk, fingerprint);
	printf("Unit key %s. Officers:\n", fingerprint);
	return tip_officers_each(c, print_officer, NULL) == 0 ? 0 : 1;
}

int tips_command(config *cfg, int argc, char **argv)
{
	tips_options o;
	int rc = parse(&o, cfg, argc, argv);
	if (rc != 0)
		return rc == 1 ? 0 : rc;
	char *err = NULL;
	buf dir = BUF_INIT;
	db *d = db_open(cfg->database, 1, &err);
	buf_printf(&dir, "%s/migrations", cfg->share_dir);
	if (d && db_migrate(d, dir.data, &err) != 0) {
		db_close(d);
		d = NULL;
	}
	buf_free(&dir);
	if (d == NULL) {
		fprintf(stderr, "trygg: %s\n", err ? err : "cannot open the database");
		free(err);
		return 1;
	}
	db_conn *c = db_acquire(d);
	arena *a = arena_new();
	rc = 1;
	if (c && strcmp(o.action, "init-key") == 0)
		rc = init_key(c, cfg, a, o.officer);
	else if (c && strcmp(o.action, "status") == 0)
		rc = status(c);
	else if (c && tips_retention_run(c, cfg, (int64_t)time(NULL)) == 0) {
		printf("Done: closed tips past the retention time are erased.\n");
		rc = 0;
	}
	arena_free(a);
	db_release(d, c);
	db_close(d);
	return rc;
}

/* ---- demo tips ---- */

typedef struct demo_tip {
	const char *what, *when, *how, *place;
	const char *tags[2];
	int area;                 /* index into the first demo areas */
	enum tip_status status;
	const char *question, *answer;
} demo_tip;

static const demo_tip demo_tips[] = {
	{ "Det verkar säljas narkotika från en bil på parkeringen bakom affären, flera olika personer kommer fram och går snabbt igen.",
	  "Flera kvällar förra veckan, runt 21", "saw", "Parkeringen bakom matbutiken", { "narkotika" }, 0, TIP_HANDLING,
	  "Minns du bilens färg eller märke?", "En mörkblå kombi, jag tror en Volvo." },
	{ "Ungdomar samlas i trapphuset och det luktar cannabis. Grannar är oroliga.", "Varje helg", "saw",
	  "Trapphuset i nummer 12", { "narkotika", "ungdom" }, 0, TIP_NEW, NULL, NULL },
	{ "Någon har berättat att det säljs piller i skolans närhet efter skoltid.", "Den senaste månaden", "told",
	  "Vid busshållplatsen nära skolan", { "narkotika" }, 0, TIP_READ, NULL, NULL },
	{ "Samma person har flera gånger erbjudit mig att köpa hasch vid gångtunneln.", "I går eftermiddag", "saw",
	  "Gångtunneln under stora vägen", { "narkotika" }, 0, TIP_NEW, NULL, NULL },
	{ "Det annonseras om försäljning av narkotika i en lokal grupp i sociala medier.", "Sedan i somras", "online",
	  "", { "narkotika" }, 0, TIP_NEW, NULL, NULL },
	{ "Flera bilar har fått rutorna krossade natten mot lördag.", "Natten mot lördag", "saw",
	  "Gatan vid idrottsplatsen", { "skadegorelse" }, 1, TIP_CLOSED, NULL, NULL },
};

static int demo_area(void *ud, const area *a)
{
	int64_t *ids = ud;
	for (int i = 0; i < 2; i++) {
		if (ids[i] == 0) {
			ids[i] = a->id;
			return i == 1;
		}
	}
	return 1;
}

/* Stores one demo tip with its handling and conversation. 0 or -1. */
static int demo_tip_store(db_conn *c, const config *cfg, const demo_tip *t, const int64_t areas[2], int64_t officer,
			  int64_t now)
{
	tip_tipster tipster;
	buf phrase = BUF_INIT, content = BUF_INIT;
	unsigned char raw[16];
	char lookup[33];
	int64_t id;
	int rc = -1;
	tip_passphrase_new(&phrase); /* never shown: the demo tipsters do not come back */
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(lookup, sizeof(lookup), raw, sizeof(raw));
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i}", "what", t->what, "when", t->when, "how", t->how,
			      "place", t->place, "contact", "", "photos", 0);
	char *text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	buf_puts(&content, text);
	free(text);
	if (tip_tipster_prepare(cfg, phrase.data, &tipster) != 0 ||
	    tip_create(c, cfg, lookup, &tipster, content.data, content.len, NULL, 0, now, &id) != 0)
		goto out;
	tip_update_fields f = { .status = t->status, .area_id = areas[t->area], .assigned_to = officer };
	for (size_t i = 0; i < ARRAY_LEN(t->tags) && t->tags[i]; i++)
		f.tags[f.tag_count++] = t->tags[i];
	if (tip_update(c, id, &f, now) != 1)
		goto out;
	if (t->question && (tip_message_add(c, id, officer, t->question, now) != 0 ||
			    tip_message_add(c, id, 0, t->answer, now) != 0))
		goto out;
	rc = 0;
out:
	tip_buf_wipe(&phrase);
	tip_buf_wipe(&content);
	return rc;
}

int tips_demo_load(db_conn *c, const config *cfg, FILE *out)
{
	tip_unit u;
	int found = tip_unit_current(c, &u);
	if (found != 0) {
		if (found > 0)
			fprintf(out, "Tips: the police unit's key exists already; no demo tips added.\n");
		return found < 0 ? -1 : 0;
	}
	const demo_login *login = NULL;
	for (size_t i = 0; i < demo_login_count; i++)
		if (strcmp(demo_logins[i].email, DEMO_OFFICER) == 0)
			login = &demo_logins[i];
	arena *a = arena_new();
	account acc;
	int64_t areas[2] = { 0, 0 }, now = (int64_t)time(NULL);
	int rc = -1;
	if (login == NULL || account_find_by_email(c, a, login->email, &acc) != 1)
		goto out;
	if (tip_keyring_init(c, cfg, acc.id, login->password, now) < 0 || area_each(c, 0, demo_area, areas) != 0)
		goto out;
	for (size_t i = 0; i < ARRAY_LEN(demo_tips); i++)
		if (demo_tip_store(c, cfg, &demo_tips[i], areas, acc.id, now) != 0)
			goto out;
	fprintf(out, "Tips: the police unit's key is held by %s; %zu demo tips in the inbox.\n", login->email,
		ARRAY_LEN(demo_tips));
	rc = 0;
out:
	arena_free(a);
	return rc;
}
