//! Functions and procedures.
//!
//! Canonical forms are the server's: `args` as `pg_get_function_arguments` prints it,
//! `returns` as `pg_get_function_result`, `identity` as `oidvectortypes(proargtypes)`
//! (the argument types that tell overloads apart), the body as stored (`prosrc`), or for a
//! SQL-standard body (`BEGIN ATOMIC ... END`, `RETURN expr`) as
//! `pg_get_function_sqlbody` prints it. Declared functions hold what the file says
//! until `apply::canonicalize` replaces it with the server's form.

use std::fmt;

use super::QualifiedName;

/// What tells one function from another: its name and its identity argument types.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FunctionId {
    pub name: QualifiedName,
    /// `integer, text` (no names, no defaults); empty without arguments.
    pub identity: String,
}

impl fmt::Display for FunctionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({})", self.name, self.identity)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RoutineKind {
    #[default]
    Function,
    Procedure,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Volatility {
    Immutable,
    Stable,
    #[default]
    Volatile,
}

impl Volatility {
    pub fn sql(self) -> &'static str {
        match self {
            Volatility::Immutable => "IMMUTABLE",
            Volatility::Stable => "STABLE",
            Volatility::Volatile => "VOLATILE",
        }
    }

    pub fn file_name(self) -> &'static str {
        match self {
            Volatility::Immutable => "immutable",
            Volatility::Stable => "stable",
            Volatility::Volatile => "volatile",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Parallel {
    #[default]
    Unsafe,
    Restricted,
    Safe,
}

impl Parallel {
    pub fn sql(self) -> &'static str {
        match self {
            Parallel::Unsafe => "UNSAFE",
            Parallel::Restricted => "RESTRICTED",
            Parallel::Safe => "SAFE",
        }
    }

    pub fn file_name(self) -> &'static str {
        match self {
            Parallel::Unsafe => "unsafe",
            Parallel::Restricted => "restricted",
            Parallel::Safe => "safe",
        }
    }
}

/// A function's body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// Source text the language handler reads (`AS $$ ... $$`), exactly as stored.
    Source(String),
    /// A SQL-standard body, parsed by the server when the function is created:
    /// `BEGIN ATOMIC ... END` or `RETURN expr`.
    Atomic(String),
}

impl Body {
    pub fn text(&self) -> &str {
        match self {
            Body::Source(s) | Body::Atomic(s) => s,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Function {
    pub name: QualifiedName,
    pub kind: RoutineKind,
    /// The argument list: `a integer, b text DEFAULT 'x'::text`.
    pub args: String,
    /// Identity argument types (see [`FunctionId`]).
    pub identity: String,
    /// `integer`, `trigger`, `SETOF tasks`, `TABLE(id integer, t text)`; `None` for a
    /// procedure.
    pub returns: Option<String>,
    /// `sql`, `plpgsql`, ...
    pub language: String,
    pub body: Body,
    pub volatility: Volatility,
    pub strict: bool,
    pub security_definer: bool,
    pub leakproof: bool,
    pub parallel: Parallel,
    /// `COST`, when not PostgreSQL's default (1 for C and internal functions, else 100).
    pub cost: Option<f64>,
    /// `ROWS` of a set-returning function, when not the default 1000.
    pub rows: Option<f64>,
    /// `SET name = value` clauses as `proconfig` holds them: (`search_path`, `""`).
    pub config: Vec<(String, String)>,
    pub comment: Option<String>,
    /// Rename hint from the schema file (old unqualified name, same schema and arguments).
    pub renamed_from: Option<String>,
    /// Whether the file names the argument types in the key (`[functions."f(integer)"]`).
    /// Without them, a declared function stands for the only live one of its name
    /// whatever its arguments, so that changing them recreates it.
    pub overload_key: bool,
    /// Objects that depend on the function (introspection only, from `pg_depend`).
    pub dependents: Vec<Dependent>,
}

impl Function {
    pub fn id(&self) -> FunctionId {
        FunctionId {
            name: self.name.clone(),
            identity: self.identity.clone(),
        }
    }
}

/// Something the server will not let a function be dropped from under.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Dependent {
    Trigger {
        table: QualifiedName,
        name: String,
    },
    Constraint {
        table: QualifiedName,
        name: String,
    },
    Default {
        table: QualifiedName,
        column: String,
    },
    Index {
        table: QualifiedName,
        name: String,
    },
    /// A view or a materialized view whose query calls the function.
    View {
        name: QualifiedName,
        kind: super::ViewKind,
    },
    Policy {
        table: QualifiedName,
        name: String,
    },
    /// Anything else (another function's SQL-standard body, a domain's check), described
    /// for the plan.
    Other(String),
}

impl fmt::Display for Dependent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Dependent::Trigger { table, name } => write!(f, "trigger {name} on {table}"),
            Dependent::Constraint { table, name } => write!(f, "constraint {name} on {table}"),
            Dependent::Default { table, column } => write!(f, "the default of {table}.{column}"),
            Dependent::Index { table, name } => write!(f, "index {name} on {table}"),
            Dependent::View { name, kind } => write!(f, "{} {name}", kind.noun()),
            Dependent::Policy { table, name } => write!(f, "policy {name} on {table}"),
            Dependent::Other(what) => f.write_str(what),
        }
    }
}
