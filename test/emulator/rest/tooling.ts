/**
 * The Tooling API (/services/data/vNN.N/tooling) for the objects its clients ask about here:
 * EntityDefinition, RecordType, User, Profile, and PlatformEventChannelMember (how an
 * integration selects an entity for Change Data Capture: created with FullName and Metadata).
 * query / query more, describeGlobal, describe and record CRUD answer as the data API does over
 * the same records; other objects are unknown, as they are in an org without them (SourceMember
 * outside scratch orgs and sandboxes: NOT_FOUND, which the sf CLI reads as "no source tracking").
 */
import { Router, type Request, type Response, type NextFunction } from 'express';
import { SfError, notFound } from '../errors.js';
import type { Org } from '../data/org.js';
import { describeGlobal } from './describe.js';
import { queryRoutes } from './query.js';
import { sobjectRoutes } from './sobjects.js';

export const TOOLING_OBJECTS: ReadonlySet<string> = new Set([
  'EntityDefinition',
  'PlatformEventChannelMember',
  'Profile',
  'RecordType',
  'User',
]);

/** The Tooling API's PlatformEventChannelMember create body (FullName, Metadata) as the record's fields. */
function memberFields(body: Record<string, unknown>): Record<string, unknown> {
  const { FullName, Metadata, ...rest } = body;
  if (Metadata === undefined) return body;
  const m = (Metadata ?? {}) as Record<string, unknown>;
  if (typeof FullName !== 'string' || !FullName)
    throw new SfError('REQUIRED_FIELD_MISSING', 'Required fields are missing: [FullName]', 400, ['FullName']);
  return {
    ...rest,
    DeveloperName: FullName,
    MasterLabel: m.masterLabel ?? m.selectedEntity ?? FullName,
    EventChannel: m.eventChannel,
    SelectedEntity: m.selectedEntity,
  };
}

export function toolingRoutes(org: Org): Router {
  const router = Router({ mergeParams: true });
  router.get('/sobjects', (_req, res) => {
    const all = describeGlobal(res.locals.version as string, org.schema) as { sobjects: Array<{ name: string }> };
    res.json({ ...all, sobjects: all.sobjects.filter((o) => TOOLING_OBJECTS.has(o.name)) });
  });
  router.use('/sobjects/:sobject', (req: Request, _res: Response, next: NextFunction) => {
    const name = String(req.params.sobject);
    const known = [...TOOLING_OBJECTS].find((o) => o.toLowerCase() === name.toLowerCase());
    if (!known) throw notFound();
    if (known === 'PlatformEventChannelMember' && req.method === 'POST' && req.body && typeof req.body === 'object')
      req.body = memberFields(req.body as Record<string, unknown>);
    next();
  });
  router.use(queryRoutes(org, { path: 'tooling/', objects: TOOLING_OBJECTS }));
  router.use(sobjectRoutes(org));
  router.use(() => {
    throw notFound();
  });
  return router;
}
