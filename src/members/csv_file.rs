//! The member CSV: a header row, then one member per row. Columns (any order, names in any
//! case): `name`, `phone` (required), `member_id` (the coordinator's own id for the member),
//! `phone2`, `language` (nl, fr, de, en; default nl), `channel` (voice, sms, voice_then_sms;
//! default voice), and optionally `speech_rate` (0.5–2.0), `quiet_start` and `quiet_end`
//! (`HH:MM`, for non-urgent messages), and `consent` (the day the member consented to be
//! called, `2026-05-01`; empty when not recorded, and a file without the column records
//! none). Unknown columns are an error: a typo in a header must
//! not silently drop a column. The same member twice (see [`super::identity`]) is a problem
//! of the later line, naming the earlier one: the later row would silently overwrite it.
//! Columns are separated by `,` or `;`, as the header row shows (see [`super::separator`]).

use super::identity::{self, Identity};
use super::line_ends::UnixLineEnds;
use super::problem::{BadHeader, BadRow, ImportError, RowProblem};
use super::separator::{self, Separator};
use crate::number::to_e164;
use crate::speech::Language;
use jiff::civil::Date;
use std::io::{Read, Write};

/// One valid row.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberRow {
    /// The coordinator's own id for the member, if the file has one.
    pub member_id: Option<String>,
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
    /// The day they consented to be called, if the file says.
    pub consent: Option<Date>,
}

/// Rows beyond which a file is refused: a network is a neighbourhood, not a city.
pub const MAX_ROWS: usize = 100_000;

pub(super) const COLUMNS: [&str; 10] = [
    "member_id",
    "name",
    "phone",
    "phone2",
    "language",
    "channel",
    "speech_rate",
    "quiet_start",
    "quiet_end",
    "consent",
];
const CHANNELS: [&str; 3] = ["voice", "sms", "voice_then_sms"];

/// The longest `member_id`: an id, not a note.
pub const MAX_MEMBER_ID: usize = 64;

/// Reads and checks every row; all or nothing.
pub fn read_csv(input: impl Read) -> Result<Vec<MemberRow>, ImportError> {
    Ok(read_member_file(input)?
        .rows
        .into_iter()
        .map(|(_, row)| row)
        .collect())
}

/// A member file read whole.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberFile {
    /// What separates its columns, as its header showed.
    pub separator: Separator,
    /// Every row with the line it starts on (the header is line 1), so a later problem with
    /// a row (the store refusing it) can be named by its line too.
    pub rows: Vec<(u64, MemberRow)>,
}

/// As [`read_csv`], with the separator the header showed and each row's line.
pub fn read_member_file(input: impl Read) -> Result<MemberFile, ImportError> {
    let (separator, input) = separator::detect(UnixLineEnds::new(input))
        .map_err(|e| ImportError::Header(BadHeader::Unreadable(e)))?;
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(separator.byte())
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(input);
    let header = reader
        .headers()
        .map_err(|e| ImportError::Header(BadHeader::Csv(e)))?
        .clone();
    let columns = Columns::new(&header)?;
    let (mut rows, mut problems) = (Vec::new(), Vec::new());
    for record in reader.records() {
        let (line, result) = match record {
            Ok(record) => {
                let line = record.position().map_or(0, |p| p.line());
                (line, columns.row(&record))
            }
            Err(e) => (
                e.position().map_or(0, |p| p.line()),
                Err(BadRow::Unreadable(e)),
            ),
        };
        if rows.len() + problems.len() >= MAX_ROWS {
            let problem = BadRow::TooMany;
            return Err(ImportError::Rows(vec![RowProblem { line, problem }]));
        }
        match result {
            Ok(row) => rows.push((line, row)),
            Err(problem) => problems.push(RowProblem { line, problem }),
        }
    }
    problems.extend(repeated_members(&rows));
    problems.sort_by_key(|p| p.line);
    if !problems.is_empty() {
        return Err(ImportError::Rows(problems));
    }
    if rows.is_empty() {
        return Err(ImportError::Empty);
    }
    Ok(MemberFile { separator, rows })
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
            row.member_id.clone().unwrap_or_default(),
            row.name.clone(),
            phone(0),
            phone(1),
            row.language.code().to_owned(),
            row.channel.clone(),
            format!("{}", row.speech_rate),
            start,
            end,
            row.consent.map(|day| day.to_string()).unwrap_or_default(),
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
                return Err(ImportError::Header(BadHeader::UnknownColumn(name)));
            };
            if index[column].replace(position).is_some() {
                return Err(ImportError::Header(BadHeader::Twice(name)));
            }
        }
        for required in ["name", "phone"] {
            if index[column(required)].is_none() {
                return Err(ImportError::Header(BadHeader::Missing(required)));
            }
        }
        Ok(Columns { index })
    }

    fn get<'r>(&self, record: &'r csv::StringRecord, name: &str) -> &'r str {
        self.index[column(name)]
            .and_then(|i| record.get(i))
            .unwrap_or("")
    }

    fn row(&self, record: &csv::StringRecord) -> Result<MemberRow, BadRow> {
        let name = self.get(record, "name");
        member_name(name)?;
        let member_id = member_id(self.get(record, "member_id"))?;
        let mut phones = vec![phone(self.get(record, "phone"), "phone")?];
        if !self.get(record, "phone2").is_empty() {
            phones.push(phone(self.get(record, "phone2"), "phone2")?);
        }
        let language = match self.get(record, "language") {
            "" => Language::Nl,
            code => code.parse().map_err(BadRow::Language)?,
        };
        let channel = match self.get(record, "channel") {
            "" => "voice".to_owned(),
            c if CHANNELS.contains(&c.to_ascii_lowercase().as_str()) => c.to_ascii_lowercase(),
            other => return Err(BadRow::Channel(other.to_owned())),
        };
        Ok(MemberRow {
            member_id,
            name: name.to_owned(),
            phones,
            language,
            channel,
            speech_rate: speech_rate(self.get(record, "speech_rate"))?,
            quiet_hours: quiet_hours(
                self.get(record, "quiet_start"),
                self.get(record, "quiet_end"),
            )?,
            consent: consent(self.get(record, "consent"))?,
        })
    }
}

