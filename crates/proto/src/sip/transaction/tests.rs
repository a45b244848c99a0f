//! Timer tables in virtual time: jump to each `poll_timeout`, record when bytes go out.

use super::*;
use crate::sip::message::{Message, Request, Response, parse_datagram};
use crate::sip::method::Method;
use crate::sip::uri::Uri;
use crate::time::Instant;
use std::time::Duration;

fn request(method: Method) -> Request {
    let mut req = Request::new(
        method.clone(),
        Uri::parse("sip:+3212345678@trunk.test").unwrap(),
    );
    req.headers
        .push("Via", "SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKtest;rport");
    req.headers.push("From", "<sip:bin@example.test>;tag=from1");
    req.headers.push("To", "<sip:+3212345678@trunk.test>");
    req.headers.push("Call-ID", "call-1@example.test");
    req.headers.push("CSeq", format!("1 {method}"));
    req
}

fn response(req: &Request, status: u16) -> Response {
    let mut resp = Response::new(status, "Test");
    for name in ["via", "from", "call-id", "cseq"] {
        resp.headers.push(name, req.headers.get(name).unwrap());
    }
    resp.headers
        .push("To", "<sip:+3212345678@trunk.test>;tag=to1");
    resp
}

/// Runs the transaction alone until it is silent or `until`, returning send times in ms.
fn send_times(tx: &mut ClientTransaction, start: Instant, until: Duration) -> (Vec<u64>, bool) {
    let (mut times, mut timed_out, mut now) = (Vec::new(), false, start);
    loop {
        while tx.poll_transmit().is_some() {
            times.push((now - start).as_millis() as u64);
        }
        while let Some(event) = tx.poll_event() {
            timed_out |= matches!(event, ClientEvent::Timeout);
        }
        match tx.poll_timeout() {
            Some(at) if at - start <= until => {
                now = at;
                tx.handle_timeout(now);
            }
            _ => return (times, timed_out),
        }
    }
}

#[test]
fn invite_retransmits_doubling_until_timer_b() {
    let start = Instant::ZERO;
    let mut tx = ClientTransaction::new(start, request(Method::Invite), false, Timers::default());
    let (times, timed_out) = send_times(&mut tx, start, Duration::from_secs(60));
    assert_eq!(times, [0, 500, 1500, 3500, 7500, 15500, 31500]);
    assert!(timed_out);
    assert!(tx.is_terminated());
}

#[test]
fn non_invite_retransmits_capped_at_t2_until_timer_f() {
    let start = Instant::ZERO;
    let mut tx = ClientTransaction::new(start, request(Method::Bye), false, Timers::default());
    let (times, timed_out) = send_times(&mut tx, start, Duration::from_secs(60));
    assert_eq!(
        times,
        [
            0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500
        ]
    );
    assert!(timed_out);
}

#[test]
fn configured_t1_t2_scale_the_table() {
    let timers = Timers {
        t1: Duration::from_millis(100),
        t2: Duration::from_millis(400),
        ..Timers::default()
    };
    let start = Instant::ZERO;
    let mut tx = ClientTransaction::new(start, request(Method::Options), false, timers);
    let (times, _) = send_times(&mut tx, start, Duration::from_secs(10));
    assert_eq!(&times[..6], [0, 100, 300, 700, 1100, 1500]);
    assert_eq!(*times.last().unwrap(), 6300);
}

#[test]
fn reliable_transport_never_retransmits() {
    let start = Instant::ZERO;
    let mut tx = ClientTransaction::new(start, request(Method::Invite), true, Timers::default());
    let (times, timed_out) = send_times(&mut tx, start, Duration::from_secs(60));
    assert_eq!(times, [0]);
    assert!(timed_out, "timer B still applies");
}

#[test]
fn provisional_stops_invite_retransmission_and_timer_b() {
    let start = Instant::ZERO;
    let req = request(Method::Invite);
    let mut tx = ClientTransaction::new(start, req.clone(), false, Timers::default());
    let _ = tx.poll_transmit();
    tx.handle_response(start + Duration::from_millis(100), response(&req, 180));
    assert!(matches!(tx.poll_event(), Some(ClientEvent::Provisional(_))));
    assert_eq!(tx.poll_timeout(), None);
}

#[test]
fn non_invite_after_provisional_retransmits_every_t2() {
    let start = Instant::ZERO;
    let req = request(Method::Bye);
    let mut tx = ClientTransaction::new(start, req.clone(), false, Timers::default());
    let _ = tx.poll_transmit();
    tx.handle_response(start + Duration::from_millis(100), response(&req, 100));
    let (times, _) = send_times(&mut tx, start, Duration::from_secs(12));
    assert_eq!(times, [500, 4500, 8500]);
}

