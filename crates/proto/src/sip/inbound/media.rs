//! The caller's SDP offer (RFC 3264) and our answer to it.
//!
//! We take the first audio stream over plain `RTP/AVP` that is not refused (port 0) and
//! shares a codec with us, and choose our most preferred codec among those it offers (G.711
//! by its static payload type, 8 or 0) and the caller's own payload type for telephone-event.
//! Our answer has one m-line per offered one, in the offer's order (§6): the chosen stream
//! with just that codec plus telephone-event when offered, `a=sendrecv`; every other stream
//! refused with port 0.

use crate::sip::sdp::{self, Answer, Codec, Offer, SdpError};
use sdp_types::{Media, Session};
use std::fmt::Write as _;

/// The caller's offer, answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Negotiated {
    /// What the media side needs: the caller's RTP address, the codec, its telephone-event
    /// payload type.
    pub(super) media: Answer,
    /// Our SDP answer.
    pub(super) sdp: String,
}

/// Answers the caller's offer with our address and codecs (`ours.codecs` in order of
/// preference).
pub(super) fn answer_offer(body: &[u8], ours: &Offer) -> Result<Negotiated, SdpError> {
    let session = Session::parse(body).map_err(|_| SdpError::Malformed)?;
    let mut error = SdpError::NoAudio;
    for (index, stream) in session.medias.iter().enumerate() {
        if !is_rtp_audio(stream) {
            continue;
        }
        match read_stream(&session, stream, ours) {
            Ok(media) => {
                let sdp = answer_sdp(&session, index, &media, ours);
                return Ok(Negotiated { media, sdp });
            }
            Err(e) => error = e,
        }
    }
    Err(error)
}

fn is_rtp_audio(stream: &Media) -> bool {
    stream.media.eq_ignore_ascii_case("audio")
        && stream.port != 0
        && stream.proto.eq_ignore_ascii_case("RTP/AVP")
}

fn read_stream(session: &Session, stream: &Media, ours: &Offer) -> Result<Answer, SdpError> {
    sdp::read_stream(session, stream, |formats| {
        ours.codecs
            .iter()
            .copied()
            .find(|c| formats.contains(&c.payload_type()))
    })
}

fn answer_sdp(offer: &Session, chosen: usize, media: &Answer, ours: &Offer) -> String {
    let ip = ours.rtp.ip();
    let family = if ip.is_ipv4() { "IP4" } else { "IP6" };
    let mut sdp = format!(
        "v=0\r\no=buurtbel {id} {id} IN {family} {ip}\r\ns=buurtbel\r\nc=IN {family} {ip}\r\n\
         t=0 0\r\n",
        id = ours.session_id,
    );
    for (index, stream) in offer.medias.iter().enumerate() {
        if index == chosen {
            audio_lines(
                &mut sdp,
                ours.rtp.port(),
                media.codec,
                media.telephone_event,
            );
        } else {
            let formats = if stream.fmt.trim().is_empty() {
                "0"
            } else {
                stream.fmt.trim()
            };
            let _ = write!(sdp, "m={} 0 {} {formats}\r\n", stream.media, stream.proto);
        }
    }
    sdp
}

