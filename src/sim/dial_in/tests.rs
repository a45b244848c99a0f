//! A member dials a simulated phone on a second exchange (both ends are the simulator's, so
//! these run without SIPp; `tests/sim_dial_in.rs` has SIPp answer), or a gateway played by
//! hand on a bare socket. Real sockets on loopback, real time, a few seconds each.

use super::DialIn;
use crate::sim::{Cue, Exchange, PhoneScript, PressMethod};
use buurtbel_phone::{Audio, Dialog, Message, parse_datagram, response_to};
use std::collections::HashMap;
use std::f32::consts::TAU;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::UdpSocket;

const MEMBER: &str = "+32470000001";
const LINE: &str = "+3225550100";

async fn exchange(scripts: HashMap<String, PhoneScript>) -> Exchange {
    let bind = SocketAddr::from(([127, 0, 0, 1], 0));
    Exchange::start(bind, scripts, PhoneScript::answer_after(Duration::ZERO))
        .await
        .unwrap()
}

/// One second of 440 Hz.
fn tone() -> Arc<Vec<i16>> {
    let samples = (0..8_000)
        .map(|n| (8_000.0 * (TAU * 440.0 * n as f32 / 8_000.0).sin()) as i16)
        .collect();
    Arc::new(samples)
}

fn loud_frames(samples: &[i16]) -> usize {
    samples
        .chunks(160)
        .filter(|frame| {
            let energy: f64 = frame.iter().map(|s| f64::from(*s).powi(2)).sum();
            (energy / frame.len() as f64).sqrt() > 1_000.0
        })
        .count()
}

#[tokio::test]
async fn a_member_hears_the_far_end_presses_on_the_pause_and_is_hung_up_on() {
    let speaker = PhoneScript::answer_after(Duration::from_millis(100))
        .say(tone())
        .hang_up_after(Duration::from_millis(2_500));
    let mut far = exchange(HashMap::from([(LINE.to_owned(), speaker)])).await;
    let member = exchange(HashMap::new()).await;
    let call = DialIn::new(MEMBER, LINE)
        .press_on(
            Cue::Pause(Duration::from_millis(400)),
            '4',
            PressMethod::Rfc4733,
        )
        .longest(Duration::from_secs(20));
    let result = member.dial_in(far.addr(), call).await;
    assert_eq!(result.final_status, 200);
    assert_eq!(result.provisional, [100, 180]);
    assert!(result.hung_up_by_gateway);
    assert_eq!(result.pressed, ['4']);
    assert!(loud_frames(&result.heard) >= 45, "{}", result.heard.len());

    let phone = far.next_call().await.unwrap();
    assert_eq!(
        (phone.user.as_str(), phone.call_id.as_str()),
        (LINE, result.call_id.as_str())
    );
    assert_eq!(phone.final_status, 200);
    assert!(phone.hung_up_by_phone);
    assert!(
        phone.rtp_received > 0,
        "the member's audio reached the phone"
    );
}

#[tokio::test]
async fn the_member_hangs_up_and_the_far_end_sees_the_bye() {
    let mut far = exchange(HashMap::new()).await;
    let member = exchange(HashMap::new()).await;
    let call = DialIn::new(MEMBER, LINE)
        .unasserted()
        .hang_up_after(Duration::from_millis(300));
    let result = member.dial_in(far.addr(), call).await;
    assert_eq!(result.final_status, 200);
    assert!(!result.hung_up_by_gateway);

    let phone = far.next_call().await.unwrap();
    assert_eq!(phone.call_id, result.call_id);
    assert!(!phone.hung_up_by_phone, "the member's BYE ended it");
}

#[tokio::test]
async fn a_refusal_ends_the_dial_in_with_its_status() {
    let busy = PhoneScript::refuse(486, Duration::ZERO);
    let mut far = exchange(HashMap::from([(LINE.to_owned(), busy)])).await;
    let member = exchange(HashMap::new()).await;
    let result = member.dial_in(far.addr(), DialIn::new(MEMBER, LINE)).await;
    assert_eq!(result.final_status, 486);
    assert_eq!(result.rtp_received, 0);
    assert!(result.pressed.is_empty());
    let phone = far.next_call().await.unwrap();
    assert_eq!(phone.final_status, 486);
}

#[tokio::test]
async fn a_phone_that_needs_an_offer_refuses_a_late_one() {
    let mut far = exchange(HashMap::new()).await;
    let member = exchange(HashMap::new()).await;
    let result = member
        .dial_in(far.addr(), DialIn::new(MEMBER, LINE).late_offer())
        .await;
    assert_eq!(result.final_status, 488);
    assert_eq!(far.next_call().await.unwrap().final_status, 488);
}

/// A gateway played by hand on a bare socket: what it receives, as parsed.
async fn receive(gateway: &UdpSocket) -> (Message, SocketAddr) {
    let mut buffer = vec![0u8; 65_535];
    let (n, from) = gateway.recv_from(&mut buffer).await.unwrap();
    (parse_datagram(&buffer[..n]).unwrap(), from)
}

/// What the hand-played gateway returns, once it has had everything it waits for; a guard
/// against waiting for ever when the member never sends it.
async fn finish<T>(far: tokio::task::JoinHandle<T>) -> T {
    let limit = Duration::from_secs(40);
    let done = tokio::time::timeout(limit, far).await;
    done.expect("the gateway got what it waited for").unwrap()
}

