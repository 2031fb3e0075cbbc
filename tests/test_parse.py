"""Unit tests of the parse stage (agentsh.parse.parse) and of the expand stage as seen through
analyze(...).commands: argv with quoting resolved, dynamic and glob words, assignments, redirects,
construct paths, parse-error recovery and the variable / cwd dataflow.

Nothing is executed: every input is a Python string that is only parsed and analyzed.
"""
import pytest

from agentsh.model import (
    AndOr, Assign, Block, Case, CmdNode, FuncDef, IfNode, Loop, Pipeline, Seq,
)
from agentsh.parse import decode_ansi_c, parse

HOME = "/home/user"
CWD = "/home/user/project"


def argv(cmd):
    return [cmd.argv0.text] + [a.text for a in cmd.args]


def only(decision, name):
    """The single resolved command called `name`."""
    found = [c for c in decision.commands if c.name == name]
    assert len(found) == 1, "expected one %r in %s" % (name, [argv(c) for c in decision.commands])
    return found[0]


def inv_words(inv):
    return [w.source for w in inv.words]


# ---- parse(): the syntax tree --------------------------------------------------------------------------------------
def test_parse_simple_command_words_keep_source():
    r = parse("echo \"a b\" 'c d' e\\ f")
    assert r.errors == [] and r.too_complex == []
    (inv,) = r.invocations
    assert inv_words(inv) == ["echo", '"a b"', "'c d'", "e\\ f"]
    assert [p.value for w in inv.words for p in w.parts] == ["echo", "a b", "c d", "e f"]
    assert [p.quoted for w in inv.words for p in w.parts] == [False, True, True, False]


def test_parse_lists_pipelines_and_background():
    r = parse("a | b && c || d; e & f")
    items = r.root.items
    assert len(items) == 3
    top = items[0]
    assert isinstance(top, AndOr) and top.op == "||"
    assert isinstance(top.left, AndOr) and top.left.op == "&&"
    assert isinstance(top.left.left, Pipeline) and len(top.left.left.stages) == 2
    assert isinstance(items[1], Block) and items[1].kind == "background"
    assert isinstance(items[2], CmdNode) and inv_words(items[2].inv) == ["f"]
    assert sorted(inv_words(i)[0] for i in r.invocations) == ["a", "b", "c", "d", "e", "f"]


def test_parse_subshell_and_group():
    r = parse("(a); { b; }")
    kinds = [n.kind for n in r.root.items]
    assert kinds == ["subshell", "group"]


def test_parse_function_definition():
    (node,) = parse("f() { g; }").root.items
    assert isinstance(node, FuncDef) and node.name == "f"
    assert isinstance(node.body, Block) and node.body.kind == "group"


def test_parse_if_elif_else():
    (node,) = parse("if a; then b; elif c; then d; else e; fi").root.items
    assert isinstance(node, IfNode)
    assert node.has_else
    assert len(node.branches) == 3
    cond, body = node.branches[0]
    assert inv_words(cond.items[0].inv) == ["a"] and inv_words(body.items[0].inv) == ["b"]
    assert node.branches[2][0] is None


def test_parse_case_and_loops():
    (case,) = parse("case x in a) b;; *) c;; esac").root.items
    assert isinstance(case, Case) and case.subject.source == "x" and len(case.items) == 2
    (loop,) = parse("for i in 1 2; do a; done").root.items
    assert isinstance(loop, Loop) and loop.kind == "for" and loop.var == "i"
    assert [w.source for w in loop.words] == ["1", "2"]
    (wl,) = parse("while a; do b; done").root.items
    assert wl.kind == "while" and inv_words(wl.cond.items[0].inv) == ["a"]
    (ul,) = parse("until a; do b; done").root.items
    assert ul.kind == "until"


def test_parse_substitution_parts_carry_their_body():
    (inv,) = [i for i in parse("echo $(a) <(b) `c`").invocations if inv_words(i)[0] == "echo"]
    kinds = [w.parts[0].kind for w in inv.words[1:]]
    assert kinds == ["sub", "procsub", "sub"]
    for w, name in zip(inv.words[1:], "abc"):
        body = w.parts[0].body
        assert isinstance(body, Seq) and inv_words(body.items[0].inv) == [name]


