/*
 * cli.c — the shared option reading of the commands with words of their own
 * (see cli.h).
 */
#include "core/cli.h"
#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_usage_error(const char *usage, const char *message, const char *arg)
{
	fprintf(stderr, "trygg: %s%s%s\n\n%s", message, arg ? " " : "", arg ? arg : "", usage);
	return CLI_EXIT_USAGE;
}

const char *cli_option_value(int argc, char **argv, int *i, const char *name, bool *missing)
{
	size_t len = strlen(name);
	if (strncmp(argv[*i], name, len) != 0)
		return NULL;
	if (argv[*i][len] == '=')
		return argv[*i] + len + 1;
	if (argv[*i][len] != '\0')
		return NULL;
	if (*i + 1 >= argc) {
		*missing = true;
		return NULL;
	}
	return argv[++*i];
}

bool cli_db_option(cli_db_options *o, int argc, char **argv, int *i, bool *missing)
{
	const char *v;
	if ((v = cli_option_value(argc, argv, i, "--database", missing)) != NULL)
		o->database = v;
	else if ((v = cli_option_value(argc, argv, i, "--config", missing)) != NULL)
		o->config_file = v;
	return v != NULL;
}

int cli_db_apply(const cli_db_options *o, config *cfg, const char *usage)
{
	char *err = NULL;
	if (o->config_file && config_load_file(cfg, o->config_file, &err) != 0) {
		fprintf(stderr, "trygg: %s\n", err);
		free(err);
		return CLI_EXIT_USAGE;
	}
	if (o->database) {
		if (!str_starts_with(o->database, "sqlite:") && !str_starts_with(o->database, "postgresql://") &&
		    !str_starts_with(o->database, "postgres://"))
			return cli_usage_error(usage, "--database must start with sqlite: or postgresql://, not", o->database);
		free(cfg->database);
		cfg->database = xstrdup(o->database);
	}
	return 0;
}
