//! Predictions come before their answers: in every lesson, a `pause`
//! comes right after a note that asks a question, and before the command
//! whose result answers it; every lesson asks at least one.

use sockplay::script::{Line, Statement, parse_script};

/// What is wrong with the predictions of a lesson, one line each.
fn faults(name: &str, lines: &[Line]) -> Vec<String> {
    let mut out = Vec::new();
    let mut asked = 0;
    for (i, l) in lines.iter().enumerate() {
        // A question is answered only after a pause: a call right after
        // it would show the answer while the class still reads it. (At a
        // step's end the lesson stops anyway.)
        if let Statement::Note(n) = &l.statement
            && (n.contains("? ") || n.trim_end().ends_with('?'))
        {
            let next = lines[i + 1..]
                .iter()
                .find(|l| !matches!(l.statement, Statement::Note(_)));
            if next.is_some_and(|l| !matches!(l.statement, Statement::Pause | Statement::Step(_))) {
                out.push(format!(
                    "{name} line {}: a question with no pause after it, so its answer shows at once: \"{n}\"",
                    l.number
                ));
            }
        }
        if !matches!(l.statement, Statement::Pause) {
            continue;
        }
        let at = format!("{name} line {}", l.number);
        // Right after a note that asks.
        match i.checked_sub(1).map(|j| &lines[j].statement) {
            Some(Statement::Note(n)) if n.trim_end().ends_with('?') => {}
            Some(Statement::Note(n)) => {
                out.push(format!(
                    "{at}: the pause follows a note that asks nothing: \"{n}\""
                ));
                continue;
            }
            _ => {
                out.push(format!(
                    "{at}: the pause does not come right after the question (line {}: {})",
                    lines[i - 1].number,
                    lines[i - 1].text
                ));
                continue;
            }
        }
        // Before the command that answers it: a call (or a change to the
        // lab's link, a cable pulled) comes before any further narration.
        let answer = lines[i + 1..]
            .iter()
            .take_while(|l| !matches!(l.statement, Statement::Note(_) | Statement::Step(_)))
            .any(|l| {
                matches!(
                    l.statement,
                    Statement::Lab(_) | Statement::Show(..) | Statement::Link(_)
                )
                    // A setting changed is the cause the answer shows.
                    || matches!(l.statement, Statement::Sysctl { value: Some(_), .. })
            });
        if answer {
            asked += 1;
        } else {
            out.push(format!(
                "{at}: no command comes after the pause before the next note: the answer is told, not shown"
            ));
        }
    }
    if asked == 0 {
        out.push(format!(
            "{name}: no prediction (a question, a pause, then the command that answers it)"
        ));
    }
    out
}

/// What `check` finds in each shipped lesson, all together.
fn in_every_lesson(check: fn(&str, &[Line]) -> Vec<String>) -> Vec<String> {
    sockplay::script::lessons::all()
        .iter()
        .flat_map(|lesson| check(&lesson.name, &parse_script(&lesson.text).unwrap()))
        .collect()
}

#[test]
fn every_lesson_asks_before_it_shows() {
    let all = in_every_lesson(faults);
    assert!(all.is_empty(), "\n{}", all.join("\n"));
}

#[test]
fn a_pause_after_the_answer_or_without_a_question_is_found() {
    let good = "step \"One\"\nlisten\nconnect L1\naccept L1\nsend C1 \"Hi there\"\nnote \"What will recv(16) return?\"\npause\nrecv A1 16\nnote \"8.\"\n";
    assert!(faults("good", &parse_script(good).unwrap()).is_empty());
    // The answer told before the pause.
    let told = good.replace("What will recv(16) return?", "recv(16) will return 8.");
    assert_eq!(faults("told", &parse_script(&told).unwrap()).len(), 2);
    // The command run before the pause: the pause follows it, not the question.
    let late = good.replace("pause\nrecv A1 16\n", "recv A1 16\npause\n");
    assert!(!faults("late", &parse_script(&late).unwrap()).is_empty());
    // A question whose command follows at once, with no pause.
    let unpaused = good.replace("pause\n", "");
    assert!(
        faults("unpaused", &parse_script(&unpaused).unwrap())
            .iter()
            .any(|f| f.contains("no pause after it")),
    );
    // A question inside a note, answered at once.
    let inside = good.replace(
        "note \"What will recv(16) return?\"\npause\n",
        "note \"What will recv(16) return? A1 reads.\"\n",
    );
    assert!(
        faults("inside", &parse_script(&inside).unwrap())
            .iter()
            .any(|f| f.contains("no pause after it")),
    );
    // No question at all.
    let none = "step \"One\"\nlisten\nnote \"A listener.\"\n";
    assert_eq!(faults("none", &parse_script(none).unwrap()).len(), 1);
}