def test_parse_assignments_and_declarations():
    (node,) = parse("x=1").root.items
    assert isinstance(node, Assign) and node.kind == "plain" and node.pairs[0][0] == "x"
    (node,) = parse("export A=1 B").root.items
    assert node.kind == "export" and [p[0] for p in node.pairs] == ["A"] and node.names == ["B"]
    (node,) = parse("unset x").root.items
    assert node.kind == "unset" and node.names == ["x"]
    (node,) = parse("x+=b").root.items
    assert node.pairs[0][2] is True


def test_parse_leading_assignments_of_a_command():
    (inv,) = parse('FOO=1 BAR="x y" cmd arg').invocations
    assert [(n, w.source, app) for n, w, app in inv.assignments] == [("FOO", "1", False), ("BAR", '"x y"', False)]
    assert inv_words(inv) == ["cmd", "arg"]


def test_parse_file_redirects():
    (inv,) = parse("echo hi > out.txt 2>> err.log").invocations
    assert [(r.op, r.fd, r.target.source) for r in inv.redirects] == [(">", None, "out.txt"), (">>", "2", "err.log")]


def test_parse_heredoc_quoted_and_unquoted():
    (inv,) = parse("cat <<'EOF'\nhello $USER\nEOF").invocations
    (r,) = inv.redirects
    assert r.op == "<<" and r.heredoc_quoted and r.body == "hello $USER\n" and r.body_word is None
    (inv,) = parse("cat <<EOF\nhello $USER\nEOF").invocations
    (r,) = inv.redirects
    assert not r.heredoc_quoted and r.body == "hello $USER\n"
    assert any(p.kind == "var" and p.value == "USER" for p in r.body_word.parts)


def test_parse_here_string():
    (inv,) = parse('cat <<< "hi there"').invocations
    (r,) = inv.redirects
    assert r.op == "<<<" and r.target.parts[0].value == "hi there"


def test_parse_heredoc_piped_into_a_shell_keeps_the_pipeline():
    (node,) = parse("cat <<EOF | bash\nls\nEOF").root.items
    assert isinstance(node, Pipeline) and len(node.stages) == 2
    assert inv_words(node.stages[1].inv) == ["bash"]


def test_parse_ansi_c_string_is_decoded():
    (inv,) = parse("$'\\x72m' -rf x").invocations
    assert inv.words[0].parts[0].value == "rm"
    assert decode_ansi_c("a\\tb\\n\\x41\\101\\u00e9") == "a\tb\nAA\u00e9"


def test_parse_marks_unquoted_globs_only():
    (inv,) = parse("echo *.py '*.py' ?x [ab]c").invocations
    globs = [any(p.glob for p in w.parts) for w in inv.words[1:]]
    assert globs == [True, False, True, True]


@pytest.mark.parametrize("text,recovered", [
    ("echo 'unterminated", ["echo"]),
    ("ls (( x", ["ls"]),
    ("echo hi; rm -rf ~ (((", ["echo", "rm"]),
    ("rm -rf ~ )", ["rm"]),
])
def test_parse_errors_are_reported_and_commands_recovered(text, recovered):
    r = parse(text)
    assert r.errors, "no parse error reported for %r" % text
    names = [inv_words(i)[0] for i in r.invocations]
    for name in recovered:
        assert name in names


# ---- expand: argv with quoting resolved --------------------------------------------------------------------------
@pytest.mark.parametrize("command,expected", [
    ("echo \"a b\" 'c d' e\\ f", ["echo", "a b", "c d", "e f"]),
    ("echo \"a\"'b'c", ["echo", "abc"]),
    ('"r""m" -rf x', ["rm", "-rf", "x"]),
    ("r\\m -rf x", ["rm", "-rf", "x"]),
    ("$'\\x72m' -rf x", ["rm", "-rf", "x"]),
    ("echo '$HOME'", ["echo", "$HOME"]),
    ("echo \\$HOME", ["echo", "$HOME"]),
    ('echo "$HOME/x"', ["echo", "/home/user/x"]),
    ("echo $HOME", ["echo", "/home/user"]),
    ('echo ~ ~/x "~" a~', ["echo", "/home/user", "/home/user/x", "~", "a~"]),
    ("echo ${UNSET_VAR:-fallback}", ["echo", "fallback"]),
    ('echo "a\\"b" "\\$x"', ["echo", 'a"b', "$x"]),
    ("echo ''", ["echo", ""]),
    ("r\\\nm -rf x", ["rm", "-rf", "x"]),
    ("echo \\~ ~/x", ["echo", "~", "/home/user/x"]),   # an escaped ~ is not expanded
])
def test_argv_quoting_resolved(decide, command, expected):
    d = decide(command)
    top = [c for c in d.commands if not c.path]
    assert [argv(c) for c in top] == [expected]


