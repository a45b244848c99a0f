//! The audio of an SDP offer or answer (RFC 4566, RFC 3264): where RTP goes (`c=`, the
//! `m=audio` port), the payload types in order, their `a=rtpmap` names, and which one is
//! telephone-event (RFC 4733). Other media and attributes are skipped.

use std::fmt::Write as _;
use std::net::IpAddr;

/// Why a body is not an SDP with usable audio.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SdpError {
    /// The body is not UTF-8.
    #[error("the SDP is not UTF-8")]
    NotUtf8,
    /// A line is not `x=value`.
    #[error("SDP line {line} is not `type=value`")]
    Line {
        /// The line, counting from 1.
        line: usize,
    },
    /// No `m=audio` line.
    #[error("the SDP has no audio stream")]
    NoAudio,
    /// The `m=audio` line's port or payload types are unreadable.
    #[error("the m=audio line is malformed")]
    Media,
    /// No `c=` for the audio, or one that is not `IN IP4|IP6 address`.
    #[error("no usable connection address for the audio")]
    Connection,
    /// An `a=rtpmap` of the audio is not `PT name/rate`.
    #[error("an a=rtpmap of the audio is malformed")]
    Rtpmap,
}

/// One audio stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audio {
    /// The connection address (the stream's `c=`, else the session's).
    pub address: IpAddr,
    /// The RTP port; 0 is a refused stream.
    pub port: u16,
    /// The payload types, preferred first.
    pub formats: Vec<u8>,
    /// `a=rtpmap` entries: payload type and `name/rate`.
    pub rtpmaps: Vec<(u8, String)>,
}

impl Audio {
    /// Reads the first `m=audio` stream of an SDP body.
    pub fn parse(body: &[u8]) -> Result<Audio, SdpError> {
        let text = std::str::from_utf8(body).map_err(|_| SdpError::NotUtf8)?;
        let mut session_address = None;
        let mut audio: Option<Section> = None;
        for (number, line) in (1..).zip(text.lines()) {
            let line = line.trim_end_matches('\r');
            if line.is_empty() {
                continue;
            }
            let (kind, value) = line
                .split_once('=')
                .ok_or(SdpError::Line { line: number })?;
            match (kind, audio.as_mut()) {
                ("m", Some(_)) => break,
                ("m", None) if value.starts_with("audio ") => audio = Some(Section::parse(value)?),
                ("c", None) => session_address = Some(connection(value)?),
                ("c", Some(section)) => section.address = Some(connection(value)?),
                ("a", Some(section)) => section.attribute(value)?,
                _ => {}
            }
        }
        let section = audio.ok_or(SdpError::NoAudio)?;
        Ok(Audio {
            address: section
                .address
                .or(session_address)
                .ok_or(SdpError::Connection)?,
            port: section.port,
            formats: section.formats,
            rtpmaps: section.rtpmaps,
        })
    }

    /// The payload type mapped to telephone-event, if any.
    pub fn telephone_event(&self) -> Option<u8> {
        self.rtpmaps
            .iter()
            .find(|(_, name)| {
                let encoding = name.split('/').next().unwrap_or_default();
                encoding.eq_ignore_ascii_case("telephone-event")
            })
            .map(|(pt, _)| *pt)
    }

    /// The SDP text: a session named `name`, this stream, telephone-event 0-15 when mapped,
    /// 20 ms packets.
    pub fn to_sdp(&self, name: &str) -> String {
        let family = if self.address.is_ipv4() { "IP4" } else { "IP6" };
        let ip = self.address;
        let formats: Vec<String> = self.formats.iter().map(u8::to_string).collect();
        let mut sdp = format!(
            "v=0\r\no={name} 1 1 IN {family} {ip}\r\ns={name}\r\nc=IN {family} {ip}\r\nt=0 0\r\n\
             m=audio {port} RTP/AVP {formats}\r\n",
            port = self.port,
            formats = formats.join(" "),
        );
        for (pt, map) in &self.rtpmaps {
            let _ = write!(sdp, "a=rtpmap:{pt} {map}\r\n");
        }
        if let Some(pt) = self.telephone_event() {
            let _ = write!(sdp, "a=fmtp:{pt} 0-15\r\n");
        }
        sdp.push_str("a=ptime:20\r\n");
        sdp
    }
}

/// The audio section while it is read.
struct Section {
    port: u16,
    formats: Vec<u8>,
    address: Option<IpAddr>,
    rtpmaps: Vec<(u8, String)>,
}

impl Section {
    /// `audio <port>[/<count>] <proto> <fmt>…`
    fn parse(value: &str) -> Result<Section, SdpError> {
        let mut words = value.split_whitespace().skip(1);
        let port = words.next().and_then(|p| p.split('/').next()?.parse().ok());
        let (Some(port), Some(_proto)) = (port, words.next()) else {
            return Err(SdpError::Media);
        };
        let formats = words
            .map(|f| f.parse().map_err(|_| SdpError::Media))
            .collect::<Result<_, _>>()?;
        Ok(Section {
            port,
            formats,
            address: None,
            rtpmaps: Vec::new(),
        })
    }

