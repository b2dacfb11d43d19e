/**
 * describeGlobal, describeSObject, describeSObjects: the REST describe answers (rest/describe.ts)
 * written as the partner WSDL's DescribeGlobalResult / DescribeSObjectResult, whose elements
 * carry the same names; REST's `urls` map has no place there.
 */
import { SfError } from '../errors.js';
import { describeGlobal, describeObject } from '../rest/describe.js';
import { childrenNamed, type XmlElement } from './xml.js';
import { textOf, xmlValue } from './envelope.js';
import type { SoapCall, SoapContext } from './context.js';

/** describeSObjects() takes at most this many types. */
const MAX_TYPES = 100;

function withoutUrls(o: Record<string, unknown>): Record<string, unknown> {
  const { urls: _urls, ...rest } = o;
  return Object.fromEntries(
    Object.keys(rest)
      .sort()
      .map((k) => [k, rest[k]]),
  );
}

function describeOne(ctx: SoapContext, type: string): string {
  const def = ctx.org.describe(type);
  if (!def) throw new SfError('INVALID_TYPE', `sObject type '${type}' is not supported.`, 500);
  const d = describeObject(ctx.version, ctx.org, def) as { recordTypeInfos: Array<Record<string, unknown>> };
  // The WSDL's RecordTypeInfo has no urls either.
  const recordTypeInfos = d.recordTypeInfos.map(withoutUrls);
  return xmlValue('result', withoutUrls({ ...d, recordTypeInfos }));
}

function types(op: XmlElement): string[] {
  const list = childrenNamed(op, 'sObjectType').map((c) => c.text.trim());
  if (list.length > MAX_TYPES) throw new SfError('EXCEEDED_ID_LIMIT', `You can describe at most ${MAX_TYPES} sObject types at a time`, 500);
  return list;
}

export const describeCalls: Record<string, SoapCall> = {
  describeGlobal: (_op, ctx) => {
    const g = describeGlobal(ctx.version, ctx.org.schema) as { sobjects: Array<Record<string, unknown>> };
    return xmlValue('result', { encoding: 'UTF-8', maxBatchSize: 200, sobjects: g.sobjects.map(withoutUrls) });
  },
  describeSObject: (op, ctx) => describeOne(ctx, textOf(op, 'sObjectType') ?? ''),
  describeSObjects: (op, ctx) =>
    types(op)
      .map((t) => describeOne(ctx, t))
      .join(''),
};
