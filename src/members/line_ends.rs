//! Windows line ends (`\r\n`) read as `\n`. Spreadsheet programs write CRLF, and the `csv`
//! crate counts a CRLF record as starting on the line before its own
//! (BurntSushi/rust-csv#395), which would send a coordinator to the wrong line of their file.
//! A `\r` not followed by `\n` is left as it is.

use std::io::{BufRead, BufReader, Read};

/// Reads `inner` with every `\r\n` as `\n`.
pub struct UnixLineEnds<R> {
    inner: BufReader<R>,
}

impl<R: Read> UnixLineEnds<R> {
    /// Wraps a reader.
    pub fn new(inner: R) -> UnixLineEnds<R> {
        UnixLineEnds {
            inner: BufReader::new(inner),
        }
    }
}

impl<R: Read> Read for UnixLineEnds<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let available = self.inner.fill_buf()?;
        if available == b"\r" {
            // The `\n` that may follow is in the next fill.
            self.inner.consume(1);
            if self.inner.fill_buf()?.first() == Some(&b'\n') {
                return self.read(buf);
            }
            buf[0] = b'\r';
            return Ok(1);
        }
        let (mut read, mut written) = (0, 0);
        while read < available.len() && written < buf.len() {
            let byte = available[read];
            if byte == b'\r' {
                match available.get(read + 1) {
                    Some(b'\n') => {
                        read += 1;
                        continue;
                    }
                    // Decided at the next call, once the byte after it is known.
                    None if written > 0 => break,
                    _ => {}
                }
            }
            buf[written] = byte;
            written += 1;
            read += 1;
        }
        self.inner.consume(read);
        Ok(written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader handing out one byte per read, so every `\r\n` is split across fills.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let Some((first, rest)) = self.0.split_first() else {
                return Ok(0);
            };
            match buf.first_mut() {
                Some(slot) => *slot = *first,
                None => return Ok(0),
            }
            self.0 = rest;
            Ok(1)
        }
    }

    fn unix(input: impl Read) -> Vec<u8> {
        let mut out = Vec::new();
        UnixLineEnds::new(input).read_to_end(&mut out).unwrap();
        out
    }

    #[test]
    fn crlf_becomes_lf_and_a_lone_cr_stays() {
        let input = b"name;phone\r\nA;1\r\n\"a\rb\";2\r\r\n\r";
        let expected = b"name;phone\nA;1\n\"a\rb\";2\r\n\r".to_vec();
        assert_eq!(unix(&input[..]), expected);
        assert_eq!(unix(Trickle(input)), expected);
        assert_eq!(unix(&b"no line ends"[..]), b"no line ends");
        assert_eq!(unix(&b""[..]), b"");
    }
}
