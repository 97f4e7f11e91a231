/*
 * settings.c — the table of settings keys with their validators, reading and
 * storing them, and the logo file (see settings.h).
 *
 * Values are text in the settings table (name, value); an unset key has no
 * row and reads as its fallback. The SMTP password is stored as given (the
 * mail worker needs it to log in) and never shown back.
 */
#include "settings/settings.h"
#include "auth/auth.h"
#include "core/buf.h"
#include "core/util.h"
#include "web/web.h"
#include "web/webform.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOGO_MAX_BYTES (512 * 1024)
#define LOGO_FOLDER "logo"
#define MIN_CONTRAST 4.5

const char *const setting_problem_text[SETTING_PROBLEM__MAX] = {
	[SETTING_OK] = "",
	[SETTING_UNKNOWN_KEY] = N_("Det finns ingen sådan inställning."),
	[SETTING_TOO_LONG] = N_("Texten är för lång."),
	[SETTING_CONTROL_CHARS] = N_("Texten innehåller tecken som inte är tillåtna."),
	[SETTING_REQUIRED] = N_("Fyll i ett värde."),
	[SETTING_EMAIL_INVALID] = N_("Skriv en e-postadress i formen namn@exempel.se."),
	[SETTING_PHONE_INVALID] = N_("Skriv ett telefonnummer med siffror, till exempel 031-792 10 00."),
	[SETTING_COLOUR_INVALID] = N_("Skriv färgen som # följt av sex hexadecimala siffror, till exempel #0b4f8a."),
	[SETTING_COLOUR_CONTRAST] = N_("Färgen är för ljus: vit text på den blir svår att läsa. Kontrasten måste vara minst 4,5:1. Välj en mörkare färg."),
	[SETTING_SMTP_URL_INVALID] = N_("Skriv e-postserverns adress som smtp://värd:port eller smtps://värd:port."),
	[SETTING_NUMBER_INVALID] = N_("Skriv ett heltal inom det tillåtna intervallet."),
	[SETTING_LOGO_TYPE] = N_("Logotypen måste vara en PNG- eller JPEG-bild."),
	[SETTING_LOGO_SVG] = N_("SVG-bilder tas inte emot, eftersom de kan innehålla skript. Spara logotypen som PNG i stället."),
	[SETTING_LOGO_TOO_LARGE] = N_("Logotypen får vara högst 512 kB."),
	[SETTING_LOGO_UNREADABLE] = N_("Filen kunde inte läsas. Välj en bildfil och försök igen."),
	[SETTING_STORAGE_ERROR] = N_("Inställningen kunde inte sparas på grund av ett tekniskt fel. Försök igen."),
};

const char *const setting_problem_english[SETTING_PROBLEM__MAX] = {
	[SETTING_OK] = "",
	[SETTING_UNKNOWN_KEY] = "unknown setting",
	[SETTING_TOO_LONG] = "the value is too long",
	[SETTING_CONTROL_CHARS] = "the value holds control characters",
	[SETTING_REQUIRED] = "a value is required",
	[SETTING_EMAIL_INVALID] = "not an e-mail address (name@example.se)",
	[SETTING_PHONE_INVALID] = "not a telephone number (digits, spaces, +, - and parentheses)",
	[SETTING_COLOUR_INVALID] = "not a colour of the form #rrggbb",
	[SETTING_COLOUR_CONTRAST] = "white text on this colour has a contrast below 4.5:1 (WCAG AA); choose a darker colour",
	[SETTING_SMTP_URL_INVALID] = "not smtp://host[:port] or smtps://host[:port]",
	[SETTING_NUMBER_INVALID] = "not a whole number in the allowed range",
	[SETTING_LOGO_TYPE] = "the logo must be a PNG or JPEG image",
	[SETTING_LOGO_SVG] = "SVG images are refused (they can hold scripts); use PNG",
	[SETTING_LOGO_TOO_LARGE] = "the logo may be at most 512 KiB",
	[SETTING_LOGO_UNREADABLE] = "cannot read the file",
	[SETTING_STORAGE_ERROR] = "cannot store the setting",
};

const char *const settings_group_titles[GROUP__MAX] = {
	[GROUP_MUNICIPALITY] = N_("Kommunen och polisen"),
	[GROUP_LOOKS] = N_("Utseende"),
	[GROUP_CONTACT] = N_("Kontaktuppgifter"),
	[GROUP_MAIL] = N_("Utgående e-post"),
	[GROUP_PRIVACY] = N_("Personuppgifter"),
};

/* ---- validators ---- */

