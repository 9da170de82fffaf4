/** Domains, activity and workflow types, and domain tags. @internal */
import type {
  DeleteActivityTypeInput,
  DeleteWorkflowTypeInput,
  DeprecateActivityTypeInput,
  DeprecateDomainInput,
  DeprecateWorkflowTypeInput,
  DescribeActivityTypeInput,
  DescribeDomainInput,
  DescribeWorkflowTypeInput,
  ListActivityTypesInput,
  ListDomainsInput,
  ListTagsForResourceInput,
  ListWorkflowTypesInput,
  RegisterActivityTypeInput,
  RegisterDomainInput,
  RegisterWorkflowTypeInput,
  TagResourceInput,
  UndeprecateActivityTypeInput,
  UndeprecateDomainInput,
  UndeprecateWorkflowTypeInput,
  UntagResourceInput,
} from '@aws-sdk/client-swf';
import { SwfFault, epochSeconds, unknownResource } from './protocol.js';
import { compact, decodePageToken, page, pageSize } from './history.js';
import type { Checked } from './input.js';
import { Deque } from './task-queue.js';
import { typeKey, type Domain, type Engine, type ResourceTag, type TypeId, type TypeRecord } from './state.js';

/** A request naming one activity or workflow type. */
type TypeRef = { activityType: TypeId } | { workflowType: TypeId };
const typeIdOf = (input: TypeRef): TypeId => ('activityType' in input ? input.activityType : input.workflowType);

const MAX_TAGS = 50;

function checkTags(tags: ResourceTag[]): void {
  if (tags.length > MAX_TAGS) throw new SwfFault('TooManyTagsFault', `You can specify a maximum of ${MAX_TAGS} tags; got ${tags.length}`);
}

export function registerDomain(engine: Engine, input: Checked<RegisterDomainInput>): Record<string, never> {
  const name = input.name as string;
  if (engine.domains.has(name)) throw new SwfFault('DomainAlreadyExistsFault', `Domain already exists: ${name}`);
  if (engine.domains.size >= engine.settings.maxDomains) {
    throw new SwfFault('LimitExceededFault', `There are ${engine.domains.size} domains, registered and deprecated; SWF allows ${engine.settings.maxDomains}`);
  }
  const tags = (input.tags ?? []) as ResourceTag[];
  checkTags(tags);
  const arn = `arn:aws:swf:${engine.settings.region}:${engine.settings.accountId}:/domain/${name}`;
  engine.domains.set(name, {
    name,
    status: 'REGISTERED',
    description: input.description,
    retentionDays: input.workflowExecutionRetentionPeriodInDays,
    arn,
    tags: tags.map((t) => compact({ key: t.key, value: t.value })),
    activityTypes: new Map(),
    workflowTypes: new Map(),
    executions: new Map(),
    open: new Map(),
    activityQueues: new Map(),
    decisionQueues: new Map(),
    closed: new Deque(),
  });
  return {};
}

function domainInfo(d: Domain): Record<string, unknown> {
  return compact({ name: d.name, status: d.status, description: d.description, arn: d.arn });
}

export function describeDomain(engine: Engine, input: Checked<DescribeDomainInput>): Record<string, unknown> {
  const d = engine.domain(input.name);
  return { domainInfo: domainInfo(d), configuration: { workflowExecutionRetentionPeriodInDays: d.retentionDays } };
}

export function listDomains(engine: Engine, input: Checked<ListDomainsInput>): Record<string, unknown> {
  const all = [...engine.domains.values()].filter((d) => d.status === input.registrationStatus);
  all.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (input.reverseOrder) all.reverse();
  const token = decodePageToken(engine, input.nextPageToken, 'domains');
  const p = page(engine, all, token?.o ?? 0, pageSize(input.maximumPageSize), 'domains');
  return compact({ domainInfos: p.items.map(domainInfo), nextPageToken: p.nextPageToken });
}