fn audio_lines(sdp: &mut String, port: u16, codec: Codec, telephone_event: Option<u8>) {
    let pt = codec.payload_type();
    let _ = write!(sdp, "m=audio {port} RTP/AVP {pt}");
    if let Some(event) = telephone_event {
        let _ = write!(sdp, " {event}");
    }
    let _ = write!(sdp, "\r\na=rtpmap:{pt} {}/8000\r\n", codec.name());
    if let Some(event) = telephone_event {
        let _ = write!(
            sdp,
            "a=rtpmap:{event} telephone-event/8000\r\na=fmtp:{event} 0-15\r\n"
        );
    }
    sdp.push_str("a=ptime:20\r\na=sendrecv\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ours(codecs: &[Codec]) -> Offer {
        Offer {
            rtp: "192.0.2.5:16000".parse().unwrap(),
            codecs: codecs.to_vec(),
            session_id: 42,
        }
    }

    fn offer(m_lines: &str) -> String {
        format!(
            "v=0\r\no=- 7 7 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\n\
             t=0 0\r\n{m_lines}"
        )
    }

    #[test]
    fn our_preference_wins_and_their_event_type_is_kept() {
        let body = offer(
            "m=audio 30000 RTP/AVP 0 8 96\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n\
             a=rtpmap:96 telephone-event/8000\r\na=fmtp:96 0-16\r\n",
        );
        let answered = answer_offer(body.as_bytes(), &ours(&[Codec::Pcma, Codec::Pcmu])).unwrap();
        assert_eq!(
            answered.media,
            Answer {
                rtp: "198.51.100.7:30000".parse().unwrap(),
                codec: Codec::Pcma,
                telephone_event: Some(96),
            }
        );
        assert_eq!(
            answered.sdp,
            "v=0\r\no=buurtbel 42 42 IN IP4 192.0.2.5\r\ns=buurtbel\r\nc=IN IP4 192.0.2.5\r\n\
             t=0 0\r\nm=audio 16000 RTP/AVP 8 96\r\na=rtpmap:8 PCMA/8000\r\n\
             a=rtpmap:96 telephone-event/8000\r\na=fmtp:96 0-15\r\na=ptime:20\r\na=sendrecv\r\n"
        );
        assert!(Session::parse(answered.sdp.as_bytes()).is_ok());
        let pcmu_first = answer_offer(body.as_bytes(), &ours(&[Codec::Pcmu, Codec::Pcma]));
        assert_eq!(pcmu_first.unwrap().media.codec, Codec::Pcmu);
    }

    #[test]
    fn without_telephone_event_the_answer_has_none() {
        let body = offer("m=audio 30000 RTP/AVP 8\r\n");
        let answered = answer_offer(body.as_bytes(), &ours(&[Codec::Pcma])).unwrap();
        assert_eq!(answered.media.telephone_event, None);
        assert!(answered.sdp.contains("m=audio 16000 RTP/AVP 8\r\n"));
        assert!(!answered.sdp.contains("telephone-event"));
    }

    #[test]
    fn other_streams_are_refused_in_their_place() {
        let body = offer(
            "m=video 40000 RTP/AVP 31\r\nm=audio 30002 RTP/SAVP 8\r\n\
             m=audio 30000 RTP/AVP 8\r\nc=IN IP4 198.51.100.8\r\n",
        );
        let answered = answer_offer(body.as_bytes(), &ours(&[Codec::Pcma])).unwrap();
        assert_eq!(answered.media.rtp, "198.51.100.8:30000".parse().unwrap());
        let m_lines: Vec<&str> = answered
            .sdp
            .lines()
            .filter(|l| l.starts_with("m="))
            .collect();
        assert_eq!(
            m_lines,
            [
                "m=video 0 RTP/AVP 31",
                "m=audio 0 RTP/SAVP 8",
                "m=audio 16000 RTP/AVP 8"
            ]
        );
    }

    #[test]
    fn unusable_offers_say_why() {
        let pcma = ours(&[Codec::Pcma]);
        let cases = [
            (offer("m=audio 30000 RTP/AVP 0 18\r\n"), SdpError::NoCodec),
            (offer("m=audio 0 RTP/AVP 8\r\n"), SdpError::NoAudio),
            (offer("m=video 30000 RTP/AVP 31\r\n"), SdpError::NoAudio),
            (offer("m=audio 30000 RTP/SAVP 8\r\n"), SdpError::NoAudio),
            (
                "v=0\r\no=- 7 7 IN IP4 h\r\ns=-\r\nt=0 0\r\nm=audio 30000 RTP/AVP 8\r\n".into(),
                SdpError::NoAddress,
            ),
            (
                offer("m=audio 30000 RTP/AVP 8\r\n")
                    .replace("IN IP4 198.51.100.7\r\nt", "IN IP4 pbx.test\r\nt"),
                SdpError::NoAddress,
            ),
            ("garbage".into(), SdpError::Malformed),
        ];
        for (body, error) in cases {
            assert_eq!(answer_offer(body.as_bytes(), &pcma), Err(error), "{body:?}");
        }
    }
}