static enum setting_problem check_any(arena *a, const char *value, const char **out)
{
	*out = value;
	return SETTING_OK;
}

static enum setting_problem check_email(arena *a, const char *value, const char **out)
{
	const char *email = account_normalise_email(a, value);
	*out = email;
	return account_check_email(email) == ACCOUNT_OK ? SETTING_OK : SETTING_EMAIL_INVALID;
}

static enum setting_problem check_phone(arena *a, const char *value, const char **out)
{
	int digits = 0;
	for (const char *p = value; *p; p++) {
		if (*p >= '0' && *p <= '9')
			digits++;
		else if (!strchr(" +-()", *p))
			return SETTING_PHONE_INVALID;
	}
	*out = value;
	return digits >= 3 && digits <= 20 ? SETTING_OK : SETTING_PHONE_INVALID;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parses "#rrggbb" into rgb[3]. 0 or -1. */
static int parse_colour(const char *colour, int rgb[3])
{
	if (strlen(colour) != 7 || colour[0] != '#')
		return -1;
	for (int i = 0; i < 3; i++) {
		int hi = hex_digit(colour[1 + 2 * i]), lo = hex_digit(colour[2 + 2 * i]);
		if (hi < 0 || lo < 0)
			return -1;
		rgb[i] = hi * 16 + lo;
	}
	return 0;
}

/* WCAG 2.1 relative luminance of an sRGB colour. */
static double luminance(const int rgb[3])
{
	double l[3];
	for (int i = 0; i < 3; i++) {
		double c = rgb[i] / 255.0;
		l[i] = c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
	}
	return 0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2];
}

double settings_contrast_on_white(const char *colour)
{
	int rgb[3];
	if (parse_colour(colour, rgb) != 0)
		return 0;
	return (1.0 + 0.05) / (luminance(rgb) + 0.05);
}

