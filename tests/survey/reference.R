# reference.R — generated survey data with known population margins, and the
# same questions put to R's survey package and written as a spec for
# tests/survey/survey_cli (Trygg's C). Sourced by tests/survey/compare.R and
# bench/survey.R; nothing runs on its own.
#
# A job (job_mean(), job_share(), …) appends one spec line and computes R's
# answer under the same keys ("kind/item/domain/field"), so that the spec and
# the reference cannot drift apart. R's calls are the ones survey_stats.h
# names: rake(), svymean(), svyciprop(method = "logit"), svyby(), svyratio(),
# and svyrecvar() on influence functions where a figure combines several
# (a domain contrast; the total problem index).

suppressMessages(library(survey))

# ---- the data ----

# Answer scales, as in survey_stats.h (codes start at 1; NA = left out).
problem_score <- c(0, 3, 6, 0, NA)     # Nej, viss del, stor del, ja men inget problem, vet inte
unsafety_score <- c(0, 0, 1, 1, 1, 0)  # evening question, 6 codes
yes_no_score <- c(1, 0, NA)            # Ja, Nej, Vet inte

recode <- function(codes, scores) scores[codes]

# One category per row of a matrix of probabilities.
draw <- function(p) 1L + as.integer(rowSums(runif(nrow(p)) > t(apply(p, 1, cumsum))))

# A synthetic municipality of N people (age group × sex, area, housing
# correlated), a sample stratified by area with unequal sampling fractions,
# and response that depends on age and area. Returns the respondents'
# data frame (background variables as factors coded 1…L), the population
# margins, and the margins' spec lines.
generate <- function(n_target = 1200, N = 36000, seed = 20260101, problem_items = 4, trust_items = 1,
                     crimes = 4) {
	set.seed(seed)
	area_share <- c(0.30, 0.22, 0.18, 0.14, 0.13, 0.03)
	pop <- data.frame(area = sample(1:6, N, TRUE, area_share))
	age_p <- rbind(c(.14, .30, .32, .24), c(.18, .36, .28, .18), c(.12, .28, .34, .26),
	               c(.20, .40, .26, .14), c(.10, .26, .36, .28), c(.15, .30, .30, .25))
	pop$age <- draw(age_p[pop$area, ])
	pop$sex <- sample(1:2, N, TRUE)
	house_p <- rbind(c(.5, .3, .2), c(.2, .3, .5), c(.4, .4, .2), c(.1, .3, .6), c(.6, .3, .1), c(.3, .3, .4))
	pop$housing <- draw(house_p[pop$area, ])

	# Stratified sample by area, then unequal response by age and area.
	fraction <- c(0.05, 0.06, 0.06, 0.08, 0.07, 0.07) * n_target / 1200 * 0.79
	fraction <- pmin(fraction, 1)
	sampled <- runif(N) < fraction[pop$area]
	respond_p <- c(0.35, 0.45, 0.6, 0.75)[pop$age] * c(1, 0.9, 1.1, 0.7, 1, 0.5)[pop$area] * 1.4
	respond <- sampled & runif(N) < pmin(respond_p, 1)
	df <- pop[respond, ]
	n <- nrow(df)
	df$w0 <- 1 / fraction[df$area]

	# Items: a latent feeling of safety by age, sex and area.
	latent <- 0.3 * (df$age - 2.5) - 0.4 * (df$sex == 1) - c(0, 0.2, -0.1, 0.5, -0.2, 0.3)[df$area] +
		rnorm(n)
	cut5 <- function(x) as.integer(cut(x, c(-Inf, -1.2, -0.4, 0.4, 1.2, Inf)))
	with_missing <- function(x, share) {
		x[runif(length(x)) < share] <- NA
		x
	}
	for (k in seq_len(trust_items)) {
		tr <- with_missing(cut5(latent + rnorm(n, 0, 0.8) + 0.1 * k), 0.03)
		df[[paste0("trust", k)]] <- tr
		df[[paste0("top", k)]] <- as.numeric(tr >= 4)
	}
	df$years <- with_missing(round(rexp(n, 1 / 12) + df$age * 2, 1), 0.05)
	ev <- as.integer(cut(-latent + rnorm(n, 0, 0.5), c(-Inf, -0.8, 0.3, 1.1, 1.8, 2.4, Inf)))
	ev[ev == 6 & runif(n) < 0.5] <- 6L
	df$evening <- with_missing(ev, 0.02)
	for (k in seq_len(problem_items)) {
		code <- as.integer(cut(-latent + rnorm(n, 0, 1) + 0.2 * k, c(-Inf, 0, 0.9, Inf)))
		code <- c(1L, 2L, 3L)[code]
		code[runif(n) < 0.10] <- 4L  # "ja, men inget problem"
		code[runif(n) < 0.06] <- 5L  # "vet inte"
		df[[paste0("p", k)]] <- with_missing(code, 0.02)
	}
	for (k in seq_len(crimes)) {
		victim <- ifelse(runif(n) < plogis(-2.6 - 0.3 * latent + 0.2 * k), 1L, 2L)
		victim[runif(n) < 0.02] <- 3L
		df[[paste0("v", k)]] <- with_missing(victim, 0.01)
		reported <- ifelse(runif(n) < 0.4, 1L, 2L)
		reported[runif(n) < 0.05] <- 3L
		reported[is.na(victim) | victim != 1] <- NA
		df[[paste0("r", k)]] <- reported
	}
	# Shares near 0 % and 100 %.
	df$rare <- 0
	df$rare[c(7, n %/% 2)] <- 1
	df$common <- 1
	df$common[c(3, n %/% 3, n - 5)] <- 0

	# Derived columns R needs (Trygg's C derives them itself from the codes).
	for (k in seq_len(problem_items))
		df[[paste0("p", k, "_score")]] <- recode(df[[paste0("p", k)]], problem_score)
	df$evening_unsafe <- recode(df$evening, unsafety_score)
	vict <- sapply(seq_len(crimes), function(k) recode(df[[paste0("v", k)]], yes_no_score))
	told <- sapply(seq_len(crimes), function(k) recode(df[[paste0("r", k)]], yes_no_score))
	any_yes <- rowSums(vict == 1, na.rm = TRUE) > 0
	any_unknown <- rowSums(is.na(vict)) > 0
	df$victimised_any <- ifelse(any_yes, 1, ifelse(any_unknown, NA, 0))
	counted <- !is.na(vict) & vict == 1 & !is.na(told)
	df$reported_a <- rowSums(ifelse(counted, told, 0))
	df$reported_b <- rowSums(counted)

	rownames(df) <- NULL
	levels_of <- c(age = 4, sex = 2, area = 6, housing = 3)
	for (v in names(levels_of))
		df[[v]] <- factor(df[[v]], levels = seq_len(levels_of[[v]]))
	pop_age_sex <- as.data.frame(table(age = factor(pop$age, levels = 1:4), sex = factor(pop$sex, levels = 1:2)))
	pop_area <- as.data.frame(table(area = factor(pop$area, levels = 1:6)))
	pop_housing <- as.data.frame(table(housing = factor(pop$housing, levels = 1:3)))
	# survey_cli wants cells row-major with the last variable fastest: age × sex → (a1 s1, a1 s2, a2 s1, …)
	as_counts <- pop_age_sex[order(pop_age_sex$age, pop_age_sex$sex), "Freq"]
	list(df = df, levels = levels_of,
	     margins = list(~age + sex, ~area, ~housing),
	     populations = list(pop_age_sex, pop_area, pop_housing),
	     margin_lines = c(paste("margin age*sex", paste(as_counts, collapse = " ")),
	                      paste("margin area", paste(pop_area$Freq, collapse = " ")),
	                      paste("margin housing", paste(pop_housing$Freq, collapse = " "))))
}