/// The two-word phrases of a text, without small words, socket names,
/// numbers and quoted figures: what it says, not how.
fn phrases(text: &str) -> std::collections::HashSet<(String, String)> {
    const SMALL: &[&str] = &[
        "a", "an", "the", "of", "to", "and", "or", "in", "on", "at", "is", "it", "its", "as", "by",
        "for", "be",
    ];
    let mut plain = String::new();
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '{' => quoted = true,
            '}' => quoted = false,
            c if !quoted => plain.push(c),
            _ => {}
        }
    }
    let words: Vec<String> = plain
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '\''))
        .filter(|w| !w.is_empty())
        .filter(|w| !w.chars().all(|c| c.is_ascii_digit()))
        .filter(|w| {
            let mut c = w.chars();
            !(c.next().is_some_and(|c| c.is_ascii_uppercase()) && c.all(|c| c.is_ascii_digit()))
        })
        .map(str::to_lowercase)
        .filter(|w| !SMALL.contains(&w.as_str()))
        .collect();
    words
        .windows(2)
        .map(|w| (w[0].clone(), w[1].clone()))
        .collect()
}

/// Predictions whose setup already tells the answer: a yes-or-no
/// question whose answer repeats a phrase of what the note told before
/// asking (\"... drops old entries after two resends. Will it keep them?\"
/// answered \"No: it shed its old entries\").
fn told_answers(name: &str, lines: &[Line]) -> Vec<String> {
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        if !matches!(l.statement, Statement::Pause) || i == 0 {
            continue;
        }
        let Statement::Note(setup) = &lines[i - 1].statement else {
            continue;
        };
        let (told, _) = sockplay::script::handout::split_question(setup);
        let answer = lines[i + 1..]
            .iter()
            .take_while(|l| !matches!(l.statement, Statement::Step(_)))
            .find_map(|l| match &l.statement {
                Statement::Note(n) => Some(n),
                _ => None,
            });
        let Some(answer) = answer else { continue };
        let yes_or_no = ["Yes", "No"].iter().any(|w| {
            answer.strip_prefix(w).is_some_and(|rest| {
                !rest.starts_with(char::is_alphanumeric) && !rest.starts_with('-')
            })
        });
        if !yes_or_no {
            continue;
        }
        let first = answer.split(". ").next().unwrap_or(answer);
        let shared: Vec<_> = phrases(&told)
            .intersection(&phrases(first))
            .cloned()
            .collect();
        if !shared.is_empty() {
            out.push(format!(
                "{name} line {}: the setup tells what the answer then says ({shared:?}): \"{setup}\" / \"{first}\"",
                lines[i - 1].number
            ));
        }
    }
    out
}

#[test]
fn no_prediction_tells_its_answer_before_it_asks() {
    let all = in_every_lesson(told_answers);
    assert!(all.is_empty(), "\n{}", all.join("\n"));
    let told = "step \"One\"\nlisten backlog=1\nnote \"A full queue drops new SYNs. L1 is full: will C2 get in?\"\npause\nconnect L1\nnote \"No: L1 drops new SYNs.\"\n";
    assert_eq!(told_answers("told", &parse_script(told).unwrap()).len(), 1);
    let asked = told.replace("A full queue drops new SYNs. ", "");
    assert!(told_answers("asked", &parse_script(&asked).unwrap()).is_empty());
}

/// A word's stem, as far as a title and an answer share it: `dropped`,
/// `drops` and `drop` are one word here.
fn stem(word: &str) -> String {
    let w = word.to_lowercase();
    let w = w.trim_end_matches("'s");
    let mut s = w.to_string();
    for suffix in ["ing", "ed", "es", "s"] {
        if s.len() > suffix.len() + 2 && s.ends_with(suffix) {
            s.truncate(s.len() - suffix.len());
            break;
        }
    }
    // `dropp` (from `dropped`) is `drop`.
    let b = s.as_bytes();
    if b.len() > 2 && b[b.len() - 1] == b[b.len() - 2] && !b[b.len() - 1].is_ascii_digit() {
        s.pop();
    }
    s
}

