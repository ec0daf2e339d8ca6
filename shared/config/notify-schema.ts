// zod schema of `notify:`, the on-call destinations. A destination is told apart by its `type` and then
// checked as that type alone (as maintenance windows are by their keys), so a problem is worded for the
// type the user meant. Secrets are references; a value written in clear is refused without echoing it.
// Which references a runner can read (the Lambda functions: ssm only) is resolve.ts's rule.
import { z } from 'zod';
import { GENERIC, says, show } from './format.js';
import {
  CHATBOT_TOPIC_RULE,
  DESTINATION_FORM,
  DESTINATION_NAME,
  DESTINATION_NAME_RULE,
  ENDPOINT_RULE,
  isEndpointUrl,
  isEnvName,
  isSnsTopicArn,
  isSsmParameterName,
  literalSecretProblem,
  NOTIFY_SEVERITIES,
  NOTIFY_TYPE_RULE,
  NOTIFY_TYPES,
  notASecretRefProblem,
  OPSGENIE_API_URLS,
  REGION_AND_ENDPOINT,
  SECRET_FIELDS,
  SECRET_REF_RULE,
  SEVERITIES_RULE,
  SSM_PARAMETER_RULE,
  unknownDestinationKey,
} from './notify-rules.js';
import { ENV_NAME_RULE } from './login-rules.js';
import type { NotifySeverity, NotifyType, SecretRef } from './types.js';
import { isRecord as isMapping } from '../common/is-record.js';

type Issue = Parameters<z.core.$RefinementCtx['addIssue']>[0];

/** `{ env: NAME }` or `{ ssm: /name }`; `why` says what the secret lets a reader do, for a value in clear. */
function secretRefSchema(why: string) {
  return z.unknown().transform((value, ctx): SecretRef => {
    const fail = (message: string, path: PropertyKey[] = []): never => {
      ctx.addIssue({ code: 'custom', message, path } as Issue);
      return z.NEVER as never;
    };
    if (value === undefined) return fail(`required: ${SECRET_REF_RULE}`);
    if (typeof value === 'string') return fail(literalSecretProblem(why));
    if (!isMapping(value)) return fail(notASecretRefProblem(value));
    let bad = false;
    for (const key of Object.keys(value)) {
      if (key !== 'env' && key !== 'ssm') {
        ctx.addIssue({ code: 'custom', message: `unknown key: ${SECRET_REF_RULE}`, path: [key] } as Issue);
        bad = true;
      }
    }
    const { env, ssm } = value;
    if (env !== undefined && ssm !== undefined) return fail('has env and ssm: give one');
    if (env === undefined && ssm === undefined) return bad ? (z.NEVER as never) : fail(`${SECRET_REF_RULE}, got an empty mapping`);
    // Names of variables and parameters are not secrets: they are shown as written.
    if (env !== undefined && (typeof env !== 'string' || !isEnvName(env))) return fail(`${ENV_NAME_RULE}, got ${show(env)}`, ['env']);
    if (ssm !== undefined && (typeof ssm !== 'string' || !isSsmParameterName(ssm))) return fail(`${SSM_PARAMETER_RULE}, got ${show(ssm)}`, ['ssm']);
    if (bad) return z.NEVER as never;
    return env !== undefined ? { env: env as string } : { ssm: ssm as string };
  });
}

const severitiesSchema = z
  .array(z.enum(NOTIFY_SEVERITIES, { error: says("must be 'page', 'ticket' or 'info'") }), { error: says(SEVERITIES_RULE) })
  .min(1, { error: "must list at least one severity (or leave severities out: both)" })
  .refine((list) => new Set(list).size === list.length, { error: 'must not list a severity twice' });

const endpointSchema = z.string({ error: says(ENDPOINT_RULE) }).refine(isEndpointUrl, { error: says(ENDPOINT_RULE) });

const common = {
  name: z.string({ error: says(DESTINATION_NAME_RULE) }).regex(DESTINATION_NAME, { error: says(DESTINATION_NAME_RULE) }),
  type: z.enum(NOTIFY_TYPES as [NotifyType, ...NotifyType[]], { error: says(NOTIFY_TYPE_RULE) }),
  severities: severitiesSchema.optional(),
};

