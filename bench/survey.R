# survey.R — the R half of bench/survey.sh.
#
#   Rscript bench/survey.R run DIR N ITEMS      data, spec for survey_cli, R's answers and times
#   Rscript bench/survey.R agree DIR            compares DIR/r.txt with DIR/c.txt
#
# "run" generates N respondents × ITEMS items (a third problem items, a half
# safety/trust items on a 1–5 scale, the rest victimisation yes/no), margins
# age group × sex, area and housing with unequal response, then times R's
# survey package doing what the results page needs: rake(), then for every
# item its figure — problem index (svymean of the 0–6 score), share answering
# 4–5 or share victimised (svyciprop, method = "logit", with SE) — for
# everyone and per area, age group and sex (svyby). The same questions go
# into DIR/bench.spec for Trygg. Times (seconds, wall clock) go to DIR/r.time.

args <- commandArgs(trailingOnly = TRUE)
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
source(file.path(here, "..", "tests", "survey", "agree.R"))

generate_large <- function(n, items, seed = 7) {
	set.seed(seed)
	n_problem <- items %/% 3
	n_trust <- items %/% 2
	n_crime <- items - n_problem - n_trust
	df <- data.frame(area = sample(1:6, n, TRUE, c(.3, .22, .18, .14, .13, .03)),
	                 age = sample(1:4, n, TRUE, c(.12, .26, .33, .29)),
	                 sex = sample(1:2, n, TRUE, c(.53, .47)),
	                 housing = sample(1:3, n, TRUE, c(.4, .35, .25)))
	df$w0 <- c(20, 25, 25, 30, 30, 30)[df$area]
	latent <- 0.3 * (df$age - 2.5) - 0.4 * (df$sex == 1) - c(0, .2, -.1, .5, -.2, .3)[df$area] + rnorm(n)
	missing <- function(x, share) replace(x, runif(n) < share, NA)
	for (k in seq_len(n_problem)) {
		code <- c(1L, 2L, 3L)[as.integer(cut(-latent + rnorm(n) + 0.05 * k, c(-Inf, 0, 0.9, Inf)))]
		code[runif(n) < 0.1] <- 4L
		code[runif(n) < 0.05] <- 5L
		df[[paste0("p", k)]] <- missing(code, 0.02)
		df[[paste0("p", k, "_score")]] <- recode(df[[paste0("p", k)]], problem_score)
	}
	for (k in seq_len(n_trust)) {
		code <- as.integer(cut(latent + rnorm(n, 0, 0.8) + 0.03 * k, c(-Inf, -1.2, -0.4, 0.4, 1.2, Inf)))
		df[[paste0("t", k)]] <- missing(code, 0.03)
		df[[paste0("t", k, "_top")]] <- as.numeric(df[[paste0("t", k)]] >= 4)
	}
	for (k in seq_len(n_crime)) {
		code <- ifelse(runif(n) < plogis(-2.4 - 0.3 * latent + 0.1 * k), 1L, 2L)
		code[runif(n) < 0.02] <- 3L
		df[[paste0("v", k)]] <- missing(code, 0.01)
		df[[paste0("v", k, "_yes")]] <- recode(df[[paste0("v", k)]], yes_no_score)
	}
	levels_of <- c(age = 4, sex = 2, area = 6, housing = 3)
	for (v in names(levels_of)) df[[v]] <- factor(df[[v]], levels = seq_len(levels_of[[v]]))
	# Population margins (N = 3,000,000; each margin adds up to N).
	N <- 3e6
	age_sex <- outer(c(.14, .31, .31, .24), c(.5, .5))
	pop_age_sex <- data.frame(expand.grid(age = factor(1:4), sex = factor(1:2)), Freq = as.vector(age_sex) * N)
	pop_area <- data.frame(area = factor(1:6), Freq = c(.28, .22, .2, .15, .1, .05) * N)
	pop_housing <- data.frame(housing = factor(1:3), Freq = c(.45, .3, .25) * N)
	counts <- pop_age_sex[order(pop_age_sex$age, pop_age_sex$sex), "Freq"]
	list(df = df, levels = levels_of, n_problem = n_problem, n_trust = n_trust, n_crime = n_crime,
	     margins = list(~age + sex, ~area, ~housing), populations = list(pop_age_sex, pop_area, pop_housing),
	     margin_lines = c(paste("margin age*sex", paste(counts, collapse = " ")),
	                      paste("margin area", paste(pop_area$Freq, collapse = " ")),
	                      paste("margin housing", paste(pop_housing$Freq, collapse = " "))))
}

run <- function(dir, n, items) {
	source(file.path(here, "..", "tests", "survey", "reference.R"))
	gen <- generate_large(n, items)
	data_path <- file.path(dir, "data.csv")
	write_data(gen$df, data_path)
	control <- list(maxit = 1000, epsilon = 1e-13)
	started <- proc.time()[["elapsed"]]
	design <- rake_design(gen, gen$df$w0, control)
	raked <- proc.time()[["elapsed"]]
	r <- new_run(gen, data_path, design)
	for (line in c(gen$margin_lines, "rake margin_error 1e-12 1000", "min_n 0")) spec_line(r, line)
	job_weights(r)
	for (by in list(NULL, "area", "age", "sex")) {
		for (k in seq_len(gen$n_problem))
			job_mean(r, paste0("p", k), by, kind = "problem", column = paste0("p", k, "_score"))
		for (k in seq_len(gen$n_trust))
			job_share(r, paste0("t", k, "_top"), by)
		for (k in seq_len(gen$n_crime))
			job_share(r, paste0("v", k), by, kind = "victimisation", column = paste0("v", k, "_yes"),
			          spec = paste("victimisation", if (is.null(by)) "-" else by, paste0("v", k)))
	}
	done <- proc.time()[["elapsed"]]
	write_run(r, file.path(dir, "bench.spec"), file.path(dir, "r.txt"))
	writeLines(sprintf("%.3f %.3f", raked - started, done - raked), file.path(dir, "r.time"))
}

if (length(args) >= 2 && args[1] == "run" && length(args) == 4) {
	run(args[2], as.integer(args[3]), as.integer(args[4]))
} else if (length(args) == 2 && args[1] == "agree") {
	result <- compare_results(file.path(args[2], "r.txt"), file.path(args[2], "c.txt"), "bench")
	quit(status = if (result[["failed"]] == 0) 0 else 1)
} else {
	cat("usage: Rscript bench/survey.R run DIR N ITEMS | agree DIR\n", file = stderr())
	quit(status = 2)
}