# Writes the respondents for survey_cli: codes as numbers, NA for missing.
write_data <- function(df, path) {
	out <- df
	for (v in names(out)) if (is.factor(out[[v]])) out[[v]] <- as.integer(out[[v]])
	write.csv(out, path, row.names = FALSE, quote = FALSE, na = "NA")
}

# ---- jobs ----

new_run <- function(gen, data_path, design) {
	run <- new.env()
	run$gen <- gen
	run$df <- gen$df
	run$d <- design
	run$spec <- c(paste("data", data_path), "weight w0",
	              sprintf("variable %s %d", names(gen$levels), gen$levels))
	run$keys <- character()
	run$values <- character()
	run
}

spec_line <- function(run, ...) run$spec <- c(run$spec, paste(...))

emit <- function(run, key, value) {
	run$keys <- c(run$keys, key)
	run$values <- c(run$values, if (is.character(value)) value
	                else if (is.na(value)) "NA" else sprintf("%.17g", value))
}

emit_estimate <- function(run, kind, name, domain, value, se, lo, hi, n, neff) {
	prefix <- paste(kind, name, domain, sep = "/")
	emit(run, paste0(prefix, "/value"), value)
	emit(run, paste0(prefix, "/se"), se)
	emit(run, paste0(prefix, "/ci_low"), lo)
	emit(run, paste0(prefix, "/ci_high"), hi)
	emit(run, paste0(prefix, "/n"), n)
	emit(run, paste0(prefix, "/n_effective"), neff)
}

