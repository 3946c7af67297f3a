import { AssessmentQuery, assessDistrict, type AssessmentDeps } from '#shared/app/assessment-service';
import { json, parseRequest, type RouteHandler } from './http-router.ts';

/** `GET /assessment?from=&to=|month=YYYY-MM&by=unit|street|community|grid&hours=calendar|working[&districtId=]`. */
export const assessmentRoutes = (deps: AssessmentDeps): Record<string, RouteHandler> => ({
  'GET /assessment': async (event) => {
    const query = parseRequest(AssessmentQuery, event.queryStringParameters ?? {});
    return json(200, await assessDistrict(deps, query));
  },
});
