/** SOQL tokens with their offsets (for Salesforce's "ERROR at Row:1:Column:N" messages). */
import { SfError } from '../errors.js';

export type TokenKind = 'ident' | 'string' | 'number' | 'date' | 'datetime' | 'op' | 'punct' | 'eof';

export interface Token {
  kind: TokenKind;
  text: string;
  pos: number;
}

const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})/;
const DATE = /^\d{4}-\d{2}-\d{2}(?![\w:])/;
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?![\w])/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_.]*/;

export function malformed(soql: string, pos: number, message: string): SfError {
  const line = soql.replace(/\s/g, ' ');
  return new SfError('MALFORMED_QUERY', `\n${line}\n${' '.repeat(Math.max(0, pos))}^\nERROR at Row:1:Column:${pos + 1}\n${message}`);
}

export function tokenize(soql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < soql.length) {
    const c = soql[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const rest = soql.slice(i);
    if (c === "'") {
      let value = '';
      let j = i + 1;
      for (; j < soql.length && soql[j] !== "'"; j++) {
        if (soql[j] === '\\') {
          const e = soql[++j];
          value += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e === 'b' ? '\b' : e === 'f' ? '\f' : (e ?? '');
        } else value += soql[j];
      }
      if (j >= soql.length) throw malformed(soql, i, `line 1:${i} mismatched character '<EOF>' expecting '''`);
      out.push({ kind: 'string', text: value, pos: i });
      i = j + 1;
      continue;
    }
    let m = DATETIME.exec(rest);
    if (m) {
      out.push({ kind: 'datetime', text: m[0], pos: i });
      i += m[0].length;
      continue;
    }
    m = DATE.exec(rest);
    if (m) {
      out.push({ kind: 'date', text: m[0], pos: i });
      i += m[0].length;
      continue;
    }
    m = NUMBER.exec(rest);
    if (m && (c !== '+' && c !== '-' ? true : /[\d.]/.test(rest[1] ?? ''))) {
      out.push({ kind: 'number', text: m[0], pos: i });
      i += m[0].length;
      continue;
    }
    m = IDENT.exec(rest);
    if (m) {
      out.push({ kind: 'ident', text: m[0], pos: i });
      i += m[0].length;
      continue;
    }
    const two = rest.slice(0, 2);
    if (two === '!=' || two === '<>' || two === '<=' || two === '>=') {
      out.push({ kind: 'op', text: two === '<>' ? '!=' : two, pos: i });
      i += 2;
      continue;
    }
    if (c === '=' || c === '<' || c === '>') {
      out.push({ kind: 'op', text: c, pos: i });
      i++;
      continue;
    }
    if (c === '(' || c === ')' || c === ',' || c === ':') {
      out.push({ kind: 'punct', text: c, pos: i });
      i++;
      continue;
    }
    throw malformed(soql, i, `line 1:${i} no viable alternative at character '${c}'`);
  }
  out.push({ kind: 'eof', text: '<EOF>', pos: soql.length });
  return out;
}
