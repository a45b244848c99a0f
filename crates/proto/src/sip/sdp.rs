//! The SDP offer buurtbel sends (RFC 3264) and what it reads back from the answer.
//!
//! We offer one audio stream: G.711 in the configured order plus telephone-event/8000 for
//! RFC 4733 keypresses. Answers are parsed with `sdp-types`; we only read what the media side
//! needs: where to send RTP, which codec the far end picked, and its telephone-event type.

use sdp_types::{Media, Session};
use std::fmt::Write as _;
use std::net::{IpAddr, SocketAddr};

/// A G.711 codec we can offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Codec {
    /// G.711 A-law, static payload type 8 (Europe's default).
    #[serde(rename = "PCMA")]
    Pcma,
    /// G.711 µ-law, static payload type 0.
    #[serde(rename = "PCMU")]
    Pcmu,
}

impl Codec {
    /// The static RTP payload type.
    pub fn payload_type(self) -> u8 {
        match self {
            Codec::Pcma => 8,
            Codec::Pcmu => 0,
        }
    }

    /// The encoding name in `a=rtpmap`.
    pub fn name(self) -> &'static str {
        match self {
            Codec::Pcma => "PCMA",
            Codec::Pcmu => "PCMU",
        }
    }

    fn from_payload_type(pt: u8) -> Option<Codec> {
        [Codec::Pcma, Codec::Pcmu]
            .into_iter()
            .find(|c| c.payload_type() == pt)
    }
}

/// The dynamic payload type we offer for telephone-event.
pub const TELEPHONE_EVENT_PT: u8 = 101;

/// What we offer: our RTP address and codecs in order of preference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    /// Where we receive RTP.
    pub rtp: SocketAddr,
    /// Codecs, preferred first.
    pub codecs: Vec<Codec>,
    /// The o= session id and version.
    pub session_id: u64,
}

impl Offer {
    /// The SDP text.
    pub fn to_sdp(&self) -> String {
        let ip = self.rtp.ip();
        let family = if ip.is_ipv4() { "IP4" } else { "IP6" };
        let mut formats: Vec<String> = self
            .codecs
            .iter()
            .map(|c| c.payload_type().to_string())
            .collect();
        formats.push(TELEPHONE_EVENT_PT.to_string());
        let mut sdp = format!(
            "v=0\r\no=buurtbel {id} {id} IN {family} {ip}\r\ns=buurtbel\r\nc=IN {family} {ip}\r\n\
             t=0 0\r\nm=audio {port} RTP/AVP {formats}\r\n",
            id = self.session_id,
            port = self.rtp.port(),
            formats = formats.join(" "),
        );
        for codec in &self.codecs {
            let _ = write!(
                sdp,
                "a=rtpmap:{} {}/8000\r\n",
                codec.payload_type(),
                codec.name()
            );
        }
        let _ = write!(
            sdp,
            "a=rtpmap:{TELEPHONE_EVENT_PT} telephone-event/8000\r\na=fmtp:{TELEPHONE_EVENT_PT} 0-15\r\n\
             a=ptime:20\r\na=sendrecv\r\n"
        );
        sdp
    }
}

/// Why an SDP answer cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SdpError {
    /// Not parseable SDP.
    #[error("malformed SDP")]
    Malformed,
    /// No audio stream, or the audio stream was rejected (port 0).
    #[error("no audio stream in the answer")]
    NoAudio,
    /// No connection address, or one that is not an IP address.
    #[error("no usable connection address")]
    NoAddress,
    /// None of our codecs in the answer.
    #[error("no codec in common")]
    NoCodec,
}

/// What the answer tells the media side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// Where to send RTP.
    pub rtp: SocketAddr,
    /// The codec to send.
    pub codec: Codec,
    /// The far end's telephone-event payload type, if it accepted one.
    pub telephone_event: Option<u8>,
}

