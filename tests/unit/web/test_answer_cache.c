/*
 * test_answer_cache.c — the answer cache's store: an answer comes back as it
 * was put, only at its generation, the byte budget holds with the least
 * recently used answers evicted first, answers over the per-entry limit are
 * refused, an entry a reader holds survives its eviction, and the store is
 * safe with several threads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web/answer_cache.h"

static answer_cache_view answer(const char *body)
{
	static const char headers[] = "Access-Control-Allow-Origin\0*\0";
	return (answer_cache_view){ body, strlen(body), "application/json", headers, sizeof(headers) - 1 };
}

static bool has(answer_cache *c, const char *key, int64_t gen, const char *body)
{
	answer_cache_view v;
	answer_cache_entry *e = answer_cache_get(c, key, strlen(key), gen, &v);
	if (e == NULL)
		return false;
	bool same = v.body_len == strlen(body) && memcmp(v.body, body, v.body_len) == 0;
	answer_cache_release(c, e);
	return same;
}

static void an_answer_comes_back_as_put(void **state)
{
	(void)state;
	answer_cache *c = answer_cache_new(64 * 1024, 16 * 1024);
	answer_cache_view a = answer("[{\"id\":1}]");
	assert_true(answer_cache_put(c, "k1", 2, 7, &a));
	answer_cache_view v;
	answer_cache_entry *e = answer_cache_get(c, "k1", 2, 7, &v);
	assert_non_null(e);
	assert_int_equal(v.body_len, a.body_len);
	assert_memory_equal(v.body, a.body, a.body_len);
	assert_string_equal(v.content_type, "application/json");
	assert_int_equal(v.headers_len, a.headers_len);
	assert_memory_equal(v.headers, a.headers, a.headers_len);
	answer_cache_release(c, e);
	assert_null(answer_cache_get(c, "k2", 2, 7, &v));
	assert_null(answer_cache_get(c, "k", 1, 7, &v));
	answer_cache_free(c);
	assert_null(answer_cache_new(0, 100)); /* a budget of 0: no cache, and NULL is accepted */
	assert_false(answer_cache_put(NULL, "k", 1, 1, &a));
	assert_null(answer_cache_get(NULL, "k", 1, 1, &v));
}

static void another_generation_is_a_miss_and_drops_it(void **state)
{
	(void)state;
	answer_cache *c = answer_cache_new(64 * 1024, 16 * 1024);
	answer_cache_view a = answer("old");
	assert_true(answer_cache_put(c, "k", 1, 1, &a));
	assert_false(has(c, "k", 2, "old"));
	assert_int_equal(answer_cache_count(c), 0);
	assert_int_equal(answer_cache_bytes(c), 0);
	a = answer("new");
	assert_true(answer_cache_put(c, "k", 1, 2, &a));
	a = answer("newer");
	assert_true(answer_cache_put(c, "k", 1, 2, &a)); /* replaces */
	assert_int_equal(answer_cache_count(c), 1);
	assert_true(has(c, "k", 2, "newer"));
	answer_cache_free(c);
}