#[tokio::test]
async fn the_invite_is_sent_again_until_a_response_and_a_refusal_acked_on_its_branch() {
    let gateway = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = gateway.local_addr().unwrap();
    let far = tokio::spawn(async move {
        let (first, _) = receive(&gateway).await;
        let (again, from) = receive(&gateway).await;
        assert_eq!(again, first, "a retransmission is the same INVITE");
        let busy = response_to(&again, 486, "Busy Here", "gw1");
        gateway.send_to(&busy.to_bytes(), from).await.unwrap();
        let (ack, _) = receive(&gateway).await;
        (first, ack)
    });
    let member = exchange(HashMap::new()).await;
    let result = member.dial_in(addr, DialIn::new(MEMBER, LINE)).await;
    assert_eq!((result.final_status, result.provisional.len()), (486, 0));
    let (invite, ack) = finish(far).await;
    assert!(ack.is_request("ACK"));
    assert_eq!(ack.headers.top_branch(), invite.headers.top_branch());
    assert_eq!(ack.headers.to_tag(), Ok(Some("gw1")));
}

#[tokio::test]
async fn a_2xx_without_usable_audio_is_acked_and_hung_up_and_noise_is_dropped() {
    let gateway = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = gateway.local_addr().unwrap();
    let far = tokio::spawn(async move {
        let (invite, from) = receive(&gateway).await;
        for noise in [
            &b"\x00\xffnot sip"[..],
            b"SIP/2.0 200 OK\r\n\r\n",
            b"BYE x SIP/2.0\r\n\r\n",
        ] {
            gateway.send_to(noise, from).await.unwrap();
        }
        let mut ok = response_to(&invite, 200, "OK", "gw1");
        ok.headers.push("Contact", format!("<sip:gw@{addr}>"));
        ok.headers.push("Content-Type", "application/sdp");
        ok.body = b"v=0\r\nm=audio nonsense\r\n".to_vec();
        gateway.send_to(&ok.to_bytes(), from).await.unwrap();
        let mut methods = Vec::new();
        while methods.len() < 2 {
            let (request, from) = receive(&gateway).await;
            if request.is_request("BYE") {
                let reply = response_to(&request, 200, "OK", "gw1");
                gateway.send_to(&reply.to_bytes(), from).await.unwrap();
            }
            methods.extend(request.method().map(str::to_owned));
        }
        methods
    });
    let member = exchange(HashMap::new()).await;
    let result = member.dial_in(addr, DialIn::new(MEMBER, LINE)).await;
    assert_eq!(result.final_status, 200);
    assert_eq!((result.rtp_received, result.hung_up_by_gateway), (0, false));
    assert_eq!(finish(far).await, ["ACK", "BYE"]);
}

#[tokio::test]
async fn a_key_by_info_goes_in_the_dialog_and_the_gateway_s_bye_gets_its_200() {
    let gateway = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = gateway.local_addr().unwrap();
    let rtp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let answer = Audio {
        address: addr.ip(),
        port: rtp.local_addr().unwrap().port(),
        formats: vec![8],
        rtpmaps: Vec::new(),
    };
    let far = tokio::spawn(async move {
        let (invite, from) = receive(&gateway).await;
        let via = format!("SIP/2.0/UDP {addr}");
        let mut dialog = Dialog::accept(&invite, "gw1", &via).unwrap();
        let mut ok = response_to(&invite, 200, "OK", "gw1");
        ok.headers.push("Contact", format!("<sip:gw@{addr}>"));
        ok.headers.push("Content-Type", "application/sdp");
        ok.body = answer.to_sdp("gw").into_bytes();
        gateway.send_to(&ok.to_bytes(), from).await.unwrap();
        let (ack, _) = receive(&gateway).await;
        let (info, from) = receive(&gateway).await;
        let reply = response_to(&info, 200, "OK", "gw1");
        gateway.send_to(&reply.to_bytes(), from).await.unwrap();
        let bye = dialog.request("BYE", "z9hG4bKgwbye1");
        gateway.send_to(&bye.to_bytes(), from).await.unwrap();
        let (bye_ok, _) = receive(&gateway).await;
        (ack, info, bye_ok)
    });
    let member = exchange(HashMap::new()).await;
    let call = DialIn::new(MEMBER, LINE)
        .press(Duration::from_millis(100), '9', PressMethod::Info)
        .longest(Duration::from_secs(20));
    let result = member.dial_in(addr, call).await;
    assert!(result.hung_up_by_gateway);
    assert_eq!(result.pressed, ['9']);
    let (ack, info, bye_ok) = finish(far).await;
    assert_eq!(ack.headers.get("CSeq"), Some("1 ACK"));
    assert_eq!(info.headers.get("CSeq"), Some("2 INFO"));
    assert_eq!(info.headers.to_tag(), Ok(Some("gw1")));
    assert_eq!(info.uri(), Some(format!("sip:gw@{addr}").as_str()));
    assert_eq!(info.body, b"Signal=9\r\nDuration=100\r\n");
    assert_eq!(bye_ok.status(), Some(200));
    assert_eq!(bye_ok.headers.get("CSeq"), Some("1 BYE"));
}