    fn attribute(&mut self, value: &str) -> Result<(), SdpError> {
        let Some(map) = value.strip_prefix("rtpmap:") else {
            return Ok(());
        };
        let (pt, name) = map.split_once(' ').ok_or(SdpError::Rtpmap)?;
        let pt = pt.parse().map_err(|_| SdpError::Rtpmap)?;
        let name = name.trim();
        if !name.contains('/') {
            return Err(SdpError::Rtpmap);
        }
        self.rtpmaps.push((pt, name.to_owned()));
        Ok(())
    }
}

/// `IN IP4 192.0.2.1[/ttl]` or `IN IP6 2001:db8::1`.
fn connection(value: &str) -> Result<IpAddr, SdpError> {
    let mut words = value.split_whitespace();
    let (Some("IN"), Some("IP4" | "IP6"), Some(address), None) =
        (words.next(), words.next(), words.next(), words.next())
    else {
        return Err(SdpError::Connection);
    };
    let address = address.split('/').next().unwrap_or_default();
    address.parse().map_err(|_| SdpError::Connection)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What buurtbel offers.
    const OFFER: &str = "v=0\r\no=buurtbel 1 1 IN IP4 127.0.0.1\r\ns=buurtbel\r\n\
        c=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 16000 RTP/AVP 8 0 101\r\n\
        a=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n\
        a=fmtp:101 0-15\r\na=ptime:20\r\na=sendrecv\r\n";

    #[test]
    fn reads_an_offer() {
        let audio = Audio::parse(OFFER.as_bytes()).unwrap();
        assert_eq!(audio.address, IpAddr::from([127, 0, 0, 1]));
        assert_eq!(
            (audio.port, audio.formats.as_slice()),
            (16000, &[8, 0, 101][..])
        );
        assert_eq!(audio.telephone_event(), Some(101));
    }

    #[test]
    fn an_answer_reads_back_as_written() {
        let answer = Audio {
            address: "2001:db8::7".parse().unwrap(),
            port: 17000,
            formats: vec![0, 96],
            rtpmaps: vec![(96, "telephone-event/8000".into())],
        };
        let text = answer.to_sdp("phone");
        assert!(text.contains("c=IN IP6 2001:db8::7\r\nt=0 0\r\nm=audio 17000 RTP/AVP 0 96\r\n"));
        assert!(text.contains("a=fmtp:96 0-15\r\n"));
        assert_eq!(Audio::parse(text.as_bytes()), Ok(answer));
    }

    #[test]
    fn stream_connection_wins_and_other_media_are_skipped() {
        let sdp = "v=0\nc=IN IP4 192.0.2.1\nm=video 5000 RTP/AVP 31\na=rtpmap:31 H261/90000\n\
                   m=audio 0 RTP/AVP 18\nc=IN IP4 192.0.2.2/127\nm=audio 6000 RTP/AVP 8\n";
        let audio = Audio::parse(sdp.as_bytes()).unwrap();
        assert_eq!(
            (audio.address, audio.port),
            (IpAddr::from([192, 0, 2, 2]), 0)
        );
        assert_eq!(
            (audio.formats.as_slice(), audio.rtpmaps.len()),
            (&[18][..], 0)
        );
    }

    #[test]
    fn broken_sdp_says_what_is_wrong() {
        let cases = [
            ("v=0\r\nc=IN IP4 1.2.3.4\r\n", SdpError::NoAudio),
            ("m=audio 5000 RTP/AVP 8\r\n", SdpError::Connection),
            (
                "c=IN IP4 nowhere\r\nm=audio 5000 RTP/AVP 8\r\n",
                SdpError::Connection,
            ),
            (
                "c=IN IP4 1.2.3.4\r\nm=audio x RTP/AVP 8\r\n",
                SdpError::Media,
            ),
            (
                "c=IN IP4 1.2.3.4\r\nm=audio 1 RTP/AVP 800\r\n",
                SdpError::Media,
            ),
            (
                "c=IN IP4 1.2.3.4\r\nm=audio 1 RTP/AVP 8\r\na=rtpmap:8\r\n",
                SdpError::Rtpmap,
            ),
            ("v=0\r\ngarbage\r\n", SdpError::Line { line: 2 }),
        ];
        for (sdp, expected) in cases {
            assert_eq!(Audio::parse(sdp.as_bytes()), Err(expected), "{sdp:?}");
        }
        assert_eq!(Audio::parse(b"\xff"), Err(SdpError::NotUtf8));
    }
}
