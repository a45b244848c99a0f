//! Which character separates the columns of a member file. Spreadsheet programs set to a
//! Belgian (or any comma-decimal) locale save "CSV" with `;`, others with `,`; a coordinator
//! cannot be expected to know which they have. The header row decides: it holds only column
//! names, so whichever of the two appears more often outside quotes there is the separator.
//! Only the header is read ahead (at most [`HEADER_LOOKAHEAD`] bytes), then the whole input
//! is handed on unchanged.

use std::fmt;
use std::io::{BufRead, BufReader, Cursor, Read};

/// The most of the header row read to decide: column names are short, and a hostile file
/// with no line break must not be read whole here.
pub const HEADER_LOOKAHEAD: usize = 64 * 1024;

/// The separator of a member file's columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Separator {
    /// `,`: what most programs write, and what `members export` writes.
    #[default]
    Comma,
    /// `;`: what spreadsheet programs in a comma-decimal locale write.
    Semicolon,
}

impl Separator {
    /// The byte between fields.
    pub fn byte(self) -> u8 {
        match self {
            Separator::Comma => b',',
            Separator::Semicolon => b';',
        }
    }

    /// `commas` or `semicolons`, as a summary says which it read.
    pub fn plural(self) -> &'static str {
        match self {
            Separator::Comma => "commas",
            Separator::Semicolon => "semicolons",
        }
    }
}

impl fmt::Display for Separator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", char::from(self.byte()))
    }
}

/// Reads the header row ahead and decides the separator; gives back the input whole, the
/// header included.
pub fn detect(input: impl Read) -> std::io::Result<(Separator, impl Read)> {
    let mut reader = BufReader::new(input);
    let header = header_line(&mut reader)?;
    Ok((of_header(&header), Cursor::new(header).chain(reader)))
}

/// `;` when the header holds more of them than commas outside quotes, else `,`.
pub fn of_header(header: &[u8]) -> Separator {
    let (mut quoted, mut commas, mut semicolons) = (false, 0usize, 0usize);
    for byte in header {
        match byte {
            b'"' => quoted = !quoted,
            b',' if !quoted => commas += 1,
            b';' if !quoted => semicolons += 1,
            _ => {}
        }
    }
    if semicolons > commas {
        Separator::Semicolon
    } else {
        Separator::Comma
    }
}

/// The bytes up to and including the first line break outside quotes (a quoted column name
/// may hold one), or the first [`HEADER_LOOKAHEAD`] bytes.
fn header_line(reader: &mut impl BufRead) -> std::io::Result<Vec<u8>> {
    let mut header = Vec::new();
    let mut quoted = false;
    while header.len() < HEADER_LOOKAHEAD {
        let available = reader.fill_buf()?;
        if available.is_empty() {
            break;
        }
        let room = HEADER_LOOKAHEAD - header.len();
        let mut taken = 0;
        let mut ended = false;
        for &byte in available.iter().take(room) {
            taken += 1;
            match byte {
                b'"' => quoted = !quoted,
                b'\n' if !quoted => {
                    ended = true;
                    break;
                }
                _ => {}
            }
        }
        header.extend_from_slice(&available[..taken]);
        reader.consume(taken);
        if ended {
            break;
        }
    }
    Ok(header)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(input: &[u8]) -> (Separator, Vec<u8>) {
        let (separator, mut whole) = detect(input).unwrap();
        let mut bytes = Vec::new();
        whole.read_to_end(&mut bytes).unwrap();
        (separator, bytes)
    }

    #[test]
    fn the_header_decides_and_the_input_comes_back_whole() {
        for (file, expected) in [
            (
                &b"name,phone\nLid, Test;x,0470000001\n"[..],
                Separator::Comma,
            ),
            (
                b"name;phone;language\nLid, Test;0470000001;nl\n",
                Separator::Semicolon,
            ),
            (b"\xef\xbb\xbfname;phone\r\nA;1\r\n", Separator::Semicolon),
            (b"name\nA\n", Separator::Comma),
            (b"", Separator::Comma),
        ] {
            let (separator, bytes) = read_all(file);
            assert_eq!(separator, expected, "{}", String::from_utf8_lossy(file));
            assert_eq!(bytes, file);
        }
    }

    #[test]
    fn separators_inside_quotes_do_not_count() {
        assert_eq!(of_header(b"\"name, full\";phone"), Separator::Semicolon);
        assert_eq!(of_header(b"\"name;a;b\",phone"), Separator::Comma);
        let quoted_break = b"\"na\nme\";phone;phone2\nA;1;2\n";
        let (separator, bytes) = read_all(quoted_break);
        assert_eq!(separator, Separator::Semicolon);
        assert_eq!(bytes, quoted_break);
    }

    #[test]
    fn a_header_without_a_line_break_is_read_only_so_far() {
        let mut file = b"name;phone".to_vec();
        file.extend(std::iter::repeat_n(b',', HEADER_LOOKAHEAD * 2));
        let mut reader = BufReader::new(file.as_slice());
        assert_eq!(header_line(&mut reader).unwrap().len(), HEADER_LOOKAHEAD);
        let (separator, bytes) = read_all(&file);
        assert_eq!(separator, Separator::Comma);
        assert_eq!(bytes.len(), file.len());
    }
}
