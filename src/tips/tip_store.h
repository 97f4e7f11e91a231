/*
 * tip_store.h — the inside of the tip service: the keyring (keyring.c: the
 * unit key, officers' keys, access, rotation) and the storage of tips,
 * messages, photos and tipsters' visits (store.c). Used by the pages, the
 * command line and the unit tests; other features use tips.h only.
 *
 * Everything sealed is sealed here, before it is written; everything opened
 * is opened here, into buffers the caller wipes with tip_buf_wipe().
 */
#ifndef TRYGG_TIPS_TIP_STORE_H
#define TRYGG_TIPS_TIP_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "db/db.h"
#include "tips/tip_crypto.h"

#define TIP_DAY_SECONDS 86400
/* The start (UTC midnight) of the day of t: all a tip keeps of its times. */
#define TIP_DAY(t) ((t) - (t) % TIP_DAY_SECONDS)
#define TIP_MAX_PHOTOS 3
#define TIP_MAX_TAGS 16

/* ---- helpers of keyring.c and store.c (store.c) ---- */

/* Copies a blob column of exactly len bytes into out. 0, or -1 when its size differs. */
int tip_blob_copy(db_stmt *s, int col, void *out, size_t len);
/* Logs a database failure of what (never any data), rolls back, returns -1. */
int tip_db_failed(db_conn *c, const char *what);
/* True when the comma-separated list of crime type names tags holds name. */
bool tip_tags_have(const char *tags, const char *name);

/* ---- the keyring (keyring.c) ---- */

/* The unit key as known to one request: id and public key, and the secret
 * key (from tip_secret_new()) once unlocked. */
typedef struct tip_unit {
	int64_t id;
	unsigned char pk[TIP_PUBLIC_BYTES];
	unsigned char *sk; /* NULL while locked */
} tip_unit;
/* Wipes and frees the secret key, if any. */
void tip_unit_release(tip_unit *u);

/* Why an officer cannot read tips right now. */
enum tip_lock {
	TIP_UNLOCKED,
	TIP_LOCK_NO_UNIT_KEY, /* not set up: `trygg tips init-key` */
	TIP_LOCK_NO_SESSION,  /* this login has no key: log out and in again */
	TIP_LOCK_PENDING,     /* the officer's access waits for another officer's approval */
	TIP_LOCK__MAX
};

/* Reads the current unit key's id and public key into u (sk NULL). Returns 1,
 * 0 when there is none yet, -1 on a database error. */
int tip_unit_current(db_conn *c, tip_unit *u);

/* Creates the unit key and gives officer_id (who must hold the polis role, and
 * whose password this is) access to it. Returns 0, 1 when a unit key exists
 * already (use rotation), 2 when the password does not unwrap the officer's
 * existing key (it is then replaced), -1 on error. */
int tip_keyring_init(db_conn *c, const config *cfg, int64_t officer_id, const char *password, int64_t now);

/* At the login of user_id with password: for a polis officer, makes the
 * officer key when there is none (a pending request) or when the password no
 * longer unwraps it (set by an administrator: *replaced is set), and wraps it
 * for the session of token. For anyone else, removes any officer key (the
 * role was taken away). 0 or -1. */
int tip_officer_login(db_conn *c, const config *cfg, int64_t user_id, bool is_officer, const char *password,
		      const char *session_token, bool *replaced);
/* Re-wraps the officer key of user_id from old_password to new_password.
 * Returns 0 (also when there is no key, or the old password did not unwrap
 * it), -1 on error. */
int tip_officer_rewrap(db_conn *c, const config *cfg, int64_t user_id, const char *old_password,
		       const char *new_password);

/* Unlocks the unit key for the login session of token (user_id's): fills u
 * and returns TIP_UNLOCKED, or the reason it cannot (u->sk NULL), or -1 on a
 * database error. */
int tip_unlock_session(db_conn *c, int64_t user_id, const char *session_token, tip_unit *u);
/* Unlocks the unit key with an officer's password (command line, tests): as
 * tip_unlock_session(); a wrong password gives TIP_LOCK_NO_SESSION. */
int tip_unlock_password(db_conn *c, int64_t user_id, const char *password, tip_unit *u);

/* Seals the unlocked unit key u to officer_id's key (approving their request,
 * by user by). Returns 0, 1 when officer_id has no officer key, -1 on error. */
