//! What a permission expression decides for one request, clause by clause: the answer
//! to "why was I refused?", printed by the `explain` command.

use std::fmt;

use serde::Serialize;

use crate::error::Denial;

/// One clause of an evaluated permission expression and its parts.
///
/// ```
/// use auth_runtime::permission::Verdict;
/// let v = Verdict::of(Err(auth_runtime::Denial::new("No.")));
/// assert!(!v.allowed);
/// assert_eq!(v.message.as_deref(), Some("No."));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// The clause as written (`HasScope("write")`, `!IsScoped`, `A & B`); empty until a
    /// [`Clause`](super::Clause) names it.
    pub clause: String,
    /// Whether it lets the request through.
    pub allowed: bool,
    /// Why not, in the permission's words (refused clauses only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The clauses it is made of (`&`, `|`, `!`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<Verdict>,
}

impl Verdict {
    /// A clause with no parts, from its answer.
    pub fn of(answer: Result<(), Denial>) -> Self {
        Self {
            clause: String::new(),
            allowed: answer.is_ok(),
            message: answer.err().map(|d| d.message().to_owned()),
            children: Vec::new(),
        }
    }

    /// A clause made of `children`, with its own answer.
    ///
    /// ```
    /// use auth_runtime::permission::Verdict;
    /// let both = Verdict::of_parts(Ok(()), vec![Verdict::of(Ok(())), Verdict::of(Ok(()))]);
    /// assert_eq!(both.children.len(), 2);
    /// ```
    pub fn of_parts(answer: Result<(), Denial>, children: Vec<Verdict>) -> Self {
        Self {
            children,
            ..Self::of(answer)
        }
    }

    fn write(&self, f: &mut fmt::Formatter<'_>, depth: usize) -> fmt::Result {
        let mark = if self.allowed { "allow" } else { "deny " };
        write!(
            f,
            "{:indent$}{mark} {}",
            "",
            self.clause,
            indent = depth * 2
        )?;
        if let Some(message) = &self.message {
            write!(f, "  ({message})")?;
        }
        writeln!(f)?;
        self.children
            .iter()
            .try_for_each(|child| child.write(f, depth + 1))
    }
}

/// The tree, one clause a line, parts indented:
///
/// ```text
/// deny  IsAuthenticatedOrReadOnly & (!IsScoped | ReadWriteScope)  (You do not have ...)
///   deny  IsAuthenticatedOrReadOnly  (You do not have permission to perform this action.)
///   allow !IsScoped | ReadWriteScope
/// ```
impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f, 0)
    }
}
