# agree.R — compares Trygg's answers (survey_cli output) with R's, key by
# key, in groups of figures, to 1e-6. Sourced by tests/survey/compare.R and
# bench/survey.R; needs no package.

read_results <- function(path) {
	lines <- readLines(path)
	lines <- lines[!grepl("^rake/error|^report/", lines)]
	parts <- regmatches(lines, regexpr(" ", lines), invert = TRUE)
	setNames(vapply(parts, `[`, "", 2), vapply(parts, `[`, "", 1))
}

# Which group a key belongs to, and how it is compared: weights relative to
# their size; everything else absolute (shares, means, SEs and interval ends
# are all of order 1 or less), and standard errors relative as well.
group_of <- function(key) {
	parts <- strsplit(key, "/", fixed = TRUE)[[1]]
	if (parts[1] == "weight") return("weights")
	field <- parts[length(parts)]
	if (field %in% c("ci_low", "ci_high")) field <- "interval"
	paste(parts[1], field)
}

# Compares one pair of result files; prints a line per group of figures and
# returns c(passed = groups that agree, failed = groups that do not).
compare_results <- function(r_path, c_path, label) {
	passed <- 0
	failed <- 0
	r <- read_results(r_path)
	cres <- if (file.exists(c_path)) read_results(c_path) else character()
	groups <- vapply(names(r), group_of, "")
	for (g in unique(groups)) {
		keys <- names(r)[groups == g]
		missing <- keys[!keys %in% names(cres)]
		rv <- suppressWarnings(as.numeric(r[keys]))
		cv <- suppressWarnings(as.numeric(cres[keys]))
		text <- is.na(rv) & r[keys] != "NA"
		na_mismatch <- sum(xor(is.na(rv), is.na(cv)) & !text) + sum(text & r[keys] != cres[keys], na.rm = TRUE)
		both <- !is.na(rv) & !is.na(cv)
		abs_diff <- abs(cv[both] - rv[both])
		rel_diff <- abs_diff / pmax(abs(rv[both]), 1e-300)
		max_abs <- if (any(both)) max(abs_diff) else 0
		max_rel <- if (any(both)) max(rel_diff[abs(rv[both]) > 0 | abs_diff > 0]) else 0
		if (!is.finite(max_rel)) max_rel <- 0
		ok <- length(missing) == 0 && na_mismatch == 0 &&
			if (g == "weights") max_rel <= 1e-6
			else if (grepl(" se$", g)) max_abs <= 1e-6 && max_rel <= 1e-6
			else max_abs <= 1e-6
		cat(sprintf("%-4s %-9s %-28s %6d figures  max abs diff %.2e  max rel diff %.2e%s\n",
		            if (ok) "ok" else "FAIL", label, g, length(keys), max_abs, max_rel,
		            if (length(missing) || na_mismatch)
		            	sprintf("  (%d missing, %d NA mismatches; first: %s)", length(missing), na_mismatch,
		            	        c(missing, keys)[1]) else ""))
		if (ok) passed <- passed + 1 else failed <- failed + 1
	}
	c(passed = passed, failed = failed)
}
