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

#[test]
fn every_lesson_asks_before_it_shows() {
    let mut all = Vec::new();
    for lesson in sockplay::script::lessons::all() {
        let lines = parse_script(&lesson.text).unwrap();
        all.extend(faults(&lesson.name, &lines));
    }
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
