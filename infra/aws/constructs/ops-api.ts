import { CfnOutput, RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { API_ROUTES } from '#infra/routes';

/** Requests per second the ops API accepts (steady, and in a burst); operators and a few city systems, not the public. */
export const OPS_API_THROTTLE = { rateLimit: 50, burstLimit: 100 };

/**
 * The ops API on API Gateway HTTP API, IAM-authorised, its routes from the route table
 * (payload format 2.0, as the local server builds it); one `$default` stage with JSON access
 * logs (who called what: the caller's IAM identity) kept a year, and a throttle.
 */
export class OpsApi extends Construct {
  readonly api: HttpApi;

  constructor(scope: Construct, id: string, props: { functions: Record<string, IFunction> }) {
    super(scope, id);
    this.api = new HttpApi(this, 'api', { apiName: 'cityops-ops', description: 'CityOps ops API', defaultAuthorizer: new HttpIamAuthorizer(), createDefaultStage: false });
    const accessLogs = new LogGroup(this, 'access-logs', { retention: RetentionDays.ONE_YEAR, removalPolicy: RemovalPolicy.DESTROY });
    this.api.addStage('default', {
      stageName: '$default',
      autoDeploy: true,
      throttle: OPS_API_THROTTLE,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            time: '$context.requestTime',
            caller: '$context.identity.userArn',
            sourceIp: '$context.identity.sourceIp',
            method: '$context.httpMethod',
            path: '$context.path',
            status: '$context.status',
            latencyMs: '$context.responseLatency',
            error: '$context.error.message',
          }),
        ),
      },
    });
    const integrations = new Map<string, HttpLambdaIntegration>();
    for (const route of API_ROUTES) {
      const fn = props.functions[route.function];
      if (!fn) throw new Error(`no function "${route.function}" for ${route.method} ${route.path}`);
      let integration = integrations.get(route.function);
      if (!integration) integrations.set(route.function, (integration = new HttpLambdaIntegration(`${route.function}-integration`, fn)));
      this.api.addRoutes({ path: route.path, methods: [HttpMethod[route.method]], integration });
    }
    new CfnOutput(this, 'url', { value: this.api.apiEndpoint, description: 'the ops API (SigV4-signed requests)' }).overrideLogicalId('OpsApiUrl');
  }
}