fn column(name: &str) -> usize {
    COLUMNS.iter().position(|c| *c == name).unwrap_or(0)
}

/// Rows that are the same member as an earlier row, each naming that row's line.
fn repeated_members(rows: &[(u64, MemberRow)]) -> Vec<RowProblem> {
    let identities = rows.iter().map(|(_, row)| Identity {
        member_id: row.member_id.as_deref(),
        name: &row.name,
        first_number: row.phones.first().map_or("", String::as_str),
    });
    identity::repeats(identities)
        .into_iter()
        .map(|repeat| {
            let line = |i: usize| rows.get(i).map_or(0, |(line, _)| *line);
            RowProblem {
                line: line(repeat.index),
                problem: BadRow::Repeated {
                    earlier: line(repeat.earlier),
                    sameness: repeat.why,
                },
            }
        })
        .collect()
}

fn member_id(text: &str) -> Result<Option<String>, BadRow> {
    if text.is_empty() {
        return Ok(None);
    }
    if text.chars().count() > MAX_MEMBER_ID || text.chars().any(char::is_control) {
        return Err(BadRow::NotAnId);
    }
    Ok(Some(text.to_owned()))
}

fn phone(text: &str, column: &'static str) -> Result<String, BadRow> {
    if text.is_empty() {
        return Err(BadRow::NoPhone(column));
    }
    to_e164(text).map_err(|source| BadRow::Phone { column, source })
}

fn speech_rate(text: &str) -> Result<f64, BadRow> {
    if text.is_empty() {
        return Ok(1.0);
    }
    match text.replace(',', ".").parse::<f64>() {
        Ok(rate) if (0.5..=2.0).contains(&rate) => Ok(rate),
        _ => Err(BadRow::SpeechRate(text.to_owned())),
    }
}

/// A name: not empty, at most 200 characters, no control characters.
pub fn member_name(name: &str) -> Result<(), BadRow> {
    if name.trim().is_empty() {
        return Err(BadRow::NoName);
    }
    if name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(BadRow::NotAName);
    }
    Ok(())
}

/// A day as `YYYY-MM-DD`; empty is none.
pub fn consent(text: &str) -> Result<Option<Date>, BadRow> {
    if text.is_empty() {
        return Ok(None);
    }
    let bad = || BadRow::Consent(text.to_owned());
    let bytes = text.as_bytes();
    let well_formed =
        bytes.len() == 10 && bytes.get(4) == Some(&b'-') && bytes.get(7) == Some(&b'-');
    if !well_formed {
        return Err(bad());
    }
    text.parse::<Date>().map(Some).map_err(|_| bad())
}

fn quiet_hours(start: &str, end: &str) -> Result<Option<(u32, u32)>, BadRow> {
    match (start, end) {
        ("", "") => Ok(None),
        ("", _) | (_, "") => Err(BadRow::HalfQuietHours),
        (start, end) => Ok(Some((minutes(start)?, minutes(end)?))),
    }
}

