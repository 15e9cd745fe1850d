//! Row-level security: whether a table enforces it, and its policies.

/// `ALTER TABLE .. ENABLE / FORCE ROW LEVEL SECURITY`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum RowLevelSecurity {
    #[default]
    Disabled,
    /// Enabled: the policies apply to everyone but the table's owner (and superusers and
    /// roles with BYPASSRLS).
    Enabled,
    /// Enabled and forced: the policies apply to the owner too.
    Forced,
}

impl RowLevelSecurity {
    pub fn is_enabled(self) -> bool {
        self != RowLevelSecurity::Disabled
    }
}

/// The command a policy applies to (`FOR ...`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum PolicyCommand {
    #[default]
    All,
    Select,
    Insert,
    Update,
    Delete,
}

impl PolicyCommand {
    /// The keyword, lower-case: also the schema file's spelling.
    pub fn keyword(self) -> &'static str {
        match self {
            PolicyCommand::All => "all",
            PolicyCommand::Select => "select",
            PolicyCommand::Insert => "insert",
            PolicyCommand::Update => "update",
            PolicyCommand::Delete => "delete",
        }
    }

    pub fn from_keyword(s: &str) -> Option<Self> {
        Some(match s {
            "all" => PolicyCommand::All,
            "select" => PolicyCommand::Select,
            "insert" => PolicyCommand::Insert,
            "update" => PolicyCommand::Update,
            "delete" => PolicyCommand::Delete,
            _ => return None,
        })
    }

    /// Whether the command reads existing rows (has a `USING` clause).
    pub fn has_using(self) -> bool {
        self != PolicyCommand::Insert
    }

    /// Whether the command writes new rows (has a `WITH CHECK` clause).
    pub fn has_with_check(self) -> bool {
        matches!(
            self,
            PolicyCommand::All | PolicyCommand::Insert | PolicyCommand::Update
        )
    }
}

/// `CREATE POLICY name ON table ...`.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub name: String,
    pub command: PolicyCommand,
    /// Role names, sorted; `public` stands for PUBLIC (every role).
    pub roles: Vec<String>,
    /// SQL expressions, as written until canonicalized (`pg_get_expr` form when read).
    pub using: Option<String>,
    pub with_check: Option<String>,
    /// Restrictive policies are ANDed; permissive ones (the default) ORed.
    pub restrictive: bool,
    pub comment: Option<String>,
}

impl Policy {
    /// The role list of `TO` when none is given.
    pub fn default_roles() -> Vec<String> {
        vec!["public".to_string()]
    }
}

impl Policy {
    /// Whether `ALTER POLICY` can take this policy to `to`: it changes roles and sets
    /// expressions, but neither the command, nor permissive / restrictive, nor removes an
    /// expression.
    pub fn alterable_to(&self, to: &Policy) -> bool {
        self.command == to.command
            && self.restrictive == to.restrictive
            && !(self.using.is_some() && to.using.is_none())
            && !(self.with_check.is_some() && to.with_check.is_none())
    }
}
