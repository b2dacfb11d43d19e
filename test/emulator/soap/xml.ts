/**
 * A small, strict XML reader and the escaping the writers need. SOAP envelopes (and Bulk API
 * 1.0 XML batches) are small documents whose element names are what matters: the reader
 * keeps each element's local name (prefix dropped), its namespace URI, attributes, children and
 * text, and throws XmlError with a position on anything that is not well-formed, so callers can
 * answer Salesforce's fault instead of crashing.
 */
export interface XmlElement {
  /** Local name, without prefix. */
  name: string;
  ns: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

export class XmlError extends Error {}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(s: string, at: number): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);?/g, (m, e: string) => {
    if (!m.endsWith(';')) throw new XmlError(`The entity name must immediately be followed by the ';' delimiter (at ${at})`);
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(Number(e.slice(1)));
    const v = ENTITIES[e];
    if (v === undefined) throw new XmlError(`The entity "${e}" was referenced, but not declared (at ${at})`);
    return v;
  });
}

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&${Object.keys(ENTITIES).find((k) => ENTITIES[k] === c)};`);
}

const NAME = /^[A-Za-z_][\w.:-]*/;
const ATTR = /^\s+([A-Za-z_][\w.:-]*)\s*=\s*("([^"]*)"|'([^']*)')/;

interface Open {
  el: XmlElement;
  qname: string;
  scope: Map<string, string>;
}

/** Parses a whole document into its root element. */
export function parseXml(doc: string): XmlElement {
  let i = 0;
  let root: XmlElement | null = null;
  const stack: Open[] = [];
  const text = (s: string) => {
    const top = stack[stack.length - 1];
    if (top) top.el.text += s;
    else if (s.trim()) throw new XmlError(root ? 'Content is not allowed in trailing section.' : 'Content is not allowed in prolog.');
  };
  while (i < doc.length) {
    const lt = doc.indexOf('<', i);
    if (lt < 0) {
      text(decode(doc.slice(i), i));
      break;
    }
    if (lt > i) text(decode(doc.slice(i, lt), i));
    i = lt;
    if (doc.startsWith('<?', i)) i = skipPast(doc, i, '?>');
    else if (doc.startsWith('<!--', i)) i = skipPast(doc, i, '-->');
    else if (doc.startsWith('<![CDATA[', i)) {
      const end = skipPast(doc, i, ']]>');
      text(doc.slice(i + 9, end - 3));
      i = end;
    } else if (doc.startsWith('<!', i)) throw new XmlError('DOCTYPE is disallowed');
    else if (doc.startsWith('</', i)) {
      const m = NAME.exec(doc.slice(i + 2));
      const open = stack.pop();
      if (!m || !open || m[0] !== open.qname)
        throw new XmlError(`The element type "${open?.qname ?? ''}" must be terminated by the matching end-tag "</${open?.qname ?? ''}>".`);
      i = skipPast(doc, i, '>');
      if (stack.length === 0) root = open.el;
    } else {
      if (root) throw new XmlError('The markup in the document following the root element must be well-formed.');
      i = openTag(doc, i, stack, (el) => (root = el));
    }
  }
  if (stack.length || !root) throw new XmlError('XML document structures must start and end within the same entity.');
  return root;
}

function skipPast(doc: string, from: number, end: string): number {
  const at = doc.indexOf(end, from);
  if (at < 0) throw new XmlError('XML document structures must start and end within the same entity.');
  return at + end.length;
}

/** Reads `<name attr="v" ...>` or `<.../>` at i; returns the index after it. */
function openTag(doc: string, i: number, stack: Open[], done: (el: XmlElement) => void): number {
  const m = NAME.exec(doc.slice(i + 1, i + 200));
  if (!m) throw new XmlError(`The markup in the document must be well-formed (at ${i}).`);
  const qname = m[0];
  let j = i + 1 + qname.length;
  const raw: Record<string, string> = {};
  for (;;) {
    const a = ATTR.exec(doc.slice(j, j + 4096));
    if (!a) break;
    raw[a[1]!] = decode(a[3] ?? a[4] ?? '', j);
    j += a[0].length;
  }
  const close = /^\s*(\/?)>/.exec(doc.slice(j, j + 64));
  if (!close) throw new XmlError(`Element type "${qname}" must be followed by either attribute specifications, ">" or "/>".`);
  const parentScope = stack[stack.length - 1]?.scope ?? new Map<string, string>();
  const scope = new Map(parentScope);
  const attrs: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (k === 'xmlns') scope.set('', v);
    else if (k.startsWith('xmlns:')) scope.set(k.slice(6), v);
    else attrs[k] = v;
  }
  const colon = qname.indexOf(':');
  const prefix = colon < 0 ? '' : qname.slice(0, colon);
  const ns = scope.get(prefix);
  if (prefix && ns === undefined) throw new XmlError(`The prefix "${prefix}" for element "${qname}" is not bound.`);
  const el: XmlElement = { name: qname.slice(colon + 1), ns: ns ?? '', attrs, children: [], text: '' };
  stack[stack.length - 1]?.el.children.push(el);
  if (close[1]) {
    if (stack.length === 0) done(el);
  } else stack.push({ el, qname, scope });
  return j + close[0].length;
}

/** The first child element with that local name. */
export function child(el: XmlElement, name: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name);
}

export function childrenNamed(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}

/** Whether an element says xsi:nil="true" (its prefix may be any bound to the XSI namespace). */
export function isNil(el: XmlElement): boolean {
  return Object.entries(el.attrs).some(([k, v]) => /(^|:)nil$/.test(k) && (v === 'true' || v === '1'));
}
