import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { CfnPipe } from 'aws-cdk-lib/aws-pipes';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/**
 * Case table stream → EventBridge Pipe → the case event bus: every case change is
 * published from the change itself, never by a second write. Only case items pass the
 * filter; the enrichment function shapes each into its event (source, detail type, detail).
 */
export class CaseEventPipe extends Construct {
  readonly pipe: CfnPipe;

  constructor(
    scope: Construct,
    id: string,
    props: { table: TableV2; enrichment: IFunction; bus: IEventBus; deadLetters: IQueue },
  ) {
    super(scope, id);
    const streamArn = props.table.tableStreamArn;
    if (!streamArn) throw new Error('the case table has no stream');
    const role = new Role(this, 'role', {
      assumedBy: new ServicePrincipal('pipes.amazonaws.com'),
      description: 'reads the case stream, enriches, publishes case events',
    });
    role.addToPolicy(
      new PolicyStatement({
        actions: [
          'dynamodb:DescribeStream',
          'dynamodb:GetRecords',
          'dynamodb:GetShardIterator',
          'dynamodb:ListStreams',
        ],
        resources: [streamArn],
      }),
    );
    // The function itself, not `:*` (its versions): the Pipe calls the unqualified ARN.
    role.addToPolicy(
      new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [props.enrichment.functionArn] }),
    );
    props.bus.grantPutEventsTo(role);
    props.deadLetters.grantSendMessages(role);
    this.pipe = new CfnPipe(this, 'pipe', {
      description: 'case changes → case events',
      roleArn: role.roleArn,
      source: streamArn,
      sourceParameters: {
        dynamoDbStreamParameters: {
          startingPosition: 'TRIM_HORIZON',
          batchSize: 10,
          maximumRetryAttempts: 10,
          onPartialBatchItemFailure: 'AUTOMATIC_BISECT',
          deadLetterConfig: { arn: props.deadLetters.queueArn },
        },
        filterCriteria: {
          filters: [{ pattern: JSON.stringify({ dynamodb: { NewImage: { recordType: { S: ['case'] } } } }) }],
        },
      },
      enrichment: props.enrichment.functionArn,
      target: props.bus.eventBusArn,
      targetParameters: {
        eventBridgeEventBusParameters: { source: '$.source', detailType: '$.detailType' },
        inputTemplate: '<$.detail>',
      },
    });
  }
}