def test_full_path_command_name_is_basename_and_argv0_keeps_path(decide):
    c = only(decide("/bin/rm -rf x"), "rm")
    assert c.argv0.text == "/bin/rm"


# ---- expand: dynamic and glob words ------------------------------------------------------------------------------
def test_unset_variable_is_dynamic(decide):
    c = only(decide("echo $UNSET_VAR"), "echo")
    assert c.args[0].dynamic and c.args[0].text == "$UNSET_VAR"


def test_quoted_unset_variable_is_dynamic(decide):
    c = only(decide('echo "$UNSET_VAR"'), "echo")
    assert c.args[0].dynamic


def test_command_substitution_in_command_position_is_dynamic(decide):
    d = decide("$(echo ls) -la")
    top = [c for c in d.commands if not c.path]
    assert len(top) == 1 and top[0].argv0.dynamic and top[0].name == ""
    assert [a.text for a in top[0].args] == ["-la"]
    assert any(f.kind == "shell:dynamic-command" for f in d.facts)
    assert d.decision != "allow"
    # the substitution itself is still analyzed
    assert [argv(c) for c in d.commands if c.path == ("$()",)] == [["echo", "ls"]]


def test_command_substitution_argument_is_dynamic(decide):
    c = [c for c in decide("echo $(echo hi)").commands if not c.path][0]
    assert c.args[0].dynamic and c.args[0].text == "$(echo hi)"


def test_arithmetic_expansion_is_dynamic(decide):
    c = only(decide("echo $((1+2))"), "echo")
    assert c.args[0].dynamic


@pytest.mark.parametrize("command,glob", [
    ("ls *.py", True),
    ("ls ?x", True),
    ("ls [ab]c", True),
    ("ls '*.py'", False),
    ('ls "*.py"', False),
    ("ls \\*.py", False),
    ("ls plain.py", False),
])
def test_glob_marking(decide, command, glob):
    c = only(decide(command), "ls")
    assert c.args[0].glob is glob
    assert not c.args[0].dynamic


def test_glob_from_unquoted_variable_is_marked(decide):
    c = only(decide("x='*.py'; ls $x"), "ls")
    assert c.args[0].text == "*.py" and c.args[0].glob


# ---- expand: assignments ---------------------------------------------------------------------------------------
def test_leading_assignments_are_resolved(decide):
    c = only(decide('FOO=bar BAZ="x y" env'), "env")
    assert c.assignments == {"FOO": "bar", "BAZ": "x y"}
    assert c.args == []


def test_leading_assignment_with_unknown_value_is_none(decide):
    c = only(decide("FOO=$UNSET cmd"), "cmd")
    assert c.assignments == {"FOO": None}


def test_leading_assignment_does_not_set_the_variable_for_later_commands(decide):
    c = only(decide("FOO=1 true; echo $FOO"), "echo")
    assert c.args[0].dynamic


def test_bare_assignment_sets_the_variable(decide):
    c = only(decide("FOO=1; echo $FOO"), "echo")
    assert argv(c) == ["echo", "1"]


def test_append_assignment(decide):
    c = only(decide("x=a; x+=b; echo $x"), "echo")
    assert argv(c) == ["echo", "ab"]


def test_export_assignment(decide):
    c = only(decide("export T=/srv; echo $T"), "echo")
    assert argv(c) == ["echo", "/srv"]


def test_unset_empties_the_variable(decide):
    c = only(decide("x=a; unset x; echo $x end"), "echo")
    assert argv(c) == ["echo", "end"]


def test_assignment_from_command_substitution_is_dynamic(decide):
    c = only(decide("x=$(date); echo $x"), "echo")
    assert c.args[0].dynamic


