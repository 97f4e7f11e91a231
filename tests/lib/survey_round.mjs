// survey_round.mjs — survey rounds and one-time codes for the tests of
// answering (tests/http/survey_answer.test.mjs, tests/browser/survey_*.test.mjs),
// made directly in a test server's database until the round builder's pages
// can make them.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './rig.mjs';

/* The default question bank (data/survey/bank.json), as text. */
export const BANK = fs.readFileSync(path.join(ROOT, 'data/survey/bank.json'), 'utf8');

const ALPHABET = 'ACDEFGHJKMNPQRTUVWXY34679';

/* A new code as printed on a letter: XXXX-XXXX-XXXX. */
export function newCode() {
  let s = '';
  for (let i = 0; i < 12; i++) {
    if (i && i % 4 === 0)
      s += '-';
    s += ALPHABET[Math.floor(Math.random() * ALPHABET.length)];
  }
  return s;
}

/* The hash Trygg stores for a code (survey_code_hash() in src/survey/store.c:
 * BLAKE2b-256 keyed with its context, of the code without blanks and dashes,
 * in capitals), computed independently with Python's hashlib. */
export function codeHash(code) {
  const script = 'import hashlib,sys\n' +
    'n="".join(c for c in sys.argv[1] if c not in " -\\t").upper().encode()\n' +
    'print(hashlib.blake2b(n,digest_size=32,key=b"trygg survey one-time code").hexdigest())';
  return execFileSync('python3', ['-c', script, code], { encoding: 'utf8' }).trim();
}

function quote(text) {
  return `'${String(text).replace(/'/g, "''")}'`;
}

/* Makes a round in server's database. Returns {id, slug, codes}. Options:
 * status ('open'), openLink (false), questionnaire (the bank), codes (how
 * many one-time codes to make), opensAt/closesAt (seconds). */
export async function createRound(server, { slug, status = 'open', openLink = false, questionnaire = BANK, codes = 0,
  opensAt = null, closesAt = null, title = 'Trygghetsundersökning test' } = {}) {
  const now = Math.floor(Date.now() / 1000);
  await server.sql(`INSERT INTO survey_rounds (slug, title_sv, title_en, year, status, questionnaire, open_link, ` +
    `opens_at, closes_at, created_at, updated_at) VALUES (${quote(slug)}, ${quote(title)}, 'Safety survey test', 2026, ` +
    `${quote(status)}, ${quote(questionnaire)}, ${openLink ? 1 : 0}, ${opensAt ?? 'NULL'}, ${closesAt ?? 'NULL'}, ${now}, ${now})`);
  const id = Number((await server.sql(`SELECT id FROM survey_rounds WHERE slug = ${quote(slug)}`)).trim());
  const made = [];
  for (let i = 0; i < codes; i++) {
    const code = newCode();
    made.push(code);
    await server.sql(`INSERT INTO survey_codes (round_id, code_hash, batch, created_at) VALUES (${id}, ` +
      `${quote(codeHash(code))}, 'test', ${now})`);
  }
  return { id, slug, codes: made };
}
