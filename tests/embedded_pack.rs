//! `check` with no `--pack` loads the embedded national pack without the checks that only
//! find mistakes in a pack's text (`load_embedded_pack_unlinted`, docs/PERFORMANCE.md point
//! 36). That is right only while the embedded pack has no such mistake and the load gives the
//! same pack either way: both are checked here, on every build.

use guifan::pack::{embedded_national_pack, load_embedded_pack_unlinted, load_pack, Pack};

/// Everything a check reads from a pack, written out.
fn described(pack: &Pack) -> Vec<String> {
    let files: Vec<(&str, &str)> = pack
        .files
        .iter()
        .map(|file| (file.name.as_str(), file.text.as_str()))
        .collect();
    vec![
        format!("{:?}", pack.manifest),
        format!("{:?}", pack.clauses),
        format!("{:?}", pack.aliases),
        format!("{}", pack.schema),
        format!("{:?}", pack.schema_properties),
        format!("{:?}", pack.field_titles),
        format!("{:?}", pack.variables),
        format!("{:?}", pack.rules),
        format!("{:?}", pack.references),
        format!("{files:?}"),
        format!("{:?}", pack.paths_on_disk),
        format!("{:?}", pack.layers),
        format!("{:?}", pack.disabled),
    ]
}

#[test]
fn the_embedded_pack_has_no_mistake_the_skipped_checks_would_find() {
    // every check of the loader: any problem is an error
    let linted = load_pack(&embedded_national_pack());
    assert!(linted.is_ok(), "{:?}", linted.err());
}

#[test]
fn the_embedded_pack_loads_the_same_without_the_checks_of_its_text() {
    let linted = load_pack(&embedded_national_pack()).expect("the embedded pack loads");
    let unlinted = load_embedded_pack_unlinted().expect("the embedded pack loads");
    let (linted, unlinted) = (described(&linted), described(&unlinted));
    assert_eq!(linted.len(), unlinted.len());
    for (linted, unlinted) in linted.iter().zip(&unlinted) {
        assert_eq!(linted, unlinted);
    }
    // not a comparison of two empty packs
    assert!(
        linted[7].len() > 100_000,
        "{} bytes of rules",
        linted[7].len()
    );
}
