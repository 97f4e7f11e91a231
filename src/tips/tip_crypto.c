/*
 * tip_crypto.c — the cryptography of the tip service (see tip_crypto.h), and
 * the design it serves. Everything below uses libsodium only.
 *
 * WHO CAN READ A TIP
 *   Only someone who knows a police officer's password, or holds the cookie
 *   of a live login of one. Not the server on its own, not its database, not
 *   its configuration files, not an administrator of Trygg.
 *
 * THE KEYS
 *   unit key      The police unit's X25519 key pair (crypto_box). Its public
 *                 key is in the clear (tip_unit_keys); every tip, message and
 *                 attachment key is sealed to it (crypto_box_seal) BEFORE it
 *                 is written. Its secret key is never stored in the clear:
 *                 only sealed to each officer's key (tip_unit_access).
 *   officer key   Each officer's (ROLE_POLIS) own X25519 key pair. The public
 *                 key is in the clear; the secret key is stored only wrapped:
 *                 argon2id(password, per-officer salt, the cost of the
 *                 moment, stored with it) -> 32-byte key -> crypto_secretbox
 *                 (tip_officer_keys). So the unit key is wrapped once per
 *                 officer, by that officer's password, with one level between
 *                 them. The level is there for officers who are not logged
 *                 in: a grant or a rotation can seal the unit key to their
 *                 public key without their password, and nothing waits to
 *                 be "re-wrapped at the next login".
 *   session wrap  At login (the hook in src/auth/pages.c) the password unwraps
 *                 the officer key, which is then wrapped again for that login
 *                 session only: key = BLAKE2b("trygg tips officer-session" ||
 *                 session token), crypto_secretbox, in tip_officer_sessions.
 *                 The token is only in the officer's cookie; the database
 *                 holds another hash of it (sessions.id, BLAKE2b(token)),
 *                 from which this key cannot be derived. The row goes with the
 *                 session (ON DELETE CASCADE): logout, expiry, password change
 *                 elsewhere, disabled account. Every request of an officer
 *                 unwraps the officer key with the cookie, opens the unit key
 *                 with it, uses it and wipes both (sodium_malloc/mlock,
 *                 sodium_free). Because the wrap is in the database, every
 *                 `trygg serve` process sharing one PostgreSQL can serve an
 *                 officer, and a restart does not lock officers out; the
 *                 database alone, without the cookie, opens nothing.
 *   tipster key   An X25519 key pair per tip. Its secret key is wrapped with
 *                 argon2id(passphrase, per-tip salt) -> crypto_secretbox; the
 *                 successful unwrap is also how the passphrase is checked, so
 *                 no separate password hash is stored. Questions from the
 *                 police and the tipster's answers are sealed both to the unit
 *                 key and to the tipster key, so both sides can read the
 *                 conversation (the tip itself is sealed to the unit key only:
 *                 someone who finds a tipster's passphrase does not get it).
 *                 A tipster's visit keeps the tipster key wrapped under a key
 *                 derived from a browser-session cookie (tip_visits), as the
 *                 officers' sessions do; ending the visit deletes it.
 *   file key      A random crypto_secretstream key per attachment; the file
 *                 is encrypted with it in 64 KiB chunks (tip_file_write) and
 *                 the key is sealed to the unit key. Photos are first decoded
 *                 and re-encoded by libvips in the photo helper process
 *                 (tips/photo.c), which drops all metadata (GPS position,
 *                 camera, times); its output file, 0600 in the upload
 *                 folder, is read back, zeroed and removed at once.
 *
 * OFFICERS
 *   First officer  `trygg tips init-key --officer EMAIL` (password on stdin)
 *                  creates the unit key and seals it to that officer's key.
 *   New officer    An administrator gives someone the polis role. At their
 *                  first login their officer key is made: a pending request
 *                  (no access row). A logged-in officer with access approves
 *                  it on /personal/tips/nycklar, which seals the unit secret
 *                  key to the new officer's public key. The page shows a
 *                  fingerprint of the key on both officers' screens to compare.
 *   Removal        Deleting the officer key (and with it the access row and
 *                  any session wrap). Done by an officer on the same page, and
 *                  automatically when someone without the polis role logs in
 *                  or at the hourly job. After removing someone who may have
 *                  copied the database, rotate the unit key.
 *   Rotation       A logged-in officer with access makes a new unit key pair;
 *                  in one transaction every tip and message is opened with the
 *                  old key and sealed to the new one, every attachment is
 *                  re-encrypted under a new file key sealed to the new key, the
 *                  new secret key is sealed to the public key of every officer
 *                  who had access (logged in or not), pending requests stay
 *                  pending, and the old key is deleted.
 *   Password       Changing one's own password re-wraps the officer key (hook
 *                  in the password page). An administrator who resets an
 *                  officer's password cannot unwrap it: at that officer's next
 *                  login a new officer key is made, as a pending request that
 *                  another officer must approve. So no administrator can give
 *                  themselves the polis role, or reset an officer's password,
 *                  and read tips: an officer must approve them.
 *
 * RECEIPT AND PASSPHRASE
 *   The receipt is 16 random digits (53 bits); the database keeps a keyed
 *   BLAKE2b hash of it with the server key as an index. The server key lives
 *   in the database, so that hash is an index, not a secret: the protection
 *   is the passphrase, six words from a list of tip_word_count words (over
 *   60 bits), which only argon2id ever sees. Both are shown once and never
 *   stored.
 *
 * WHAT THIS DOES NOT PROTECT AGAINST
 *   A server that is taken over while officers use it (it sees keys in
 *   memory then); a stolen officer password or live cookie; what a tipster
 *   types that identifies them. Deleted rows may stay in database free pages,
 *   WAL and backups until overwritten; they are still sealed, and rotating
 *   the unit key leaves them under a key that is eventually gone.
 */
