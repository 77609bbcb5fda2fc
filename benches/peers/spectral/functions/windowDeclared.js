// The window rule of the peer benchmark: the item's window is among the ids of
// department.windows. The set of ids is made once per document (keyed on the parsed data),
// so that each item is a hash look-up, as in guifan and Rego.
const declared = new WeakMap();

function windowIds(data) {
  let ids = declared.get(data);
  if (ids === undefined) {
    const windows = data && data.department && Array.isArray(data.department.windows)
      ? data.department.windows
      : [];
    ids = new Set(windows.map((w) => (w ? w.id : undefined)));
    declared.set(data, ids);
  }
  return ids;
}

export default (window, _options, context) => {
  if (!windowIds(context.document.data).has(window)) {
    return [{ message: `the item is assigned to window ${window}, which the dossier does not declare` }];
  }
};