# ---- expand: redirects ----------------------------------------------------------------------------------------
def test_file_write_and_append_redirects(decide):
    d = decide("echo hi > out.txt 2>> err.log")
    c = only(d, "echo")
    assert [(op, fd, t.text) for op, fd, t, _b in c.redirects] == [(">", None, "out.txt"), (">>", "2", "err.log")]
    facts = [(f.kind, f.target) for f in d.facts]
    assert ("redirect:write", "out.txt") in facts
    assert ("redirect:append", "err.log") in facts


def test_redirect_to_dev_null_and_fd_dup_are_not_writes(decide):
    d = decide("make 2>/dev/null >&2")
    assert not [f for f in d.facts if f.kind.startswith("redirect:")]


def test_redirect_target_is_expanded(decide):
    d = decide("x=out; echo > $x.txt; echo > ~/notes")
    targets = [f.target for f in d.facts if f.kind == "redirect:write"]
    assert targets == ["out.txt", "/home/user/notes"]


def test_redirect_to_unknown_target_is_dynamic(decide):
    d = decide("echo hi > $UNSET_FILE")
    (f,) = [f for f in d.facts if f.kind == "redirect:write"]
    assert f.target_arg.dynamic


def test_redirect_of_both_streams(decide):
    d = decide("cmd &> all.log")
    assert [(f.kind, f.target) for f in d.facts] == [("redirect:write", "all.log")]


def test_redirect_on_compound_command(decide):
    d = decide("{ echo a; echo b; } > both.txt")
    assert [(f.kind, f.target) for f in d.facts] == [("redirect:write", "both.txt")]


def test_quoted_heredoc_body_is_literal_stdin(decide):
    c = only(decide("cat <<'EOF'\nhello $USER\nEOF"), "cat")
    (op, _fd, _t, body) = c.redirects[0]
    assert op == "<<" and body.text == "hello $USER\n" and not body.dynamic
    assert c.stdin.kind == "text" and c.stdin.text == "hello $USER\n"


def test_unquoted_heredoc_body_is_expanded(decide):
    c = only(decide("cat <<EOF\nhello $USER\nEOF"), "cat")
    body = c.redirects[0][3]
    assert body.text == "hello user\n"


def test_unquoted_heredoc_body_without_expansions(decide):
    c = only(decide("cat <<EOF\nplain text\nEOF"), "cat")
    assert c.redirects[0][3].text == "plain text\n"


def test_unquoted_heredoc_with_unknown_variable_is_dynamic(decide):
    c = only(decide("cat <<EOF\n$UNSET_VAR\nEOF"), "cat")
    assert c.redirects[0][3].dynamic


def test_here_string_is_stdin_text(decide):
    c = only(decide('cat <<< "hi there"'), "cat")
    (op, _fd, target, _body) = c.redirects[0]
    assert op == "<<<" and target.text == "hi there"
    assert c.stdin.kind == "text" and c.stdin.text == "hi there\n"


def test_here_string_with_variable_is_expanded(decide):
    c = only(decide('cat <<< "$HOME"'), "cat")
    assert c.stdin.text == "/home/user\n"


def test_input_redirect_is_file_stdin(decide):
    c = only(decide("wc -l < data.txt"), "wc")
    assert c.stdin.kind == "file" and c.stdin.text == "data.txt"


def test_pipeline_stdin_from_fetcher(decide):
    c = only(decide("curl -s https://x.io | tee out"), "tee")
    assert c.stdin.kind == "fetched"


# ---- expand: construct paths ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("command,path", [
    ("a | b", ("pipeline",)),
    ("true && b", ("&&",)),
    ("false || b", ("||",)),
    ("(b)", ("subshell",)),
    ("{ b; }", ("group",)),
    ("b &", ("background",)),
    ("f() { b; }", ("function f", "group")),
    ("if a; then b; fi", ("if",)),
    ("if a; then :; else b; fi", ("if",)),
    ("case x in a) b;; esac", ("case",)),
    ("for i in 1; do b; done", ("for",)),
    ("while a; do b; done", ("while",)),
    ("until a; do b; done", ("until",)),
    ("! b", ("!",)),
    ("echo $(b)", ("$()",)),
    ("echo `b`", ("$()",)),
    ("cat <(b)", ("<()",)),
    ("echo $(echo $(b))", ("$()", "$()")),
    ("(a | b)", ("subshell", "pipeline")),
    ("true && (b)", ("&&", "subshell")),
])
def test_construct_paths(decide, command, path):
    c = only(decide(command), "b")
    assert c.path == path


