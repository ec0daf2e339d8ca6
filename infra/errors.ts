// Why a stack cannot be generated: the config or the deploy options ask for something AWS would reject,
// said before `sls deploy` gets halfway through a stack.

export class StackConfigError extends Error {
  override name = 'StackConfigError';
}