impl Answer {
    /// Reads an answer to `offer`.
    pub fn parse(body: &[u8], offer: &Offer) -> Result<Answer, SdpError> {
        let session = Session::parse(body).map_err(|_| SdpError::Malformed)?;
        let media = session
            .medias
            .iter()
            .find(|m| m.media == "audio" && m.port != 0)
            .ok_or(SdpError::NoAudio)?;
        read_stream(&session, media, |formats| {
            formats
                .iter()
                .filter_map(|pt| Codec::from_payload_type(*pt))
                .find(|c| offer.codecs.contains(c))
        })
    }
}

/// What one audio stream of `session` says: where its RTP goes, the codec `choose` takes
/// from its payload types, and its telephone-event type. The far end's answer and the
/// caller's offer are read alike.
pub(crate) fn read_stream(
    session: &Session,
    stream: &Media,
    choose: impl FnOnce(&[u8]) -> Option<Codec>,
) -> Result<Answer, SdpError> {
    let connection = stream
        .connections
        .first()
        .or(session.connection.as_ref())
        .ok_or(SdpError::NoAddress)?;
    let ip: IpAddr = connection
        .connection_address
        .split('/')
        .next()
        .and_then(|a| a.parse().ok())
        .ok_or(SdpError::NoAddress)?;
    let formats: Vec<u8> = stream
        .fmt
        .split_whitespace()
        .filter_map(|f| f.parse().ok())
        .collect();
    let codec = choose(&formats).ok_or(SdpError::NoCodec)?;
    let telephone_event = stream
        .attributes
        .iter()
        .filter(|a| a.attribute.eq_ignore_ascii_case("rtpmap"))
        .filter_map(|a| a.value.as_deref())
        .find_map(|v| telephone_event_pt(v, &formats));
    Ok(Answer {
        rtp: SocketAddr::new(ip, stream.port),
        codec,
        telephone_event,
    })
}

/// The payload type of an `a=rtpmap:<pt> telephone-event/8000` the stream lists.
fn telephone_event_pt(rtpmap: &str, formats: &[u8]) -> Option<u8> {
    let (pt, encoding) = rtpmap.trim().split_once(' ')?;
    let pt: u8 = pt.parse().ok()?;
    let is_event = encoding
        .trim()
        .to_ascii_lowercase()
        .starts_with("telephone-event/8000");
    (is_event && formats.contains(&pt)).then_some(pt)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer() -> Offer {
        Offer {
            rtp: "192.0.2.5:16000".parse().unwrap(),
            codecs: vec![Codec::Pcma, Codec::Pcmu],
            session_id: 42,
        }
    }

    #[test]
    fn offer_lists_codecs_and_events() {
        let sdp = offer().to_sdp();
        assert!(sdp.contains("m=audio 16000 RTP/AVP 8 0 101\r\n"));
        assert!(sdp.contains("a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n"));
        assert!(Session::parse(sdp.as_bytes()).is_ok());
    }

    #[test]
    fn answer_picks_common_codec_and_event_type() {
        let answer = "v=0\r\no=- 1 1 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\n\
            t=0 0\r\nm=audio 30000 RTP/AVP 0 96\r\na=rtpmap:0 PCMU/8000\r\n\
            a=rtpmap:96 telephone-event/8000\r\n";
        let answer = Answer::parse(answer.as_bytes(), &offer()).unwrap();
        assert_eq!(answer.rtp, "198.51.100.7:30000".parse().unwrap());
        assert_eq!(answer.codec, Codec::Pcmu);
        assert_eq!(answer.telephone_event, Some(96));
    }

    #[test]
    fn rejected_or_foreign_answers_are_errors() {
        let rejected = "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nc=IN IP4 198.51.100.7\r\nt=0 0\r\n\
            m=audio 0 RTP/AVP 8\r\n";
        assert_eq!(
            Answer::parse(rejected.as_bytes(), &offer()),
            Err(SdpError::NoAudio)
        );
        let g729 = rejected.replace("audio 0 RTP/AVP 8", "audio 4000 RTP/AVP 18");
        assert_eq!(
            Answer::parse(g729.as_bytes(), &offer()),
            Err(SdpError::NoCodec)
        );
        assert_eq!(
            Answer::parse(b"garbage", &offer()),
            Err(SdpError::Malformed)
        );
    }
}
