//! API answers shaped by `response.keep`, `drop`, `drop_nulls` and `max_items`: the text
//! written as the answer is read must be the one a tree of it gives.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some((choice, body)) = data.split_first() {
        mcp_engine::fuzzing::shape_answer(body, *choice);
    }
});
