/*
 * mail.h — outgoing mail through an outbox in the database.
 *
 * A feature queues a mail with mail_enqueue() inside the same write
 * transaction as whatever causes it, so the mail exists exactly when that
 * commits. A worker thread in every `trygg serve` sends what is due through
 * SMTP (libcurl), with the server from the settings (src/settings/). A mail
 * server that is down or refuses delays mail, with growing pauses between
 * tries, but never loses it and never holds up a request. Several servers
 * on one database claim each mail with a lease before sending it, so none
 * is sent twice by two of them. (A server that dies between the SMTP
 * server's "accepted" and recording it may send that one mail again when
 * its lease has run out: mail is delivered at least once.)
 *
 * The same thread runs periodic jobs given by the caller (e.g. erasing old
 * personal data), so every server has one background thread, not several.
 *
 * Files: message.c (building the message: headers, encodings), outbox.c
 * (queueing, claiming and recording), worker.c (the thread and SMTP),
 * pages.c (the outbox page for administrators).
 */
#ifndef TRYGG_MAIL_MAIL_H
#define TRYGG_MAIL_MAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "db/db.h"
#include "http/http.h"

#define MAIL_SUBJECT_MAX_BYTES 400
#define MAIL_BODY_MAX_BYTES (256 * 1024)

/* Queues a plain-text mail (UTF-8) to one address, inside the caller's write
 * transaction. Call mail_wake() after the commit to have it sent at once.
 * Returns 0, or -1 on a database error or a value that cannot be sent
 * (no address, control characters in the subject, too long). */
int mail_enqueue(db_conn *c, const char *to, const char *subject, const char *text_body);

/* Tells this process's mail worker that there is new mail. Safe from any thread. */
void mail_wake(void);

/* A job that the worker thread runs every interval_seconds (first at start).
 * run gets a connection outside any transaction; returns 0 or -1 (logged). */
typedef struct mail_job {
	const char *name;
	int (*run)(db_conn *c, const config *cfg, int64_t now);
	int interval_seconds;
} mail_job;

/* Starts the worker thread: sends due mail and runs jobs. d, cfg and jobs
 * must outlive it. Returns 0, or -1 with *err (caller frees). */
int mail_worker_start(db *d, const config *cfg, const mail_job *jobs, size_t job_count, char **err);
/* Stops the worker within about a second (an SMTP transfer in progress is
 * cut off and the mail tried again later) and waits for it. Safe to call
 * when it was never started. */
void mail_worker_stop(void);

/* ---- building messages (message.c); exported for the unit tests ---- */

typedef struct mail_message {
	const char *from;         /* envelope and header address */
	const char *from_name;    /* display name, may be "" */
	const char *to;
	const char *subject;      /* UTF-8 */
	const char *body;         /* UTF-8 plain text, lines ending in \n */
	const char *message_id;   /* the part before '@' */
	int64_t date;             /* seconds since the epoch */
} mail_message;

/* Writes the whole message (headers, blank line, quoted-printable body; CRLF
 * line ends) to out. */
void mail_format(buf *out, const mail_message *m);
/* Writes text as an unstructured header value: as it is when it is short
 * printable ASCII, otherwise as RFC 2047 encoded words ("=?UTF-8?B?…?=")
 * folded onto continuation lines. used: characters already on the line. */
void mail_encode_header(buf *out, const char *text, size_t used);
/* Writes text (UTF-8, \n or \r\n line ends) as quoted-printable with CRLF
 * line ends and lines of at most 76 characters (RFC 2045). */
void mail_quoted_printable(buf *out, const char *text);
/* Masks an address for staff pages: "a***@partille.se". In a. */
const char *mail_mask_address(arena *a, const char *address);

/* The outbox page. */
extern const http_route mail_routes[];
extern const size_t mail_route_count;

#endif
