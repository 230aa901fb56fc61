use std::io::BufRead;
fn main() {
    let e = wederhoor_triage::Engine::default_engine();
    for line in std::io::stdin().lock().lines().map_while(Result::ok) {
        println!("{}", e.triage_json_line(&line));
    }
}
