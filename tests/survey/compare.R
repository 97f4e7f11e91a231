# compare.R — the R half of tests/survey/compare_r.sh.
#
#   Rscript tests/survey/compare.R reference DIR   data, specs and R's answers into DIR
#   Rscript tests/survey/compare.R check DIR       compares DIR/*.c.txt with DIR/*.r.txt
#
# Scenarios (one spec each; same generated data: 1,200-odd respondents,
# margins age group × sex, area and housing, unequal sampling and response,
# missing answers, an area with few respondents, shares near 0 % and 100 %):
#   main      raked to convergence; every kind of figure, overall and per domain
#   rdefault  R's default rake() control (maxit 10, epsilon 1), Trygg with the same rule
#   maxit2    stopped after two sweeps, unconverged (R warns, Trygg reports the error): same numbers
#   trim      trimmed to [0.5, u] × mean weight, u = 90 % of the largest (held at the bounds, the rest raked again)
#   unraked   base weights only (no margins)
# COMPARE_R_SEED and COMPARE_R_N (default 20260101 and 1200) draw other data.
# check prints one line per group of figures with the largest differences,
# and ends with "compare_r: N passed, N failed".

args <- commandArgs(trailingOnly = TRUE)
script_dir <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
source(file.path(script_dir, "agree.R"))

tight <- list(maxit = 1000, epsilon = 1e-13)

scenario_main <- function(run) {
	job_weights(run)
	for (by in list(NULL, "area", "age", "sex", "housing")) job_mean(run, "trust1", by)
	for (by in list(NULL, "area")) job_mean(run, "years", by)
	for (by in list(NULL, "area", "age")) job_share(run, "top1", by)
	job_share(run, "rare")
	job_share(run, "common")
	for (by in list(NULL, "area")) {
		job_ratio(run, "reported_a", "reported_b", by)
		job_mean(run, "p1", by, kind = "problem", column = "p1_score")
		job_problem_total(run, paste0("p", 1:4), by)
		job_share(run, "evening", by, kind = "unsafety", column = "evening_unsafe")
		job_share(run, "v1", by, kind = "victimisation", column = "victimised_any",
		          spec = paste("victimisation", if (is.null(by)) "-" else by, "v1 v2 v3 v4"))
		job_ratio(run, "reported_a", "reported_b", by, kind = "reporting", name = "v1",
		          spec = paste("reporting", if (is.null(by)) "-" else by, "v1 v2 v3 v4 / r1 r2 r3 r4"))
	}
	job_mean(run, "p2", kind = "problem", column = "p2_score")
	job_contrast(run, "mean", "trust1", "area", 1, 2)
	job_contrast(run, "share", "top1", "area", 2, 4)
	job_contrast(run, "share", "top1", "area", 1, 6)
	job_contrast(run, "mean", "years", "age", 1, 4)
}

scenario_small <- function(run) {
	job_weights(run)
	job_mean(run, "trust1", "area")
	job_share(run, "top1", "area")
}

reference <- function(dir) {
	seed <- as.integer(Sys.getenv("COMPARE_R_SEED", "20260101"))
	gen <- generate(as.integer(Sys.getenv("COMPARE_R_N", "1200")), seed = seed)
	data_path <- file.path(dir, "data.csv")
	write_data(gen$df, data_path)
	cat(sprintf("compare_r: seed %d, %d respondents, area sizes %s\n", seed, nrow(gen$df),
	            paste(table(gen$df$area), collapse = " ")))
	main <- rake_design(gen, gen$df$w0, tight)
	# Trimming that binds: an upper bound at 90 % of the largest raked weight.
	upper <- floor(90 * max(weights(main)) / mean(weights(main))) / 100
	scenarios <- list(
		main = list(design = main, fill = scenario_main,
		            setup = c(gen$margin_lines, "rake margin_error 1e-12 1000", "min_n 0")),
		rdefault = list(design = suppressWarnings(rake_design(gen, gen$df$w0, list(maxit = 10, epsilon = 1))),
		                fill = scenario_small,
		                setup = c(gen$margin_lines, "rake table_change 1 10", "min_n 0")),
		maxit2 = list(design = suppressWarnings(rake_design(gen, gen$df$w0, list(maxit = 2, epsilon = 1e-13))),
		              fill = scenario_small,
		              setup = c(gen$margin_lines, "rake table_change 1e-13 2", "min_n 0")),
		trim = list(design = trim_design(gen, 0.5, upper, 20, 1e-6, tight), fill = scenario_small,
		            setup = c(gen$margin_lines, "rake margin_error 1e-12 1000",
		                      paste("trim 0.5", upper, "20 1e-6"), "min_n 0")),
		unraked = list(design = svydesign(ids = ~1, weights = ~w0, data = gen$df),
		               fill = function(run) {
		               	scenario_small(run)
		               	job_ratio(run, "reported_a", "reported_b", "area")
		               },
		               setup = "min_n 0"))
	for (name in names(scenarios)) {
		s <- scenarios[[name]]
		run <- new_run(gen, data_path, s$design)
		for (line in s$setup) spec_line(run, line)
		s$fill(run)
		write_run(run, file.path(dir, paste0(name, ".spec")), file.path(dir, paste0(name, ".r.txt")))
	}
	w <- weights(scenarios$main$design)
	cat(sprintf("compare_r: main weights %.3g … %.3g; trimmed to [0.5, %.2f] × mean: %.3g … %.3g\n", min(w), max(w), upper,
	            min(weights(scenarios$trim$design)), max(weights(scenarios$trim$design))))
}

check <- function(dir) {
	totals <- c(passed = 0, failed = 0)
	for (name in c("main", "rdefault", "maxit2", "trim", "unraked"))
		totals <- totals + compare_results(file.path(dir, paste0(name, ".r.txt")),
		                                   file.path(dir, paste0(name, ".c.txt")), name)
	cat(sprintf("compare_r: %d passed, %d failed\n", totals[["passed"]], totals[["failed"]]))
	quit(status = if (totals[["failed"]] == 0) 0 else 1)
}

if (length(args) != 2 || !args[1] %in% c("reference", "check")) {
	cat("usage: Rscript compare.R reference|check DIR\n", file = stderr())
	quit(status = 2)
}
if (args[1] == "reference") {
	source(file.path(script_dir, "reference.R"))  # loads the survey package, which check does not need
	reference(args[2])
} else {
	check(args[2])
}
