import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DeleteActivityTypeCommand,
  DeleteWorkflowTypeCommand,
  DeprecateActivityTypeCommand,
  DeprecateDomainCommand,
  DeprecateWorkflowTypeCommand,
  DescribeActivityTypeCommand,
  DescribeDomainCommand,
  DescribeWorkflowTypeCommand,
  ListActivityTypesCommand,
  ListDomainsCommand,
  ListTagsForResourceCommand,
  ListWorkflowTypesCommand,
  RegisterDomainCommand,
  RegisterWorkflowTypeCommand,
  StartWorkflowExecutionCommand,
  TagResourceCommand,
  UndeprecateActivityTypeCommand,
  UndeprecateDomainCommand,
  UndeprecateWorkflowTypeCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-swf';
import { registerActivity, rejection, startHarness, type Harness } from './local-harness.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

describe('local SWF: domains', () => {
  it('registers, describes, lists with paging, deprecates and undeprecates domains', async () => {
    const c = h.client;
    for (const name of ['d-b', 'd-a', 'd-c']) {
      await c.send(new RegisterDomainCommand({ name, description: `about ${name}`, workflowExecutionRetentionPeriodInDays: '7' }));
    }
    const described = await c.send(new DescribeDomainCommand({ name: 'd-a' }));
    expect(described.domainInfo).toEqual({ name: 'd-a', status: 'REGISTERED', description: 'about d-a', arn: 'arn:aws:swf:us-east-1:000000000000:/domain/d-a' });
    expect(described.configuration).toEqual({ workflowExecutionRetentionPeriodInDays: '7' });
    const first = await c.send(new ListDomainsCommand({ registrationStatus: 'REGISTERED', maximumPageSize: 2 }));
    const second = await c.send(new ListDomainsCommand({ registrationStatus: 'REGISTERED', maximumPageSize: 2, nextPageToken: first.nextPageToken }));
    const names = [...first.domainInfos!, ...second.domainInfos!].map((d) => d.name);
    expect(names).toEqual(['d-a', 'd-b', 'd-c', h.domain]);
    await c.send(new DeprecateDomainCommand({ name: 'd-b' }));
    const deprecated = await c.send(new ListDomainsCommand({ registrationStatus: 'DEPRECATED' }));
    expect(deprecated.domainInfos!.map((d) => d.name)).toEqual(['d-b']);
    expect((await rejection(c.send(new RegisterWorkflowTypeCommand({ domain: 'd-b', name: 'w', version: '1' })))).name).toBe('DomainDeprecatedFault');
    await c.send(new UndeprecateDomainCommand({ name: 'd-b' }));
    expect((await rejection(c.send(new UndeprecateDomainCommand({ name: 'd-b' })))).name).toBe('DomainAlreadyExistsFault');
    expect((await c.send(new DescribeDomainCommand({ name: 'd-b' }))).domainInfo?.status).toBe('REGISTERED');
  });

  it('tags a domain by its ARN: add, replace, list, remove', async () => {
    const c = h.client;
    await c.send(new RegisterDomainCommand({ name: 'tagged', workflowExecutionRetentionPeriodInDays: '1', tags: [{ key: 'team', value: 'a' }] }));
    const arn = (await c.send(new DescribeDomainCommand({ name: 'tagged' }))).domainInfo!.arn!;
    await c.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: 'team', value: 'b' }, { key: 'env' }] }));
    expect((await c.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags).toEqual([{ key: 'team', value: 'b' }, { key: 'env' }]);
    await c.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['team'] }));
    expect((await c.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags).toEqual([{ key: 'env' }]);
    const unknown = await rejection(c.send(new ListTagsForResourceCommand({ resourceArn: 'arn:aws:swf:us-east-1:000000000000:/domain/nope' })));
    expect(unknown.name).toBe('UnknownResourceFault');
    const tooMany = await rejection(c.send(new TagResourceCommand({ resourceArn: arn, tags: Array.from({ length: 50 }, (_, i) => ({ key: `k${i}` })) })));
    expect(tooMany.name).toBe('TooManyTagsFault');
  });
});

