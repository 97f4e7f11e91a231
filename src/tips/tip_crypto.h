/*
 * tip_crypto.h — the cryptography of the tip service, with no database and
 * no HTTP: key pairs, sealing to a public key, wrapping a secret key with a
 * password or a token, encrypted attachment files, receipt codes and
 * passphrases. The design (who holds which key, and why) is described at the
 * top of tip_crypto.c.
 *
 * Secret keys live in memory from tip_secret_new() (libsodium's guarded,
 * mlock()ed allocation) and are wiped by tip_secret_free(). Nothing here
 * prints or logs.
 */
#ifndef TRYGG_TIPS_TIP_CRYPTO_H
#define TRYGG_TIPS_TIP_CRYPTO_H

#include <sodium.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

#define TIP_PUBLIC_BYTES crypto_box_PUBLICKEYBYTES
#define TIP_SECRET_BYTES crypto_box_SECRETKEYBYTES
#define TIP_SEAL_BYTES crypto_box_SEALBYTES
#define TIP_SALT_BYTES crypto_pwhash_SALTBYTES
/* A wrapped secret key: nonce || crypto_secretbox(secret key). */
#define TIP_WRAP_BYTES (crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + TIP_SECRET_BYTES)
#define TIP_FILE_KEY_BYTES crypto_secretstream_xchacha20poly1305_KEYBYTES
#define TIP_RECEIPT_DIGITS 16
#define TIP_RECEIPT_CHARS (TIP_RECEIPT_DIGITS + TIP_RECEIPT_DIGITS / 4 - 1) /* "1234 5678 9012 3456" */
#define TIP_PASSPHRASE_WORDS 6
/* A short, readable fingerprint of a public key: "AB12-CD34-EF56-7890". */
#define TIP_FINGERPRINT_CHARS 19

/* What a password wrap needs besides the password: the argon2id salt and
 * limits it was made with (kept with it, so that changing the configured
 * cost never locks anyone out) and the box. */
typedef struct tip_wrap {
	unsigned char salt[TIP_SALT_BYTES];
	unsigned long long opslimit;
	size_t memlimit;
	unsigned char box[TIP_WRAP_BYTES];
} tip_wrap;

/* Returns a new TIP_SECRET_BYTES (or TIP_FILE_KEY_BYTES, the same size) guarded
 * buffer for a secret key. Aborts through fatal() when memory runs out. */
unsigned char *tip_secret_new(void);
/* Wipes and frees a buffer from tip_secret_new(). NULL is allowed. */
void tip_secret_free(unsigned char *secret);
/* Wipes a buffer's whole storage, then frees it (for plaintexts). */
void tip_buf_wipe(buf *b);

/* Makes an X25519 key pair: pk, and sk (from tip_secret_new()). */
void tip_keypair(unsigned char pk[TIP_PUBLIC_BYTES], unsigned char *sk);
/* Derives the public key of sk. */
void tip_public_of(const unsigned char *sk, unsigned char pk[TIP_PUBLIC_BYTES]);

/* Seals len bytes of msg to pk (crypto_box_seal); out gets len + TIP_SEAL_BYTES. */
void tip_seal(const unsigned char pk[TIP_PUBLIC_BYTES], const void *msg, size_t len, unsigned char *out);
/* Opens what tip_seal() made with the key pair pk, sk; out gets len - TIP_SEAL_BYTES.
 * Returns 0, or -1 when it is not sealed to that key or was changed. */
int tip_open(const unsigned char pk[TIP_PUBLIC_BYTES], const unsigned char *sk, const unsigned char *sealed,
	     size_t len, unsigned char *out);
/* As tip_open(), appended to b; for texts. Give an empty b (wiped later with
 * tip_buf_wipe()), so that no copy of the plaintext is left by a reallocation. 0 or -1. */
int tip_open_buf(const unsigned char pk[TIP_PUBLIC_BYTES], const unsigned char *sk, const void *sealed, size_t len,
		 buf *b);

/* Wraps secret (TIP_SECRET_BYTES) with a key derived from password by argon2id
 * at the given cost, with a new random salt. Returns 0, or -1 when libsodium
 * cannot get the memory for argon2id. */
int tip_wrap_password(const char *password, unsigned long long opslimit, size_t memlimit, const unsigned char *secret,
		      tip_wrap *out);
/* Unwraps into secret. Returns 0, or -1 for a wrong password (or a changed box). */
int tip_unwrap_password(const char *password, const tip_wrap *w, unsigned char *secret);

/* Derives a 32-byte key (into key, from tip_secret_new()) from a token that
 * only a browser's cookie holds, for purpose ("officer-session", "tipster-visit").
 * It is a different hash from the one that names the token in the database. */
void tip_token_key(const char *purpose, const char *token, unsigned char *key);
/* Wraps secret with a 32-byte key: box gets nonce || secretbox. */
void tip_wrap_key(const unsigned char *key, const unsigned char *secret, unsigned char box[TIP_WRAP_BYTES]);
/* Unwraps box with key into secret. 0, or -1 when the key is not the one. */
int tip_unwrap_key(const unsigned char *key, const unsigned char box[TIP_WRAP_BYTES], unsigned char *secret);

/* Writes len bytes of data to a new file at path (mode 0600, never replacing
 * one), encrypted with crypto_secretstream in chunks under file_key, and
 * syncs it. Returns 0, or -1 (the file is removed). */
int tip_file_write(const char *path, const unsigned char *file_key, const void *data, size_t len);
/* Decrypts the file at path into out (appended). Returns 0, or -1 when it
 * cannot be read, was cut short or changed, or file_key is not its key. */
int tip_file_read(const char *path, const unsigned char *file_key, buf *out);
/* Re-encrypts the file at from under new_key into a new file at to, one
 * chunk at a time (no plaintext beyond one chunk in memory). 0 or -1. */
int tip_file_rekey(const char *from, const unsigned char *old_key, const char *to, const unsigned char *new_key);

/* A new random receipt code: 16 digits in groups of four, NUL-terminated. */
void tip_receipt_new(char out[TIP_RECEIPT_CHARS + 1]);
/* The 16 digits of a receipt as typed (spaces and dashes allowed). Returns 0
 * with digits filled (NUL-terminated), or -1 when it is not 16 digits. */
int tip_receipt_digits(const char *typed, char digits[TIP_RECEIPT_DIGITS + 1]);

/* The word list of passphrases (words.c): lower-case a–z only, so that no
 * keyboard or Unicode normalisation can make a typed phrase differ. */
extern const char *const tip_words[];
extern const size_t tip_word_count;
/* Appends a new passphrase of TIP_PASSPHRASE_WORDS random words, separated by
 * single spaces, to out. */
void tip_passphrase_new(buf *out);
/* Appends the canonical form of a typed passphrase to out: lower case, words
 * separated by one space, anything that is not a letter a–z taken as a
 * separator. */
void tip_passphrase_normalise(const char *typed, buf *out);

/* Writes the fingerprint of pk (TIP_FINGERPRINT_CHARS + NUL) to out. */
void tip_fingerprint(const unsigned char pk[TIP_PUBLIC_BYTES], char out[TIP_FINGERPRINT_CHARS + 1]);

#endif
