//! `layerops-mcp token mint`: a token for `serve --http --auth-tokens FILE`. A command for
//! people, not the server: its output is the token and the line for the tokens file.

use std::process::ExitCode;

pub fn mint() -> anyhow::Result<ExitCode> {
    let minted = mcp_engine::mint_token("lmcp_");
    println!(
        "token (give it to the client as `Authorization: Bearer <token>`; it is not stored):\n{}\nline for the tokens file of `serve --http ADDR --auth-tokens FILE`:\n{}",
        minted.token, minted.hash_line
    );
    Ok(ExitCode::SUCCESS)
}
