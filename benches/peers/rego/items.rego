# The peer benchmark's Rego policy (docs/PERFORMANCE.md, "Peer benchmark"): the five item rules
# of benches/peers/guifan-pack, with the same ids, evaluated by benches/peers/regorus-harness as
# data.items.violations over the whole file as input.
package items

import rego.v1

# The declared windows, a set made once per evaluation: each item's window is a look-up.
window_ids contains w.id if some w in input.department.windows

violations contains finding(i, "legal-basis", "the item states no legal basis") if {
	some i, item in input.items
	not has_legal_basis(item)
}

has_legal_basis(item) if {
	is_array(item.legal_basis)
	count(item.legal_basis) > 0
}

violations contains finding(i, "task-type", sprintf("the task type '%s' is not two digits", [item.task_type])) if {
	some i, item in input.items
	is_string(item.task_type)
	not regex.match(`^[0-9]{2}$`, item.task_type)
}

violations contains finding(i, "name", "the item has no name") if {
	some i, item in input.items
	not has_name(item)
}

has_name(item) if {
	is_string(item.name)
	count(item.name) > 0
}

violations contains finding(i, "window", sprintf("the item is assigned to window %s, which the dossier does not declare", [window])) if {
	some i, item in input.items
	window := item.window
	not window in window_ids
}

violations contains finding(i, "limit", sprintf("the item promises %d, more than its statutory limit of %d", [promised.value, statutory.value])) if {
	some i, item in input.items
	promised := item.promised_limit
	statutory := item.statutory_limit
	promised.unit == statutory.unit
	promised.value > statutory.value
}

finding(index, rule, message) := {"index": index, "rule": rule, "message": message}
