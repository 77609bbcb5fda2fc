// The limit rule of the peer benchmark: where an item states both limits with a value and the
// same unit, the promised value is not above the statutory one. The finding points at the
// promised value, as guifan's does.
export default (item, _options, context) => {
  const promised = item && item.promised_limit;
  const statutory = item && item.statutory_limit;
  if (!promised || !statutory) return;
  if (promised.value === undefined || statutory.value === undefined) return;
  if (promised.unit === undefined || statutory.unit === undefined) return;
  if (promised.unit !== statutory.unit) return;
  if (promised.value > statutory.value) {
    return [{
      message: `the item promises ${promised.value}, more than its statutory limit of ${statutory.value}`,
      path: [...context.path, 'promised_limit', 'value'],
    }];
  }
};
