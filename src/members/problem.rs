//! What is wrong with a member file: its header, or rows each named by their line, in the
//! words a coordinator fixes the file by. Every case keeps its facts (the column, the value
//! written, the earlier line) and the error underneath.

use super::MemberProblem;
use super::csv_file::{COLUMNS, MAX_MEMBER_ID, MAX_ROWS};
use super::identity::Sameness;
use crate::number::NumberError;
use crate::speech::UnknownLanguage;
use std::fmt;

/// Why a file was not imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The header row (line 1).
    #[error("header: {0}")]
    Header(#[source] BadHeader),
    /// One or more rows; nothing was imported.
    #[error("{} bad row(s), nothing imported:\n{}", .0.len(), describe(.0))]
    Rows(Vec<RowProblem>),
    /// No rows at all.
    #[error("the file holds no members")]
    Empty,
}

/// What is wrong with one line.
#[derive(Debug)]
pub struct RowProblem {
    /// The line in the file (the header is line 1).
    pub line: u64,
    /// What is wrong.
    pub problem: BadRow,
}

/// A problem and the line it is on, for `FILE:LINE: problem` messages.
#[derive(Clone, Copy)]
pub struct ProblemLine<'a> {
    /// The line in the file (the header is line 1).
    pub line: u64,
    /// What is wrong.
    pub problem: &'a dyn fmt::Display,
}

impl ImportError {
    /// Every problem with the line it is on: the header's and an empty file's are on line 1.
    pub fn problems(&self) -> Vec<ProblemLine<'_>> {
        let on = |line, problem| ProblemLine { line, problem };
        match self {
            ImportError::Rows(problems) => {
                problems.iter().map(|p| on(p.line, &p.problem)).collect()
            }
            ImportError::Header(problem) => vec![on(1, problem)],
            ImportError::Empty => vec![on(1, self)],
        }
    }
}

/// What is wrong with the header row.
#[derive(Debug, thiserror::Error)]
pub enum BadHeader {
    /// The first line cannot be read.
    #[error("unreadable: {0}")]
    Unreadable(#[source] std::io::Error),
    /// The CSV reader refused it.
    #[error("{0}")]
    Csv(#[source] csv::Error),
    /// A column this file format does not have.
    #[error("unknown column `{0}` (known: {known})", known = COLUMNS.join(", "))]
    UnknownColumn(String),
    /// A column twice.
    #[error("column `{0}` twice")]
    Twice(String),
    /// A required column left out.
    #[error("no `{0}` column")]
    Missing(&'static str),
}

/// What is wrong with one row.
#[derive(Debug, thiserror::Error)]
pub enum BadRow {
    /// The CSV reader refused it.
    #[error("unreadable: {0}")]
    Unreadable(#[source] csv::Error),
    /// More rows than a file may hold.
    #[error("more than {MAX_ROWS} rows")]
    TooMany,
    /// An empty name.
    #[error("no name")]
    NoName,
    /// A name too long or with control characters.
    #[error("the name is not a name (too long or control characters)")]
    NotAName,
    /// A `member_id` too long or with control characters.
    #[error("member_id is not an id (more than {MAX_MEMBER_ID} characters or control characters)")]
    NotAnId,
    /// An empty `phone` (or `phone2` left out where it is read).
    #[error("no {0}")]
    NoPhone(&'static str),
    /// A number that does not dial.
    #[error("{column}: {source}")]
    Phone {
        /// `phone` or `phone2`.
        column: &'static str,
        /// Why.
        source: NumberError,
    },
    /// A language the chain does not speak.
    #[error("language: {0}")]
    Language(#[source] UnknownLanguage),
    /// A channel other than voice, sms or voice_then_sms.
    #[error("channel `{0}` (voice, sms or voice_then_sms)")]
    Channel(String),
    /// A speech rate outside 0.5–2.0, or not a number.
    #[error("speech_rate `{0}` (0.5 to 2.0)")]
    SpeechRate(String),
    /// One of `quiet_start` and `quiet_end` without the other.
    #[error("quiet_start and quiet_end go together")]
    HalfQuietHours,
    /// A time that is not `HH:MM`.
    #[error("time `{0}` (HH:MM)")]
    Time(String),
    /// A consent day that is not a date `YYYY-MM-DD`.
    #[error("consent `{0}` is not a day like 2026-05-01")]
    Consent(String),
    /// The same member as an earlier row of the file.
    #[error("the same member as line {earlier} ({})", why(*.sameness))]
    Repeated {
        /// The earlier row's line.
        earlier: u64,
        /// Why they are the same.
        sameness: Sameness,
    },
    /// The same member as an earlier row, as the store found.
    #[error("the same member as line {0}")]
    SameAsLine(u64),
    /// What the store refused.
    #[error(transparent)]
    Refused(MemberProblem),
}

fn why(sameness: Sameness) -> &'static str {
    match sameness {
        Sameness::MemberId => "the same member_id",
        Sameness::NameAndNumber => {
            "the same name and first number; if they are two people, give each a member_id"
        }
    }
}

fn describe(problems: &[RowProblem]) -> String {
    problems
        .iter()
        .map(|p| format!("  line {}: {}", p.line, p.problem))
        .collect::<Vec<_>>()
        .join("\n")
}
