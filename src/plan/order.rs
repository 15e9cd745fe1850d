//! Orders a plan's steps by what they create, drop and need.
//!
//! No fixed order of kinds fits every schema (`CREATE EXTENSION .. SCHEMA s` needs `s`, a
//! `LANGUAGE sql` function returning `SETOF tasks` needs the table, a check may need the
//! function), so each step says which objects it creates, drops, needs and releases, and
//! the steps are sorted topologically. Every step also has a phase: among the steps whose
//! predecessors have all run, the one of the lowest (phase, position in the diff) runs
//! next. With no edge against the phases this is exactly the phase order, which is how
//! the table, enum, sequence and index changes are ordered (their dependencies agree
//! with their phases); edges move a step later only as far as it must go.
//!
//! Edges, from the dependencies the catalog records (`pg_depend`, carried by the live
//! model) and from the declared references (a column's type, a trigger's function):
//! - a step that creates X runs before every step that needs X;
//! - a step that releases X (stops depending on it: a dropped view releases its tables)
//!   runs before the step that drops X;
//! - a step that drops X runs before a step that creates X again (the name is freed).

use std::collections::{BTreeMap, BTreeSet, BinaryHeap};
use std::fmt;

pub use crate::model::depend::{ObjectKind, ObjectRef, type_ref};

/// When a step runs, all else equal (lower first). The table changes use ten times their
/// historical phase number (see `plan::phase`); other kinds use the constants in [`phase`].
pub type Phase = u16;

/// Phases of the kinds that are ordered mainly by their dependencies. The numbers
/// between them are the table changes' (`plan::phase` times ten): 0 schemas, 10-20
/// renames, 40-100 drops, 110 renames, 130 enums, 150 column types, 160 enum drops, 170
/// sequences, 180 tables, 190 columns, 200 constraints, 210 indexes, 220 foreign keys,
/// 230 sequence owners, 240 comments.
pub mod phase {
    use super::Phase;
    /// After the schemas, before any type or table.
    pub const CREATE_EXTENSION: Phase = 5;
    pub const ALTER_EXTENSION: Phase = 6;
    /// Objects that hang on tables and columns (views, materialized views, triggers,
    /// policies) go before anything of the tables is dropped or changed.
    pub const DROP_DEPENDENTS: Phase = 35;
    /// After the columns that used them are gone or converted (150), with the enums.
    pub const DROP_DOMAIN: Phase = 162;
    /// After every column, default, check, view and trigger that could call them.
    pub const DROP_FUNCTION: Phase = 165;
    /// After enums (a domain over an enum), before tables (a column of the domain).
    pub const CREATE_DOMAIN: Phase = 135;
    pub const ALTER_DOMAIN: Phase = 136;
    /// Before the tables, whose defaults and checks may call them; a function that needs
    /// a table (`SETOF tasks`) says so and waits for it.
    pub const CREATE_FUNCTION: Phase = 172;
    /// After every table change, key and index.
    pub const CREATE_VIEW: Phase = 232;
    pub const CREATE_MATERIALIZED_VIEW: Phase = 233;
    pub const CREATE_TRIGGER: Phase = 235;
    /// Row-level security and policies: after the tables, keys and indexes, with the
    /// sequence owners; a policy that uses something created later waits for it.
    pub const CREATE_POLICY: Phase = 230;
    /// Before the columns, tables and functions its expressions use (which wait for it
    /// anyway) and after the foreign keys, as it always ran.
    pub const DROP_POLICY: Phase = 40;
    /// Last: after everything that used the extension's types and functions is gone.
    pub const DROP_EXTENSION: Phase = 250;
    /// After the extensions, which may live in it.
    pub const DROP_SCHEMA: Phase = 260;
}

/// What a step does to the objects it touches. Objects no step creates or drops order
/// nothing: a reference to `integer` or to an unchanged table is harmless.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Deps {
    /// Exists after the step (created, recreated, renamed to).
    pub creates: Vec<ObjectRef>,
    /// Gone after the step (dropped, renamed away from).
    pub drops: Vec<ObjectRef>,
    /// Must exist when the step runs.
    pub needs: Vec<ObjectRef>,
    /// Needed until the step runs and no longer after it: what a dropped object depended
    /// on (from `pg_depend`), the old type of a converted column.
    pub releases: Vec<ObjectRef>,
}

impl Deps {
    pub fn creating(object: ObjectRef) -> Self {
        Deps {
            creates: vec![object],
            ..Deps::default()
        }
    }

    pub fn dropping(object: ObjectRef) -> Self {
        Deps {
            drops: vec![object],
            ..Deps::default()
        }
    }

    pub fn needing(mut self, objects: impl IntoIterator<Item = ObjectRef>) -> Self {
        self.needs.extend(objects);
        self
    }

    pub fn releasing(mut self, objects: impl IntoIterator<Item = ObjectRef>) -> Self {
        self.releases.extend(objects);
        self
    }
}

/// One thing to order.
#[derive(Debug, Clone)]
pub struct Node<T> {
    pub item: T,
    pub phase: Phase,
    pub deps: Deps,
}

/// Steps that wait for each other in a circle; nothing can run first.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct CycleError {
    /// The objects the waiting steps create or drop, in the order they wait for each
    /// other.
    pub objects: Vec<ObjectRef>,
}

impl fmt::Display for CycleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<String> = self.objects.iter().map(|o| o.to_string()).collect();
        write!(
            f,
            "cannot order the plan: these objects depend on each other in a cycle: {}",
            names.join(" -> ")
        )
    }
}