int tip_officer_grant(db_conn *c, const tip_unit *u, int64_t officer_id, int64_t by, int64_t now);
/* Deletes officer_id's key, access and session keys. Returns 0, 1 when there
 * was nothing to remove, 2 when they are the last officer with access (refused), -1 on error. */
int tip_officer_remove(db_conn *c, int64_t officer_id);

/* Rotates the unit key (see tip_crypto.c): u must be unlocked and current;
 * on success it holds the new key. Attachment files live under
 * cfg->data_dir. Returns 0, 1 when u is no longer the current key, -1 on
 * error (nothing changed). */
int tip_keyring_rotate(db_conn *c, const config *cfg, tip_unit *u, int64_t now);

/* One officer as the access page shows them (strings valid during the callback). */
typedef struct tip_officer {
	int64_t user_id;
	const char *email;
	const char *name;
	bool is_officer;      /* still holds the polis role */
	bool has_access;
	int64_t granted_at;   /* 0 when pending */
	char fingerprint[TIP_FINGERPRINT_CHARS + 1];
} tip_officer;
/* Calls fn for every officer key (with access first, then pending), ordered
 * by e-mail; fn returns 0 to go on. 0 or -1. */
int tip_officers_each(db_conn *c, int (*fn)(void *ud, const tip_officer *o), void *ud);
/* The fingerprint of user_id's officer key: 1 with out filled, 0 when none, -1 on error. */
int tip_officer_fingerprint(db_conn *c, int64_t user_id, char out[TIP_FINGERPRINT_CHARS + 1]);

/* ---- tips (store.c) ---- */

enum tip_status { TIP_NEW, TIP_READ, TIP_HANDLING, TIP_CLOSED, TIP_STATUS__MAX };
/* As stored ("new", …) and as shown (Swedish; translate with T()). */
extern const char *const tip_status_names[TIP_STATUS__MAX];
extern const char *const tip_status_labels[TIP_STATUS__MAX];
/* The status named name; TIP_STATUS__MAX when unknown. */
enum tip_status tip_status_parse(const char *name);

/* The types of crime a tip can be tagged with: name as stored, label in Swedish. */
typedef struct tip_crime_type {
	const char *name;
	const char *label;
} tip_crime_type;
extern const tip_crime_type tip_crime_types[];
extern const size_t tip_crime_type_count;
/* The type named name, or NULL. */
const tip_crime_type *tip_crime_type_find(const char *name);

/* A tipster's key pair, prepared (argon2id runs here) before the tip is stored. */
typedef struct tip_tipster {
	unsigned char pk[TIP_PUBLIC_BYTES];
	tip_wrap wrap;
} tip_tipster;
/* Makes a tipster key pair and wraps its secret key with passphrase. 0 or -1. */
int tip_tipster_prepare(const config *cfg, const char *passphrase, tip_tipster *t);

/* A photo as it will be stored (already re-encoded, without metadata). */
typedef struct tip_photo {
	const void *data;
	size_t len;
} tip_photo;

/* Stores a new tip: content (the tip's JSON text) sealed to the unit key,
 * each photo encrypted into a file under cfg->data_dir/tips/, the tipster's
 * key, and receipt_lookup. Sets *id. Returns 0, 1 when there is no unit key
 * (the service is not set up), -1 on error (nothing is left behind). */
int tip_create(db_conn *c, const config *cfg, const char *receipt_lookup, const tip_tipster *t,
	       const char *content, size_t content_len, const tip_photo *photos, size_t photo_count, int64_t now,
	       int64_t *id);

/* A tip's metadata, in the clear (strings in an arena, or valid during a callback). */
typedef struct tip_meta {
	int64_t id;
	int64_t received_day;
	enum tip_status status;
	int64_t area_id;       /* 0: not set */
	int64_t assigned_to;   /* 0: nobody */
	const char *assigned_name;
	int64_t closed_day;    /* 0: not closed */
	bool police_unread;
	const char *tags;      /* crime type names, comma-separated, sorted */
	int64_t photos;
	int64_t messages;
} tip_meta;
/* Reads tip id: 1 with *m (strings in a), 0 when there is none, -1 on error. */
int tip_find(db_conn *c, arena *a, int64_t id, tip_meta *m);
/* Calls fn for the tips with status (TIP_STATUS__MAX: all), newest first;
 * fn returns 0 to go on. Returns the count, or -1. */