def test_top_level_command_has_empty_path_and_via(decide):
    c = only(decide("ls -la"), "ls")
    assert c.path == () and c.via == () and c.depth == 0
    assert c.cwd == CWD


@pytest.mark.parametrize("command,via", [
    ("sudo b", ("sudo",)),
    ("bash -c 'b'", ("bash -c",)),
    ("sudo bash -c 'b'", ("sudo", "bash -c")),
    ("eval b", ("eval",)),
    ("ssh host b", ("ssh host",)),
])
def test_via_records_wrappers_and_nested_shells(decide, command, via):
    c = only(decide(command), "b")
    assert c.via == via


def test_function_body_is_analyzed_at_definition(decide):
    d = decide("f() { rm -rf ~; }")
    c = only(d, "rm")
    assert argv(c) == ["rm", "-rf", HOME]
    assert c.path == ("function f", "group")
    assert d.decision != "allow"


# ---- parse errors in analyze -----------------------------------------------------------------------------------
@pytest.mark.parametrize("command,recovered", [
    ("echo 'unterminated", ["echo"]),
    ("ls )", ["ls"]),
    ("echo hi; rm -rf ~ (((", ["echo", "rm"]),
])
def test_parse_errors_yield_recovered_commands_and_no_allow(decide, command, recovered):
    d = decide(command)
    names = [c.name for c in d.commands]
    for name in recovered:
        assert name in names
    assert any(f.kind == "shell:parse-error" for f in d.facts)
    assert "shell.parse-error" in [f.rule for f in d.findings]
    assert d.decision != "allow"


def test_recovered_command_keeps_its_arguments(decide):
    rm = only(decide("echo hi; rm -rf ~ ((("), "rm")
    assert argv(rm) == ["rm", "-rf", HOME]


def test_nul_byte_does_not_crash(decide):
    d = decide("echo a\x00b")
    assert d.error is None
    assert d.decision in ("allow", "confirm", "block")


@pytest.mark.parametrize("command", ["", "   ", "\n\n", "# only a comment", ";", "&&", "|", "(((", "}", "'", '"'])
def test_degenerate_input_does_not_crash(decide, command):
    d = decide(command)
    assert d.error is None, d.error
    assert not [f for f in d.findings if f.rule.startswith("agentsh.")]


# ---- variables: field splitting ----------------------------------------------------------------------------------
@pytest.mark.parametrize("command,expected", [
    ('x="a b  c"; echo $x', ["echo", "a", "b", "c"]),
    ('x="a b"; echo "$x"', ["echo", "a b"]),
    ('x="a b"; echo pre$x', ["echo", "prea", "b"]),
    ('x="a b"; echo $x.txt', ["echo", "a", "b.txt"]),
    ('x=" a "; echo [$x]', ["echo", "[", "a", "]"]),
    ("x=; echo $x end", ["echo", "end"]),
    ('x=; echo "$x" end', ["echo", "", "end"]),
    ('x="rm -rf"; $x y', ["rm", "-rf", "y"]),
])
def test_field_splitting(decide, command, expected):
    top = [c for c in decide(command).commands if not c.path]
    assert [argv(c) for c in top] == [expected]


def test_field_splitting_of_assignment_value_does_not_happen(decide):
    c = only(decide('x="a b"; y=$x; echo "$y"'), "echo")
    assert argv(c) == ["echo", "a b"]


# ---- variables: branches, loops, subshells ---------------------------------------------------------------------------
def test_conditional_assignment_becomes_dynamic(decide):
    d = decide("if c; then x=rm; fi; $x -rf ~")
    top = [c for c in d.commands if c.path == () and c.argv0.dynamic]
    assert top and top[0].argv0.text == "$x"
    assert d.decision != "allow"


def test_assignment_differing_between_branches_becomes_dynamic(decide):
    c = only(decide("if c; then x=a; else x=b; fi; echo $x"), "echo")
    assert c.args[0].dynamic