export function deprecateDomain(engine: Engine, input: Checked<DeprecateDomainInput>): Record<string, never> {
  const d = engine.domain(input.name);
  if (d.status === 'DEPRECATED') throw new SwfFault('DomainDeprecatedFault', `Domain already deprecated: ${d.name}`);
  d.status = 'DEPRECATED';
  return {};
}

export function undeprecateDomain(engine: Engine, input: Checked<UndeprecateDomainInput>): Record<string, never> {
  const d = engine.domain(input.name);
  if (d.status === 'REGISTERED') throw new SwfFault('DomainAlreadyExistsFault', `Domain is not deprecated: ${d.name}`);
  d.status = 'REGISTERED';
  return {};
}

type Kind = 'activity' | 'workflow';

const typesOf = (d: Domain, kind: Kind): Map<string, TypeRecord> => (kind === 'activity' ? d.activityTypes : d.workflowTypes);
const typeLabel = (kind: Kind): string => (kind === 'activity' ? 'ActivityType' : 'WorkflowType');

const DEFAULT_KEYS: Record<Kind, string[]> = {
  activity: [
    'defaultTaskStartToCloseTimeout',
    'defaultTaskHeartbeatTimeout',
    'defaultTaskList',
    'defaultTaskPriority',
    'defaultTaskScheduleToStartTimeout',
    'defaultTaskScheduleToCloseTimeout',
  ],
  workflow: [
    'defaultTaskStartToCloseTimeout',
    'defaultExecutionStartToCloseTimeout',
    'defaultTaskList',
    'defaultTaskPriority',
    'defaultChildPolicy',
    'defaultLambdaRole',
  ],
};

/** Finds a registered type, or answers UnknownResourceFault. */
export function findType(engine: Engine, domain: Domain, kind: Kind, id: TypeId): TypeRecord {
  const t = typesOf(domain, kind).get(typeKey(id));
  if (t === undefined) throw unknownResource(`Unknown type: ${typeLabel(kind)}=[name=${id.name}, version=${id.version}]`);
  return t;
}

/** Throws DomainDeprecatedFault: a deprecated domain takes no new types or executions. */
export function assertDomainRegistered(d: Domain): void {
  if (d.status === 'DEPRECATED') throw new SwfFault('DomainDeprecatedFault', `Domain is deprecated: ${d.name}`);
}

export function registerType(engine: Engine, kind: Kind, input: Checked<RegisterActivityTypeInput | RegisterWorkflowTypeInput>): Record<string, never> {
  const d = engine.domain(input.domain);
  assertDomainRegistered(d);
  const id: TypeId = { name: input.name, version: input.version };
  const types = typesOf(d, kind);
  if (types.has(typeKey(id))) {
    throw new SwfFault('TypeAlreadyExistsFault', `${typeLabel(kind)}=[name=${id.name}, version=${id.version}]`);
  }
  const defaults: Record<string, unknown> = {};
  for (const k of DEFAULT_KEYS[kind]) if ((input as Record<string, unknown>)[k] !== undefined) defaults[k] = (input as Record<string, unknown>)[k];
  types.set(typeKey(id), { id, status: 'REGISTERED', description: input.description, creationMs: engine.now(), defaults });
  return {};
}

function typeInfo(kind: Kind, t: TypeRecord): Record<string, unknown> {
  return compact({
    [kind === 'activity' ? 'activityType' : 'workflowType']: { name: t.id.name, version: t.id.version },
    status: t.status,
    description: t.description,
    creationDate: epochSeconds(t.creationMs),
    deprecationDate: t.deprecationMs === undefined ? undefined : epochSeconds(t.deprecationMs),
  });
}

export function describeType(engine: Engine, kind: Kind, input: Checked<DescribeActivityTypeInput | DescribeWorkflowTypeInput>): Record<string, unknown> {
  const d = engine.domain(input.domain);
  const t = findType(engine, d, kind, typeIdOf(input));
  return { typeInfo: typeInfo(kind, t), configuration: { ...t.defaults } };
}

