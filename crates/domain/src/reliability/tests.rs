use super::*;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn m(s: &str) -> Month {
    Month::parse(s).unwrap()
}

fn close(actual: f64, expected: f64, rel: f64) -> bool {
    ((actual - expected) / expected).abs() <= rel
}

#[test]
fn r5_1_months_in_service_are_whole_calendar_months() {
    let cases = [
        ("2025-01-15", "2025-01-15", Some(0)),
        ("2025-01-15", "2025-02-14", Some(0)),
        ("2025-01-15", "2025-02-15", Some(1)),
        ("2025-01-31", "2025-02-28", Some(0)),
        ("2025-01-31", "2025-03-31", Some(2)),
        ("2024-12-01", "2025-12-01", Some(12)),
        ("2025-03-01", "2025-02-28", None),
    ];
    for (from, on, want) in cases {
        assert_eq!(months_in_service(d(from), d(on)), want, "{from} → {on}");
    }
}

#[test]
fn r5_1_population_counts_a_unit_from_its_commissioning_month() {
    // Commissioned on 20 March: at risk in March (mid-month counts), not in February.
    let p = Population::from_lives(&[ServiceLife {
        commissioned_on: d("2025-03-20"),
        exit: Exit::Running,
    }]);
    let cases = [
        ("2025-02", 0),
        ("2025-03", 1),
        ("2025-04", 1),
        ("2026-12", 1),
    ];
    for (month, want) in cases {
        assert_eq!(p.in_service(m(month)), want, "{month}");
    }
}

#[test]
fn r5_1_population_a_returned_unit_leaves_and_its_replacement_enters() {
    // Unit A commissioned January, returned 10 May and replaced by unit B commissioned
    // 25 May: May has both at risk (A until its return, B from its commissioning), June B
    // only.
    let lives = [
        ServiceLife {
            commissioned_on: d("2025-01-05"),
            exit: Exit::Returned(d("2025-05-10")),
        },
        ServiceLife {
            commissioned_on: d("2025-05-25"),
            exit: Exit::Running,
        },
        ServiceLife {
            commissioned_on: d("2025-02-01"),
            exit: Exit::Running,
        },
    ];
    let p = Population::from_lives(&lives);
    let cases = [
        ("2024-12", 0),
        ("2025-01", 1),
        ("2025-02", 2),
        ("2025-04", 2),
        ("2025-05", 3),
        ("2025-06", 2),
    ];
    for (month, want) in cases {
        assert_eq!(p.in_service(m(month)), want, "{month}");
    }
    assert_eq!(p.commissioned(), 3);
    // The same population from the store's counts per month.
    let counts = Population::from_counts(
        [(m("2025-01"), 1), (m("2025-02"), 1), (m("2025-05"), 1)],
        [(m("2025-05"), 1)],
    );
    assert_eq!(counts, p);
}

#[test]
fn r5_1_monthly_rate_is_failures_per_thousand_units_in_service() {
    let p = Population::from_counts([(m("2025-01"), 400), (m("2025-02"), 600)], []);
    let failures = BTreeMap::from([(m("2025-01"), 2), (m("2025-02"), 3)]);
    let rates = monthly_rates(&p, &failures, m("2024-12"), m("2025-03"));
    let got: Vec<(u64, u64, Option<f64>)> = rates
        .iter()
        .map(|r| (r.units_in_service, r.failures, r.per_thousand))
        .collect();
    assert_eq!(
        got,
        vec![
            (0, 0, None),
            (400, 2, Some(5.0)),
            (1000, 3, Some(3.0)),
            (1000, 0, Some(0.0)),
        ]
    );
}

#[test]
fn r5_1_early_life_alarm_sounds_above_the_set_rate() {
    let setting = EarlyLifeSetting {
        months: 3,
        max_per_thousand: 20.0,
    };
    // (failures by months in service, units, alarm, rate)
    let cases: [(&[u64], u64, bool, Option<f64>); 5] = [
        (&[1, 0, 1], 100, false, Some(20.0)), // at the limit: no alarm
        (&[2, 0, 1], 100, true, Some(30.0)),
        (&[0, 0, 0, 9], 100, false, Some(0.0)), // month 3 is past the first three
        (&[5], 0, false, None),                 // no units: no rate
        (&[], 10, false, Some(0.0)),
    ];
    for (by_months, units, alarm, rate) in cases {
        let e = early_life_alarm(by_months, units, setting);
        assert_eq!((e.alarm, e.per_thousand), (alarm, rate), "{by_months:?}");
    }
}

