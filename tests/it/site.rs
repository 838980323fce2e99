//! `clausec report` in memory: the site of all five shipped agreements is
//! built, every product has its page, the timelines carry the dates the
//! clause files' own comments derive by hand, the 2018 → 2024 diff lists a
//! general-terms change once, and the build is deterministic. The browser
//! checks (rendering, positions, links) are in tests/browser, run by .ci/run.

use clausec::eval::Program;
use clausec::site::{build, Page};
use std::path::PathBuf;

use crate::AGREEMENTS;

fn site() -> (Program, Vec<Page>) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let paths: Vec<PathBuf> = AGREEMENTS.iter().map(|d| root.join(d)).collect();
    let (map, diags) = clausec::load::load_all(&paths).expect("clause files exist");
    let program = Program::from_checked(clausec::frontend::front_end(&map, diags)).expect("checks");
    let pages = build(&map, &program).expect("the site builds");
    (program, pages)
}

fn page<'p>(pages: &'p [Page], path: &str) -> &'p str {
    let p = pages
        .iter()
        .find(|p| p.path == path)
        .unwrap_or_else(|| panic!("no page {path}"));
    std::str::from_utf8(&p.bytes).expect("utf-8")
}

#[test]
fn every_product_of_every_agreement_has_a_page() {
    let (program, pages) = site();
    let index = page(&pages, "index.html");
    let mut products = 0;
    for a in &program.agreements {
        let agreement = page(&pages, &format!("{}/index.html", a.id));
        for p in &a.products {
            let path = format!("{}/{}.html", a.id, p.id);
            let html = page(&pages, &path);
            assert_eq!(
                html.contains("<svg class=\"timeline\""),
                !p.billing.is_empty(),
                "{path}: a timeline for every billing mode"
            );
            assert!(
                html.contains(&format!("<h1><span lang=\"zh-CN\">{}</span>", p.name)),
                "{path}"
            );
            assert!(
                index.contains(&format!("href=\"{path}\"")),
                "index links {path}"
            );
            assert!(
                agreement.contains(&format!("href=\"../{path}\"")),
                "{} lists {path}",
                a.id
            );
            products += 1;
        }
    }
    assert!(products > 100, "{products}");
    assert!(index.contains("href=\"diff/aliyun_2018--aliyun_2024.html\""));
    // no script anywhere, no external resource
    for p in &pages {
        let text = String::from_utf8_lossy(&p.bytes);
        assert!(!text.contains("<script"), "{}", p.path);
        assert!(!text.contains(" src="), "{}", p.path);
        assert!(!text.contains("href=\"http"), "{}", p.path);
        assert!(!text.contains("url(http"), "{}", p.path);
    }
}

/// The data-at of each mark of the first timeline titled `title`.
fn marks_of<'h>(html: &'h str, title: &str) -> Vec<(&'h str, &'h str)> {
    let at = html
        .find(&format!("-t\">{title}</title>"))
        .unwrap_or_else(|| panic!("no timeline `{title}`"));
    let svg = &html[at..html[at..].find("</svg>").map_or(html.len(), |e| at + e)];
    svg.split("<g class=\"mark harm-")
        .skip(1)
        .map(|g| {
            let class = g.split('"').next().unwrap_or("");
            let date = g
                .split("data-at=\"")
                .nth(1)
                .and_then(|r| r.split('"').next())
                .unwrap_or("");
            (class, date)
        })
        .collect()
}

#[test]
fn timelines_carry_the_dates_the_clause_comments_derive() {
    let (_, pages) = site();
    // opensearch.clause: arrears 06-01 10:00 → purge 7 calendar days after
    // the arrears; the canonical trigger is Tuesday 06-11 10:00, so 06-19
    // 00:00 (06-18 is a working day: no rest-day extension).
    let os = page(&pages, "aliyun_2024/opensearch.html");
    let nobody = marks_of(os, "nobody pays");
    assert!(
        nobody.contains(&("harmful", "2024-06-12T10:00:00+08:00")),
        "{nobody:?}"
    );
    assert!(
        nobody.contains(&("irreversible", "2024-06-19T00:00:00+08:00")),
        "{nobody:?}"
    );
    // paying during the grace cancels both; what is left is neutral (the
    // notices, and the general §5.1 right to prompt at the arrears instant)
    let grace = marks_of(os, "pays during the grace");
    assert!(
        !grace.is_empty() && grace.iter().all(|(c, _)| c.starts_with("neutral")),
        "{grace:?}"
    );
    // maxcompute.clause's first scenario: suspension 06-01 10:00, 15
    // calendar days end 24:00 of Sunday 06-16, moved to 24:00 of Monday
    // 06-17 (Civil Code Art. 203 ¶1): purge 06-18 00:00
    let mc = page(&pages, "aliyun_2024/maxcompute.html");
    let scenario = marks_of(mc, "MaxCompute without deferral: nobody pays");
    assert!(
        scenario.contains(&("irreversible", "2024-06-18T00:00:00+08:00")),
        "{scenario:?}"
    );
    // its deletion has two readings from two anchors (reading B counts
    // from the arrears, review row 4.1): the tooltip names both
    assert!(
        mc.contains("two readings of terminate and stop service and purge data: 2024-06-18 00:00 or 2024-06-16 10:00"),
        "tooltip of two readings"
    );
    // media_processing.clause's first scenario: the same extended period,
    // counted from the arrears, with its date arithmetic
    let mp = page(&pages, "aliyun_2024/media_processing.html");
    assert!(
        mp.contains("06-02 … 06-16 counted; the last day is a rest day, so the period runs to the next working day (Civil Code Art. 203 ¶1) and ends 24:00 of 06-17 = 2024-06-18 00:00"),
        "tooltip of an extended period"
    );
    assert!(mc.contains("<article class=\"scenario pass\">"));
    assert!(!mc.contains("<article class=\"scenario fail\">"));
    // the tooltip shows the date arithmetic of the calendar days
    assert!(
        os.contains("arrears 2024-06-11 10:00 + 7 calendar days: 06-11 not counted, 06-12 … 06-18 counted, ends 24:00 of 06-18 = 2024-06-19 00:00"),
        "tooltip arithmetic"
    );
}

