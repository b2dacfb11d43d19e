import { z } from 'zod';
import type { ApiServices } from '../services.js';
import { DateTime, OrgIdParams } from '../schemas.js';
import { defineRoute, type AnyRoute } from '../route.js';
import { OPERATOR } from '../auth.js';
import { DOCTOR_CHECKS } from '../../doctor/index.js';
import { ORG_ERRORS, resolveOrg } from './support.js';

const Problem = z.object({
  check: z.enum(DOCTOR_CHECKS),
  orgId: z.string().optional(),
  subject: z.string().describe('What is broken: "database", "Acme (00D…): token"'),
  message: z.string(),
  action: z.string().describe('What to do about it'),
});

const OrgDoctor = z.object({ checkedAt: DateTime, ok: z.boolean(), problems: z.array(Problem) });
const InstallDoctor = OrgDoctor.extend({ orgs: z.number().int().describe('Connected orgs checked') });

/** The doctor: the page's details ask about one org; the operator (`orgvault doctor`) about the whole install. */
export function doctorRoutes(s: ApiServices): AnyRoute[] {
  return [
    defineRoute({
      id: 'getOrgDoctor',
      method: 'get',
      path: '/orgs/:orgId/doctor',
      tag: 'orgs',
      summary:
        "What stands between the organization and working backups: token renewal, API requests left, the integration user's permissions (Query All Files among them), the CDC selection",
      action: 'orgs.read',
      params: OrgIdParams,
      status: 200,
      response: OrgDoctor,
      errors: ORG_ERRORS,
      handler: async ({ caller, params }) => {
        const org = await resolveOrg(s, caller, params.orgId);
        const problems = await s.doctor.org(org);
        return { checkedAt: new Date(), ok: problems.length === 0, problems };
      },
    }),
    defineRoute({
      id: 'getInstallDoctor',
      method: 'get',
      path: '/operator/doctor',
      tag: 'operator',
      summary: 'The whole install: database, blob store, then every connected organization as /orgs/{orgId}/doctor checks it',
      action: OPERATOR,
      status: 200,
      response: InstallDoctor,
      errors: [],
      handler: async () => s.doctor.install(),
    }),
  ];
}
