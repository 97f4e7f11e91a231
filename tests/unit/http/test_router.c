/*
 * test_router.c — route matching: literals, parameters, rest-of-path, 404
 * against 405, and HEAD answered by GET routes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "http/http.h"

static int h1(http_req *r) { return 200; }
static int h2(http_req *r) { return 201; }

static const http_route routes[] = {
	{ "GET", "/", h1, 0, 0 },
	{ "GET", "/personal/anvandare", h1, 0, 0 },
	{ "POST", "/personal/anvandare", h2, 0, 0 },
	{ "GET", "/personal/anvandare/{id}", h2, 0, 0 },
	{ "GET", "/assets/{fp}/{path...}", h1, 0, 0 },
};

static const http_route *match(arena *a, const char *method, const char *path, http_kv **params, int *status)
{
	*params = NULL;
	*status = 0;
	return http_route_match(routes, sizeof(routes) / sizeof(routes[0]), a, method, path, params, status);
}

static void matches_literals_and_parameters(void **state)
{
	arena *a = arena_new();
	http_kv *p;
	int status;
	assert_ptr_equal(match(a, "GET", "/", &p, &status), &routes[0]);
	assert_ptr_equal(match(a, "POST", "/personal/anvandare", &p, &status), &routes[2]);
	assert_ptr_equal(match(a, "GET", "/personal/anvandare/12", &p, &status), &routes[3]);
	assert_string_equal(http_kv_get(p, "id"), "12");
	assert_ptr_equal(match(a, "GET", "/assets/abc/css/x/site.css", &p, &status), &routes[4]);
	assert_string_equal(http_kv_get(p, "fp"), "abc");
	assert_string_equal(http_kv_get(p, "path"), "css/x/site.css");
	assert_ptr_equal(match(a, "HEAD", "/", &p, &status), &routes[0]);
	arena_free(a);
}

static void tells_404_from_405(void **state)
{
	arena *a = arena_new();
	http_kv *p;
	int status;
	assert_null(match(a, "GET", "/nothing", &p, &status));
	assert_int_equal(status, 404);
	assert_null(match(a, "DELETE", "/personal/anvandare", &p, &status));
	assert_int_equal(status, 405);
	assert_null(match(a, "GET", "/personal/anvandare/", &p, &status)); /* empty parameter */
	assert_int_equal(status, 404);
	assert_null(match(a, "GET", "/personal/anvandare/1/2", &p, &status));
	assert_int_equal(status, 404);
	assert_null(match(a, "GET", "", &p, &status));
	arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(matches_literals_and_parameters),
		cmocka_unit_test(tells_404_from_405),
	};
	return cmocka_run_group_tests_name("router", tests, NULL, NULL);
}