#[test]
fn cited_articles_link_to_citing_lines() {
    let (_, pages) = site();
    let os = page(&pages, "aliyun_2024/opensearch.html");
    let cited = os.matches("class=\"article cited").count();
    assert!(cited >= 4, "{cited}");
    for chunk in os.split("class=\"article cited").skip(1) {
        let links = chunk.split("</section>").next().unwrap_or("");
        let hrefs: Vec<&str> = links
            .split("href=\"#L")
            .skip(1)
            .filter_map(|h| h.split('"').next())
            .collect();
        assert!(!hrefs.is_empty(), "a cited article names its lines");
        for n in hrefs {
            assert!(
                os.contains(&format!("class=\"line step\" id=\"L{n}\""))
                    || os.contains(&format!("class=\"line money\" id=\"L{n}\"")),
                "line {n} is a citing clause line"
            );
        }
    }
}

#[test]
fn the_diff_page_lists_a_general_change_once() {
    let (_, pages) = site();
    let diff = page(&pages, "diff/aliyun_2018--aliyun_2024.html");
    let shared = diff
        .split("<section id=\"shared\">")
        .nth(1)
        .and_then(|s| s.split("</section>").next())
        .expect("a shared section");
    let groups: Vec<&str> = shared.split("<div class=\"change\">").skip(1).collect();
    assert!(!groups.is_empty());
    for g in &groups {
        let text = g
            .split("<p>")
            .nth(1)
            .and_then(|t| t.split("</p>").next())
            .unwrap_or("");
        assert!(!text.is_empty());
        assert_eq!(shared.matches(text).count(), 1, "listed once: {text}");
        assert!(g.contains("affects "), "{g}");
    }
    // a changed product shows both versions' timelines
    assert!(diff.contains("version-tag old") && diff.contains("version-tag new"));
    assert!(diff.matches("<svg class=\"timeline\"").count() >= 2);
}

#[test]
fn the_site_is_the_same_bytes_twice() {
    let (_, a) = site();
    let (_, b) = site();
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.path, y.path);
        assert!(x.bytes == y.bytes, "{} differs between builds", x.path);
    }
}

#[test]
fn the_cli_writes_the_site_and_explains_in_html() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let out = tempfile::tempdir().expect("temp dir");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_clausec"))
        .arg("report")
        .arg(root.join("clauses/tracing-2019"))
        .arg("-o")
        .arg(out.path())
        .output()
        .expect("runs");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    for file in [
        "index.html",
        "style.css",
        "tracing_2019/index.html",
        "tracing_2019/tracing_analysis.html",
    ] {
        assert!(out.path().join(file).is_file(), "{file}");
    }
    let events = out.path().join("events.ndjson");
    std::fs::write(
        &events,
        "{\"at\": \"2019-06-01T10:00:00+08:00\", \"event\": \"arrears\", \"amount\": \"100.00\"}\n",
    )
    .expect("writes");
    let html = std::process::Command::new(env!("CARGO_BIN_EXE_clausec"))
        .arg("explain")
        .arg(root.join("clauses/tracing-2019"))
        .args(["--product", "tracing_analysis", "--billing", "postpaid"])
        .arg("--events")
        .arg(&events)
        .args(["--at", "2019-06-20T00:00:00+08:00", "--format", "html"])
        .output()
        .expect("runs");
    assert!(html.status.success());
    let html = String::from_utf8_lossy(&html.stdout);
    assert!(html.starts_with("<!doctype html>"), "{html}");
    assert!(html.contains("<style>") && html.contains("<svg class=\"timeline\""));
    assert!(
        html.contains("<g class=\"event\" data-at=\"2019-06-01T10:00:00+08:00\">"),
        "the arrears event is drawn"
    );
}
