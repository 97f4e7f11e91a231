/*
 * i18n.h — translations from gettext catalogues, per request.
 *
 * Trygg's texts are written in Swedish in the source (Swedish first); each
 * other language has a po/LANG.po file, compiled by msgfmt into LANG.mo. The
 * process-wide gettext() cannot serve two languages at once in one process,
 * so this module reads the .mo files itself and looks texts up per request.
 */
#ifndef TRYGG_WEB_I18N_H
#define TRYGG_WEB_I18N_H

#include <stddef.h>

typedef struct i18n i18n;

/* The languages Trygg speaks, source language first. */
extern const char *const i18n_languages[];

/* Loads DIR/LANG.mo for every language but the source one. A missing
 * catalogue is an error. Returns NULL with *err (caller frees). */
i18n *i18n_load(const char *dir, char **err);
void i18n_free(i18n *t);
/* Returns the translation of msgid into lang, or msgid itself when there is none. */
const char *i18n_translate(const i18n *t, const char *lang, const char *msgid);
/* Returns the supported language code equal to code (e.g. "en"), or NULL. */
const char *i18n_language(const char *code);
/* Picks the best supported language from an Accept-Language header, or NULL. */
const char *i18n_negotiate(const char *accept_language);

#endif
