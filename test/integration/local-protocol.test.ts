import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as swfSdk from '@aws-sdk/client-swf';
import {
  DefaultUndefinedFault,
  DeleteActivityTypeCommand,
  DeprecateDomainCommand,
  DeprecateWorkflowTypeCommand,
  DescribeDomainCommand,
  DomainAlreadyExistsFault,
  DomainDeprecatedFault,
  LimitExceededFault,
  ListDomainsCommand,
  PollForActivityTaskCommand,
  RecordActivityTaskHeartbeatCommand,
  RegisterActivityTypeCommand,
  RegisterDomainCommand,
  RegisterWorkflowTypeCommand,
  RespondActivityTaskCompletedCommand,
  RespondActivityTaskFailedCommand,
  RespondDecisionTaskCompletedCommand,
  SWFClient,
  StartWorkflowExecutionCommand,
  TooManyTagsFault,
  TypeAlreadyExistsFault,
  TypeDeprecatedFault,
  TypeNotDeprecatedFault,
  UnknownResourceFault,
  WorkflowExecutionAlreadyStartedFault,
} from '@aws-sdk/client-swf';
import { startLocalSwf } from '../../src/local/index.js';
import { createSwfClient } from '../../src/swf/client.js';
import { SwfFault, type FaultName } from '../../src/local/protocol.js';
import { rejection, start, startHarness, type Harness } from './local-harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Sends a raw request; `chunks` are written one by one (no content-length unless given in headers). */
function raw(endpoint: string, headers: Record<string, string | number>, chunks: (string | Buffer)[]): Promise<RawAnswer> {
  const { hostname, port } = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, method: 'POST', path: '/', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}

const target = (op: string) => ({ 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `SimpleWorkflowService.${op}` });

describe('local SWF: wire protocol', () => {
  it('answers a call with JSON of content type application/x-amz-json-1.0', async () => {
    const answer = await raw(h.swf.endpoint, target('DescribeDomain'), [JSON.stringify({ name: h.domain })]);
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/x-amz-json-1.0');
    expect(JSON.parse(answer.body).domainInfo.name).toBe(h.domain);
  });

  it("serves the project's own createSwfClient", async () => {
    const client = createSwfClient({ endpoint: h.swf.endpoint, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } }, {});
    try {
      const out = await client.send(new DescribeDomainCommand({ name: h.domain }));
      expect(out.domainInfo?.status).toBe('REGISTERED');
      expect(await rejection(client.send(new DescribeDomainCommand({ name: 'nope' })))).toBeInstanceOf(UnknownResourceFault);
    } finally {
      client.destroy();
    }
  });

  it('answers faults as HTTP 400 with __type in SWF namespace', async () => {
    const answer = await raw(h.swf.endpoint, target('DescribeDomain'), [JSON.stringify({ name: 'nope' })]);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toEqual({ __type: 'com.amazonaws.swf.base.model#UnknownResourceFault', message: 'Unknown domain: nope' });
  });

  it('answers UnknownOperationException for an unknown target and SerializationException for a body that is not JSON', async () => {
    const unknown = await raw(h.swf.endpoint, target('FlyToTheMoon'), ['{}']);
    expect(unknown.status).toBe(400);
    expect(JSON.parse(unknown.body).__type).toBe('UnknownOperationException');
    const missing = await raw(h.swf.endpoint, { 'content-type': 'application/x-amz-json-1.0' }, ['{}']);
    expect(JSON.parse(missing.body).__type).toBe('UnknownOperationException');
    const garbled = await raw(h.swf.endpoint, target('DescribeDomain'), ['{"name": ']);
    expect(garbled.status).toBe(400);
    expect(JSON.parse(garbled.body).__type).toBe('SerializationException');
  });

  it('refuses a body declared over 1 MB before reading it', async () => {
    const answer = await raw(h.swf.endpoint, { ...target('RespondActivityTaskCompleted'), 'content-length': 2_000_000 }, []);
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body).message).toContain('1,048,576');
  });

  it('refuses a streamed body once it passes 1 MB, counting bytes as they come', async () => {
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const chunks = Array.from({ length: 20 }, () => chunk); // 1.25 MB, chunked, no content-length
    const answer = await raw(h.swf.endpoint, { ...target('RespondActivityTaskCompleted'), 'transfer-encoding': 'chunked' }, chunks).catch((e: Error) => ({ status: -1, headers: {}, body: e.message }));
    // Either the 413 arrives or the socket is dropped while the client still writes; it is never accepted.
    expect([413, -1]).toContain(answer.status);
  });

  it('refuses an SDK call with a body over 1 MB and still serves the next call', async () => {
    const error = await rejection(h.client.send(new RespondActivityTaskCompletedCommand({ taskToken: 't', result: 'x'.repeat(1_100_000) })));
    expect(error.name).toBe('RequestEntityTooLargeException');
    expect(error.$metadata?.httpStatusCode).toBe(413);
    const ok = await h.client.send(new DescribeDomainCommand({ name: h.domain }));
    expect(ok.domainInfo?.name).toBe(h.domain);
  });

  it('accepts a body of exactly 1 MB', async () => {
    const prefix = '{"taskToken":"t","result":"';
    const suffix = '"}';
    const body = prefix + 'r'.repeat(1_048_576 - prefix.length - suffix.length) + suffix;
    const answer = await raw(h.swf.endpoint, target('RespondActivityTaskCompleted'), [body]);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body).__type).toBe('ValidationException'); // read and validated: result is over 32,768
  });

  it('warns loudly on stderr when bound to a non-loopback interface, and not on loopback', async () => {
    const warnings: string[] = [];
    const open = await startLocalSwf({ host: '0.0.0.0', warn: (m) => warnings.push(m) });
    await open.close();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/WARNING.*0\.0\.0\.0.*NO authentication/);
    const quiet: string[] = [];
    const local = await startLocalSwf({ warn: (m) => quiet.push(m) });
    expect(local.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await local.close();
    expect(quiet).toEqual([]);
  });
});