/// The stems of a text's words, without small words, socket names and
/// numbers, and without what quotes a field (`{L1.syn_recv}`).
fn stems(text: &str) -> std::collections::HashSet<String> {
    const SMALL: &[&str] = &[
        "a", "an", "the", "of", "to", "and", "or", "in", "on", "at", "is", "it", "its", "as", "by",
        "for", "be", "with", "from", "one", "two", "what", "how", "will", "this", "that", "then",
    ];
    let mut plain = String::new();
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '{' => quoted = true,
            '}' => quoted = false,
            c if !quoted => plain.push(c),
            _ => {}
        }
    }
    plain
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '\''))
        .filter(|w| !w.is_empty())
        .filter(|w| !w.chars().all(|c| c.is_ascii_digit()))
        .filter(|w| {
            let mut c = w.chars();
            !(c.next().is_some_and(|c| c.is_ascii_uppercase()) && c.all(|c| c.is_ascii_digit()))
        })
        .filter(|w| !SMALL.contains(&w.to_lowercase().as_str()))
        .map(stem)
        .collect()
}

/// The lead of an answer: what it says first, up to its first colon,
/// semicolon, comma or full stop; after a bare yes or no, what follows
/// it, and when that is a figure or two ("No: 9."), the next sentence's
/// lead too.
fn lead(answer: &str) -> String {
    fn clause(text: &str) -> &str {
        let end = text
            .char_indices()
            .find(|&(i, c)| {
                matches!(c, ':' | ';' | ',') || c == '.' && text[i + 1..].starts_with(' ')
            })
            .map_or(text.len(), |(i, _)| i);
        &text[..end]
    }
    let text = answer.trim();
    let rest = ["Yes", "No"]
        .iter()
        .find_map(|w| {
            text.strip_prefix(w)
                .filter(|r| !r.starts_with(char::is_alphanumeric))
        })
        .map(|r| r.trim_start_matches([':', ',', '.', ' ']));
    let Some(rest) = rest else {
        return clause(text).to_string();
    };
    let first = clause(rest);
    if stems(first).len() >= 3 {
        return first.to_string();
    }
    let next = rest.split_once(". ").map_or("", |(_, n)| clause(n));
    format!("{first} {next}")
}

/// Step titles that answer their step's question: the title sits above
/// the question while the class predicts, so a word that leads the answer
/// and that neither the question nor the step's notes before it say must
/// not be in it ('Cookies off: drops' above "What becomes of the SYNs
/// past its SYN queue?", answered "They were dropped").
fn titles_that_answer(name: &str, lines: &[Line]) -> Vec<String> {
    let mut out = Vec::new();
    let mut title = String::new();
    let mut told = std::collections::HashSet::new();
    for (i, l) in lines.iter().enumerate() {
        match &l.statement {
            Statement::Step(t) => {
                title = t.clone();
                told.clear();
            }
            Statement::Note(n) => told.extend(stems(n)),
            _ => {}
        }
        if !matches!(l.statement, Statement::Pause) || i == 0 {
            continue;
        }
        if !matches!(lines[i - 1].statement, Statement::Note(_)) {
            continue;
        }
        let answer = lines[i + 1..]
            .iter()
            .take_while(|l| !matches!(l.statement, Statement::Step(_)))
            .find_map(|l| match &l.statement {
                Statement::Note(n) => Some(n),
                _ => None,
            });
        let Some(answer) = answer else { continue };
        let said = lead(answer);
        let mut given: Vec<String> = stems(&title)
            .intersection(&stems(&said))
            .filter(|s| !told.contains(*s))
            .cloned()
            .collect();
        given.sort();
        if !given.is_empty() {
            out.push(format!(
                "{name} line {}: the step's title \"{title}\" says what the answer then says ({given:?}): \"{said}\"",
                lines[i - 1].number
            ));
        }
    }
    out
}

#[test]
fn no_step_title_answers_its_question() {
    let all = in_every_lesson(titles_that_answer);
    assert!(all.is_empty(), "\n{}", all.join("\n"));
    let told = "step \"Cookies off: drops\"\nnote \"Cookies go off. What becomes of the SYNs past the queue?\"\npause\nlisten backlog=1\nnote \"They were dropped: no answer at all.\"\n";
    assert_eq!(
        titles_that_answer("told", &parse_script(told).unwrap()).len(),
        1
    );
    let named = told.replace("Cookies off: drops", "Cookies off");
    assert!(titles_that_answer("named", &parse_script(&named).unwrap()).is_empty());
    let yes = "step \"Told once\"\nnote \"U2 sends again. Will it fail?\"\npause\nlisten\nnote \"No: 9. An error is told once.\"\n";
    assert_eq!(
        titles_that_answer("yes", &parse_script(yes).unwrap()).len(),
        1
    );
}