static enum setting_problem check_colour(arena *a, const char *value, const char **out)
{
	int rgb[3];
	if (parse_colour(value, rgb) != 0)
		return SETTING_COLOUR_INVALID;
	*out = arena_printf(a, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
	/* The colour is also the link colour on the footer's light grey (#f2f5f8, as
	 * in site.css), a little darker than white: it must reach 4.5:1 there too. */
	static const int footer[3] = { 0xf2, 0xf5, 0xf8 };
	double on_footer = (luminance(footer) + 0.05) / (luminance(rgb) + 0.05);
	return on_footer >= MIN_CONTRAST ? SETTING_OK : SETTING_COLOUR_CONTRAST;
}

/* smtp://host[:port][/domain] or smtps://…; host a name, IPv4 or [IPv6]. */
static enum setting_problem check_smtp_url(arena *a, const char *value, const char **out)
{
	const char *p;
	if (str_starts_with(value, "smtp://"))
		p = value + strlen("smtp://");
	else if (str_starts_with(value, "smtps://"))
		p = value + strlen("smtps://");
	else
		return SETTING_SMTP_URL_INVALID;
	size_t host_len;
	if (*p == '[') {
		host_len = strspn(p + 1, "0123456789abcdefABCDEF:.");
		if (host_len == 0 || p[1 + host_len] != ']')
			return SETTING_SMTP_URL_INVALID;
		p += host_len + 2;
	} else {
		host_len = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-");
		if (host_len == 0 || p[0] == '-' || p[0] == '.')
			return SETTING_SMTP_URL_INVALID;
		p += host_len;
	}
	if (*p == ':') {
		int64_t port;
		size_t n = strspn(p + 1, "0123456789");
		char digits[8];
		if (n == 0 || n > 5)
			return SETTING_SMTP_URL_INVALID;
		memcpy(digits, p + 1, n);
		digits[n] = '\0';
		if (str_to_int64(digits, &port) != 0 || port < 1 || port > 65535)
			return SETTING_SMTP_URL_INVALID;
		p += 1 + n;
	}
	if (*p == '/')
		p += 1 + strspn(p + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-");
	if (*p != '\0')
		return SETTING_SMTP_URL_INVALID;
	*out = value;
	return SETTING_OK;
}

/* A whole number within [min, max]. */
static enum setting_problem check_number(const char *value, const char **out, int64_t min, int64_t max)
{
	int64_t n;
	if (str_to_int64(value, &n) != 0 || n < min || n > max)
		return SETTING_NUMBER_INVALID;
	*out = value;
	return SETTING_OK;
}

static enum setting_problem check_retention_months(arena *a, const char *value, const char **out)
{
	return check_number(value, out, 1, 120);
}

static enum setting_problem check_retry_seconds(arena *a, const char *value, const char **out)
{
	return check_number(value, out, 1, 3600);
}

/* Only names that settings_logo_import() makes: "logo-" 16 hex digits ".png"/".jpg". */
static enum setting_problem check_logo_name(arena *a, const char *value, const char **out)
{
	const char *type;
	*out = value;
	return settings_logo_path(NULL, a, value, &type) ? SETTING_OK : SETTING_LOGO_TYPE;
}

const setting_def settings_defs[SETTING__MAX] = {
	[SETTING_SITE_NAME] = { "site_name", N_("Webbplatsens namn"), N_("Visas överst på varje sida, till exempel Trygg i Partille."),
		"text", "Trygg", 80, SETTING_PUBLIC, GROUP_MUNICIPALITY, check_any },
	[SETTING_MUNICIPALITY_NAME] = { "municipality_name", N_("Kommunens namn"), N_("Till exempel Partille kommun."),
		"text", "", 120, SETTING_PUBLIC, GROUP_MUNICIPALITY, check_any },
	[SETTING_POLICE_AREA] = { "police_area", N_("Polisområdets namn"), N_("Till exempel Lokalpolisområde Partille."),
		"text", "", 120, SETTING_PUBLIC, GROUP_MUNICIPALITY, check_any },
	[SETTING_BRAND_COLOUR] = { "brand_colour", N_("Profilfärg"),
		N_("Färgen på sidhuvudet och länkarna, som #rrggbb. Vit text på färgen måste ha en kontrast på minst 4,5:1. Lämna tomt för standardfärgen."),
		"text", "", 7, SETTING_PUBLIC, GROUP_LOOKS, check_colour },
	[SETTING_LOGO] = { "logo", N_("Logotyp"), NULL,
		"file", "", 40, SETTING_PUBLIC | SETTING_FILE, GROUP_LOOKS, check_logo_name },
	[SETTING_CONTACT_PHONE] = { "contact_phone", N_("Kundcenters telefonnummer"), NULL,
		"tel", "", 40, SETTING_PUBLIC, GROUP_CONTACT, check_phone },
	[SETTING_CONTACT_EMAIL] = { "contact_email", N_("Kundcenters e-postadress"), NULL,
		"email", "", 254, SETTING_PUBLIC, GROUP_CONTACT, check_email },
	[SETTING_CONTACT_ADDRESS] = { "contact_address", N_("Besöksadress"), NULL,
		"text", "", 300, SETTING_PUBLIC | SETTING_MULTILINE, GROUP_CONTACT, check_any },
	[SETTING_CONTACT_HOURS] = { "contact_hours", N_("Öppettider"), N_("Till exempel: Måndag–fredag 8–16."),
		"text", "", 300, SETTING_PUBLIC | SETTING_MULTILINE, GROUP_CONTACT, check_any },
	[SETTING_SMTP_URL] = { "smtp_url", N_("E-postserver"), N_("smtps://värd:465 (kryptering direkt) eller smtp://värd:587 (STARTTLS när servern erbjuder det; alltid när ett användarnamn är angivet)."),
		"text", "", 300, 0, GROUP_MAIL, check_smtp_url },
	[SETTING_SMTP_USERNAME] = { "smtp_username", N_("Användarnamn för e-postservern"), N_("Lämna tomt om servern inte kräver inloggning."),
		"text", "", 200, 0, GROUP_MAIL, check_any },
	[SETTING_SMTP_PASSWORD] = { "smtp_password", N_("Lösenord för e-postservern"), N_("Visas aldrig. Lämna tomt för att behålla det sparade lösenordet."),
		"password", "", 200, SETTING_SECRET, GROUP_MAIL, check_any },
	[SETTING_MAIL_FROM] = { "mail_from", N_("Avsändaradress"), N_("Adressen som e-post från tjänsten skickas från, till exempel trygg@partille.se."),
		"email", "", 254, 0, GROUP_MAIL, check_email },
	[SETTING_COORDINATOR_EMAIL] = { "coordinator_email", N_("Samordnarens e-postadress"), N_("Får en kopia av varje meddelande från kontaktformuläret. Lämna tomt för att inte skicka kopior."),
		"email", "", 254, 0, GROUP_MAIL, check_email },
	[SETTING_CONTACT_RETENTION_MONTHS] = { "contact_retention_months", N_("Gallring av kontaktmeddelanden (månader)"),
		N_("Namn, e-postadress, meddelande och svar raderas så här många månader efter att ett meddelande markerats som hanterat. 1–120."),
		"number", "12", 3, 0, GROUP_PRIVACY, check_retention_months },
	[SETTING_REPORT_RETENTION_MONTHS] = { "report_retention_months", N_("Gallring av uppgifter om den som felanmält (månader)"),
		N_("Namn, e-postadress och telefonnummer till den som gjorde en felanmälan raderas så här många månader efter att ärendet stängts. Själva ärendet finns kvar. 1–120."),
		"number", "12", 3, 0, GROUP_PRIVACY, check_retention_months },
	[SETTING_OPEN311_JURISDICTION] = { "open311_jurisdiction", N_("Open311: jurisdiction_id"),
		N_("Fyll i bara om Open311-klienter ska ange jurisdiction_id, till exempel kommunens domännamn. Tomt: alla värden godtas."),
		"text", "", 100, SETTING_PUBLIC, GROUP_MUNICIPALITY, check_any },
	[SETTING_MAIL_RETRY_SECONDS] = { "mail_retry_seconds", "Mail retry base (seconds)", NULL,
		"number", "60", 4, SETTING_CLI_ONLY, GROUP_MAIL, check_retry_seconds },
};

enum setting_key settings_find(const char *name)
{
	for (int k = 0; k < SETTING__MAX; k++)
		if (strcmp(settings_defs[k].name, name) == 0)
			return (enum setting_key)k;
	return SETTING__MAX;
}

/* Trims white space; in multi-line values also turns CR LF into LF. */
static const char *normalise_space(arena *a, const char *value, bool multiline)
{
	while (*value == ' ' || *value == '\t' || *value == '\r' || *value == '\n')
		value++;
	size_t len = strlen(value);
	while (len > 0 && strchr(" \t\r\n", value[len - 1]))
		len--;
	char *out = arena_strndup(a, value, len), *w = out;
	for (const char *p = out; *p; p++)
		if (!(multiline && *p == '\r'))
			*w++ = *p;
	*w = '\0';
	return out;
}

enum setting_problem settings_check(arena *a, enum setting_key k, const char *value, const char **normalised)
{
	if (k >= SETTING__MAX)
		return SETTING_UNKNOWN_KEY;
	const setting_def *def = &settings_defs[k];
	bool multiline = def->flags & SETTING_MULTILINE;
	const char *v = def->flags & SETTING_SECRET ? value : normalise_space(a, value, multiline);
	*normalised = v;
	if (!str_valid_utf8(v, strlen(v)) || webform_has_control(v, multiline))
		return SETTING_CONTROL_CHARS;
	if (webform_chars(v) > def->max_chars)
		return SETTING_TOO_LONG;
	if (*v == '\0')
		return SETTING_OK;
	return def->check(a, v, normalised);
}

static const char SQL_GET[] = "SELECT value FROM settings WHERE name = ?";
static const char SQL_PUT[] =
	"INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value";
static const char SQL_DELETE[] = "DELETE FROM settings WHERE name = ?";

/* 1 with *value (in a) when k is stored, 0 when not, -1 on a database error. */
static int stored_value(db_conn *c, arena *a, enum setting_key k, const char **value)
{
	db_stmt *s = db_prepare(c, SQL_GET);
	if (s == NULL)
		return -1;
	db_bind_text(s, 1, settings_defs[k].name);
	int rc = db_step(s);
	if (rc == DB_ERROR)
		return -1;
	if (rc == DB_DONE || db_column_is_null(s, 0))
		return 0;
	*value = arena_strdup(a, db_column_text(s, 0));
	db_step(s);
	return 1;
}

const char *settings_get(db_conn *c, arena *a, enum setting_key k)
{
	const char *v = NULL;
	int rc = stored_value(c, a, k, &v);
	if (rc < 0)
		return NULL;
	return rc == 1 && *v ? v : settings_defs[k].fallback;
}

int64_t settings_get_int(db_conn *c, arena *a, enum setting_key k)
{
	const char *v = settings_get(c, a, k);
	int64_t n;
	if (v == NULL || str_to_int64(v, &n) != 0) {
		str_to_int64(settings_defs[k].fallback, &n);
		return n;
	}
	return n;
}

bool settings_is_set(db_conn *c, enum setting_key k)
{
	arena *a = arena_new();
	const char *v = NULL;
	bool set = stored_value(c, a, k, &v) == 1 && *v;
	arena_free(a);
	return set;
}

int settings_put(db_conn *c, enum setting_key k, const char *value)
{
	db_stmt *s = db_prepare(c, *value ? SQL_PUT : SQL_DELETE);
	if (s == NULL)
		return -1;
	db_bind_text(s, 1, settings_defs[k].name);
	if (*value)
		db_bind_text(s, 2, value);
	return db_step(s) == DB_DONE ? 0 : -1;
}

enum setting_problem settings_set(db_conn *c, arena *a, enum setting_key k, const char *value)
{
	const char *v;
	enum setting_problem p = settings_check(a, k, value, &v);
	if (p != SETTING_OK)
		return p;
	if (db_begin_write(c) != 0)
		return SETTING_STORAGE_ERROR;
	if (settings_put(c, k, v) != 0 || db_commit(c) != 0) {
		db_rollback(c);
		return SETTING_STORAGE_ERROR;
	}
	return SETTING_OK;
}

/* ---- the logo ---- */

/* The image type of data by its first bytes: "png", "jpg", "svg" or NULL. */
static const char *image_type(const unsigned char *data, size_t len)
{
	static const unsigned char png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	if (len >= sizeof(png) && memcmp(data, png, sizeof(png)) == 0)
		return "png";
	if (len >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF)
		return "jpg";
	/* SVG is XML text: after an optional byte-order mark and white space, '<'. */
	size_t i = len >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF ? 3 : 0;
	while (i < len && strchr(" \t\r\n", data[i]))
		i++;
	if (i < len && data[i] == '<')
		return "svg";
	return NULL;
}

const char *settings_logo_path(const config *cfg, arena *a, const char *name, const char **content_type)
{
	static const char prefix[] = "logo-";
	size_t len = strlen(name);
	if (len != strlen(prefix) + 16 + 4 || !str_starts_with(name, prefix))
		return NULL;
	for (size_t i = strlen(prefix); i < strlen(prefix) + 16; i++)
		if (hex_digit(name[i]) < 0 || (name[i] >= 'A' && name[i] <= 'F'))
			return NULL;
	const char *ext = name + len - 4;
	if (strcmp(ext, ".png") == 0)
		*content_type = "image/png";
	else if (strcmp(ext, ".jpg") == 0)
		*content_type = "image/jpeg";
	else
		return NULL;
	if (cfg == NULL)
		return name;
	return arena_printf(a, "%s/" LOGO_FOLDER "/%s", cfg->data_dir, name);
}

/* Writes data to path through a temporary file, so a reader never sees half a file. 0 or -1. */
static int write_file_atomically(arena *a, const char *path, const void *data, size_t len)
{
	const char *tmp = arena_printf(a, "%s.tmp%u", path, (unsigned)randombytes_random());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (fd < 0)
		return -1;
	const char *p = data;
	size_t left = len;
	while (left > 0) {
		ssize_t n = write(fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			unlink(tmp);
			return -1;
		}
		p += n;
		left -= (size_t)n;
	}
	if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

enum setting_problem settings_logo_import(const config *cfg, arena *a, const char *path, const char **name)
{
	enum setting_problem rc = SETTING_LOGO_UNREADABLE;
	unsigned char *data = xmalloc(LOGO_MAX_BYTES + 1);
	size_t len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		goto out;
	for (;;) {
		ssize_t n = read(fd, data + len, LOGO_MAX_BYTES + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			close(fd);
			goto out;
		}
		if (n == 0 || (len += (size_t)n) > LOGO_MAX_BYTES)
			break;
	}
	close(fd);
	if (len > LOGO_MAX_BYTES) {
		rc = SETTING_LOGO_TOO_LARGE;
		goto out;
	}
	const char *type = image_type(data, len);
	if (type == NULL || strcmp(type, "svg") == 0) {
		rc = type ? SETTING_LOGO_SVG : SETTING_LOGO_TYPE;
		goto out;
	}
	/* Named by its content: a new logo gets a new address, so it can be cached for long. */
	unsigned char hash[8];
	char hex[sizeof(hash) * 2 + 1];
	crypto_generichash(hash, sizeof(hash), data, len, NULL, 0);
	sodium_bin2hex(hex, sizeof(hex), hash, sizeof(hash));
	*name = arena_printf(a, "logo-%s.%s", hex, type);
	const char *folder = arena_printf(a, "%s/" LOGO_FOLDER, cfg->data_dir);
	mkdir(cfg->data_dir, 0750);
	mkdir(folder, 0750);
	rc = write_file_atomically(a, arena_printf(a, "%s/%s", folder, *name), data, len) == 0 ? SETTING_OK
												: SETTING_STORAGE_ERROR;
out:
	free(data);
	return rc;
}