#include "tips/tip_crypto.h"
#include "core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define FILE_CHUNK_BYTES (64 * 1024)
#define FILE_CIPHER_CHUNK (FILE_CHUNK_BYTES + crypto_secretstream_xchacha20poly1305_ABYTES)
static const unsigned char FILE_MAGIC[8] = { 'T', 'R', 'Y', 'G', 'G', 'T', 'I', '1' };

unsigned char *tip_secret_new(void)
{
	/* Cheap after the first call; command-line paths reach here before anything else starts libsodium. */
	if (sodium_init() < 0)
		fatal("libsodium cannot start");
	unsigned char *p = sodium_malloc(TIP_SECRET_BYTES);
	if (p == NULL)
		fatal("out of memory for a secret key");
	return p;
}

void tip_secret_free(unsigned char *secret)
{
	if (secret)
		sodium_free(secret); /* wipes it first */
}

void tip_buf_wipe(buf *b)
{
	if (b->data)
		sodium_memzero(b->data, b->cap);
	buf_free(b);
}

void tip_keypair(unsigned char pk[TIP_PUBLIC_BYTES], unsigned char *sk)
{
	crypto_box_keypair(pk, sk);
}

void tip_public_of(const unsigned char *sk, unsigned char pk[TIP_PUBLIC_BYTES])
{
	crypto_scalarmult_base(pk, sk);
}

void tip_seal(const unsigned char pk[TIP_PUBLIC_BYTES], const void *msg, size_t len, unsigned char *out)
{
	crypto_box_seal(out, msg, len, pk);
}

int tip_open(const unsigned char pk[TIP_PUBLIC_BYTES], const unsigned char *sk, const unsigned char *sealed,
	     size_t len, unsigned char *out)
{
	if (len < TIP_SEAL_BYTES)
		return -1;
	return crypto_box_seal_open(out, sealed, len, pk, sk) == 0 ? 0 : -1;
}

