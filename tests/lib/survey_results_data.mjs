// survey_results_data.mjs — generated answers for the survey results tests
// (tests/http/survey_results.test.mjs, tests/browser/survey_results.test.mjs):
// a seeded generator writes rounds, complete responses, answers and
// population margins straight into a test server's tables, so that expected
// figures can be computed independently of Trygg.
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './rig.mjs';

export const SECRET_NAME = 'Kalle Hemligsson';
export const REJECTED = 'Bertil Avvisadsson ska ut ur området';

/* The areas in use of server's database, ordered by name: [{id, code}]. */
export async function surveyAreas(server) {
  return (await server.sql("SELECT id, code FROM areas WHERE kind = 'area' AND retired_at IS NULL ORDER BY name"))
    .trim().split('\n').map((l) => { const [id, code] = l.split('|'); return { id: Number(id), code }; });
}

/* A small deterministic generator (LCG), so every run writes the same answers. */
function generator(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function pick(rand, weights) {
  const total = weights.reduce((a, b) => a + b, 0);
  let x = rand() * total;
  for (let i = 0; i < weights.length; i++) {
    x -= weights[i];
    if (x < 0) return i + 1;
  }
  return weights.length;
}

const q = (s) => `'${String(s).replaceAll("'", "''")}'`;

/* Writes n complete responses for round id; returns them as {item: code} maps. */
export async function generateAnswers(server, areas, roundId, n, seed, { texts = false } = {}) {
  const bank = JSON.parse(fs.readFileSync(path.join(ROOT, 'data/survey/bank.json'), 'utf8'));
  const items = bank.sections.flatMap((s) => s.items);
  const rand = generator(seed);
  const people = [];
  const rows = [];
  const responses = [];
  for (let i = 0; i < n; i++) {
    const id = roundId * 100000 + i + 1;
    // the last area gets few answers (its figures are suppressed)
    const areaIndex = pick(rand, areas.map((_, k) => (k === areas.length - 1 ? 0.25 : 1))) - 1;
    const area = areas[areaIndex];
    const a = { 'bakgrund.alder': pick(rand, [2, 4, 4, 3]), 'bakgrund.kon': pick(rand, [1, 1]), 'bakgrund.omrade': area.id };
    for (const it of items) {
      if (it.role === 'background' || it.type !== 'single') continue;
      if (it.show_if) {
        if (!it.show_if.codes.includes(a[it.show_if.item])) continue;
      }
      const opts = bank.scales[it.scale].options.length;
      let w;
      if (it.role === 'problem') w = [5 - (areaIndex % 3), 2 + (areaIndex % 3), 1, 1, 1];
      else if (it.role === 'victim') w = [1, 8, 0.3];
      else w = Array.from({ length: opts }, (_, k) => 1 + ((k + areaIndex) % 3));
      if (rand() < 0.05 && it.role !== 'victim') continue; // some leave a question blank
      a[it.code] = pick(rand, w.slice(0, opts));
    }
    people.push(a);
    responses.push(`(${id}, ${roundId}, 'paper', 'complete', ${area.id}, 1, 1700000000, 1700000000, 1700000000)`);
    for (const [code, v] of Object.entries(a)) {
      rows.push(`(${id}, ${q(code)}, ${v}, NULL, ${code === 'bakgrund.omrade' ? v : 'NULL'}, NULL)`);
    }
    if (texts && i < 3) {
      const t = [`${SECRET_NAME} på Storgatan stör alla`, REJECTED, 'Mer ljus i parken'][i];
      rows.push(`(${id}, 'oppen.tryggare', NULL, ${q(t)}, NULL, 'pending')`);
    }
  }
  await server.sql(`INSERT INTO survey_responses (id, round_id, mode, status, area_id, base_weight, started_at, submitted_at, updated_at) VALUES ${responses.join(',')}`);
  for (let i = 0; i < rows.length; i += 800) {
    await server.sql(`INSERT INTO survey_answers (response_id, item_code, value_code, value_text, area_id, text_review) VALUES ${rows.slice(i, i + 800).join(',')}`);
  }
  return people;
}

export async function createRound(server, { slug, year, status, margins, minN = 30 }) {
  const bank = fs.readFileSync(path.join(ROOT, 'data/survey/bank.json'), 'utf8');
  const out = await server.sql(`INSERT INTO survey_rounds (slug, title_sv, title_en, year, status, questionnaire, margins, min_n, trim_upper, generated, method_sv, created_at, updated_at, published_at)
    VALUES (${q(slug)}, ${q(`Trygghetsundersökning ${year}`)}, ${q(`Safety survey ${year}`)}, ${year}, ${q(status)}, ${q(bank)}, ${q(margins)}, ${minN}, 5, 0, ${q(`Brev till ett **slumpmässigt urval** ${year}.`)}, 1700000000, 1700000000, 1700000000) RETURNING id`);
  return Number(out.trim());
}

/* Population margins from the answers themselves, scaled: every cell with people has respondents. */
export async function population(server, areas, roundId, people, { extraCell = null } = {}) {
  const ages = ['16-24', '25-44', '45-64', '65-84'];
  const sexes = ['kvinna', 'man', 'annat'];
  const rows = [];
  for (let a = 0; a < 4; a++)
    for (let s = 0; s < 3; s++) {
      const count = people.filter((p) => p['bakgrund.alder'] === a + 1 && p['bakgrund.kon'] === s + 1).length;
      rows.push(['age_group*sex', `${ages[a]}|${sexes[s]}`, count * 37 + (count ? (a + 1) * 11 : 0)]);
    }
  const total = rows.reduce((t, r) => t + r[2], 0);
  const areaCounts = areas.map((ar) => people.filter((p) => p['bakgrund.omrade'] === ar.id).length);
  const sum = areaCounts.reduce((a, b) => a + b, 0);
  let left = total;
  areas.forEach((ar, k) => {
    const c = k === areas.length - 1 ? left : Math.round((total * areaCounts[k]) / sum);
    left -= c;
    rows.push(['area', ar.code, c]);
  });
  if (extraCell) rows.push(extraCell);
  await server.sql(`INSERT INTO survey_population (round_id, margin, cell, count, source, imported_at) VALUES ${rows
    .map(([m, c, n]) => `(${roundId}, ${q(m)}, ${q(c)}, ${n}, 'test', 1700000000)`).join(',')}`);
}