# Unweighted answers and Kish's effective n among the counted respondents.
counts <- function(run, counted) {
	w <- weights(run$d)[counted]
	c(n = sum(counted), neff = sum(w)^2 / sum(w^2))
}

# The domains of a job: everyone, or each category of `by`.
domains <- function(run, by) {
	if (is.null(by)) return(list(list(label = "all", rows = rep(TRUE, nrow(run$df)))))
	lapply(levels(run$df[[by]]), function(l)
		list(label = paste0(by, "=", l), rows = run$df[[by]] == l, level = l))
}

fml <- function(name) as.formula(paste0("~", name))

# svymean (value, SE, confint) per domain, via svyby for domains.
r_means <- function(run, column, by) {
	if (is.null(by)) {
		m <- svymean(fml(column), run$d, na.rm = TRUE)
		return(list(coef = coef(m), se = SE(m), ci = confint(m)))
	}
	b <- svyby(fml(column), fml(by), run$d, svymean, na.rm = TRUE)
	list(coef = coef(b), se = SE(b), ci = confint(b))
}

# spec: the directive when it is not "KIND ITEM [BY]" (the list forms put BY first).
job_mean <- function(run, item, by = NULL, kind = "mean", column = item,
                     spec = paste(kind, item, if (is.null(by)) "" else by)) {
	spec_line(run, spec)
	r <- r_means(run, column, by)
	doms <- domains(run, by)
	for (j in seq_along(doms)) {
		k <- counts(run, doms[[j]]$rows & !is.na(run$df[[column]]))
		emit_estimate(run, kind, item, doms[[j]]$label, r$coef[j], r$se[j], r$ci[j, 1], r$ci[j, 2], k[["n"]],
		              k[["neff"]])
	}
}

# Value, SE and interval from svyciprop(method = "logit"): its "var" is
# svymean()'s variance, its value expit() of the fitted logit. R's glm() can
# diverge on a small domain of a calibrated design (seen: the logit ran off to
# −1.7e15, so svyciprop() said 0 % with interval [0, 0] where the weighted
# share is 20 %). Where its value is not the weighted share, the figure is
# svyciprop()'s own formula instead — expit(logit(p) ± qt(0.975, degf) ·
# SE / (p (1 − p))) with R's SE and degf() — and a note says so.
job_share <- function(run, item, by = NULL, kind = "share", column = item,
                      spec = paste(kind, item, if (is.null(by)) "" else by)) {
	spec_line(run, spec)
	if (is.null(by)) {
		p <- svyciprop(fml(column), run$d, method = "logit", na.rm = TRUE)
		r <- list(coef = as.numeric(p), se = sqrt(as.numeric(attr(p, "var"))), ci = matrix(attr(p, "ci"), nrow = 1))
	} else {
		b <- suppressWarnings(svyby(fml(column), fml(by), run$d, svyciprop, method = "logit",
		                            vartype = c("se", "ci"), na.rm = TRUE))
		r <- list(coef = coef(b), se = SE(b), ci = cbind(b$ci_l, b$ci_u))
	}
	doms <- domains(run, by)
	w <- weights(run$d)
	for (j in seq_along(doms)) {
		answered <- doms[[j]]$rows & !is.na(run$df[[column]])
		share <- sum(w[answered] * run$df[[column]][answered]) / sum(w[answered])
		value <- r$coef[j]
		ci <- r$ci[j, ]
		if (abs(value - share) > 1e-6) {
			label <- paste(kind, item, doms[[j]]$label, sep = "/")
			cat(sprintf("compare_r: note: R's svyciprop() glm diverged for %s (gave %.4g; the weighted share is %.4g): compared with its formula\n",
			            label, value, share))
			value <- share
			df <- degf(run$d[doms[[j]]$rows, ])
			half <- qt(0.975, df) * r$se[j] / (share * (1 - share))
			ci <- plogis(qlogis(share) + c(-half, half))
		}
		k <- counts(run, answered)
		emit_estimate(run, kind, item, doms[[j]]$label, value, r$se[j], ci[1], ci[2], k[["n"]], k[["neff"]])
	}
}

job_ratio <- function(run, num, den, by = NULL, kind = "ratio", name = paste0(num, "+", den),
                      spec = paste(kind, num, den, if (is.null(by)) "" else by)) {
	spec_line(run, spec)
	if (is.null(by)) {
		r <- svyratio(fml(num), fml(den), run$d)
		coefs <- coef(r); ses <- SE(r); ci <- confint(r)
	} else {
		b <- svyby(fml(num), fml(by), run$d, svyratio, denominator = fml(den))
		coefs <- coef(b); ses <- SE(b); ci <- confint(b)
	}
	doms <- domains(run, by)
	for (j in seq_along(doms)) {
		k <- counts(run, doms[[j]]$rows & run$df[[den]] != 0)
		emit_estimate(run, kind, name, doms[[j]]$label, coefs[j], ses[j], ci[j, 1], ci[j, 2], k[["n"]], k[["neff"]])
	}
}

