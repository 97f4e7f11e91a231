// html.mjs — just enough HTML reading for tests of Trygg's own pages: forms
// and their fields, text without tags, attributes. Not a general parser: it
// relies on the server's templates quoting every attribute value.

const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", '#39': "'", '#x27': "'", nbsp: '\u00a0' };

export function decodeEntities(text) {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+[0-9]*);/gi, (all, name) => {
    if (name[0] === '#')
      return String.fromCodePoint(name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10));
    return ENTITIES[name.toLowerCase()] ?? all;
  });
}

/* The attributes of a start tag's text ("<input a="1" b>"), names lower-cased. */
export function attributes(tag) {
  const attrs = {};
  const re = /([^\s"'<>\/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
  const inner = tag.replace(/^<[^\s>]+/, '').replace(/\/?>$/, '');
  for (let m; (m = re.exec(inner));)
    attrs[m[1].toLowerCase()] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? '');
  return attrs;
}

/* The page's text, tags removed and white space collapsed. */
export function text(html) {
  return decodeEntities(html.replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]*>/g, ' '))
    .replace(/\s+/g, ' ').trim();
}

/* Every form: {action, method, attrs, fields: [{name, type, value, checked, tag}], html}. */
export function forms(html) {
  const found = [];
  const re = /<form\b[^>]*>([\s\S]*?)<\/form>/gi;
  for (let m; (m = re.exec(html));) {
    const formTag = /^<form\b[^>]*>/i.exec(m[0])[0];
    const attrs = attributes(formTag);
    const fields = [];
    const fieldRe = /<(input|button)\b[^>]*>|<textarea\b([^>]*)>([\s\S]*?)<\/textarea>|<select\b[^>]*>([\s\S]*?)<\/select>/gi;
    for (let f; (f = fieldRe.exec(m[1]));) {
      const tag = f[0];
      if (/^<textarea/i.test(tag)) {
        const a = attributes(`<textarea${f[2]}>`);
        fields.push({ name: a.name, type: 'textarea', value: decodeEntities(f[3]), tag, attrs: a });
      } else if (/^<select/i.test(tag)) {
        const a = attributes(/^<select\b[^>]*>/i.exec(tag)[0]);
        const options = [...f[4].matchAll(/<option\b[^>]*>([\s\S]*?)(?=<option|$)/gi)].map((o) => {
          const oa = attributes(/^<option\b[^>]*>/i.exec(o[0])[0]);
          return { value: oa.value ?? text(o[1]), selected: 'selected' in oa, label: text(o[1]) };
        });
        const chosen = options.find((o) => o.selected) ?? options[0];
        fields.push({ name: a.name, type: 'select', value: chosen ? chosen.value : '', options, tag, attrs: a });
      } else {
        const a = attributes(tag);
        fields.push({
          name: a.name, type: (a.type || (f[1].toLowerCase() === 'button' ? 'submit' : 'text')).toLowerCase(),
          value: a.value ?? '', checked: 'checked' in a, tag, attrs: a,
        });
      }
    }
    found.push({ action: attrs.action ?? '', method: (attrs.method || 'get').toLowerCase(), attrs, fields, html: m[0] });
  }
  return found;
}

/* The values a browser would submit for form without the user touching it
 * (no submit buttons, unchecked boxes left out), as [name, value] pairs. */
export function defaultValues(form) {
  const pairs = [];
  for (const f of form.fields) {
    if (!f.name || f.attrs.disabled !== undefined)
      continue;
    if (['submit', 'button', 'reset', 'image', 'file'].includes(f.type))
      continue;
    if ((f.type === 'checkbox' || f.type === 'radio') && !f.checked)
      continue;
    pairs.push([f.name, f.type === 'checkbox' && f.value === '' ? 'on' : f.value]);
  }
  return pairs;
}

/* The value of the hidden csrf field of the first form that has one, or null. */
export function csrfToken(html) {
  for (const form of forms(html)) {
    const f = form.fields.find((x) => x.name === 'csrf');
    if (f)
      return f.value;
  }
  return null;
}