describe('local SWF: faults reach the SDK as its typed errors', () => {
  it('parses every fault shape of the model into the class of the same name', async () => {
    // A stub that answers each fault the way the endpoint writes it: the SDK must map each to its class.
    const names: FaultName[] = [
      'UnknownResourceFault', 'DomainAlreadyExistsFault', 'DomainDeprecatedFault', 'TypeAlreadyExistsFault', 'TypeDeprecatedFault',
      'TypeNotDeprecatedFault', 'LimitExceededFault', 'OperationNotPermittedFault', 'WorkflowExecutionAlreadyStartedFault',
      'DefaultUndefinedFault', 'TooManyTagsFault',
    ];
    let next: FaultName = 'UnknownResourceFault';
    const stub = createServer((req, res) => {
      req.resume();
      const body = JSON.stringify(new SwfFault(next, `a ${next}`).body());
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' }).end(body);
    });
    await new Promise<void>((r) => stub.listen(0, '127.0.0.1', r));
    const client = new SWFClient({
      endpoint: `http://127.0.0.1:${(stub.address() as AddressInfo).port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
      maxAttempts: 1,
    });
    try {
      for (const name of names) {
        next = name;
        const error = await rejection(client.send(new ListDomainsCommand({ registrationStatus: 'REGISTERED' })));
        expect(error.name).toBe(name);
        expect(error.message).toBe(`a ${name}`);
        expect(error).toBeInstanceOf((swfSdk as unknown as Record<string, new () => Error>)[name]);
      }
    } finally {
      client.destroy();
      await new Promise((r) => stub.close(r));
    }
  });

  it('answers the endpoint-produced faults with the right classes', async () => {
    const c = h.client;
    expect(await rejection(c.send(new DescribeDomainCommand({ name: 'nope' })))).toBeInstanceOf(UnknownResourceFault);
    expect(await rejection(c.send(new RegisterDomainCommand({ name: h.domain, workflowExecutionRetentionPeriodInDays: '1' })))).toBeInstanceOf(DomainAlreadyExistsFault);
    expect(await rejection(c.send(new RegisterActivityTypeCommand({ domain: h.domain, name: 'act', version: '1' })))).toBeInstanceOf(TypeAlreadyExistsFault);
    const run = await start(h);
    expect(
      await rejection(c.send(new StartWorkflowExecutionCommand({ domain: h.domain, workflowId: run.workflowId, workflowType: { name: 'wf', version: '1' } }))),
    ).toBeInstanceOf(WorkflowExecutionAlreadyStartedFault);
    await c.send(new RegisterWorkflowTypeCommand({ domain: h.domain, name: 'bare', version: '1' }));
    const undefinedDefault = await rejection(c.send(new StartWorkflowExecutionCommand({ domain: h.domain, workflowId: 'b', workflowType: { name: 'bare', version: '1' } })));
    expect(undefinedDefault).toBeInstanceOf(DefaultUndefinedFault);
    await c.send(new DeprecateWorkflowTypeCommand({ domain: h.domain, workflowType: { name: 'bare', version: '1' } }));
    expect(await rejection(c.send(new DeprecateWorkflowTypeCommand({ domain: h.domain, workflowType: { name: 'bare', version: '1' } })))).toBeInstanceOf(TypeDeprecatedFault);
    expect(
      await rejection(c.send(new StartWorkflowExecutionCommand({ domain: h.domain, workflowId: 'c', workflowType: { name: 'bare', version: '1' } }))),
    ).toBeInstanceOf(TypeDeprecatedFault);
    expect(await rejection(c.send(new DeleteActivityTypeCommand({ domain: h.domain, activityType: { name: 'act', version: '1' } })))).toBeInstanceOf(TypeNotDeprecatedFault);
    const tags = Array.from({ length: 51 }, (_, i) => ({ key: `k${i}` }));
    expect(await rejection(c.send(new RegisterDomainCommand({ name: 'tagged', workflowExecutionRetentionPeriodInDays: '1', tags })))).toBeInstanceOf(TooManyTagsFault);
    await c.send(new RegisterDomainCommand({ name: 'old', workflowExecutionRetentionPeriodInDays: '1' }));
    await c.send(new DeprecateDomainCommand({ name: 'old' }));
    expect(await rejection(c.send(new DeprecateDomainCommand({ name: 'old' })))).toBeInstanceOf(DomainDeprecatedFault);
  });

  it('answers LimitExceededFault past the domain limit', async () => {
    const small = await startHarness({ maxDomains: 2 });
    try {
      await small.client.send(new RegisterDomainCommand({ name: 'second', workflowExecutionRetentionPeriodInDays: '1' }));
      const error = await rejection(small.client.send(new RegisterDomainCommand({ name: 'third', workflowExecutionRetentionPeriodInDays: '1' })));
      expect(error).toBeInstanceOf(LimitExceededFault);
    } finally {
      await small.close();
    }
  });
});

describe('local SWF: validation from the model', () => {
  const expectValidation = async (p: Promise<unknown>, message: string | RegExp) => {
    const error = await rejection(p);
    expect(error.name).toBe('ValidationException');
    expect(error.$metadata?.httpStatusCode).toBe(400);
    if (typeof message === 'string') expect(error.message).toBe(message);
    else expect(error.message).toMatch(message);
  };

  it('checks reason (256), details and result (32,768) and heartbeat details (2,048)', async () => {
    const c = h.client;
    await expectValidation(
      c.send(new RespondActivityTaskFailedCommand({ taskToken: 't', reason: 'r'.repeat(257) })),
      `1 validation error detected: Value '${'r'.repeat(61)}...' at 'reason' failed to satisfy constraint: Member must have length less than or equal to 256`,
    );
    await expectValidation(c.send(new RespondActivityTaskFailedCommand({ taskToken: 't', details: 'd'.repeat(32_769) })), /at 'details' .*less than or equal to 32768$/);
    await expectValidation(c.send(new RespondActivityTaskCompletedCommand({ taskToken: 't', result: 'd'.repeat(32_769) })), /at 'result' .*less than or equal to 32768$/);
    await expectValidation(c.send(new RecordActivityTaskHeartbeatCommand({ taskToken: 't', details: 'd'.repeat(2_049) })), /at 'details' .*less than or equal to 2048$/);
    // At the limit the call passes validation and reaches the token check.
    expect((await rejection(c.send(new RespondActivityTaskFailedCommand({ taskToken: 't', reason: 'r'.repeat(256), details: 'd'.repeat(32_768) })))).name).toBe('UnknownResourceFault');
    expect((await rejection(c.send(new RecordActivityTaskHeartbeatCommand({ taskToken: 't', details: 'd'.repeat(2_048) })))).name).toBe('UnknownResourceFault');
  });

  it('checks taskToken (1..1,024) and identity (256)', async () => {
    const c = h.client;
    await expectValidation(c.send(new RespondActivityTaskCompletedCommand({ taskToken: '' })), /at 'taskToken' failed to satisfy constraint: Member must have length greater than or equal to 1$/);
    await expectValidation(c.send(new RespondActivityTaskCompletedCommand({ taskToken: 't'.repeat(1_025) })), /at 'taskToken' .*less than or equal to 1024$/);
    await expectValidation(
      c.send(new PollForActivityTaskCommand({ domain: h.domain, taskList: { name: 'x' }, identity: 'i'.repeat(257) })),
      /at 'identity' .*less than or equal to 256$/,
    );
  });

  it('checks names (256), versions (64) and durations (8)', async () => {
    const c = h.client;
    await expectValidation(c.send(new RegisterDomainCommand({ name: 'n'.repeat(257), workflowExecutionRetentionPeriodInDays: '1' })), /at 'name' .*less than or equal to 256$/);
    await expectValidation(c.send(new RegisterActivityTypeCommand({ domain: h.domain, name: 'a', version: 'v'.repeat(65) })), /at 'version' .*less than or equal to 64$/);
    await expectValidation(
      c.send(new RegisterActivityTypeCommand({ domain: h.domain, name: 'a', version: '9', defaultTaskStartToCloseTimeout: '123456789' })),
      /at 'defaultTaskStartToCloseTimeout' .*less than or equal to 8$/,
    );
    await expectValidation(
      c.send(new RegisterActivityTypeCommand({ domain: h.domain, name: 'a', version: '9', defaultTaskHeartbeatTimeout: '1.5' })),
      "1 validation error detected: Value '1.5' at 'defaultTaskHeartbeatTimeout' failed to satisfy constraint: Member must be a whole number of seconds from 0 to 99,999,999, or NONE",
    );
  });

  it('checks enums, integer ranges and required members, and counts several errors', async () => {
    const c = h.client;
    await expectValidation(
      c.send(new ListDomainsCommand({ registrationStatus: 'NOPE' as 'REGISTERED' })),
      "1 validation error detected: Value 'NOPE' at 'registrationStatus' failed to satisfy constraint: Member must satisfy enum value set: [REGISTERED, DEPRECATED]",
    );
    await expectValidation(c.send(new ListDomainsCommand({ registrationStatus: 'REGISTERED', maximumPageSize: 1001 })), /at 'maximumPageSize' .*value less than or equal to 1000$/);
    await expectValidation(
      c.send(new PollForActivityTaskCommand({ domain: h.domain } as never)),
      "1 validation error detected: Value null at 'taskList' failed to satisfy constraint: Member must not be null",
    );
    await expectValidation(c.send(new RespondActivityTaskFailedCommand({ taskToken: '', reason: 'r'.repeat(300) })), /^2 validation errors detected: /);
  });

  it('checks members nested in decisions, and a decision without its attributes', async () => {
    const c = h.client;
    await expectValidation(
      c.send(
        new RespondDecisionTaskCompletedCommand({
          taskToken: 't',
          decisions: [
            { decisionType: 'RecordMarker', recordMarkerDecisionAttributes: { markerName: 'm' } },
            { decisionType: 'ScheduleActivityTask', scheduleActivityTaskDecisionAttributes: { activityId: 'a'.repeat(257), activityType: { name: 'act', version: '1' } } },
          ],
        }),
      ),
      /at 'decisions\.2\.member\.scheduleActivityTaskDecisionAttributes\.activityId' .*less than or equal to 256$/,
    );
    await start(h);
    const { PollForDecisionTaskCommand } = swfSdk;
    const task = await c.send(new PollForDecisionTaskCommand({ domain: h.domain, taskList: { name: 'decisions' } }));
    await expectValidation(
      c.send(new RespondDecisionTaskCompletedCommand({ taskToken: task.taskToken, decisions: [{ decisionType: 'StartTimer' }] })),
      /Value null at 'decisions\.1\.member\.startTimerDecisionAttributes' failed to satisfy constraint: Member must not be null/,
    );
  });
});