# The influence function of svymean(column) in a domain (all n rows: the
# design is calibrated, so a domain keeps every row with weight 0 outside).
influence_in <- function(run, column, rows) {
	attr(svymean(fml(column), run$d[rows, ], na.rm = TRUE, influence = TRUE), "influence")
}

variance_of <- function(run, z) {
	d <- run$d
	as.numeric(svyrecvar(z, d$cluster, d$strata, d$fpc, postStrata = d$postStrata))
}

job_problem_total <- function(run, items, by = NULL) {
	spec_line(run, "problem_total", if (is.null(by)) "-" else by, paste(items, collapse = " "))
	columns <- paste0(items, "_score")
	for (dom in domains(run, by)) {
		coefs <- sapply(columns, function(col) coef(svymean(fml(col), run$d[dom$rows, ], na.rm = TRUE)))
		z <- rowMeans(sapply(columns, function(col) influence_in(run, col, dom$rows)))
		se <- sqrt(variance_of(run, z))
		value <- mean(coefs)
		ks <- sapply(columns, function(col) counts(run, dom$rows & !is.na(run$df[[col]])))
		q <- qnorm(0.975)
		emit_estimate(run, "problem_total", items[1], dom$label, value, se, value - q * se, value + q * se,
		              min(ks["n", ]), min(ks["neff", ]))
	}
}

job_contrast <- function(run, statistic, item, by, a, b) {
	spec_line(run, "contrast", statistic, item, by, a, b)
	rows_a <- run$df[[by]] == a
	rows_b <- run$df[[by]] == b
	m <- c(coef(svymean(fml(item), run$d[rows_a, ], na.rm = TRUE)),
	       coef(svymean(fml(item), run$d[rows_b, ], na.rm = TRUE)))
	d <- run$d
	v <- svyrecvar(cbind(influence_in(run, item, rows_a), influence_in(run, item, rows_b)), d$cluster, d$strata,
	               d$fpc, postStrata = d$postStrata)
	stat <- structure(setNames(m, c("a", "b")), var = v, statistic = "mean", class = "svystat")
	con <- svycontrast(stat, c(a = -1, b = 1))
	prefix <- sprintf("contrast/%s/%s=%s-%s", item, by, b, a)
	emit(run, paste0(prefix, "/difference"), coef(con))
	emit(run, paste0(prefix, "/se"), SE(con))
	emit(run, paste0(prefix, "/p"), 2 * pnorm(-abs(coef(con) / SE(con))))
}

job_weights <- function(run) {
	spec_line(run, "weights")
	w <- weights(run$d)
	for (i in seq_along(w)) emit(run, paste0("weight/", i), w[i])
}

write_run <- function(run, spec_path, results_path) {
	writeLines(run$spec, spec_path)
	writeLines(paste(run$keys, run$values), results_path)
}

# ---- designs ----

rake_design <- function(gen, base, control) {
	data <- gen$df
	data$w0 <- base
	d0 <- svydesign(ids = ~1, weights = ~w0, data = data)
	rake(d0, gen$margins, gen$populations, control = control)
}

# Trygg's trimming, in R: weights that cross [lower, upper] × mean weight are
# held at the bound, the others raked (rake() on the free respondents) to the
# margins less the held weights, until no free weight crosses a bound. The
# design for the variance is rake() on the final weights.
trim_design <- function(gen, lower, upper, rounds, tolerance, control) {
	w <- weights(rake_design(gen, gen$df$w0, control))
	m <- mean(w)
	held <- rep(FALSE, length(w))
	for (round in 0:rounds) {
		r <- w / m
		out <- !held & (r > upper * (1 + tolerance) | r < lower * (1 - tolerance))
		if (!any(out)) break
		if (round == rounds) stop("trimming bounds not met")
		w[out] <- ifelse(r[out] > upper, upper, lower) * m
		held <- held | out
		left <- lapply(seq_along(gen$margins), function(k) {
			vars <- all.vars(gen$margins[[k]])
			taken <- as.data.frame(xtabs(w[held] ~ ., data = gen$df[held, vars, drop = FALSE]))
			p <- merge(gen$populations[[k]], taken, by = vars, suffixes = c("", ".held"))
			p$Freq <- p$Freq - p$Freq.held
			p[, c(vars, "Freq")]
		})
		free <- gen$df[!held, ]
		free$w0 <- w[!held]
		w[!held] <- weights(rake(svydesign(ids = ~1, weights = ~w0, data = free), gen$margins, left,
		                         control = control))
	}
	rake_design(gen, w, control)
}
