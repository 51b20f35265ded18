//! What `hvsim list` prints: the bundled scenarios, each with its description and the
//! versions its `expect` block names, then the Harvester versions hvsim knows.

/// One bundled scenario as `list` shows it.
pub struct Listed<'a> {
    pub name: &'a str,
    pub description: &'a str,
    /// The versions its `expect` block names, in order, each once.
    pub expects: Vec<String>,
}

pub fn render(scenarios: &[Listed], versions: &[&str]) -> String {
    let width = scenarios.iter().map(|s| s.name.len()).max().unwrap_or(0);
    let mut s = String::from("bundled scenarios (hvsim run NAME, hvsim verify):\n");
    for l in scenarios {
        let expects = if l.expects.is_empty() {
            "no expect block".to_string()
        } else {
            format!("expect {}", l.expects.join(", "))
        };
        s.push_str(&format!("  {:width$}  {expects}\n", l.name));
        if !l.description.is_empty() {
            s.push_str(&format!("  {:width$}  {}\n", "", l.description));
        }
    }
    s.push_str(&format!("Harvester versions: {}\n", versions.join(", ")));
    s
}