export function listTypes(engine: Engine, kind: Kind, input: Checked<ListActivityTypesInput | ListWorkflowTypesInput>): Record<string, unknown> {
  const d = engine.domain(input.domain);
  const all = [...typesOf(d, kind).values()].filter(
    (t) => t.status === input.registrationStatus && (input.name === undefined || t.id.name === input.name),
  );
  all.sort((a, b) => (a.id.name === b.id.name ? cmp(a.id.version, b.id.version) : cmp(a.id.name, b.id.name)));
  if (input.reverseOrder) all.reverse();
  const token = decodePageToken(engine, input.nextPageToken, `${kind}-types`);
  const p = page(engine, all, token?.o ?? 0, pageSize(input.maximumPageSize), `${kind}-types`);
  return compact({ typeInfos: p.items.map((t) => typeInfo(kind, t)), nextPageToken: p.nextPageToken });
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function deprecateType(engine: Engine, kind: Kind, input: Checked<DeprecateActivityTypeInput | DeprecateWorkflowTypeInput>): Record<string, never> {
  const d = engine.domain(input.domain);
  const id = typeIdOf(input);
  const t = findType(engine, d, kind, id);
  if (t.status === 'DEPRECATED') throw new SwfFault('TypeDeprecatedFault', `${typeLabel(kind)}=[name=${id.name}, version=${id.version}]`);
  t.status = 'DEPRECATED';
  t.deprecationMs = engine.now();
  return {};
}

export function undeprecateType(engine: Engine, kind: Kind, input: Checked<UndeprecateActivityTypeInput | UndeprecateWorkflowTypeInput>): Record<string, never> {
  const d = engine.domain(input.domain);
  const id = typeIdOf(input);
  const t = findType(engine, d, kind, id);
  if (t.status === 'REGISTERED') throw new SwfFault('TypeAlreadyExistsFault', `${typeLabel(kind)}=[name=${id.name}, version=${id.version}]`);
  t.status = 'REGISTERED';
  delete t.deprecationMs;
  return {};
}

export function deleteType(engine: Engine, kind: Kind, input: Checked<DeleteActivityTypeInput | DeleteWorkflowTypeInput>): Record<string, never> {
  const d = engine.domain(input.domain);
  const id = typeIdOf(input);
  const t = findType(engine, d, kind, id);
  if (t.status !== 'DEPRECATED') {
    throw new SwfFault('TypeNotDeprecatedFault', `${typeLabel(kind)}=[name=${id.name}, version=${id.version}] must be deprecated before it is deleted`);
  }
  typesOf(d, kind).delete(typeKey(id));
  return {};
}

function domainByArn(engine: Engine, arn: string): Domain {
  const name = /^arn:aws[\w-]*:swf:[^:]*:[^:]*:\/domain\/(.+)$/.exec(arn)?.[1];
  const d = name === undefined ? undefined : engine.domains.get(name);
  if (d === undefined || d.arn !== arn) throw unknownResource(`Unknown resource: ${arn}`);
  return d;
}

export function tagResource(engine: Engine, input: Checked<TagResourceInput>): Record<string, never> {
  const d = domainByArn(engine, input.resourceArn);
  const merged = new Map(d.tags.map((t) => [t.key, t]));
  for (const t of input.tags as ResourceTag[]) merged.set(t.key, compact({ key: t.key, value: t.value }));
  const tags = [...merged.values()];
  checkTags(tags);
  d.tags = tags;
  return {};
}

export function untagResource(engine: Engine, input: Checked<UntagResourceInput>): Record<string, never> {
  const d = domainByArn(engine, input.resourceArn);
  const drop = new Set(input.tagKeys as string[]);
  d.tags = d.tags.filter((t) => !drop.has(t.key));
  return {};
}

export function listTagsForResource(engine: Engine, input: Checked<ListTagsForResourceInput>): Record<string, unknown> {
  return { tags: domainByArn(engine, input.resourceArn).tags.map((t) => ({ ...t })) };
}
