"""Regression tests for bypasses found in review: function calls, aliases, words built at run time, loops,
printf/echo payloads, IFS and declare attributes, trap, shells' start-up files, reserved words misparsed by
tree-sitter, bounded brace expansion, and the wrappers that hide a command in an option or a program text."""
import pytest


def rules_of(d):
    return [f.rule for f in d.findings]


@pytest.mark.parametrize("command,rule", [
    # a function runs its body where it is called, with the call's arguments
    ('x() { terraform "$@"; }; x destroy', "terraform.destroy"),
    ('f() { git push "$@"; }; f --force origin main', "git.push-force-shared"),
    ("f() { rm -rf *; }; cd / && f", "fs.rm-root"),
    # an alias is judged as written too: non-interactive bash does not expand it
    ("alias rm=ls; rm -rf ~", "fs.rm-home"),
    ("alias terraform=echo; terraform destroy", "terraform.destroy"),
    # a loop over literal words is judged once per word
    ("for a in plan destroy; do terraform $a; done", "terraform.destroy"),
    ('for d in dist ~; do rm -rf "$d"; done', "fs.rm-home"),
    # printf formats and echo -e escapes are reproduced before the text is run
    ("printf '%s' 'git push --force origin main' | sh", "git.push-force-shared"),
    ("printf '%s -rf ~' rm | sh", "fs.rm-home"),
    (r"printf 'r\x6d -rf ~' | sh", "fs.rm-home"),
    (r"printf 'terr\141form destroy' > d.sh; bash d.sh", "terraform.destroy"),
    (r"echo -e 'r\0155 -rf ~' > x.sh; . x.sh", "fs.rm-home"),
    # commands hidden in options, variables or program text
    ("trap 'rm -rf ~' EXIT", "fs.rm-home"),
    ("case x in $(rm -rf ~)) ;; esac", "fs.rm-home"),
    ("unbuffer rm -rf ~", "fs.rm-home"),
    ("strace -f rm -rf ~", "fs.rm-home"),
    ("nsenter -t 1 -m rm -rf ~", "fs.rm-home"),
    ("runuser -u root -- rm -rf ~", "fs.rm-home"),
    ("taskset -c 0 terraform destroy", "terraform.destroy"),
    ("tmux new -d 'rm -rf ~'", "fs.rm-home"),
    ("screen -dm sh -c 'rm -rf ~'", "fs.rm-home"),
    ("git -c alias.x='!rm -rf ~' x", "fs.rm-home"),
    ("GIT_SSH_COMMAND='rm -rf ~' git fetch", "fs.rm-home"),
    ("tar -xf a.tar --to-command='rm -rf ~'", "fs.rm-home"),
    ("rsync -e 'rm -rf ~' a b:c", "fs.rm-home"),
    ("ssh -o ProxyCommand='rm -rf ~' host", "fs.rm-home"),
    ("ssh -o 'ProxyCommand rm -rf ~' host", "fs.rm-home"),
    ("awk 'BEGIN{system(\"rm -rf ~\")}'", "fs.rm-home"),
    ("vim -c '!rm -rf ~'", "fs.rm-home"),
    ("systemd-run --on-active=30 rm -rf ~", "fs.rm-home"),
    ("gcloud beta sql instances delete prod-db -q", "gcp.sql-instance-delete"),
    # a shell's start-up files run before its command
    ("echo 'rm -rf ~' > x.sh; BASH_ENV=x.sh bash -c true", "fs.rm-home"),
    ("echo 'rm -rf ~' > x.sh; bash --rcfile x.sh -i -c true", "fs.rm-home"),
    ("agentsh -c 'rm -rf ~'", "fs.rm-home"),
])
def test_hidden_destructive_command_is_found(decide, command, rule):
    d = decide(command)
    assert rule in rules_of(d), rules_of(d)
    assert d.decision != "allow"


@pytest.mark.parametrize("command", [
    "terraform $(echo destroy)",
    "git push $(echo --force) origin main",
    "railway volume $(echo delete) v",
    "read a; terraform $a",
])
def test_word_built_at_run_time_where_a_rule_needs_it_is_confirmed(decide, command):
    d = decide(command)
    assert "shell.dynamic-argument" in rules_of(d)
    assert d.decision == "confirm"


@pytest.mark.parametrize("command", [
    "IFS=,; c=terraform,destroy; $c",
    "declare -l x=RM; $x -rf ~",
    "declare -n r=x; x=rm; $r -rf ~",
])
def test_values_bash_transforms_are_unknown(decide, command):
    d = decide(command)
    assert "shell.dynamic-command" in rules_of(d)


@pytest.mark.parametrize("command", ["time { rm -rf ~; }", "! { terraform destroy; }"])
def test_reserved_word_as_command_name_is_a_parse_error(decide, command):
    d = decide(command)
    assert "shell.parse-error" in rules_of(d) and d.decision != "allow"


@pytest.mark.parametrize("command", [
    "for d in dist build; do rm -rf $d; done",
    'f() { echo "$@"; }; f a b',
    "git commit -m \"$MSG\"",
    "kubectl logs $POD",
    "ssh -o StrictHostKeyChecking=no host ls",
    "rsync -av -e 'ssh -p 22' a/ host:b/",
    "awk '{print $1}' f",
    "trap - EXIT",
    "git -c user.name=x commit -m hi",
    "x=\"a b\"; echo $x",
])
def test_benign_neighbours_stay_allowed(decide, command):
    d = decide(command)
    assert d.decision == "allow", rules_of(d)


def test_brace_expansion_is_bounded_and_never_guessed(decide):
    d = decide("echo " + "{a,b}" * 24)   # 16 million words: not expanded, and echo of anything is harmless
    assert d.decision == "allow" and not d.error
    big = "rm -rf {" + ",".join("x%d" % i for i in range(300)) + ",~}"
    assert decide(big).decision != "allow"
    assert decide("rm -rf {~,x}{,}{,}{,}{,}{,}{,}{,}{,}").decision != "allow"
    assert "fs.rm-system" in rules_of(decide("rm -rf /{etc,usr}"))


def test_nested_pipelines_in_substitutions_finish_within_the_deadline(decide):
    # this used to be exponential and ended blocked by the analysis deadline
    command = "echo " + "$(echo " * 16 + "x" + " | cat)" * 16 + " | cat"
    d = decide(command)
    assert d.decision == "allow" and not d.error
