// Why a stack cannot be generated: the config or the deploy options ask for something AWS would reject,
// said before `sls deploy` gets halfway through a stack.
import { PptpMonitorError } from '../shared/common/errors.js';

export type StackConfigErrorCode =
  /** A service or stage name AWS resource names cannot carry. */
  | 'invalid_name'
  /** A generated name or description over an AWS length limit. */
  | 'too_long'
  /** A region that would get an empty stack. */
  | 'no_stack_for_region'
  /** An alert topic an alarm could not notify. */
  | 'topic_in_other_region'
  /** More than the home template can hold. */
  | 'template_too_large'
  /** An agent's EC2 template asked for an agent the config does not declare. */
  | 'no_such_agent';

export class StackConfigError extends PptpMonitorError<StackConfigErrorCode> {
  override name = 'StackConfigError';
}
