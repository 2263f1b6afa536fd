use super::{windows::CAPACITY, *};

fn limits() -> LoginLimits {
    LoginLimits {
        pair: Some(Rate::new(5, 900)),
        address: Some(Rate::new(100, 900)),
        user: Some(Rate::new(10, 900)),
        max_delay: Duration::from_secs(8),
    }
}

#[test]
fn refusals_create_no_windows_and_full_windows_are_never_dropped() {
    let w = MemoryWindows::new();
    let limits = limits();
    let victim = LoginKeys::new("victim", &ClientAddr::Unknown);
    for id in 0..5 {
        w.reserve(&victim, &limits, id).unwrap();
    }
    // An address at its limit adds nothing, however many usernames it tries.
    let flood_addr = ClientAddr::new([10, 0, 0, 1].into(), 64);
    let mut id = 100;
    for i in 0..100 {
        id += 1;
        w.reserve(&LoginKeys::new(&format!("f{i}"), &flood_addr), &limits, id)
            .unwrap();
    }
    let before = w.len();
    for i in 0..1000 {
        id += 1;
        let refused = w.reserve(&LoginKeys::new(&format!("g{i}"), &flood_addr), &limits, id);
        assert!(matches!(refused, Err(Refused::Limit(_))));
    }
    assert_eq!(w.len(), before, "refused attempts created windows");
    // Fill the map with other addresses' windows: the victim's full window stays.
    for i in 0..(CAPACITY as u32) {
        id += 1;
        let addr = ClientAddr::new(std::net::Ipv4Addr::from(0x0b00_0000 + i).into(), 64);
        let _ = w.reserve(&LoginKeys::new("x", &addr), &limits, id);
    }
    assert!(w.len() <= CAPACITY);
    assert!(matches!(
        w.reserve(&victim, &limits, 1),
        Err(Refused::Limit(_))
    ));
}

#[test]
fn the_limit_holds_and_a_success_gives_back() {
    let w = MemoryWindows::new();
    let keys = LoginKeys::new("ann", &ClientAddr::Unknown);
    for id in 0..5 {
        assert!(w.reserve(&keys, &limits(), id).is_ok());
    }
    let Err(Refused::Limit(wait)) = w.reserve(&keys, &limits(), 99) else {
        panic!("the sixth is refused");
    };
    assert!(wait > Duration::from_secs(800), "{wait:?}");
    w.release(&keys, 4);
    assert_eq!(w.reserve(&keys, &limits(), 5).unwrap().pair_failures, 4);
}

#[test]
fn delays_double_and_stop_at_the_maximum() {
    let l = limits();
    assert_eq!(l.delay(9), Duration::ZERO);
    assert_eq!(l.delay(10), Duration::from_secs(1));
    assert_eq!(l.delay(12), Duration::from_secs(4));
    assert_eq!(l.delay(400), Duration::from_secs(8));
}

#[tokio::test]
async fn a_gate_refuses_beyond_its_queue_and_forgets_idle_keys() {
    let gate = Gate::<u8>::new(1, 1);
    let a = gate.enter(1).await.unwrap();
    let waiting = tokio::spawn({
        let gate = gate.clone();
        async move { gate.enter(1).await.is_some() }
    });
    tokio::task::yield_now().await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert!(gate.enter(1).await.is_none(), "the third is refused");
    assert!(
        gate.enter(2).await.is_some(),
        "another key has its own slots"
    );
    drop(a);
    assert!(waiting.await.unwrap());
    assert_eq!(gate.len(), 0);
}