int tip_open_buf(const unsigned char pk[TIP_PUBLIC_BYTES], const unsigned char *sk, const void *sealed, size_t len,
		 buf *b)
{
	if (sealed == NULL || len < TIP_SEAL_BYTES)
		return -1;
	size_t plain_len = len - TIP_SEAL_BYTES;
	unsigned char *plain = sodium_malloc(plain_len + 1);
	if (plain == NULL)
		fatal("out of memory for a tip");
	int rc = tip_open(pk, sk, sealed, len, plain);
	if (rc == 0)
		buf_append(b, plain, plain_len);
	sodium_free(plain);
	return rc;
}

/* The argon2id key of password with w's salt and limits. 0, or -1 when out of memory. */
static int password_key(const char *password, const tip_wrap *w, unsigned char *key)
{
	return crypto_pwhash(key, crypto_secretbox_KEYBYTES, password, strlen(password), w->salt, w->opslimit,
			     w->memlimit, crypto_pwhash_ALG_ARGON2ID13);
}

int tip_wrap_password(const char *password, unsigned long long opslimit, size_t memlimit, const unsigned char *secret,
		      tip_wrap *out)
{
	unsigned char *key = tip_secret_new();
	int rc = -1;
	randombytes_buf(out->salt, sizeof(out->salt));
	out->opslimit = opslimit;
	out->memlimit = memlimit;
	if (password_key(password, out, key) != 0)
		goto out;
	tip_wrap_key(key, secret, out->box);
	rc = 0;
out:
	tip_secret_free(key);
	return rc;
}

int tip_unwrap_password(const char *password, const tip_wrap *w, unsigned char *secret)
{
	unsigned char *key = tip_secret_new();
	int rc = -1;
	if (password_key(password, w, key) != 0)
		goto out;
	rc = tip_unwrap_key(key, w->box, secret);
out:
	tip_secret_free(key);
	return rc;
}

void tip_token_key(const char *purpose, const char *token, unsigned char *key)
{
	static const char prefix[] = "trygg tips ";
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, crypto_secretbox_KEYBYTES);
	crypto_generichash_update(&st, (const unsigned char *)prefix, sizeof(prefix) - 1);
	/* With its NUL, so that no purpose is a prefix of purpose + token of another. */
	crypto_generichash_update(&st, (const unsigned char *)purpose, strlen(purpose) + 1);
	crypto_generichash_update(&st, (const unsigned char *)token, strlen(token));
	crypto_generichash_final(&st, key, crypto_secretbox_KEYBYTES);
	sodium_memzero(&st, sizeof(st));
}