#[test]
fn r5_1_failures_by_months_in_service_dense() {
    let sparse = BTreeMap::from([(0, 2), (3, 1)]);
    assert_eq!(by_months_dense(&sparse), vec![2, 0, 0, 1]);
    assert_eq!(by_months_dense(&BTreeMap::new()), Vec::<u64>::new());
}

fn observations(failed: &[f64], running: &[f64]) -> Vec<Observation> {
    failed
        .iter()
        .map(|t| Observation::failure(*t))
        .chain(running.iter().map(|t| Observation::censored(*t)))
        .collect()
}

/// (name, failure ages, running units' ages, expected β, expected η) in days.
type ReferenceCase = (&'static str, &'static [f64], &'static [f64], f64, f64);

/// Reference values from SciPy 1.17.1 (`scipy.stats.weibull_min.fit`), maximum likelihood
/// with the location fixed at 0 and right-censored units given as
/// `scipy.stats.CensoredData(uncensored=failed, right=running)`; the optimizer is SciPy's
/// Nelder–Mead with tight tolerances. The script that prints them, with the same data, is
/// `bench/reliability/weibull_reference.py`:
///
/// ```python
/// from scipy import optimize, stats
/// def tight_fmin(func, x0, args=(), disp=0):
///     return optimize.fmin(func, x0, args=args, disp=disp, xtol=1e-12, ftol=1e-14,
///                          maxiter=20000, maxfun=40000)
/// data = stats.CensoredData(uncensored=failed, right=running)  # or np.array(failed)
/// c, loc, scale = stats.weibull_min.fit(data, floc=0, optimizer=tight_fmin)
/// ```
///
/// scipy 1.17.1 printed:
/// uncensored: shape=1.3724098789 scale=143.5993894842
/// heavily_censored: shape=0.9473230858 scale=2441.6218182807
/// small: shape=0.8677152368 scale=326.3393676627
#[test]
fn r5_1_weibull_fit_matches_scipy_reference_values() {
    let cases: [ReferenceCase; 3] = [
        (
            "uncensored",
            &[
                16.0, 34.0, 53.0, 75.0, 93.0, 120.0, 150.0, 191.0, 240.0, 339.0,
            ],
            &[],
            1.372_409_878_9,
            143.599_389_484_2,
        ),
        (
            "heavily_censored",
            &[45.0, 130.0, 210.0, 388.0, 512.0],
            &[
                60.0, 95.0, 150.0, 180.0, 240.0, 300.0, 365.0, 400.0, 420.0, 450.0, 500.0, 540.0,
                600.0, 640.0, 700.0, 730.0, 800.0, 880.0, 950.0, 1000.0,
            ],
            0.947_323_085_8,
            2_441.621_818_280_7,
        ),
        (
            "small",
            &[20.0, 75.0, 300.0],
            &[150.0, 400.0],
            0.867_715_236_8,
            326.339_367_662_7,
        ),
    ];
    for (name, failed, running, shape, scale) in cases {
        let fit = fit_weibull(&observations(failed, running)).unwrap();
        assert!(
            close(fit.shape, shape, 1e-6),
            "{name}: shape {} vs {shape}",
            fit.shape
        );
        assert!(
            close(fit.scale_days, scale, 1e-6),
            "{name}: scale {} vs {scale}",
            fit.scale_days
        );
        assert_eq!(fit.failures, failed.len() as u64);
        assert_eq!(fit.censored, running.len() as u64);
    }
}

#[test]
fn r5_1_weibull_fit_of_grouped_observations_equals_the_ungrouped_fit() {
    // The store groups units of the same age; weights must give the same fit.
    let single = fit_weibull(&observations(
        &[30.0, 30.0, 90.0, 200.0],
        &[365.0, 365.0, 365.0, 400.0],
    ))
    .unwrap();
    let grouped = fit_weibull(&[
        Observation {
            days: 30.0,
            failed: true,
            count: 2,
        },
        Observation::failure(90.0),
        Observation::failure(200.0),
        Observation {
            days: 365.0,
            failed: false,
            count: 3,
        },
        Observation::censored(400.0),
    ])
    .unwrap();
    assert!(close(grouped.shape, single.shape, 1e-12));
    assert!(close(grouped.scale_days, single.scale_days, 1e-12));
}

#[test]
fn r5_1_weibull_fit_refuses_and_says_why() {
    let cases: [(&str, Vec<Observation>, NoFit); 5] = [
        (
            "two failures are too few",
            observations(&[10.0, 20.0], &[100.0; 50]),
            NoFit::TooFewFailures,
        ),
        ("nothing at all", vec![], NoFit::TooFewFailures),
        (
            "all failures at one age, nothing older",
            observations(&[50.0, 50.0, 50.0], &[10.0]),
            NoFit::NoSpread,
        ),
        (
            "a failure on day 0",
            observations(&[0.0, 10.0, 20.0], &[]),
            NoFit::InvalidTime,
        ),
        (
            "a time that is not a number",
            observations(&[f64::NAN, 10.0, 20.0], &[]),
            NoFit::InvalidTime,
        ),
    ];
    for (name, obs, want) in cases {
        assert_eq!(fit_weibull(&obs), Err(want), "{name}");
    }
}

#[test]
fn r5_1_weibull_fit_recovers_known_shapes_from_quantiles() {
    // Failure ages at the Weibull's own median ranks, for β = 0.5, 1 and 3 with η = 1,000
    // days, plus the same fleet scaled by 10,000 (no overflow): the fit gives back β and η
    // to a few per cent, and reads them as early life, random, wear-out.
    for (beta, reading) in [
        (0.5, Reading::EarlyLife),
        (1.0, Reading::Random),
        (3.0, Reading::WearOut),
    ] {
        for eta in [1_000.0, 1e7] {
            let n = 200;
            let failed: Vec<f64> = (1..=n)
                .map(|i| {
                    let f = (f64::from(i) - 0.3) / (f64::from(n) + 0.4);
                    eta * (-(1.0 - f).ln()).powf(1.0 / beta)
                })
                .collect();
            let fit = fit_weibull(&observations(&failed, &[])).unwrap();
            assert!(close(fit.shape, beta, 0.08), "β {beta}: {}", fit.shape);
            assert!(
                close(fit.scale_days, eta, 0.08),
                "η {eta}: {}",
                fit.scale_days
            );
            assert_eq!(fit.reading(), reading);
        }
    }
}

#[test]
fn r5_1_reading_of_the_shape() {
    let cases = [
        (0.4, Reading::EarlyLife),
        (0.89, Reading::EarlyLife),
        (0.9, Reading::Random),
        (1.0, Reading::Random),
        (1.1, Reading::Random),
        (1.11, Reading::WearOut),
        (4.0, Reading::WearOut),
    ];
    for (shape, want) in cases {
        assert_eq!(Reading::of(shape), want, "{shape}");
    }
}

#[test]
fn r5_1_analyse_a_small_fleet() {
    use crate::ids::UnitId;
    // Ten units commissioned 1 Jan 2025; one more 20 Jun 2025 (counts from June). Unit 1
    // fails twice (months 0 and 5), units 2 and 3 once (month 1, month 13); unit 4 is
    // returned on 10 Mar 2025 without failing. Today is 15 Mar 2026.
    let jan = d("2025-01-01");
    let failures = vec![
        FailureRecord {
            unit: UnitId(1),
            commissioned_on: jan,
            on: d("2025-01-20"),
        },
        FailureRecord {
            unit: UnitId(1),
            commissioned_on: jan,
            on: d("2025-06-02"),
        },
        FailureRecord {
            unit: UnitId(2),
            commissioned_on: jan,
            on: d("2025-02-01"),
        },
        FailureRecord {
            unit: UnitId(3),
            commissioned_on: jan,
            on: d("2026-02-01"),
        },
        // Reported before commissioning: a data error, not counted.
        FailureRecord {
            unit: UnitId(5),
            commissioned_on: jan,
            on: d("2024-12-30"),
        },
    ];
    let facts = FleetFacts {
        entries: vec![(m("2025-01"), 10), (m("2025-06"), 1)],
        exits: vec![(m("2025-03"), 1)],
        failures,
        running: vec![
            RunningGroup {
                commissioned_on: jan,
                left_on: None,
                count: 6,
            },
            RunningGroup {
                commissioned_on: jan,
                left_on: Some(d("2025-03-10")),
                count: 1,
            },
            RunningGroup {
                commissioned_on: d("2025-06-20"),
                left_on: None,
                count: 1,
            },
        ],
        components: vec![],
    };
    let r = analyse(&facts, d("2026-03-15"), EarlyLifeSetting::default());
    assert_eq!(r.units_commissioned, 11);
    assert_eq!(r.units_in_service, 10);
    assert_eq!(r.failures, 4);
    assert_eq!(r.failed_units, 3);
    assert_eq!(r.by_months, vec![1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]);
    // Early life: 2 failures in months 0–2 of 11 units = 181.8 per 1,000 > 20.
    assert!(r.early_life.alarm);
    assert_eq!(r.early_life.failures, 2);
    // The last twelve months, April 2025 – March 2026: 2 failures (June, February) over
    // 9 + 9 + 10 × 10 = 118 unit-months... April, May: 9 units; June onward: 10.
    assert_eq!(r.monthly.len(), 12);
    assert_eq!(r.monthly[0].month, m("2025-04"));
    assert_eq!(r.monthly[0].units_in_service, 9);
    assert_eq!(r.monthly[2].units_in_service, 10);
    let unit_months: u64 = r.monthly.iter().map(|x| x.units_in_service).sum();
    assert_eq!(unit_months, 118);
    assert!(close(r.rate_12m.unwrap(), 2000.0 / 118.0, 1e-12));
    // Three first failures: the fit is made, with eight units censored.
    let fit = r.weibull.unwrap();
    assert_eq!((fit.failures, fit.censored), (3, 8));
}

#[test]
fn r5_1_early_life_setting_as_typed() {
    let ok = EarlyLifeSetting::parse("6", "12.5").unwrap();
    assert_eq!((ok.months, ok.max_per_thousand), (6, 12.5));
    assert_eq!(
        EarlyLifeSetting::parse(" ", "").unwrap(),
        EarlyLifeSetting::default()
    );
    for (months, limit, field) in [
        ("0", "", "early_months"),
        ("25", "", "early_months"),
        ("x", "", "early_months"),
        ("", "-1", "early_limit"),
        ("", "NaN", "early_limit"),
        ("", "1001", "early_limit"),
    ] {
        match EarlyLifeSetting::parse(months, limit) {
            Err(crate::Error::Validation(f)) => assert!(f.get(field).is_some(), "{months} {limit}"),
            other => panic!("{months} {limit}: {other:?}"),
        }
    }
}

#[test]
fn r5_1_failures_by_component() {
    let jan = d("2025-01-10");
    let part = |code: &str, on: &str| ComponentFailure {
        part_code: code.into(),
        part_name: format!("{code} name"),
        commissioned_on: jan,
        on: d(on),
    };
    let failures = [
        part("VCB", "2025-01-20"),
        part("CT", "2025-03-15"),
        part("VCB", "2025-03-15"),
        part("VCB", "2024-12-01"), // before commissioning: left out
        part("CT", "2027-01-01"),  // after today: left out
    ];
    let got = by_component(&failures, 500, d("2026-01-15"));
    let summary: Vec<(&str, u64, Option<f64>, Vec<u64>)> = got
        .iter()
        .map(|c| {
            (
                c.part_code.as_str(),
                c.failures,
                c.per_thousand,
                c.by_months.clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("VCB", 2, Some(4.0), vec![1, 0, 1]),
            ("CT", 1, Some(2.0), vec![0, 0, 1]),
        ]
    );
}
