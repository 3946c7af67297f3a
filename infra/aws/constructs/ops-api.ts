import { CfnOutput } from 'aws-cdk-lib';
import { HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { API_ROUTES } from '#infra/routes';

/** The ops API on API Gateway HTTP API, IAM-authorised, its routes from the route table (payload format 2.0, as the local server builds it). */
export class OpsApi extends Construct {
  readonly api: HttpApi;

  constructor(scope: Construct, id: string, props: { functions: Record<string, IFunction> }) {
    super(scope, id);
    this.api = new HttpApi(this, 'api', { apiName: 'cityops-ops', description: 'CityOps ops API', defaultAuthorizer: new HttpIamAuthorizer() });
    const integrations = new Map<string, HttpLambdaIntegration>();
    for (const route of API_ROUTES) {
      const fn = props.functions[route.function];
      if (!fn) throw new Error(`no function "${route.function}" for ${route.method} ${route.path}`);
      let integration = integrations.get(route.function);
      if (!integration) integrations.set(route.function, (integration = new HttpLambdaIntegration(`${route.function}-integration`, fn)));
      this.api.addRoutes({ path: route.path, methods: [HttpMethod[route.method]], integration });
    }
    new CfnOutput(this, 'url', { value: this.api.apiEndpoint, description: 'the ops API (SigV4-signed requests)' });
  }
}