def test_assignment_equal_in_all_branches_stays_known(decide):
    c = only(decide("if c; then x=a; else x=a; fi; echo $x"), "echo")
    assert argv(c) == ["echo", "a"]


def test_assignment_in_or_branch_becomes_dynamic(decide):
    c = only(decide("x=a; c || x=b; echo $x"), "echo")
    assert c.args[0].dynamic


def test_assignment_in_case_branch_becomes_dynamic(decide):
    c = only(decide("x=a; case $y in z) x=b;; esac; echo $x"), "echo")
    assert c.args[0].dynamic


def test_assignment_in_loop_body_becomes_dynamic(decide):
    c = only(decide("x=a; for i in 1 2; do x=b; done; echo $x"), "echo")
    assert c.args[0].dynamic


def test_loop_variable_is_dynamic(decide):
    c = only(decide("for f in *.txt; do echo $f; done"), "echo")
    assert c.args[0].dynamic


def test_read_makes_variable_dynamic(decide):
    c = only(decide("x=a; read x; echo $x"), "echo")
    assert c.args[0].dynamic


@pytest.mark.parametrize("command", [
    "(x=rm); echo $x",
    "x=1 | true; echo $x",
    "echo $(x=1); echo $x",
    "(x=1) & echo $x",
])
def test_subshell_assignments_do_not_leak(decide, command):
    top = [c for c in decide(command).commands if c.name == "echo" and c.path == ()]
    assert top and top[-1].args[-1].dynamic, [argv(c) for c in top]


def test_group_assignments_do_leak(decide):
    c = only(decide("{ x=1; }; echo $x"), "echo")
    assert argv(c) == ["echo", "1"]


def test_function_body_assignments_do_not_resolve_positional_parameters(decide):
    c = only(decide('set -- a; f() { echo "$1"; }'), "echo")
    assert c.args[0].dynamic


# ---- cwd ----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("command,cwd", [
    ("cd /tmp && pwd", "/tmp"),
    ("cd /tmp; pwd", None),                       # a failed cd followed by `;` leaves the old cwd: unknown
    ("cd /tmp || pwd", CWD),                      # runs only when cd failed
    ("cd /tmp; cd /var && pwd", "/var"),
    ("cd .. && pwd", HOME),
    ("cd && pwd", HOME),
    ("cd ~ && pwd", HOME),
    ("cd - && pwd", None),
    ("cd $UNSET && pwd", None),
    ("cd ./sub/../other && pwd", CWD + "/other"),
    ("cd /a && cd b && pwd", "/a/b"),
    ("(cd /tmp); pwd", CWD),                      # subshell cd does not leak
    ("(cd /tmp && pwd)", "/tmp"),
    ("pushd /srv && pwd", "/srv"),
    ("D=/srv; cd $D && pwd", "/srv"),
    ("if c; then cd /tmp; fi; pwd", None),
    ("cd -- /srv && pwd", "/srv"),
    ("source env.sh; pwd", None),
])
def test_cwd_tracking(decide, command, cwd):
    c = only(decide(command), "pwd")
    assert c.cwd == cwd


def test_cwd_unknown_makes_relative_rm_dynamic(decide):
    d = decide("cd /tmp/x; rm -rf *")
    assert only(d, "rm").cwd is None
    assert "fs.rm-dynamic" in [f.rule for f in d.findings]
    assert d.decision != "allow"


def test_cd_inside_nested_shell_changes_its_cwd(decide):
    c = only(decide("bash -c 'cd /srv && pwd'"), "pwd")
    assert c.cwd == "/srv"


def test_env_chdir_sets_cwd(decide):
    c = only(decide("env -C /srv pwd"), "pwd")
    assert c.cwd == "/srv"


# ---- aliases and functions ----------------------------------------------------------------------------------------
def test_alias_is_expanded(decide):
    d = decide("alias ll='ls -la'; ll /srv")
    c = only(d, "ls")
    assert argv(c) == ["ls", "-la", "/srv"]


def test_quoted_alias_name_is_not_expanded(decide):
    d = decide("alias ll='rm -rf'; 'll' x")
    assert not [c for c in d.commands if c.name == "rm"]