/// `HH:MM` (or `HHuMM`, `HHhMM`) as minutes of the day.
pub fn minutes(text: &str) -> Result<u32, BadRow> {
    let bad = || BadRow::Time(text.to_owned());
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

/// Minutes of the day as `HH:MM`.
pub fn clock(minutes: u32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
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
    fn a_semicolon_file_reads_as_the_comma_file_does() {
        let commas = "member_id,name,phone,speech_rate,quiet_start,quiet_end\n\
                      A-1,\"Voorbeeld; Jan\",0470 00 00 01,\"0,85\",22:00,07:00\n\
                      A-2,Marie Voorbeeld,0470 00 00 02,,,\n";
        let semicolons = "member_id;name;phone;speech_rate;quiet_start;quiet_end\r\n\
                          A-1;Voorbeeld; Jan;0470 00 00 01;0,85;22:00;07:00\r\n\
                          A-2;\"Marie Voorbeeld\";0470 00 00 02;;;\r\n";
        let from_commas = read_member_file(commas.as_bytes()).unwrap();
        assert_eq!(from_commas.rows[1].0, 3);
        assert_eq!(from_commas.separator, Separator::Comma);
        let Err(ImportError::Rows(problems)) = read_member_file(semicolons.as_bytes()) else {
            panic!("a `;` inside an unquoted name splits it");
        };
        assert_eq!(problems[0].line, 2, "{problems:?}");
        let quoted = semicolons.replace("Voorbeeld; Jan", "\"Voorbeeld; Jan\"");
        let from_semicolons = read_member_file(quoted.as_bytes()).unwrap();
        assert_eq!(from_semicolons.separator, Separator::Semicolon);
        assert_eq!(from_semicolons.rows, from_commas.rows);
        assert_eq!(from_commas.rows[0].1.name, "Voorbeeld; Jan");
        assert_eq!(from_commas.rows[0].1.speech_rate, 0.85);
    }

    #[test]
    fn a_semicolon_header_with_a_typo_names_the_column_not_the_whole_line() {
        let error = read_csv("name;phonee\nA;0470000001\n".as_bytes())
            .unwrap_err()
            .to_string();
        assert!(error.contains("unknown column `phonee`"), "{error}");
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
        assert!(problems[3].problem.to_string().contains("fax"));
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
    fn one_number_in_three_spellings_is_three_members_of_one_household() {
        let file = "name,phone\n\
                    Jan Voorbeeld,0470 00 00 01\n\
                    Marie Voorbeeld,+32470000001\n\
                    Piet Voorbeeld,0032470000001\n";
        let rows = read_csv(file.as_bytes()).unwrap();
        let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            ["Jan Voorbeeld", "Marie Voorbeeld", "Piet Voorbeeld"]
        );
        assert!(rows.iter().all(|r| r.phones == ["+32470000001"]));
    }

    #[test]
    fn the_same_member_twice_names_both_lines() {
        let file = "member_id,name,phone\n\
                    17,Jan Voorbeeld,0470 00 00 01\n\
                    ,Marie Voorbeeld,0470 00 00 01\n\
                    18,Jan Voorbeeld,0470 00 00 01\n\
                    ,marie  voorbeeld,+32470000001\n\
                    17,Jan Voorbeeld Jr,0470 00 00 09\n";
        let Err(ImportError::Rows(problems)) = read_csv(file.as_bytes()) else {
            panic!("refused");
        };
        let found: Vec<(u64, String)> = problems
            .iter()
            .map(|p| (p.line, p.problem.to_string()))
            .collect();
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].0, 5);
        assert!(
            found[0]
                .1
                .starts_with("the same member as line 3 (the same name")
        );
        assert_eq!(
            found[1],
            (
                6,
                "the same member as line 2 (the same member_id)".to_owned()
            )
        );
    }

    #[test]
    fn a_member_id_is_short_and_printable() {
        let long = "x".repeat(MAX_MEMBER_ID + 1);
        let file = format!("member_id,name,phone\n{long},Jan Voorbeeld,0470000001\n");
        let error = read_csv(file.as_bytes()).unwrap_err();
        assert_eq!(error.problems()[0].line, 2);
        let problem = error.problems()[0].problem.to_string();
        assert!(problem.starts_with("member_id"));
        let header = read_csv("name,phonee\nA,1\n".as_bytes()).unwrap_err();
        assert_eq!(header.problems()[0].line, 1);
    }

    #[test]
    fn export_reads_back_the_same() {
        let file = "member_id,name,phone,phone2,language,channel,speech_rate,quiet_start,quiet_end,consent\n\
                    A-17,\"Lid, Test\",0470000001,0470000002,de,sms,0.85,21:00,08:00,2026-05-01\n\
                    ,Lid Twee,0470000001,,nl,voice,,,,\n";
        let rows = read_csv(file.as_bytes()).unwrap();
        let mut out = Vec::new();
        write_csv(&mut out, &rows).unwrap();
        assert_eq!(read_csv(out.as_slice()).unwrap(), rows);
    }

    #[test]
    fn consent_is_a_day_or_nothing_and_old_files_need_no_column() {
        let rows =
            read_csv("name,phone,consent\nA,0470000001,2026-05-01\nB,0470000002,\n".as_bytes())
                .unwrap();
        assert_eq!(rows[0].consent, Some(jiff::civil::date(2026, 5, 1)));
        assert_eq!(rows[1].consent, None);
        let old = read_csv("name,phone\nA,0470000001\n".as_bytes()).unwrap();
        assert_eq!(old[0].consent, None);
        for bad in ["1/5/2026", "2026-02-30", "2026-5-1", "yes"] {
            let file = format!("name,phone,consent\nA,0470000001,{bad}\n");
            let error = read_csv(file.as_bytes()).unwrap_err();
            assert_eq!(error.problems()[0].line, 2, "{bad}");
            let problem = error.problems()[0].problem.to_string();
            assert!(problem.starts_with("consent"), "{problem}");
        }
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