describe('local SWF: activity and workflow types', () => {
  it('describes an activity type with its defaults and lists types by name and status', async () => {
    const c = h.client;
    await registerActivity(c, h.domain, 'act', { version: '2', description: 'second', defaultTaskPriority: '5' });
    const d = await c.send(new DescribeActivityTypeCommand({ domain: h.domain, activityType: { name: 'act', version: '2' } }));
    expect(d.typeInfo).toMatchObject({ activityType: { name: 'act', version: '2' }, status: 'REGISTERED', description: 'second' });
    expect(d.typeInfo?.creationDate).toBeInstanceOf(Date);
    expect(d.configuration).toEqual({
      defaultTaskList: { name: 'activities' },
      defaultTaskScheduleToStartTimeout: '600',
      defaultTaskScheduleToCloseTimeout: '1200',
      defaultTaskStartToCloseTimeout: '600',
      defaultTaskHeartbeatTimeout: 'NONE',
      defaultTaskPriority: '5',
    });
    await registerActivity(c, h.domain, 'other', {});
    const listed = await c.send(new ListActivityTypesCommand({ domain: h.domain, registrationStatus: 'REGISTERED', name: 'act' }));
    expect(listed.typeInfos!.map((t) => t.activityType?.version)).toEqual(['1', '2']);
    const all = await c.send(new ListActivityTypesCommand({ domain: h.domain, registrationStatus: 'REGISTERED', reverseOrder: true }));
    expect(all.typeInfos!.map((t) => `${t.activityType?.name}/${t.activityType?.version}`)).toEqual(['other/1', 'act/2', 'act/1']);
  });

  it('deprecates, undeprecates and deletes activity types', async () => {
    const c = h.client;
    const activityType = { name: 'act', version: '1' };
    await c.send(new DeprecateActivityTypeCommand({ domain: h.domain, activityType }));
    const d = await c.send(new DescribeActivityTypeCommand({ domain: h.domain, activityType }));
    expect(d.typeInfo?.status).toBe('DEPRECATED');
    expect(d.typeInfo?.deprecationDate).toBeInstanceOf(Date);
    expect((await c.send(new ListActivityTypesCommand({ domain: h.domain, registrationStatus: 'DEPRECATED' }))).typeInfos).toHaveLength(1);
    await c.send(new UndeprecateActivityTypeCommand({ domain: h.domain, activityType }));
    expect((await rejection(c.send(new UndeprecateActivityTypeCommand({ domain: h.domain, activityType })))).name).toBe('TypeAlreadyExistsFault');
    await c.send(new DeprecateActivityTypeCommand({ domain: h.domain, activityType }));
    await c.send(new DeleteActivityTypeCommand({ domain: h.domain, activityType }));
    expect((await rejection(c.send(new DescribeActivityTypeCommand({ domain: h.domain, activityType })))).name).toBe('UnknownResourceFault');
  });

  it('describes, lists, deprecates, undeprecates and deletes workflow types', async () => {
    const c = h.client;
    const workflowType = { name: 'wf', version: '1' };
    const d = await c.send(new DescribeWorkflowTypeCommand({ domain: h.domain, workflowType }));
    expect(d.configuration).toEqual({
      defaultTaskList: { name: 'decisions' },
      defaultExecutionStartToCloseTimeout: '3600',
      defaultTaskStartToCloseTimeout: '60',
      defaultChildPolicy: 'TERMINATE',
    });
    expect((await c.send(new ListWorkflowTypesCommand({ domain: h.domain, registrationStatus: 'REGISTERED' }))).typeInfos!.map((t) => t.workflowType)).toEqual([workflowType]);
    await c.send(new DeprecateWorkflowTypeCommand({ domain: h.domain, workflowType }));
    const start = await rejection(c.send(new StartWorkflowExecutionCommand({ domain: h.domain, workflowId: 'x', workflowType })));
    expect(start.name).toBe('TypeDeprecatedFault');
    await c.send(new UndeprecateWorkflowTypeCommand({ domain: h.domain, workflowType }));
    expect((await rejection(c.send(new DeleteWorkflowTypeCommand({ domain: h.domain, workflowType })))).name).toBe('TypeNotDeprecatedFault');
    await c.send(new DeprecateWorkflowTypeCommand({ domain: h.domain, workflowType }));
    await c.send(new DeleteWorkflowTypeCommand({ domain: h.domain, workflowType }));
    expect((await c.send(new ListWorkflowTypesCommand({ domain: h.domain, registrationStatus: 'DEPRECATED' }))).typeInfos).toEqual([]);
  });
});
