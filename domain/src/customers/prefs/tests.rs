use super::*;

#[test]
fn each_billing_rule_reads_back_from_its_stored_name() {
    for rule in BillingRule::ALL {
        assert_eq!(rule.as_str().parse::<BillingRule>(), Ok(rule));
        assert_eq!(rule.to_string(), rule.as_str());
        assert_eq!(serde_json::to_value(rule).unwrap(), rule.as_str(), "the API spells it as stored");
    }
    for name in ["", "Dispatch", "ship", "on_delivery", "POD "] {
        assert!(name.parse::<BillingRule>().is_err(), "{name:?} is no rule");
    }
}

#[test]
fn each_reminder_channel_reads_back_and_none_means_no_reminders() {
    for ch in ReminderChannel::ALL {
        assert_eq!(ch.as_str().parse::<ReminderChannel>(), Ok(ch));
        assert_eq!(serde_json::to_value(ch).unwrap(), ch.as_str());
    }
    assert_eq!("none".parse::<ReminderChannel>(), Ok(ReminderChannel::Off));
    assert!("sms".parse::<ReminderChannel>().is_err());
}

#[test]
fn overrides_are_blank_for_the_default_or_a_known_name_in_any_case() {
    let cases: [(Option<&str>, Result<Option<BillingRule>, &str>); 6] = [
        (None, Ok(None)),
        (Some(""), Ok(None)),
        (Some("  "), Ok(None)),
        (Some("pod"), Ok(Some(BillingRule::Pod))),
        (Some(" Delivery "), Ok(Some(BillingRule::Delivery))),
        (Some("weekly"), Err("billing_rule")),
    ];
    for (text, want) in cases {
        let got = parse_override::<BillingRule>("billing_rule", text, "dispatch, delivery or pod");
        match want {
            Ok(v) => assert_eq!(got, Ok(v), "{text:?}"),
            Err(field) => {
                let e = got.expect_err("refused");
                assert_eq!(e.field, field);
                assert!(e.reason.contains("\"weekly\"") && e.reason.contains("dispatch, delivery or pod"), "{}", e.reason);
            }
        }
    }
}

#[test]
fn invoice_channels_always_include_the_portal_in_a_fixed_order() {
    let cases: [(&[&str], Result<&str, &str>); 7] = [
        (&[], Ok("portal")),
        (&["portal"], Ok("portal")),
        (&["email"], Ok("portal email")),
        (&["webhook", "EDI", "email", "email"], Ok("portal email edi webhook")),
        (&[" edi "], Ok("portal edi")),
        (&["fax"], Err("\"fax\"")),
        (&["email", "sms"], Err("\"sms\"")),
    ];
    for (items, want) in cases {
        match (InvoiceChannels::parse(items), want) {
            (Ok(c), Ok(text)) => assert_eq!(c.to_text(), text, "{items:?}"),
            (Err(e), Err(named)) => assert!(e.contains(named) && e.contains("portal, email, edi or webhook"), "{e}"),
            (got, want) => panic!("{items:?}: {got:?}, wanted {want:?}"),
        }
    }
    assert_eq!(InvoiceChannels::from_stored("portal edi").to_vec(), vec![InvoiceChannel::Portal, InvoiceChannel::Edi]);
    assert_eq!(InvoiceChannels::from_stored("").to_text(), "portal");
}

#[test]
fn lists_split_on_commas_semicolons_and_white_space() {
    assert_eq!(split_list("a@x.test, b@y.test;c@z.test\n d@w.test"), ["a@x.test", "b@y.test", "c@z.test", "d@w.test"]);
    assert!(split_list(" , ;").is_empty());
}

#[test]
fn ap_addresses_must_be_deliverable_looking_mailboxes() {
    let good = [
        ("ap@initech.test", "ap@initech.test"),
        (" AP.Team+invoices@Sub.Initech-Mfg.test ", "ap.team+invoices@sub.initech-mfg.test"),
        ("o'brien@x.co", "o'brien@x.co"),
    ];
    for (text, want) in good {
        assert_eq!(email(text).as_deref(), Ok(want), "{text}");
    }
    let bad = [
        "", "ap", "ap@", "@x.test", "ap@x", "ap@@x.test", "ap@x..test", "a b@x.test", ".ap@x.test", "ap.@x.test", "a..p@x.test",
        "ap@-x.test", "ap@x-.test", "ap@x.123", "ap@x_y.test", "<ap@x.test>", "ap@x.test,",
    ];
    for text in bad {
        let e = email(text).expect_err(text);
        assert!(e.contains("is not an e-mail address"), "{e}");
    }
}

#[test]
fn ap_address_lists_drop_repeats_and_have_a_limit() {
    let list = ApEmails::parse(&["ap@x.test", "AP@x.test", "billing@x.test"]).unwrap();
    assert_eq!(list.to_text(), "ap@x.test billing@x.test");
    assert!(ApEmails::parse::<&str>(&[]).unwrap().is_empty());
    let many: Vec<String> = (0..=MAX_AP_EMAILS).map(|i| format!("ap{i}@x.test")).collect();
    assert_eq!(ApEmails::parse(&many), Err(format!("at most {MAX_AP_EMAILS} addresses")));
    assert!(ApEmails::parse(&["ap@x.test", "nope"]).unwrap_err().contains("\"nope\""));
}

#[test]
fn lists_arrive_as_json_arrays_or_as_text_and_null_empties_them() {
    #[derive(serde::Deserialize)]
    struct In {
        #[serde(default, deserialize_with = "text_or_list")]
        list: Option<Vec<String>>,
        #[serde(default, deserialize_with = "nullable")]
        rule: Option<Option<String>>,
    }
    let cases = [
        (r#"{}"#, None, None),
        (r#"{"list": ["email", "edi"], "rule": "pod"}"#, Some(vec!["email", "edi"]), Some(Some("pod"))),
        (r#"{"list": "email, edi", "rule": null}"#, Some(vec!["email", "edi"]), Some(None)),
        (r#"{"list": null}"#, Some(vec![]), None),
    ];
    for (json, list, rule) in cases {
        let v: In = serde_json::from_str(json).unwrap();
        assert_eq!(v.list, list.map(|l| l.into_iter().map(String::from).collect()), "{json}");
        assert_eq!(v.rule, rule.map(|r| r.map(String::from)), "{json}");
    }
    assert!(serde_json::from_str::<In>(r#"{"list": 5}"#).is_err());
}