static void the_budget_holds_and_the_least_recently_used_go_first(void **state)
{
	(void)state;
	char body[1000];
	memset(body, 'x', sizeof(body) - 1);
	body[sizeof(body) - 1] = '\0';
	const size_t budget = 5000;
	answer_cache *c = answer_cache_new(budget, budget);
	answer_cache_view a = answer(body);
	char key[16];
	for (int i = 0; i < 20; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		assert_true(answer_cache_put(c, key, strlen(key), 1, &a));
		assert_true(answer_cache_bytes(c) <= budget);
		if (i == 1)
			assert_true(has(c, "k0", 1, body)); /* k0 is now more recent than k1 */
	}
	size_t n = answer_cache_count(c);
	assert_true(n >= 2 && n < 5);
	assert_true(has(c, "k19", 1, body));
	assert_false(has(c, "k1", 1, body));
	assert_false(has(c, "k0", 1, body));
	answer_cache_free(c);

	/* An answer over the per-entry limit is refused, the others stay. */
	c = answer_cache_new(budget, 1500);
	assert_true(answer_cache_put(c, "small", 5, 1, &a));
	char big[2000];
	memset(big, 'y', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	answer_cache_view b = answer(big);
	assert_false(answer_cache_put(c, "big", 3, 1, &b));
	assert_false(has(c, "big", 1, big));
	assert_true(has(c, "small", 1, body));
	answer_cache_free(c);
}

static void a_held_entry_outlives_its_eviction(void **state)
{
	(void)state;
	answer_cache *c = answer_cache_new(64 * 1024, 16 * 1024);
	answer_cache_view a = answer("held"), v;
	assert_true(answer_cache_put(c, "k", 1, 1, &a));
	answer_cache_entry *e = answer_cache_get(c, "k", 1, 1, &v);
	assert_non_null(e);
	assert_null(answer_cache_get(c, "k", 1, 2, &v)); /* a new generation drops it from the store */
	assert_int_equal(answer_cache_count(c), 0);
	assert_memory_equal(v.body, "held", 4); /* still readable: the sanitizers check this */
	answer_cache_release(c, e);
	answer_cache_free(c);
}

struct worker {
	answer_cache *c;
	int id;
};

static void *hammer(void *arg)
{
	struct worker *w = arg;
	char key[32], body[64];
	for (int i = 0; i < 2000; i++) {
		snprintf(key, sizeof(key), "k%d", i % 37);
		snprintf(body, sizeof(body), "body of %s", key);
		answer_cache_view a = answer(body), v;
		answer_cache_put(w->c, key, strlen(key), i % 3, &a);
		answer_cache_entry *e = answer_cache_get(w->c, key, strlen(key), (i + w->id) % 3, &v);
		if (e) {
			/* Whatever generation was found, the body belongs to its key. */
			if (v.body_len != strlen(body) || memcmp(v.body, body, v.body_len) != 0)
				abort();
			answer_cache_release(w->c, e);
		}
	}
	return NULL;
}

static void several_threads_share_it(void **state)
{
	(void)state;
	answer_cache *c = answer_cache_new(2048, 1024);
	pthread_t t[4];
	struct worker w[4];
	for (int i = 0; i < 4; i++) {
		w[i] = (struct worker){ c, i };
		pthread_create(&t[i], NULL, hammer, &w[i]);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	assert_true(answer_cache_bytes(c) <= 2048);
	answer_cache_free(c);
}

/* The doorkeeper: a key is "asked before" from its second time on; a flood
 * of one-off keys is never admitted, and a key asked twice among them is. */
static void only_keys_asked_before_are_admitted(void **state)
{
	(void)state;
	answer_cache *c = answer_cache_new(64 * 1024, 16 * 1024);
	assert_false(answer_cache_asked_before(c, "/a", 2));
	assert_true(answer_cache_asked_before(c, "/a", 2));
	assert_true(answer_cache_asked_before(c, "/a", 2));
	assert_false(answer_cache_asked_before(c, "/b", 2));
	char key[32];
	int admitted = 0;
	for (int i = 0; i < 2000; i++) {
		snprintf(key, sizeof(key), "/bbox=%d", i);
		admitted += answer_cache_asked_before(c, key, strlen(key));
		if (i == 1000)
			assert_true(answer_cache_asked_before(c, "/b", 2)); /* asked again, among them */
	}
	assert_int_equal(admitted, 0);
	assert_false(answer_cache_asked_before(NULL, "/a", 2));
	answer_cache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(an_answer_comes_back_as_put),
		cmocka_unit_test(another_generation_is_a_miss_and_drops_it),
		cmocka_unit_test(the_budget_holds_and_the_least_recently_used_go_first),
		cmocka_unit_test(a_held_entry_outlives_its_eviction),
		cmocka_unit_test(several_threads_share_it),
		cmocka_unit_test(only_keys_asked_before_are_admitted),
	};
	return cmocka_run_group_tests_name("answer_cache", tests, NULL, NULL);
}
