/*
 * cli.h — what the commands that read their own words and options after
 * `trygg COMMAND` share (areas, survey, tips): "--name VALUE" and
 * "--name=VALUE", the usage error, and --database/--config over the
 * configuration.
 */
#ifndef TRYGG_CORE_CLI_H
#define TRYGG_CORE_CLI_H

#include "core/config.h"

#include <stdbool.h>

#define CLI_EXIT_USAGE 2

/* Prints "trygg: MESSAGE[ ARG]", a blank line and usage to stderr. Returns
 * CLI_EXIT_USAGE. */
int cli_usage_error(const char *usage, const char *message, const char *arg);

/* The value of an option given as "--name VALUE" or "--name=VALUE" at
 * argv[*i], advancing *i past it; NULL when argv[*i] is not that option. Sets
 * *missing when the option has no value. */
const char *cli_option_value(int argc, char **argv, int *i, const char *name, bool *missing);

/* --database and --config as given (not owned: they point into argv). */
typedef struct cli_db_options {
	const char *database, *config_file;
} cli_db_options;

/* True when argv[*i] is --database or --config with its value (taken into o,
 * *i advanced); false otherwise, with *missing set when the value is missing. */
bool cli_db_option(cli_db_options *o, int argc, char **argv, int *i, bool *missing);

/* Loads o's config file into cfg, then puts o's database over it. Returns 0,
 * or CLI_EXIT_USAGE after printing the problem. */
int cli_db_apply(const cli_db_options *o, config *cfg, const char *usage);

#endif