int tip_each(db_conn *c, enum tip_status status, int (*fn)(void *ud, const tip_meta *m), void *ud);

/* Opens the tip's content with the unlocked unit key into out (wipe it). 0 or -1. */
int tip_read_content(db_conn *c, const tip_unit *u, int64_t id, buf *out);

/* One message of the conversation, opened (text valid during the callback). */
typedef struct tip_message {
	int64_t id;
	int64_t day;
	bool from_police;
	const char *author; /* the officer's name, "" for the tipster */
	const char *text;
} tip_message;
/* Opens the messages of tip_id, oldest first, with the key pair pk/sk: the
 * unit key's (police) or the tipster's (tipster), and calls fn for each.
 * Returns the count, or -1 (database error, or a message that does not open). */
int tip_messages_each(db_conn *c, int64_t tip_id, bool as_police, const unsigned char *pk, const unsigned char *sk,
		      int (*fn)(void *ud, const tip_message *m), void *ud);
/* Adds a message (a question from officer author_id, or an answer from the
 * tipster when author_id is 0), sealed to the unit key and the tipster's key.
 * A tipster's answer marks the tip unread for the police. 0 or -1. */
int tip_message_add(db_conn *c, int64_t tip_id, int64_t author_id, const char *text, int64_t now);

/* The ids of tip_id's photos, in order; at most max. Returns the count or -1. */
int tip_photo_ids(db_conn *c, int64_t tip_id, int64_t *ids, int max);
/* Decrypts photo photo_id of tip_id into out (wipe it). 1, 0 when there is
 * no such photo, -1 on error. */
int tip_photo_read(db_conn *c, const config *cfg, const tip_unit *u, int64_t tip_id, int64_t photo_id, buf *out);

/* Marks tip id opened by an officer: new becomes read, an unread answer is seen. 0 or -1. */
int tip_mark_opened(db_conn *c, int64_t id);
/* What the police set on a tip. */
typedef struct tip_update_fields {
	enum tip_status status;
	int64_t area_id;     /* 0: none */
	int64_t assigned_to; /* 0: nobody */
	const char *tags[TIP_MAX_TAGS];
	size_t tag_count;
} tip_update_fields;
/* Sets status, area, assignment and tags of tip id (closing records the day).
 * Returns 1, 0 when there is no such tip, -1 on error. */
int tip_update(db_conn *c, int64_t id, const tip_update_fields *f, int64_t now);
/* Erases tip id for good: rows deleted, photo files removed. 1, 0 when none, -1. */
int tip_erase(db_conn *c, const config *cfg, int64_t id);

/* ---- tipsters' visits (store.c) ---- */

/* Finds the tip of receipt_lookup and unwraps the tipster key with
 * passphrase (canonical form). Returns 1 with *tip_id, pk and sk filled, 0
 * when there is no such tip or the passphrase is wrong (both take the same
 * time), -1 on error. */
int tip_tipster_open(db_conn *c, const config *cfg, const char *receipt_lookup, const char *passphrase,
		     int64_t *tip_id, unsigned char pk[TIP_PUBLIC_BYTES], unsigned char *sk);
/* Starts a visit to tip_id holding the tipster key sk, for
 * minutes. Returns the token for the cookie (in a), or NULL on error. */
const char *tip_visit_start(db_conn *c, arena *a, int64_t tip_id, const unsigned char *sk, int64_t now,
			    int minutes);
/* The visit of token: 1 with *tip_id, pk and sk, 0 when there is none or it
 * has expired (then deleted), -1 on error. */
int tip_visit_find(db_conn *c, const char *token, int64_t now, int64_t *tip_id, unsigned char pk[TIP_PUBLIC_BYTES],
		   unsigned char *sk);
/* Ends the visit of token. 0 or -1. */
int tip_visit_end(db_conn *c, const char *token);

/* ---- settings of the service (store.c) ---- */

#define TIP_RETENTION_DAYS_DEFAULT 90
#define TIP_THRESHOLD_DEFAULT 5
/* Days a closed tip is kept, and the smallest count the lägesbild shows. */
int64_t tip_setting_retention_days(db_conn *c);
int64_t tip_setting_threshold(db_conn *c);
/* Stores both. 0 or -1. */
int tip_settings_save(db_conn *c, int64_t retention_days, int64_t threshold);

#endif
