//! Members as a coordinator hands them over: a CSV file in, a CSV file out. The file is
//! hostile input: every row is checked (a name, a number that dials, a known language and
//! channel) and a file with any bad row is refused whole, each problem named with its line,
//! so a coordinator fixes the file and imports it again rather than guessing what got in.
//! `identity` says who is the same member, for the file and for the store's import alike.

mod csv_file;
pub mod identity;
mod line_ends;
mod member_problem;
mod problem;
mod separator;

pub use csv_file::{
    MAX_MEMBER_ID, MemberFile, MemberRow, clock, consent, member_name, minutes, read_csv,
    read_member_file, write_csv,
};
pub use member_problem::MemberProblem;
pub use problem::{BadHeader, BadRow, ImportError, ProblemLine, RowProblem};
pub use separator::Separator;
