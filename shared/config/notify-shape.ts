// The packaged form of `notify:`, checked without zod (resolved-shape.ts, every Lambda's init). What a
// Lambda reads holds SSM references only: the loader refused `env:` for it, so an env reference here is a
// hand-made artifact or a resolver bug, and stops at init instead of failing at the first page.
import { CHATBOT_TOPIC_RULE, ENDPOINT_RULE, isEndpointUrl, isSnsTopicArn, isSsmParameterName, NOTIFY_SEVERITIES, NOTIFY_TYPES, SSM_PARAMETER_RULE } from './notify-rules.js';
import { isRecord, list, oneOf, shape, str, type Check } from './shape-checks.js';
import { show } from './format.js';

const name = str((n) => /^[a-z0-9][a-z0-9-]{0,62}$/.test(n), 'must be a destination name (1-63 lowercase letters, digits or hyphens)');
const severities = list(oneOf(NOTIFY_SEVERITIES), { min: 1, unique: true });
const endpoint = str(isEndpointUrl, ENDPOINT_RULE);
/** A secret reference a Lambda can read: an SSM parameter name. */
const ssmRef = shape({ ssm: str(isSsmParameterName, SSM_PARAMETER_RULE) });

const common = { name, severities };

const BY_TYPE: Readonly<Record<string, Check>> = {
  pagerduty: shape({ ...common, type: oneOf(['pagerduty']), routingKey: ssmRef, endpoint }),
  opsgenie: shape({ ...common, type: oneOf(['opsgenie']), apiKey: ssmRef, endpoint }),
  slack: shape({ ...common, type: oneOf(['slack']), webhookUrl: ssmRef }),
  teams: shape({ ...common, type: oneOf(['teams']), webhookUrl: ssmRef }),
  alertmanager: shape({ ...common, type: oneOf(['alertmanager']), url: ssmRef }, { hmacSecret: ssmRef }),
  json: shape({ ...common, type: oneOf(['json']), url: ssmRef }, { hmacSecret: ssmRef }),
  chatbot: shape({ ...common, type: oneOf(['chatbot']), topic: str(isSnsTopicArn, CHATBOT_TOPIC_RULE) }),
};

const typeCheck = oneOf(NOTIFY_TYPES);

const destination: Check = (value, path, problems) => {
  if (!isRecord(value)) return void shape({})(value, path, problems);
  const check = typeof value['type'] === 'string' ? BY_TYPE[value['type']] : undefined;
  if (check === undefined) typeCheck(value['type'], `${path}.type`, problems);
  else check(value, path, problems);
};

/** `notify` of a resolved config: a non-empty list of destinations with unique names. */
export const notifyCheck: Check = (value, path, problems) => {
  list(destination, { min: 1 })(value, path, problems);
  if (!Array.isArray(value)) return;
  const seen = new Set<unknown>();
  value.forEach((d, i) => {
    const n = isRecord(d) ? d['name'] : undefined;
    if (n !== undefined && seen.has(n)) problems.push(`${path}[${i}].name: duplicate destination name ${show(n)}`);
    seen.add(n);
  });
};