void tip_wrap_key(const unsigned char *key, const unsigned char *secret, unsigned char box[TIP_WRAP_BYTES])
{
	randombytes_buf(box, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(box + crypto_secretbox_NONCEBYTES, secret, TIP_SECRET_BYTES, box, key);
}

int tip_unwrap_key(const unsigned char *key, const unsigned char box[TIP_WRAP_BYTES], unsigned char *secret)
{
	return crypto_secretbox_open_easy(secret, box + crypto_secretbox_NONCEBYTES,
					  TIP_WRAP_BYTES - crypto_secretbox_NONCEBYTES, box, key) == 0
		       ? 0
		       : -1;
}

/* ---- encrypted files ---- */

static int write_all(int fd, const void *data, size_t len)
{
	const unsigned char *p = data;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads up to len bytes (fewer only at the end of the file). Returns the count or -1. */
static ssize_t read_full(int fd, void *data, size_t len)
{
	unsigned char *p = data;
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* An encrypted file being written: its descriptor and stream state. */
typedef struct file_sink {
	int fd;
	crypto_secretstream_xchacha20poly1305_state st;
} file_sink;

/* Creates path (never replacing a file) and writes the magic and stream header. 0 or -1. */
static int sink_open(file_sink *s, const char *path, const unsigned char *key)
{
	unsigned char header[crypto_secretstream_xchacha20poly1305_HEADERBYTES];
	s->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (s->fd < 0)
		return -1;
	crypto_secretstream_xchacha20poly1305_init_push(&s->st, header, key);
	if (write_all(s->fd, FILE_MAGIC, sizeof(FILE_MAGIC)) != 0 || write_all(s->fd, header, sizeof(header)) != 0)
		return -1;
	return 0;
}

/* Encrypts and writes one chunk (final: the last one). 0 or -1. */
static int sink_push(file_sink *s, const unsigned char *plain, size_t len, bool final)
{
	unsigned char out[FILE_CIPHER_CHUNK];
	unsigned long long out_len = 0;
	crypto_secretstream_xchacha20poly1305_push(&s->st, out, &out_len, plain, len, NULL, 0,
						   final ? crypto_secretstream_xchacha20poly1305_TAG_FINAL : 0);
	return write_all(s->fd, out, (size_t)out_len);
}

/* Syncs and closes; on failure (ok false or a failing sync) removes the file
 * this sink created (never one that was there before). 0 or -1. */
static int sink_close(file_sink *s, const char *path, bool ok)
{
	bool created = s->fd >= 0;
	if (created) {
		if (ok && fsync(s->fd) != 0)
			ok = false;
		if (close(s->fd) != 0)
			ok = false;
	}
	s->fd = -1;
	sodium_memzero(&s->st, sizeof(s->st));
	if (!ok && created)
		unlink(path);
	return ok && created ? 0 : -1;
}

int tip_file_write(const char *path, const unsigned char *file_key, const void *data, size_t len)
{
	file_sink s = { .fd = -1 };
	const unsigned char *p = data;
	bool ok = sink_open(&s, path, file_key) == 0;
	size_t done = 0;
	/* At least one chunk, so that an empty file still ends with the final tag. */
	do {
		size_t n = len - done > FILE_CHUNK_BYTES ? FILE_CHUNK_BYTES : len - done;
		ok = ok && sink_push(&s, p + done, n, done + n == len) == 0;
		done += n;
	} while (ok && done < len);
	return sink_close(&s, path, ok);
}

/* An encrypted file being read. */
typedef struct file_source {
	int fd;
	crypto_secretstream_xchacha20poly1305_state st;
} file_source;

static int source_open(file_source *s, const char *path, const unsigned char *key)
{
	unsigned char magic[sizeof(FILE_MAGIC)];
	unsigned char header[crypto_secretstream_xchacha20poly1305_HEADERBYTES];
	s->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (s->fd < 0)
		return -1;
	if (read_full(s->fd, magic, sizeof(magic)) != (ssize_t)sizeof(magic) || memcmp(magic, FILE_MAGIC, sizeof(magic)) != 0 ||
	    read_full(s->fd, header, sizeof(header)) != (ssize_t)sizeof(header))
		return -1;
	return crypto_secretstream_xchacha20poly1305_init_pull(&s->st, header, key) == 0 ? 0 : -1;
}

/* Reads and decrypts the next chunk into plain (FILE_CHUNK_BYTES). Returns its
 * length with *final set, or -1 when the file is cut short or changed. */
static ssize_t source_pull(file_source *s, unsigned char *plain, bool *final)
{
	unsigned char in[FILE_CIPHER_CHUNK];
	unsigned long long plain_len = 0;
	unsigned char tag = 0;
	ssize_t n = read_full(s->fd, in, sizeof(in));
	if (n < (ssize_t)crypto_secretstream_xchacha20poly1305_ABYTES)
		return -1;
	if (crypto_secretstream_xchacha20poly1305_pull(&s->st, plain, &plain_len, &tag, in, (unsigned long long)n, NULL,
						       0) != 0)
		return -1;
	*final = tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL;
	/* A final chunk must be the end of the file; a short chunk must be final. */
	if (*final) {
		unsigned char extra;
		if (read_full(s->fd, &extra, 1) != 0)
			return -1;
	} else if (n < (ssize_t)sizeof(in)) {
		return -1;
	}
	return (ssize_t)plain_len;
}

static void source_close(file_source *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	sodium_memzero(&s->st, sizeof(s->st));
}

int tip_file_read(const char *path, const unsigned char *file_key, buf *out)
{
	file_source s = { .fd = -1 };
	unsigned char *plain = sodium_malloc(FILE_CHUNK_BYTES);
	bool final = false;
	int rc = -1;
	if (plain == NULL)
		fatal("out of memory for a file chunk");
	if (source_open(&s, path, file_key) != 0)
		goto out;
	while (!final) {
		ssize_t n = source_pull(&s, plain, &final);
		if (n < 0)
			goto out;
		buf_append(out, plain, (size_t)n);
	}
	rc = 0;
out:
	source_close(&s);
	sodium_free(plain);
	return rc;
}

int tip_file_rekey(const char *from, const unsigned char *old_key, const char *to, const unsigned char *new_key)
{
	file_source in = { .fd = -1 };
	file_sink outf = { .fd = -1 };
	unsigned char *plain = sodium_malloc(FILE_CHUNK_BYTES);
	bool final = false, ok = false;
	if (plain == NULL)
		fatal("out of memory for a file chunk");
	if (source_open(&in, from, old_key) != 0) {
		source_close(&in);
		sodium_free(plain);
		return -1;
	}
	ok = sink_open(&outf, to, new_key) == 0;
	while (ok && !final) {
		ssize_t n = source_pull(&in, plain, &final);
		ok = n >= 0 && sink_push(&outf, plain, (size_t)n, final) == 0;
	}
	source_close(&in);
	sodium_free(plain);
	return sink_close(&outf, to, ok);
}

/* ---- receipts, passphrases, fingerprints ---- */

void tip_receipt_new(char out[TIP_RECEIPT_CHARS + 1])
{
	size_t k = 0;
	for (int i = 0; i < TIP_RECEIPT_DIGITS; i++) {
		if (i > 0 && i % 4 == 0)
			out[k++] = ' ';
		out[k++] = (char)('0' + randombytes_uniform(10));
	}
	out[k] = '\0';
}

int tip_receipt_digits(const char *typed, char digits[TIP_RECEIPT_DIGITS + 1])
{
	size_t n = 0;
	for (const char *p = typed ? typed : ""; *p; p++) {
		if (*p >= '0' && *p <= '9') {
			if (n == TIP_RECEIPT_DIGITS)
				return -1;
			digits[n++] = *p;
		} else if (*p != ' ' && *p != '-' && *p != '\t') {
			return -1;
		}
	}
	digits[n] = '\0';
	return n == TIP_RECEIPT_DIGITS ? 0 : -1;
}

void tip_passphrase_new(buf *out)
{
	for (int i = 0; i < TIP_PASSPHRASE_WORDS; i++) {
		if (i > 0)
			buf_putc(out, ' ');
		buf_puts(out, tip_words[randombytes_uniform((uint32_t)tip_word_count)]);
	}
}

void tip_passphrase_normalise(const char *typed, buf *out)
{
	bool gap = false;
	size_t start = out->len;
	for (const char *p = typed ? typed : ""; *p; p++) {
		char c = *p;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c >= 'a' && c <= 'z') {
			if (gap && out->len > start)
				buf_putc(out, ' ');
			gap = false;
			buf_putc(out, c);
		} else {
			gap = true;
		}
	}
}

void tip_fingerprint(const unsigned char pk[TIP_PUBLIC_BYTES], char out[TIP_FINGERPRINT_CHARS + 1])
{
	unsigned char hash[8];
	char hex[sizeof(hash) * 2 + 1];
	crypto_generichash(hash, sizeof(hash), pk, TIP_PUBLIC_BYTES, NULL, 0);
	sodium_bin2hex(hex, sizeof(hex), hash, sizeof(hash));
	size_t k = 0;
	for (int i = 0; i < 16; i++) {
		if (i > 0 && i % 4 == 0)
			out[k++] = '-';
		out[k++] = (char)(hex[i] >= 'a' ? hex[i] - 'a' + 'A' : hex[i]);
	}
	out[k] = '\0';
}