/// Sorts the nodes (see the module documentation). Stable: nodes with no edges between
/// them keep (phase, input position) order.
pub fn sort<T>(nodes: Vec<Node<T>>) -> Result<Vec<T>, CycleError> {
    let n = nodes.len();
    let mut creators: BTreeMap<&ObjectRef, Vec<usize>> = BTreeMap::new();
    let mut droppers: BTreeMap<&ObjectRef, Vec<usize>> = BTreeMap::new();
    for (i, node) in nodes.iter().enumerate() {
        for o in &node.deps.creates {
            creators.entry(o).or_default().push(i);
        }
        for o in &node.deps.drops {
            droppers.entry(o).or_default().push(i);
        }
    }
    // successors[a] holds b when a must run before b.
    let mut successors: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); n];
    for (b, node) in nodes.iter().enumerate() {
        let mut before = |from: Option<&Vec<usize>>| {
            for &a in from.into_iter().flatten() {
                if a != b {
                    successors[a].insert(b);
                }
            }
        };
        for o in &node.deps.needs {
            before(creators.get(o));
        }
        for o in &node.deps.creates {
            before(droppers.get(o));
        }
    }
    for (a, node) in nodes.iter().enumerate() {
        for o in &node.deps.releases {
            for &b in droppers.get(o).into_iter().flatten() {
                if a != b {
                    successors[a].insert(b);
                }
            }
        }
    }
    let mut waiting: Vec<usize> = vec![0; n];
    for s in &successors {
        for &b in s {
            waiting[b] += 1;
        }
    }
    let key = |i: usize| std::cmp::Reverse((nodes[i].phase, i));
    let mut ready: BinaryHeap<std::cmp::Reverse<(Phase, usize)>> =
        (0..n).filter(|&i| waiting[i] == 0).map(key).collect();
    let mut order = Vec::with_capacity(n);
    while let Some(std::cmp::Reverse((_, i))) = ready.pop() {
        order.push(i);
        for &b in &successors[i] {
            waiting[b] -= 1;
            if waiting[b] == 0 {
                ready.push(key(b));
            }
        }
    }
    if order.len() < n {
        return Err(CycleError {
            objects: cycle(&nodes, &successors, &waiting),
        });
    }
    let mut slots: Vec<Option<T>> = nodes.into_iter().map(|node| Some(node.item)).collect();
    Ok(order
        .into_iter()
        .map(|i| slots[i].take().expect("each node is ordered once"))
        .collect())
}

/// One cycle among the nodes left waiting, as the objects its steps touch.
fn cycle<T>(
    nodes: &[Node<T>],
    successors: &[BTreeSet<usize>],
    waiting: &[usize],
) -> Vec<ObjectRef> {
    let left: BTreeSet<usize> = (0..nodes.len()).filter(|&i| waiting[i] > 0).collect();
    let Some(&start) = left.iter().next() else {
        return Vec::new();
    };
    // Walk backwards along waiting predecessors until a node repeats.
    let predecessor = |b: usize| left.iter().copied().find(|&a| successors[a].contains(&b));
    let mut path = vec![start];
    let mut at = start;
    while let Some(p) = predecessor(at) {
        if let Some(pos) = path.iter().position(|&x| x == p) {
            let mut ring: Vec<usize> = path[pos..].to_vec();
            ring.reverse();
            return ring
                .into_iter()
                .filter_map(|i| {
                    let d = &nodes[i].deps;
                    d.creates.first().or(d.drops.first()).cloned()
                })
                .collect();
        }
        path.push(p);
        at = p;
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::QualifiedName;

    fn t(name: &str) -> ObjectRef {
        ObjectRef::new(ObjectKind::Table, QualifiedName::public(name))
    }
    fn f(name: &str) -> ObjectRef {
        ObjectRef::function(&QualifiedName::public(name), "")
    }
    fn node(item: &'static str, phase: Phase, deps: Deps) -> Node<&'static str> {
        Node { item, phase, deps }
    }

    #[test]
    fn without_edges_the_phases_and_input_order_decide() {
        let sorted = sort(vec![
            node("c", 20, Deps::default()),
            node("a", 10, Deps::default()),
            node("b", 20, Deps::default()),
        ])
        .unwrap();
        assert_eq!(sorted, ["a", "c", "b"]);
    }

    #[test]
    fn a_step_waits_for_what_it_needs_and_drops_wait_for_dependents() {
        let sorted = sort(vec![
            node("create table", 180, Deps::creating(t("tasks"))),
            node(
                "create function",
                phase::CREATE_FUNCTION,
                Deps::creating(f("open_tasks")).needing([t("tasks")]),
            ),
            node("drop table old", 90, Deps::dropping(t("old"))),
            node(
                "drop function g",
                phase::DROP_FUNCTION,
                Deps::dropping(f("g")).releasing([t("old")]),
            ),
            node(
                "drop view v",
                35,
                Deps::dropping(t("v")).releasing([f("g")]),
            ),
            node("create view v", 232, Deps::creating(t("v"))),
        ])
        .unwrap();
        assert_eq!(
            sorted,
            [
                "drop view v",
                "drop function g",
                "drop table old",
                "create table",
                "create function",
                "create view v",
            ]
        );
    }

    #[test]
    fn cycles_name_their_objects() {
        let err = sort(vec![
            node("a", 1, Deps::creating(f("a")).needing([t("v")])),
            node("v", 2, Deps::creating(t("v")).needing([f("a")])),
            node("x", 0, Deps::default()),
        ])
        .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("function a()"), "{text}");
        assert!(text.contains("table v"), "{text}");
    }
}
