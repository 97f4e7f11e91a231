/*
 * worker.c — the background thread of `trygg serve`: sends due mail from the
 * outbox through SMTP with libcurl, and runs the periodic jobs it was given
 * (see mail.h).
 *
 * Each round it takes a database connection from the pool, runs the jobs
 * that are due, and sends what is due; then it sleeps until mail_wake(), a
 * second, or mail_worker_stop(). A failed mail is tried again after 1, 5, 15
 * and then every 60 times the setting mail_retry_seconds (default 60 s: one
 * minute, five, a quarter of an hour, then hourly) and given up after five
 * days. While no SMTP server or sender address is set, mail simply waits.
 *
 * Only this thread talks SMTP, so a slow mail server never holds up a
 * request; a stop request cuts a transfer short through curl's progress
 * callback.
 */
#include "mail/outbox.h"
#include "core/util.h"
#include "settings/settings.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define POLL_SECONDS 1
#define BATCH 20
#define MAX_JOBS 8
#define PURGE_INTERVAL_SECONDS 3600
#define CONNECT_TIMEOUT_SECONDS 10
#define TRANSFER_TIMEOUT_SECONDS 60

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool wake;
	bool running;
	atomic_bool stopping;
	pthread_t thread;
	db *d;
	const config *cfg;
	const mail_job *jobs;
	size_t job_count;
	bool curl_ready; /* curl_global_init() done (by the worker thread, its only user) */
} worker = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

void mail_wake(void)
{
	pthread_mutex_lock(&worker.lock);
	worker.wake = true;
	pthread_cond_signal(&worker.cond);
	pthread_mutex_unlock(&worker.lock);
}

/* Sleeps until woken, stopped, or seconds have passed. */
static void wait_for_work(int seconds)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += seconds;
	pthread_mutex_lock(&worker.lock);
	while (!worker.wake && !atomic_load(&worker.stopping))
		if (pthread_cond_timedwait(&worker.cond, &worker.lock, &until) != 0)
			break;
	worker.wake = false;
	pthread_mutex_unlock(&worker.lock);
}

/* ---- SMTP ---- */

/* How mail is sent, from the settings (strings in an arena). */
typedef struct smtp_settings {
	const char *url;
	const char *username;
	const char *password;
	const char *from;
	const char *from_name;
	int64_t retry_seconds;
} smtp_settings;

/* Reads the settings. Returns 1 when mail can be sent, 0 when not configured, -1 on error. */
static int smtp_settings_read(db_conn *c, arena *a, smtp_settings *s)
{
	s->url = settings_get(c, a, SETTING_SMTP_URL);
	s->username = settings_get(c, a, SETTING_SMTP_USERNAME);
	s->password = settings_get(c, a, SETTING_SMTP_PASSWORD);
	s->from = settings_get(c, a, SETTING_MAIL_FROM);
	s->from_name = settings_get(c, a, SETTING_SITE_NAME);
	s->retry_seconds = settings_get_int(c, a, SETTING_MAIL_RETRY_SECONDS);
	if (!s->url || !s->username || !s->password || !s->from || !s->from_name)
		return -1;
	return *s->url && *s->from ? 1 : 0;
}

typedef struct upload {
	const char *data;
	size_t len;
	size_t pos;
} upload;

static size_t upload_read(char *ptr, size_t size, size_t nmemb, void *ud)
{
	upload *u = ud;
	size_t n = size * nmemb;
	if (n > u->len - u->pos)
		n = u->len - u->pos;
	memcpy(ptr, u->data + u->pos, n);
	u->pos += n;
	return n;
}

/* Aborts a transfer when the worker is asked to stop, unless the whole
 * message has gone out: then the server may already have taken it, and the
 * answer is awaited (within the timeout) so that it is not sent twice. */
static int transfer_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	return atomic_load(&worker.stopping) && (ultotal == 0 || ulnow < ultotal) ? 1 : 0;
}

/* Sends one message. Returns 0, or -1 with *error (in a) saying why. */
static int smtp_send(const smtp_settings *s, arena *a, const char *to, const buf *message, const char **error)
{
	char curl_error[CURL_ERROR_SIZE] = "";
	upload u = { message->data, message->len, 0 };
	struct curl_slist *rcpt = NULL;
	int rc = -1;
	/* libcurl (and the TLS library under it, a few MB of pages once started)
	 * is started with the first message, not with the server: a server that
	 * sends no mail never pays for it. */
	if (!worker.curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
			*error = "cannot start libcurl";
			return -1;
		}
		worker.curl_ready = true;
	}
	CURL *curl = curl_easy_init();
	if (curl == NULL) {
		*error = "cannot start libcurl";
		return -1;
	}
	rcpt = curl_slist_append(rcpt, to);
	curl_easy_setopt(curl, CURLOPT_URL, s->url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(curl, CURLOPT_MAIL_FROM, s->from);
	curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(curl, CURLOPT_READFUNCTION, upload_read);
	curl_easy_setopt(curl, CURLOPT_READDATA, &u);
	curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)message->len);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, (long)CONNECT_TIMEOUT_SECONDS);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, (long)TRANSFER_TIMEOUT_SECONDS);
	curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, transfer_progress);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_error);
	if (*s->username) {
		/* Never send a password in the clear: STARTTLS is then required. */
		curl_easy_setopt(curl, CURLOPT_USERNAME, s->username);
		curl_easy_setopt(curl, CURLOPT_PASSWORD, s->password);
		curl_easy_setopt(curl, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	} else {
		curl_easy_setopt(curl, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
	}
	CURLcode res = curl_easy_perform(curl);
	if (res == CURLE_OK) {
		rc = 0;
	} else {
		long reply = 0;
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply);
		*error = arena_printf(a, "%s%s%s", curl_easy_strerror(res), *curl_error ? ": " : "", curl_error);
		if (reply > 0)
			*error = arena_printf(a, "%s (SMTP reply %ld)", *error, reply);
	}
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(curl);
	return rc;
}

