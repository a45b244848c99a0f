//! A member changed or erased by hand, and the languages a network needs, on SQLite and (with
//! `BUURTBEL_TEST_POSTGRES`) PostgreSQL. Names and numbers are fictional.

use buurtbel::store::*;

#[path = "common/backends.rs"]
mod backends;
#[path = "common/fixtures.rs"]
mod fixtures;

use backends::each_backend;
use fixtures::*;

#[tokio::test]
async fn a_network_keeps_the_languages_its_members_need() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let new = |name: &str| NewNetwork {
            name: name.into(),
            kind: NetworkKind::Residential,
            police_zone: "Zone Test".into(),
            language: "nl".into(),
            caller_id: "+3250000001".into(),
            ring_timeout_ms: None,
            retry_policy: None,
        };
        let both = vec!["nl".to_owned(), "fr".to_owned()];
        let made = store
            .create_network_speaking(new("BIN Twee"), both.clone(), T0)
            .await
            .expect("create");
        let read = store.network(&made.id).await.expect("read").expect("found");
        assert_eq!(read.languages, both);
        assert_eq!(read, made);
        let plain = network(&store, "BIN Een").await;
        assert!(plain.languages.is_empty());
        assert_eq!(missing_languages(&[read.clone(), plain], &["nl"]), ["fr"]);
        assert!(missing_languages(&[read], &["fr", "nl"]).is_empty());
        let twice = vec!["fr".to_owned(), "fr".to_owned()];
        let refused = store
            .create_network_speaking(new("BIN Drie"), twice, T0)
            .await;
        assert!(matches!(refused, Err(StoreError::UnknownLanguage(code)) if code == "fr"));
    })
    .await;
}

#[tokio::test]
async fn a_change_replaces_details_numbers_and_consent() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let bin = network(&store, "BIN Een").await;
        let id = import(&store, &bin, vec![member("Member Een", &[1, 2])])
            .await
            .remove(0);
        let changed = NewMember {
            status: MemberStatus::Suspended,
            consent_at: None,
            quiet_hours: None,
            ..member("Member Een Gewijzigd", &[3])
        };
        store
            .update_member(&id, &changed, T0 + 1)
            .await
            .expect("update");
        let read = store.member(&id).await.expect("read").expect("found");
        assert_eq!(read.name, "Member Een Gewijzigd");
        assert_eq!(numbers(&read), ["+32470000003"]);
        assert_eq!(read.status, MemberStatus::Suspended);
        assert_eq!((read.consent_at, read.quiet_hours), (None, None));
        let unknown = store
            .update_member(&MemberId::from("nobody"), &changed, T0)
            .await;
        assert!(matches!(unknown, Err(StoreError::UnknownMember(_))));
        let invalid = NewMember {
            contact_points: Vec::new(),
            ..changed
        };
        let refused = store.update_member(&id, &invalid, T0).await;
        assert!(matches!(refused, Err(StoreError::InvalidMember { .. })));
    })
    .await;
}

#[tokio::test]
async fn erasing_keeps_the_counts_and_waits_for_the_calls() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let (alert, member, delivery) = one_delivery(&store).await;
        let attempt = begin(&store, &delivery).await.expect("begun");
        let busy = store.erase_member(&member, T0 + 20).await;
        assert!(matches!(busy, Err(StoreError::MemberBeingCalled { .. })));
        let done = DeliveryStep {
            next_try_at: None,
            ..no_ack_retry()
        };
        store
            .finish_attempt(&attempt, &answered(T0 + 30), done)
            .await
            .expect("finish");
        let counts = store.delivery_counts(&alert).await.expect("counts");
        store.erase_member(&member, T0 + 40).await.expect("erase");
        assert_eq!(store.delivery_counts(&alert).await.expect("counts"), counts);
        let read = store.member(&member).await.expect("read").expect("kept");
        assert_eq!(read.name, ERASED_NAME);
        assert_eq!(read.status, MemberStatus::Left);
        assert!(read.contact_points.is_empty());
        assert_eq!(read.consent_at, None);
        let attempts = store.attempts(&delivery).await.expect("attempts");
        assert_eq!(attempts[0].number, ERASED_NUMBER);
        let lines = store.deliveries(&alert).await.expect("deliveries");
        assert_eq!(lines[0].member_name, ERASED_NAME);
    })
    .await;
}

#[tokio::test]
async fn a_network_is_read_a_page_at_a_time_by_name() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let bin = network(&store, "BIN Een").await;
        let other = network(&store, "BIN Twee").await;
        let names = ["Member C", "Member A", "Member B"];
        let members = names
            .iter()
            .zip(1..)
            .map(|(name, n)| member(name, &[n, n + 10]))
            .collect();
        import(&store, &bin, members).await;
        import(&store, &other, vec![member("Member Z", &[9])]).await;
        let (first, total) = store.member_page(&bin.id, 0, 2).await.expect("page");
        assert_eq!(total, 3);
        let named: Vec<&str> = first.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(named, ["Member A", "Member B"]);
        assert_eq!(numbers(&first[0]), ["+32470000002", "+32470000012"]);
        let (rest, _) = store.member_page(&bin.id, 2, 2).await.expect("page");
        assert_eq!(rest.len(), 1);
        assert_eq!(rest[0].name, "Member C");
        let (beyond, _) = store.member_page(&bin.id, u64::MAX, 2).await.expect("page");
        assert!(beyond.is_empty());
    })
    .await;
}
