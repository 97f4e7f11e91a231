/*
 * outbox.h — the mail module's own access to the outbox table, shared by its
 * worker (worker.c) and its page (pages.c). Not for other modules: they
 * queue mail with mail_enqueue() in mail.h.
 */
#ifndef TRYGG_MAIL_OUTBOX_H
#define TRYGG_MAIL_OUTBOX_H

#include "mail/mail.h"

/* How long a worker owns a mail it is sending: far longer than one SMTP transfer may last. */
#define OUTBOX_LEASE_SECONDS 300
/* A mail that could not be sent for this long is given up (an administrator can queue it again). */
#define OUTBOX_GIVE_UP_SECONDS (5 * 24 * 3600)
/* Sent mail, and mail given up, is deleted after this long. */
#define OUTBOX_KEEP_SENT_SECONDS (30 * 24 * 3600)

/* One claimed mail (strings in the arena given to outbox_claim). */
typedef struct outbox_mail {
	int64_t id;
	const char *to;
	const char *subject;
	const char *body;
	const char *message_id;
	int64_t created_at;
	int64_t attempts; /* tries before this one */
} outbox_mail;

/* Fills ids[] with up to max mails due at now and not claimed. Returns the count, or -1. */
int outbox_due(db_conn *c, int64_t now, int64_t *ids, int max);
/* Claims mail id until now + OUTBOX_LEASE_SECONDS and reads it into *m.
 * Returns 1 when claimed, 0 when another worker has it or it is done, -1 on error. */
int outbox_claim(db_conn *c, arena *a, int64_t id, int64_t now, outbox_mail *m);
/* Records that mail id was sent (its body is emptied: it is no longer needed). 0 or -1. */
int outbox_record_sent(db_conn *c, int64_t id, int64_t now);
/* Records a failed try: the error, and the next try at next_at (or given up). 0 or -1. */
int outbox_record_failure(db_conn *c, int64_t id, int64_t now, int64_t next_at, bool give_up, const char *error);
/* Deletes mail sent or given up longer than OUTBOX_KEEP_SENT_SECONDS ago. 0 or -1. */
int outbox_purge(db_conn *c, int64_t now);
/* Queues every unsent mail (given up ones too) for a try now. Returns the number, or -1. */
int64_t outbox_retry_all(db_conn *c, int64_t now);

#endif