const secrets = (type: NotifyType): Record<string, ReturnType<typeof secretRefSchema>> =>
  Object.fromEntries(Object.entries(SECRET_FIELDS[type]).map(([key, why]) => [key, secretRefSchema(why)]));
const optionalSecret = (type: NotifyType, key: string) => secretRefSchema(SECRET_FIELDS[type][key] ?? '').optional();

const TYPE_SCHEMAS = {
  pagerduty: z.strictObject({ ...common, ...secrets('pagerduty'), endpoint: endpointSchema.optional() }),
  opsgenie: z.strictObject({
    ...common,
    ...secrets('opsgenie'),
    region: z.enum(Object.keys(OPSGENIE_API_URLS) as ['us', 'eu'], { error: says("must be 'us' or 'eu'") }).optional(),
    endpoint: endpointSchema.optional(),
  }),
  slack: z.strictObject({ ...common, ...secrets('slack') }),
  teams: z.strictObject({ ...common, ...secrets('teams') }),
  alertmanager: z.strictObject({ ...common, url: secrets('alertmanager')['url']!, hmacSecret: optionalSecret('alertmanager', 'hmacSecret') }),
  json: z.strictObject({ ...common, url: secrets('json')['url']!, hmacSecret: optionalSecret('json', 'hmacSecret') }),
  chatbot: z.strictObject({ ...common, topic: z.string({ error: says(CHATBOT_TOPIC_RULE) }).refine(isSnsTopicArn, { error: says(CHATBOT_TOPIC_RULE) }) }),
} satisfies Record<NotifyType, z.ZodType>;

/** One destination as parsed: its type, name, severities if written, and its type's settings. */
export interface ParsedDestination {
  name: string;
  type: NotifyType;
  severities?: NotifySeverity[];
  [setting: string]: unknown;
}

const PARSE = { error: () => GENERIC, reportInput: true } as const;

export const destinationSchema = z.unknown().transform((value, ctx): ParsedDestination => {
  if (!isMapping(value)) {
    ctx.addIssue({ code: 'custom', message: `${DESTINATION_FORM}, got ${show(value)}` });
    return z.NEVER;
  }
  const type = value.type;
  if (typeof type !== 'string' || !(NOTIFY_TYPES as readonly string[]).includes(type)) {
    // Without a known type no other key can be judged; the name still can.
    ctx.addIssue({ code: 'custom', path: ['type'], message: type === undefined ? `required: ${NOTIFY_TYPE_RULE}` : `${NOTIFY_TYPE_RULE}, got ${show(type)}` });
    const name = common.name.safeParse(value.name, PARSE);
    if (!name.success) for (const issue of name.error.issues) ctx.addIssue({ ...issue, path: ['name', ...issue.path] } as Issue);
    return z.NEVER;
  }
  const known = type as NotifyType;
  const result = TYPE_SCHEMAS[known].safeParse(value, PARSE);
  if (known === 'opsgenie' && value.region !== undefined && value.endpoint !== undefined) ctx.addIssue({ code: 'custom', path: ['endpoint'], message: REGION_AND_ENDPOINT });
  if (!result.success) {
    for (const issue of result.error.issues) {
      // A key of another type (webhookUrl on pagerduty) is named with the keys this type takes.
      if (issue.code === 'unrecognized_keys') for (const key of issue.keys) ctx.addIssue({ code: 'custom', path: [...issue.path, key], message: unknownDestinationKey(known) });
      else ctx.addIssue(issue as Issue);
    }
    return z.NEVER;
  }
  return result.data as ParsedDestination;
});

/** `notify:` a list of destinations (names unique: notify-resolve.ts judges them on the file as written). */
export const notifySchema = z
  .array(destinationSchema, { error: says('must be a list of destinations (name, type and its settings)') })
  .min(1, { error: 'must list at least one destination (or leave notify out)' });
