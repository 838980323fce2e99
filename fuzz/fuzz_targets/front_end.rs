//! Any bytes through the whole front end (parse + check + fmt) must give
//! diagnostics, never a panic.
#![no_main]

use clausec::source::SourceMap;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut map = SourceMap::new();
    map.add_str("fuzz.clause", text);
    let checked = clausec::frontend::front_end(&map, Vec::new());
    let _ = clausec::render::to_string(&map, &checked.diagnostics);
    if let Ok(file) = clausec::syntax::parse(clausec::ast::FileId(0), text) {
        let once = clausec::fmt::format_file(&file, text);
        let again = clausec::syntax::parse(clausec::ast::FileId(0), &once);
        assert!(again.is_ok(), "formatted output does not parse:\n{once}");
    }
});