/* The pause before the next try after the attempts-th failed one. */
static int64_t retry_delay(int64_t base, int64_t attempts)
{
	static const int64_t factors[] = { 1, 5, 15, 60 };
	size_t i = attempts < 1 ? 0 : (size_t)attempts - 1;
	return base * factors[i < ARRAY_LEN(factors) ? i : ARRAY_LEN(factors) - 1];
}

/* Claims, sends and records one mail. */
static void send_one(db_conn *c, const smtp_settings *s, int64_t id)
{
	arena *a = arena_new();
	outbox_mail m;
	int64_t now = (int64_t)time(NULL);
	int claimed = outbox_claim(c, a, id, now, &m);
	if (claimed <= 0) {
		if (claimed < 0)
			fprintf(stderr, "trygg: mail %lld: cannot claim: %s\n", (long long)id, db_errmsg(c));
		goto out;
	}
	buf message = BUF_INIT;
	mail_message mm = { s->from, s->from_name, m.to, m.subject, m.body, m.message_id, now };
	mail_format(&message, &mm);
	const char *error = NULL;
	int sent = smtp_send(s, a, m.to, &message, &error);
	buf_free(&message);
	now = (int64_t)time(NULL);
	int rc;
	if (sent == 0) {
		rc = outbox_record_sent(c, id, now);
	} else {
		bool give_up = now - m.created_at >= OUTBOX_GIVE_UP_SECONDS;
		int64_t next = now + retry_delay(s->retry_seconds, m.attempts + 1);
		fprintf(stderr, "trygg: mail %lld to %s not sent (try %lld%s): %s\n", (long long)id,
			mail_mask_address(a, m.to), (long long)m.attempts + 1, give_up ? ", given up" : "", error);
		rc = outbox_record_failure(c, id, now, next, give_up, error);
	}
	if (rc != 0)
		fprintf(stderr, "trygg: mail %lld: cannot record the outcome: %s\n", (long long)id, db_errmsg(c));
out:
	arena_free(a);
}

/* Sends every mail that is due, as long as the worker is not stopping. */
static void send_due(db_conn *c)
{
	arena *a = arena_new();
	smtp_settings s;
	int64_t ids[BATCH];
	int configured = smtp_settings_read(c, a, &s);
	if (configured < 0)
		fprintf(stderr, "trygg: mail: cannot read the settings: %s\n", db_errmsg(c));
	if (configured <= 0)
		goto out;
	int n = outbox_due(c, (int64_t)time(NULL), ids, BATCH);
	if (n < 0)
		fprintf(stderr, "trygg: mail: cannot read the outbox: %s\n", db_errmsg(c));
	for (int i = 0; i < n && !atomic_load(&worker.stopping); i++)
		send_one(c, &s, ids[i]);
out:
	arena_free(a);
}

/* ---- the thread ---- */

static void *worker_main(void *unused)
{
	int64_t next_job[MAX_JOBS] = { 0 }, next_purge = 0;
	while (!atomic_load(&worker.stopping)) {
		db_conn *c = db_acquire(worker.d);
		if (c != NULL) {
			int64_t now = (int64_t)time(NULL);
			for (size_t i = 0; i < worker.job_count && !atomic_load(&worker.stopping); i++) {
				if (now < next_job[i])
					continue;
				if (worker.jobs[i].run(c, worker.cfg, now) != 0)
					fprintf(stderr, "trygg: job '%s' failed: %s\n", worker.jobs[i].name, db_errmsg(c));
				next_job[i] = now + worker.jobs[i].interval_seconds;
			}
			if (now >= next_purge) {
				if (outbox_purge(c, now) != 0)
					fprintf(stderr, "trygg: mail: cannot purge sent mail: %s\n", db_errmsg(c));
				next_purge = now + PURGE_INTERVAL_SECONDS;
			}
			send_due(c);
			db_release(worker.d, c);
		}
		wait_for_work(POLL_SECONDS);
	}
	return NULL;
}

int mail_worker_start(db *d, const config *cfg, const mail_job *jobs, size_t job_count, char **err)
{
	*err = NULL;
	if (job_count > MAX_JOBS) {
		*err = xstrdup("too many background jobs");
		return -1;
	}
	worker.d = d;
	worker.cfg = cfg;
	worker.jobs = jobs;
	worker.job_count = job_count;
	worker.wake = false;
	atomic_store(&worker.stopping, false);
	if (pthread_create(&worker.thread, NULL, worker_main, NULL) != 0) {
		*err = xstrdup("cannot start the mail worker thread");
		return -1;
	}
	worker.running = true;
	return 0;
}

void mail_worker_stop(void)
{
	if (!worker.running)
		return;
	pthread_mutex_lock(&worker.lock);
	atomic_store(&worker.stopping, true);
	pthread_cond_signal(&worker.cond);
	pthread_mutex_unlock(&worker.lock);
	pthread_join(worker.thread, NULL);
	worker.running = false;
	if (worker.curl_ready) {
		curl_global_cleanup();
		worker.curl_ready = false;
	}
}
