// SPDX-License-Identifier: GPL-2.0
/* Fixture: iterator macros followed by a statement instead of `;`. */
void walk_all(struct list_head *head)
{
	struct item *pos;
	int cpu;

	for_each_online_cpu(cpu) {
		touch_cpu(cpu);
	}
	list_for_each_entry(pos, head, node) {
		visit(pos);
	}
	for_each_possible_cpu(cpu)
		touch_cpu(cpu);
}
