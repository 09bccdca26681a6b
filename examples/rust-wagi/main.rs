// A WAGI handler in Rust with only the standard library: the request is
// in CGI environment variables and stdin, the response goes to stdout.
//
//   rustc --edition 2021 --target wasm32-wasi -C opt-level=3 -o app.wasm main.rs
//   verge dev app.wasm
use std::env;
use std::io::{self, Read, Write};

fn main() {
    let mut body = Vec::new();
    io::stdin().read_to_end(&mut body).ok();
    let var = |name: &str| env::var(name).unwrap_or_default();
    let out = io::stdout();
    let mut out = out.lock();
    let _ = write!(
        out,
        "Content-Type: text/plain\nX-Handler: rust\n\n{} {} from {} greeting={} body={}\n",
        var("REQUEST_METHOD"),
        var("PATH_INFO"),
        var("X_VERGE_COUNTRY"),
        var("GREETING"),
        body.len()
    );
}
