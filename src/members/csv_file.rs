//! The member CSV: a header row, then one member per row. Columns (any order, names in any
//! case): `name`, `phone` (required), `phone2`, `language` (nl, fr, de, en; default nl),
//! `channel` (voice, sms, voice_then_sms; default voice), and optionally `speech_rate`
//! (0.5–2.0), `quiet_start` and `quiet_end` (`HH:MM`, for non-urgent messages). Unknown
//! columns are an error: a typo in a header must not silently drop a column.

use crate::number::to_e164;
use crate::speech::Language;
use std::io::{Read, Write};

/// One valid row.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberRow {
    /// The member's name.
    pub name: String,
    /// Contact points in order, E.164.
    pub phones: Vec<String>,
    /// Their language.
    pub language: Language,
    /// `voice`, `sms` or `voice_then_sms`.
    pub channel: String,
    /// Speech rate, 1.0 normal.
    pub speech_rate: f64,
    /// Quiet hours for non-urgent messages, minutes of the day (start, end).
    pub quiet_hours: Option<(u32, u32)>,
}

/// What is wrong with one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    /// The line in the file (the header is line 1).
    pub line: u64,
    /// What is wrong.
    pub problem: String,
}

/// Why a file was not imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The header row.
    #[error("header: {0}")]
    Header(String),
    /// One or more rows; nothing was imported.
    #[error("{} bad row(s), nothing imported:\n{}", .0.len(), describe(.0))]
    Rows(Vec<RowProblem>),
    /// No rows at all.
    #[error("the file holds no members")]
    Empty,
}

/// Rows beyond which a file is refused: a network is a neighbourhood, not a city.
pub const MAX_ROWS: usize = 100_000;

const COLUMNS: [&str; 8] = [
    "name",
    "phone",
    "phone2",
    "language",
    "channel",
    "speech_rate",
    "quiet_start",
    "quiet_end",
];
const CHANNELS: [&str; 3] = ["voice", "sms", "voice_then_sms"];

/// Reads and checks every row; all or nothing.
pub fn read_csv(input: impl Read) -> Result<Vec<MemberRow>, ImportError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(input);
    let header = reader
        .headers()
        .map_err(|e| ImportError::Header(e.to_string()))?
        .clone();
    let columns = Columns::new(&header)?;
    let (mut rows, mut problems) = (Vec::new(), Vec::new());
    for record in reader.records() {
        if rows.len() + problems.len() >= MAX_ROWS {
            return Err(ImportError::Header(format!("more than {MAX_ROWS} rows")));
        }
        let (line, result) = match record {
            Ok(record) => {
                let line = record.position().map_or(0, |p| p.line());
                (line, columns.row(&record))
            }
            Err(e) => (
                e.position().map_or(0, |p| p.line()),
                Err(format!("unreadable: {e}")),
            ),
        };
        match result {
            Ok(row) => rows.push(row),
            Err(problem) => problems.push(RowProblem { line, problem }),
        }
    }
    if !problems.is_empty() {
        return Err(ImportError::Rows(problems));
    }
    if rows.is_empty() {
        return Err(ImportError::Empty);
    }
    Ok(rows)
}

/// Writes members in the same format `read_csv` reads.
pub fn write_csv(output: impl Write, rows: &[MemberRow]) -> std::io::Result<()> {
    let mut writer = csv::Writer::from_writer(output);
    writer.write_record(COLUMNS)?;
    for row in rows {
        let phone = |i: usize| row.phones.get(i).cloned().unwrap_or_default();
        let (start, end) = row
            .quiet_hours
            .map_or((String::new(), String::new()), |(s, e)| {
                (clock(s), clock(e))
            });
        writer.write_record([
            row.name.clone(),
            phone(0),
            phone(1),
            row.language.code().to_owned(),
            row.channel.clone(),
            format!("{}", row.speech_rate),
            start,
            end,
        ])?;
    }
    writer.flush()
}

/// Where each known column is.
struct Columns {
    index: [Option<usize>; COLUMNS.len()],
}

impl Columns {
    fn new(header: &csv::StringRecord) -> Result<Columns, ImportError> {
        let mut index = [None; COLUMNS.len()];
        for (position, name) in header.iter().enumerate() {
            let name = name.trim_start_matches('\u{feff}').to_ascii_lowercase();
            let Some(column) = COLUMNS.iter().position(|c| *c == name) else {
                return Err(ImportError::Header(format!(
                    "unknown column `{name}` (known: {})",
                    COLUMNS.join(", ")
                )));
            };
            if index[column].replace(position).is_some() {
                return Err(ImportError::Header(format!("column `{name}` twice")));
            }
        }
        for required in ["name", "phone"] {
            if index[column(required)].is_none() {
                return Err(ImportError::Header(format!("no `{required}` column")));
            }
        }
        Ok(Columns { index })
    }