#[test]
fn failure_is_acked_on_same_branch_and_reacked_on_retransmission() {
    let start = Instant::ZERO;
    let req = request(Method::Invite);
    let mut tx = ClientTransaction::new(start, req.clone(), false, Timers::default());
    let _ = tx.poll_transmit();
    tx.handle_response(start, response(&req, 486));
    let ack = tx.poll_transmit().expect("ACK");
    let Message::Request(ack) = parse_datagram(&ack).unwrap() else {
        panic!()
    };
    assert_eq!(ack.method, Method::Ack);
    assert_eq!(ack.headers.top_via().unwrap().branch(), Some("z9hG4bKtest"));
    assert_eq!(ack.headers.to().unwrap().tag(), Some("to1"));
    assert_eq!(ack.headers.cseq().unwrap().seq, 1);
    assert!(matches!(tx.poll_event(), Some(ClientEvent::Final(r)) if r.status == 486));
    tx.handle_response(start + Duration::from_secs(1), response(&req, 486));
    assert!(
        tx.poll_transmit().is_some(),
        "retransmitted 486 is ACKed again"
    );
    assert!(tx.poll_event().is_none(), "but not reported twice");
    tx.handle_timeout(start + Duration::from_secs(32));
    assert!(tx.is_terminated(), "timer D");
}

#[test]
fn retransmitted_2xx_reaches_the_user_while_accepted() {
    let start = Instant::ZERO;
    let req = request(Method::Invite);
    let mut tx = ClientTransaction::new(start, req.clone(), false, Timers::default());
    let _ = tx.poll_transmit();
    tx.handle_response(start, response(&req, 200));
    tx.handle_response(start + Duration::from_millis(500), response(&req, 200));
    assert!(matches!(tx.poll_event(), Some(ClientEvent::Final(_))));
    assert!(matches!(tx.poll_event(), Some(ClientEvent::Final(_))));
    assert!(tx.poll_transmit().is_none(), "2xx ACK is the dialog's job");
    tx.handle_timeout(start + Duration::from_secs(32));
    assert!(tx.is_terminated(), "timer M");
}

#[test]
fn non_invite_completed_lingers_t4() {
    let start = Instant::ZERO;
    let req = request(Method::Bye);
    let mut tx = ClientTransaction::new(start, req.clone(), false, Timers::default());
    tx.handle_response(start, response(&req, 200));
    assert_eq!(tx.poll_timeout(), Some(start + Duration::from_secs(5)));
}

#[test]
fn server_non_invite_resends_final_on_retransmission() {
    let start = Instant::ZERO;
    let req = request(Method::Bye);
    let mut tx = ServerTransaction::new(&req, false, Timers::default());
    tx.respond(start, &response(&req, 200));
    assert!(tx.poll_transmit().is_some());
    tx.handle_retransmission();
    assert!(tx.poll_transmit().is_some());
    tx.handle_timeout(start + Duration::from_secs(32));
    assert!(tx.is_terminated(), "timer J");
}

#[test]
fn server_invite_retransmits_final_until_ack() {
    let start = Instant::ZERO;
    let req = request(Method::Invite);
    let mut tx = ServerTransaction::new(&req, false, Timers::default());
    tx.respond(start, &response(&req, 488));
    let mut sent = Vec::new();
    let mut now = start;
    while let Some(at) = tx.poll_timeout() {
        while tx.poll_transmit().is_some() {
            sent.push((now - start).as_millis());
        }
        if now - start >= Duration::from_secs(8) {
            tx.handle_ack(now);
            break;
        }
        now = at;
        tx.handle_timeout(now);
    }
    assert_eq!(
        sent,
        [0, 500, 1500, 3500, 7500, 11500],
        "timer G capped at T2"
    );
    assert!(!tx.awaits_ack());
    tx.handle_timeout(now + Duration::from_secs(5));
    assert!(tx.is_terminated(), "timer I");
}

#[test]
fn server_invite_over_tcp_resends_a_2xx_until_ack_but_not_a_failure() {
    let start = Instant::ZERO;
    let req = request(Method::Invite);
    let mut sent = Vec::new();
    for status in [200, 488] {
        let mut tx = ServerTransaction::new(&req, true, Timers::default());
        tx.respond(start, &response(&req, status));
        let mut times = Vec::new();
        let mut now = start;
        while let Some(at) = tx
            .poll_timeout()
            .filter(|_| now - start < Duration::from_secs(4))
        {
            while tx.poll_transmit().is_some() {
                times.push((now - start).as_millis());
            }
            now = at;
            tx.handle_timeout(now);
        }
        tx.handle_ack(now);
        assert!(!tx.awaits_ack(), "{status}");
        sent.push(times);
    }
    assert_eq!(
        sent,
        [vec![0, 500, 1500, 3500], vec![0]],
        "§13.3.1.4: the 2xx only"
    );
}
