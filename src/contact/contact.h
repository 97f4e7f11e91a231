/*
 * contact.h — "Hör av dig": residents write to the safety coordinator
 * through a form on /kontakt, and the coordinator reads, answers and handles
 * the messages in an inbox on /personal/kontakt.
 *
 * A message is stored with its time, topic and (when given) area, a receipt
 * mail goes to the sender when they gave an address, and a copy to the
 * coordinator's address from the settings; both through the mail outbox
 * (src/mail/), in the same transaction as the message. Answers are mailed
 * the same way and kept in the message's history. The personal data of
 * handled messages is erased after the retention time in the settings.
 *
 * Files: contact.c (topics, statuses, storage, retention), pages.c (the form,
 * the receipt and the inbox).
 */
#ifndef TRYGG_CONTACT_CONTACT_H
#define TRYGG_CONTACT_CONTACT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/config.h"
#include "db/db.h"
#include "http/http.h"

#define CONTACT_NAME_MAX_CHARS 200
#define CONTACT_AREA_MAX_CHARS 200
#define CONTACT_MESSAGE_MAX_CHARS 5000
#define CONTACT_ANSWER_MAX_CHARS 10000

/* What a message may be about: name as stored, label in Swedish (translate with T()). */
typedef struct contact_topic {
	const char *name;
	const char *label;
} contact_topic;
extern const contact_topic contact_topics[];
extern const size_t contact_topic_count;
/* The topic named name, or NULL. */
const contact_topic *contact_topic_find(const char *name);

enum contact_status { CONTACT_NEW, CONTACT_ANSWERED, CONTACT_HANDLED, CONTACT_STATUS__MAX };
/* As stored ("new", …) and as shown (Swedish, translate with T()). */
extern const char *const contact_status_names[CONTACT_STATUS__MAX];
extern const char *const contact_status_labels[CONTACT_STATUS__MAX];
/* The status named name; CONTACT_STATUS__MAX when unknown. */
enum contact_status contact_status_parse(const char *name);

/* One message (strings in an arena). */
typedef struct contact_message {
	int64_t id;
	const char *reference;
	int64_t created_at;
	const char *topic;
	const char *area;
	const char *name;
	const char *email;
	const char *message;
	const char *lang;
	enum contact_status status;
	int64_t handled_at; /* 0 when not handled */
	bool erased;
} contact_message;

/* One entry of a message's history (strings valid during the callback). */
typedef struct contact_event {
	int64_t at;
	const char *kind; /* received, answered, handled, reopened, erased */
	const char *user_name; /* "" for the sender or the system */
	const char *text; /* the answer, for "answered" */
} contact_event;

/* A new random reference people can read out on the phone: "K-XXXX-XXXX",
 * without look-alike characters. In a. */
const char *contact_new_reference(arena *a);
/* Stores a new message (status new) with its first history entry, inside the
 * caller's write transaction. Sets m->id and m->reference (in a). 0 or -1. */
int contact_insert(db_conn *c, arena *a, contact_message *m, int64_t now);
/* Reads message id: 1 with *m (strings in a), 0 when there is none, -1 on error. */
int contact_find(db_conn *c, arena *a, int64_t id, contact_message *m);
/* Calls fn for the messages with status (CONTACT_STATUS__MAX: all), newest
 * first, at most limit; fn returns 0 to go on. Returns the count or -1. */
int contact_each(db_conn *c, enum contact_status status, int limit,
		 int (*fn)(void *ud, const contact_message *m), void *ud);
/* Calls fn for each history entry of message id, oldest first. 0 or -1. */
int contact_history(db_conn *c, int64_t id, int (*fn)(void *ud, const contact_event *e), void *ud);
/* Sets the status and adds a history entry (kind, by user_id, with text),
 * inside the caller's write transaction. 0 or -1. */
int contact_record(db_conn *c, int64_t id, enum contact_status status, const char *kind, int64_t user_id,
		   const char *text, int64_t now);

/* The retention job (run by the mail worker thread): erases the name,
 * address, message and answers of messages handled longer ago than the
 * setting contact_retention_months. 0 or -1. */
int contact_retention_run(db_conn *c, const config *cfg, int64_t now);

/* The form, the receipt and the inbox. */
extern const http_route contact_routes[];
extern const size_t contact_route_count;

#endif