    fn get<'r>(&self, record: &'r csv::StringRecord, name: &str) -> &'r str {
        self.index[column(name)]
            .and_then(|i| record.get(i))
            .unwrap_or("")
    }

    fn row(&self, record: &csv::StringRecord) -> Result<MemberRow, String> {
        let name = self.get(record, "name");
        if name.is_empty() {
            return Err("no name".into());
        }
        if name.chars().count() > 200 || name.chars().any(char::is_control) {
            return Err("the name is not a name (too long or control characters)".into());
        }
        let mut phones = vec![phone(self.get(record, "phone"), "phone")?];
        if !self.get(record, "phone2").is_empty() {
            phones.push(phone(self.get(record, "phone2"), "phone2")?);
        }
        let language = match self.get(record, "language") {
            "" => Language::Nl,
            code => code.parse().map_err(|e| format!("language: {e}"))?,
        };
        let channel = match self.get(record, "channel") {
            "" => "voice".to_owned(),
            c if CHANNELS.contains(&c.to_ascii_lowercase().as_str()) => c.to_ascii_lowercase(),
            other => return Err(format!("channel `{other}` (voice, sms or voice_then_sms)")),
        };
        Ok(MemberRow {
            name: name.to_owned(),
            phones,
            language,
            channel,
            speech_rate: speech_rate(self.get(record, "speech_rate"))?,
            quiet_hours: quiet_hours(
                self.get(record, "quiet_start"),
                self.get(record, "quiet_end"),
            )?,
        })
    }
}

fn column(name: &str) -> usize {
    COLUMNS.iter().position(|c| *c == name).unwrap_or(0)
}

fn phone(text: &str, column: &str) -> Result<String, String> {
    if text.is_empty() {
        return Err(format!("no {column}"));
    }
    to_e164(text).map_err(|e| format!("{column}: {e}"))
}

fn speech_rate(text: &str) -> Result<f64, String> {
    if text.is_empty() {
        return Ok(1.0);
    }
    match text.replace(',', ".").parse::<f64>() {
        Ok(rate) if (0.5..=2.0).contains(&rate) => Ok(rate),
        _ => Err(format!("speech_rate `{text}` (0.5 to 2.0)")),
    }
}

fn quiet_hours(start: &str, end: &str) -> Result<Option<(u32, u32)>, String> {
    match (start, end) {
        ("", "") => Ok(None),
        ("", _) | (_, "") => Err("quiet_start and quiet_end go together".into()),
        (start, end) => Ok(Some((minutes(start)?, minutes(end)?))),
    }
}

/// `HH:MM` (or `HHuMM`, `HHhMM`) as minutes of the day.
fn minutes(text: &str) -> Result<u32, String> {
    let bad = || format!("time `{text}` (HH:MM)");
    let (hours, mins) = text.split_once([':', 'u', 'h']).ok_or_else(bad)?;
    let (hours, mins): (u32, u32) = (
        hours.parse().map_err(|_| bad())?,
        mins.parse().map_err(|_| bad())?,
    );
    if hours > 23 || mins > 59 {
        return Err(bad());
    }
    Ok(hours * 60 + mins)
}

fn clock(minutes: u32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

fn describe(problems: &[RowProblem]) -> String {
    problems
        .iter()
        .map(|p| format!("  line {}: {}", p.line, p.problem))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_coordinators_file() {
        let file = "Name,Phone,Phone2,Language,Channel,quiet_start,quiet_end\n\
                    Test Lid Een,0470 00 00 01,,nl,voice,,\n\
                    Test Lid Twee, +32 470 00 00 02 ,0470000003,FR,voice_then_sms,22:00,07u30\n";
        let rows = read_csv(file.as_bytes()).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].phones, vec!["+32470000001"]);
        assert_eq!(rows[0].language, Language::Nl);
        assert_eq!(rows[1].phones, vec!["+32470000002", "+32470000003"]);
        assert_eq!(rows[1].language, Language::Fr);
        assert_eq!(rows[1].channel, "voice_then_sms");
        assert_eq!(rows[1].quiet_hours, Some((22 * 60, 7 * 60 + 30)));
    }

    #[test]
    fn every_bad_row_is_named_by_line_and_nothing_is_returned() {
        let file = "name,phone,language,channel\n\
                    Test Lid Een,0470 00 00 01,nl,voice\n\
                    ,0470 00 00 02,nl,voice\n\
                    Test Lid Drie,12,nl,voice\n\
                    Test Lid Vier,0470 00 00 04,xx,voice\n\
                    Test Lid Vijf,0470 00 00 05,nl,fax\n";
        let Err(ImportError::Rows(problems)) = read_csv(file.as_bytes()) else {
            panic!("refused");
        };
        let lines: Vec<u64> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, vec![3, 4, 5, 6]);
        assert!(problems[3].problem.contains("fax"));
    }

    #[test]
    fn headers_are_checked() {
        for (file, expected) in [
            ("name,phonee\nA,0470000001\n", "unknown column `phonee`"),
            ("name,language\nA,nl\n", "no `phone` column"),
            ("name,phone,phone\nA,1,2\n", "twice"),
        ] {
            let error = read_csv(file.as_bytes()).unwrap_err().to_string();
            assert!(error.contains(expected), "{error}");
        }
        assert!(matches!(
            read_csv("name,phone\n".as_bytes()),
            Err(ImportError::Empty)
        ));
    }

    #[test]
    fn export_reads_back_the_same() {
        let file = "name,phone,phone2,language,channel,speech_rate,quiet_start,quiet_end\n\
                    \"Lid, Test\",0470000001,0470000002,de,sms,0.85,21:00,08:00\n";
        let rows = read_csv(file.as_bytes()).unwrap();
        let mut out = Vec::new();
        write_csv(&mut out, &rows).unwrap();
        assert_eq!(read_csv(out.as_slice()).unwrap(), rows);
    }

    #[test]
    fn hostile_bytes_are_errors_not_panics() {
        for input in [
            &b"\xff\xfe\x00name,phone\n"[..],
            b"name,phone\n\"unterminated,0470000001\n",
            b"name,phone\nA,\xff\xff\n",
            b"",
        ] {
            let _ = read_csv(input);
        }
    }
}
