import { stageName } from '../stage.ts';
import { CfnOutput, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  LogGroupLogDestination,
  type IHttpRouteAuthorizer,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { OAuthScope, UserPoolClient, type UserPool, type UserPoolDomain } from 'aws-cdk-lib/aws-cognito';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { HttpIamAuthorizer, HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { API_ROUTES, type ApiRoute } from '#infra/topology';
import { SIGN_IN_ENV } from '#functions/ops-api/operator-sign-in';
import { IDENTITY_ENV } from '#shared/runtime/lambda';

/** The pages people work in, under `/app/` (see functions/ops-api/app-routes.ts): each is a sign-in's way back. */
const PAGES = ['index.html', 'ops.html', 'field.html', 'screen.html'];

/** Requests per second the ops API accepts (steady, and in a burst); operators and a few city systems, not the public. */
export const OPS_API_THROTTLE = { rateLimit: 50, burstLimit: 100 };

/**
 * The ops API on API Gateway HTTP API, its routes from the topology (payload format
 * 2.0, as the local server builds it): IAM-authorised, except the pages (`GET /`, which leads to the
 * district's map, and `/app/`: open, they hold no data) and what they read (`GET /map`,
 * `/staff/…`: an operator's token from the user pool, checked by a JWT authorizer). The
 * pages' app client (authorization code with PKCE, no secret: the pages are public code)
 * sends operators back to the page they signed in from. One `$default` stage with JSON access logs (who called what: the caller's IAM
 * identity or the operator's user id) kept a year, and a throttle.
 */
export class OpsApi extends Construct {
  readonly api: HttpApi;

  constructor(
    scope: Construct,
    id: string,
    props: {
      functions: Record<string, LambdaFunction>;
      /** Where operators sign in; without it (AWS China), the operator routes take IAM-signed requests too. */
      operators?: { userPool: UserPool; domain: UserPoolDomain };
    },
  ) {
    super(scope, id);
    this.api = new HttpApi(this, 'api', {
      apiName: stageName(this, 'ops'),
      description: 'CityOps ops API',
      defaultAuthorizer: new HttpIamAuthorizer(),
      createDefaultStage: false,
    });
    const page = `${this.api.apiEndpoint}/`;
    const operators = props.operators;
    // Here, not by userPool.addClient (which would put it in the pool's stack, and that stack would then need the API's address).
    const client =
      operators &&
      new UserPoolClient(this, 'ops-page-client', {
        userPool: operators.userPool,
        userPoolClientName: stageName(this, 'ops-page'),
        generateSecret: false,
        authFlows: {},
        oAuth: {
          flows: { authorizationCodeGrant: true },
          scopes: [OAuthScope.OPENID],
          // The pages people work in (the district's map among them): they all sign in with this client.
          callbackUrls: PAGES.map((p) => `${page}app/${p}`),
          logoutUrls: PAGES.map((p) => `${page}app/${p}`),
        },
        preventUserExistenceErrors: true,
      });
    const authorizers: Record<NonNullable<ApiRoute['auth']>, IHttpRouteAuthorizer> = {
      public: new HttpNoneAuthorizer(),
      operator:
        operators && client
          ? new HttpUserPoolAuthorizer('operators', operators.userPool, { userPoolClients: [client] })
          : new HttpIamAuthorizer(),
    };
    const accessLogs = new LogGroup(this, 'access-logs', {
      retention: RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.DESTROY,
    });
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
            operator: '$context.authorizer.claims.sub',
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
      if (!integration)
        integrations.set(
          route.function,
          (integration = new HttpLambdaIntegration(`${route.function}-integration`, fn)),
        );
      const routes = this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration,
        ...(route.auth ? { authorizer: authorizers[route.auth] } : {}),
      });
      if (route.auth === 'public') {
        for (const r of routes)
          Validations.of(r).acknowledge({
            id: 'AwsSolutions::AwsSolutions-APIG4',
            reason:
              `${route.method} ${route.path} serves pages: static HTML and script, no data; what they show comes ` +
              `from routes that need an operator's token.`,
          });
        // The function serving the pages tells them where operators sign in.
        if (operators && client) {
          fn.addEnvironment(SIGN_IN_ENV.domain, operators.domain.baseUrl());
          fn.addEnvironment(SIGN_IN_ENV.clientId, client.userPoolClientId);
        }
      }
      // A function serving a signed-in route verifies the user's token itself (roles, unit): the pool's keys.
      if (route.auth === 'operator' && operators && client) {
        const issuer = `https://cognito-idp.${Stack.of(this).region}.${Stack.of(this).urlSuffix}/${operators.userPool.userPoolId}`;
        fn.addEnvironment(IDENTITY_ENV.issuer, issuer);
        fn.addEnvironment(IDENTITY_ENV.jwksUrl, `${issuer}/.well-known/jwks.json`);
        fn.addEnvironment(IDENTITY_ENV.audience, client.userPoolClientId);
      }
    }
    new CfnOutput(this, 'url', {
      value: this.api.apiEndpoint,
      description: 'the ops API (SigV4-signed requests)',
    }).overrideLogicalId('OpsApiUrl');
    new CfnOutput(this, 'page', {
      value: page,
      description: "the district's map, GET / (operators sign in with their user-pool account)",
    }).overrideLogicalId('OpsPageUrl');
  }
}
