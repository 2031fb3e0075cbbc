"""Stage 1: bash text -> a small syntax tree of our own, with every simple command as an Invocation.

tree-sitter-bash does the parsing (fast, error-recovering). This module only converts its concrete tree into
plain dataclasses (`agentsh.model`), so later stages never touch tree-sitter nodes. Words keep their parts
(literal / variable / command substitution, quoted or not): resolving them needs the state of the command line
(variables assigned earlier, the cwd), which is the expand stage's job.

Hostile input is expected: the conversion is bounded in depth (MAX_NODE_DEPTH) and in the number of
commands (MAX_COMMANDS); anything cut off is reported as a `too_complex` note, which policy treats as
"cannot see through", never as allow.
"""
from __future__ import annotations

from agentsh.model import (
    AndOr, Assign, Block, Case, CmdNode, FuncDef, IfNode, Invocation, Loop, Part, ParseResult, Pipeline,
    Redirect, Redirected, Seq, Word,
)
from agentsh.ts_loader import get_parser

MAX_NODE_DEPTH = 200      # tree depth we follow; beyond it the subtree is reported, not walked
MAX_COMMANDS = 5000       # simple commands we keep per parse
MAX_WORDS = 5000          # words in one simple command
RESERVED_WORDS = frozenset({"{", "}", "if", "then", "else", "elif", "fi", "do", "done", "case", "esac", "for",
                            "while", "until", "select", "function", "[[", "]]", "in", "coproc"}) - {"coproc"}

_ANSI_C_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b",
                   "f": "\f", "v": "\v", "\\": "\\", "'": "'", '"': '"', "?": "?"}

_COMPOUND_LABELS = {
    "subshell": "subshell", "compound_statement": "group", "if_statement": "if", "case_statement": "case",
    "while_statement": "while", "for_statement": "for", "c_style_for_statement": "for",
    "function_definition": "function", "negated_command": "not",
}


def parse(text: str) -> ParseResult:
    data = text.encode("utf-8", "surrogatepass")
    tree = get_parser().parse(data)
    conv = _Converter()
    conv.source = data
    root = conv.statements(tree.root_node.children, 0)
    if tree.root_node.has_error and not conv.errors:
        # an ERROR or MISSING node the conversion did not meet on its way (e.g. a missing `)`)
        conv.errors.append("syntax error: " + _first_error(tree.root_node))
    return ParseResult(root=root, invocations=conv.invocations, errors=conv.errors,
                       too_complex=conv.too_complex, hidden=conv.hidden)


def _first_error(node) -> str:
    stack = [node]
    seen = 0
    while stack and seen < 100000:
        n = stack.pop()
        seen += 1
        if n.is_missing:
            return "missing %r" % n.type
        if n.type == "ERROR":
            return _text(n)[:60]
        stack.extend(reversed(n.children))
    return "unparsed input"


def decode_ansi_c(body: str) -> str:
    """Decode the body of $'…' the way bash does for the escapes that matter to a command name or path."""
    out, i, n = [], 0, len(body)
    while i < n:
        c = body[i]
        if c != "\\" or i + 1 >= n:
            out.append(c)
            i += 1
            continue
        e = body[i + 1]
        if e in _ANSI_C_ESCAPES:
            out.append(_ANSI_C_ESCAPES[e])
            i += 2
        elif e == "x":
            j = i + 2
            while j < n and j < i + 4 and body[j] in "0123456789abcdefABCDEF":
                j += 1
            out.append(chr(int(body[i + 2:j], 16)) if j > i + 2 else "\\x")
            i = j
        elif e in "uU":
            width = 4 if e == "u" else 8
            j = i + 2
            while j < n and j < i + 2 + width and body[j] in "0123456789abcdefABCDEF":
                j += 1
            out.append(chr(min(int(body[i + 2:j], 16), 0x10FFFF)) if j > i + 2 else "\\" + e)
            i = j
        elif e in "01234567":
            j = i + 1
            while j < n and j < i + 4 and body[j] in "01234567":
                j += 1
            out.append(chr(int(body[i + 1:j], 8) & 0xFF))
            i = j
        elif e == "c" and i + 2 < n:
            out.append(chr(ord(body[i + 2]) & 0x1F))
            i += 3
        else:
            out.append("\\" + e)
            i += 2
    return "".join(out)


def _unescape(s: str, escapable=None) -> str:
    """Backslash removal. Unquoted (escapable=None) a backslash escapes any character (`r\\m` -> `rm`); inside
    double quotes only $ ` " \\ and newline. A backslash-newline vanishes either way."""
    if "\\" not in s:
        return s
    out, i = [], 0
    while i < len(s):
        if s[i] == "\\" and i + 1 < len(s) and (escapable is None or s[i + 1] in escapable):
            if s[i + 1] != "\n":
                out.append(s[i + 1])
            i += 2
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


def _unescape_unquoted(s: str) -> str:
    return _unescape(s)


def _unescape_double(s: str) -> str:
    return _unescape(s, '$`"\\\n')


def _text(node) -> str:
    return node.text.decode("utf-8", "replace")


def _attach_to_last(node, redirects):
    if isinstance(node, AndOr):
        return AndOr(node.left, node.op, _attach_to_last(node.right, redirects))
    if isinstance(node, Pipeline) and node.stages:
        return Pipeline(list(node.stages[:-1]) + [_attach_to_last(node.stages[-1], redirects)])
    return Redirected(node, redirects)


class _Converter:
    def __init__(self):
        self.invocations: list[Invocation] = []
        self.errors: list[str] = []
        self.too_complex: list[str] = []
        self.extra_words: list = []   # argument words found inside redirections, for the current command
        self.hidden: list = []        # shell text tree-sitter swallowed into a heredoc body
        self.source = b""
        self.heredoc_line = -1        # newline offset of the last heredoc operator line, and where its body ended
        self.heredoc_cursor = 0

    # ---- statements -------------------------------------------------------------------------------------------
    def statements(self, children, depth) -> Seq:
        """A run of statements separated by ; & newlines (program, do_group, branch bodies)."""
        items: list = []
        for child in children:
            t = child.type
            if not child.is_named:
                if t == "&" and items:
                    items[-1] = Block("background", items[-1])
                continue
            if t in ("comment", "heredoc_body", "heredoc_end"):
                continue
            node = self.statement(child, depth + 1)
            if node is not None:
                items.append(node)
        return Seq(items)

    def statement(self, node, depth):
        if depth > MAX_NODE_DEPTH:
            self.too_complex.append("nesting deeper than %d" % MAX_NODE_DEPTH)
            return None
        if len(self.invocations) >= MAX_COMMANDS:
            if not self.too_complex:
                self.too_complex.append("more than %d commands" % MAX_COMMANDS)
            return None
        if node.is_missing:
            self.errors.append("missing %s" % node.type)
            return None
        t = node.type
        if t == "command":
            return self.command(node, depth)
        if t in ("variable_assignment", "variable_assignments"):
            pairs = [node] if t == "variable_assignment" else [c for c in node.named_children
                                                                if c.type == "variable_assignment"]
            return Assign([self.assignment(p, depth) for p in pairs], kind="plain", names=[])
        if t == "declaration_command" or t == "unset_command":
            return self.declaration(node, depth)
        if t == "list":
            return self.and_or(node, depth)
        if t == "pipeline":
            return self.pipeline(node, depth)
        if t == "redirected_statement":
            return self.redirected(node, depth)
        if t in ("subshell", "compound_statement"):
            return Block(_COMPOUND_LABELS[t], self.statements(node.children, depth))
        if t == "negated_command":
            inner = [c for c in node.named_children]
            return Block("not", Seq([self.statement(c, depth + 1) for c in inner if c is not None]))
        if t == "if_statement":
            return self.if_statement(node, depth)
        if t == "case_statement":
            return self.case_statement(node, depth)
        if t in ("while_statement", "for_statement", "c_style_for_statement"):
            return self.loop(node, depth)
        if t == "function_definition":
            return self.function(node, depth)
        if t in ("test_command", "arithmetic_expansion", "binary_expression", "unary_expression"):
            return self.substitutions_only(node, depth, "test")
        if t == "ERROR":
            self.errors.append(_text(node)[:80])
            return Block("error", self.statements(node.children, depth))
        if t in ("word", "string", "concatenation", "raw_string", "simple_expansion", "expansion",
                 "command_substitution", "number"):
            # A bare word where tree-sitter expected a statement (recovery): treat it as a command.
            return self.command(node, depth, bare=True)
        if node.has_error:
            self.errors.append(_text(node)[:80])
        return self.substitutions_only(node, depth, t)

    def substitutions_only(self, node, depth, label):
        """Constructs that run no command themselves but may hold $(…) that does."""
        subs = []
        self._collect_substitutions(node, depth, subs)
        if not subs:
            return None
        return Block(label, Seq(subs))

    def _collect_substitutions(self, node, depth, out):
        if depth > MAX_NODE_DEPTH:
            self.too_complex.append("nesting deeper than %d" % MAX_NODE_DEPTH)
            return
        for c in node.named_children:
            if c.type in ("command_substitution", "process_substitution"):
                out.append(Block(c.type == "command_substitution" and "$()" or "<()",
                                 self.statements(c.children, depth + 1)))
            else:
                self._collect_substitutions(c, depth + 1, out)

    def and_or(self, node, depth):
        kids = node.children
        left = right = None
        op = None
        for c in kids:
            if c.is_named:
                if c.type == "comment":
                    continue
                if left is None and op is None:
                    left = self.statement(c, depth + 1)
                else:
                    right = self.statement(c, depth + 1)
            elif c.type in ("&&", "||"):
                op = c.type
        if op is None:
            return left
        return AndOr(left, op, right)

    def pipeline(self, node, depth):
        stages = []
        for c in node.children:
            if c.is_named and c.type != "comment":
                s = self.statement(c, depth + 1)
                stages.append(s)
        return Pipeline(stages)

    def redirected(self, node, depth):
        body_node = node.child_by_field_name("body")
        redirects, continuation = [], None
        saved_extra, self.extra_words = self.extra_words, []
        for c in node.children:
            if c is body_node or not c.is_named:
                continue
            if c.type in ("file_redirect", "heredoc_redirect", "herestring_redirect"):
                r, cont = self.redirect(c, depth)
                if r is not None:
                    redirects.append(r)
                if cont is not None:
                    continuation = cont
        extra, self.extra_words = self.extra_words, saved_extra
        if body_node is None:
            body = Seq([])
        elif body_node.type == "command":
            body = self.command(body_node, depth, redirects=redirects, extra_words=extra)
        else:
            body = self.statement(body_node, depth + 1)
        if body_node is not None and body_node.type in ("list", "pipeline"):
            # tree-sitter hangs `a && b > f` / `a | b > f` on the whole list; in bash the redirect is the last
            # command's (so after `cd /dev &&` the file is /dev/f)
            node_out = _attach_to_last(body, redirects)
        else:
            node_out = body if body_node is not None and body_node.type == "command" else Redirected(body, redirects)
        if continuation is not None:
            # tree-sitter hangs what follows a heredoc start (`cat <<EOF | bash`, `<<EOF && x`) under the redirect.
            op, rest = continuation
            if op == "|":
                stages = rest.stages if isinstance(rest, Pipeline) else [rest]
                return Pipeline([node_out] + list(stages))
            return AndOr(node_out, op, rest)
        return node_out

    def redirect(self, node, depth):
        t = node.type
        fd = None
        op = None
        target = None
        continuation = None
        if t == "file_redirect":
            extra = []
            for c in node.children:
                if c.type == "file_descriptor":
                    fd = _text(c)
                elif not c.is_named:
                    if target is None:
                        op = c.type
                elif c.type != "comment":
                    if target is None:
                        target = self.word(c, depth)
                    else:
                        # tree-sitter hangs the words after a redirection (`2>/dev/null -delete`) under it;
                        # for bash they are more arguments of the command
                        extra.append(self.word(c, depth))
            self.extra_words.extend(extra)
            return Redirect(op=op or ">", fd=fd, target=target), None
        if t == "herestring_redirect":
            for c in node.children:
                if c.type == "file_descriptor":
                    fd = _text(c)
                elif c.is_named:
                    target = self.word(c, depth)
            return Redirect(op="<<<", fd=fd, target=target, body_word=target), None
        # heredoc
        quoted = False
        body_text = ""
        body_word = None
        pending_op = None
        delimiter = None
        start_node = body_node = end_node = None
        strip_tabs = any(c.type == "<<-" for c in node.children)
        for c in node.children:
            ct = c.type
            if ct == "heredoc_start":
                start_node = c
                s = _text(c)
                quoted = any(q in s for q in "'\"\\")
                delimiter = _unescape_unquoted(s.replace("'", "").replace('"', ""))
            elif ct == "heredoc_body":
                body_text = _text(c)
                body_node = c
                if not quoted:
                    body_word = self.heredoc_word(c, depth)
            elif ct in ("|", "&&", "||", "|&"):
                pending_op = "|" if ct == "|&" else ct
            elif c.is_named and ct not in ("heredoc_end", "file_descriptor", "heredoc_content"):
                st = self.statement(c, depth + 1)
                if st is not None:
                    if pending_op is None and isinstance(st, Pipeline):
                        pending_op = "|"
                    continuation = (pending_op or ";", st)
            elif not c.is_named and ct.startswith("<<"):
                op = ct
        end_node = next((c for c in node.children if c.type == "heredoc_end"), None)
        bash_body = self._bash_heredoc(start_node, delimiter, strip_tabs)
        if bash_body is not None and body_node is not None:
            b_start, b_end, b_after = bash_body
            if end_node is None or not (b_end <= end_node.start_byte < b_after):
                # tree-sitter and bash disagree on where this heredoc is (tree-sitter reads `\<newline>` in a
                # quoted body as a continuation): use bash's body, and analyze what bash would run after it
                self.errors.append("heredoc boundaries differ from bash's")
                body_text = self.source[b_start:b_end].decode("utf-8", "replace")
                body_word = None if quoted else Word((Part("dyn", body_text, True),), body_text)
                ts_end = end_node.end_byte if end_node is not None else body_node.end_byte
                if ts_end > b_after:
                    self.hidden.append(self.source[b_after:ts_end].decode("utf-8", "replace"))
        return Redirect(op=op or "<<", fd=fd, target=None, body=body_text, body_word=body_word,
                        heredoc_quoted=quoted), continuation

    def _bash_heredoc(self, start_node, delimiter, strip_tabs):
        """Where bash puts a heredoc body: from the line after the operator (or after the previous heredoc
        on that line) to the first line that is exactly the delimiter. (start, end, after terminator)."""
        if start_node is None or not delimiter:
            return None
        src = self.source
        nl = src.find(b"\n", start_node.end_byte)
        if nl < 0:
            return None
        start = max(nl + 1, self.heredoc_cursor if self.heredoc_cursor <= len(src) else 0) \
            if self.heredoc_line == nl else nl + 1
        want = delimiter.encode("utf-8", "surrogatepass")
        pos = start
        while pos <= len(src):
            eol = src.find(b"\n", pos)
            line = src[pos:eol if eol >= 0 else len(src)]
            if (line.lstrip(b"\t") if strip_tabs else line) == want:
                after = eol + 1 if eol >= 0 else len(src)
                self.heredoc_line, self.heredoc_cursor = nl, after
                return start, pos, after
            if eol < 0:
                return None
            pos = eol + 1
        return None

    def heredoc_word(self, node, depth) -> Word:
        """An unquoted heredoc body expands like a double-quoted string (but `"` is literal). tree-sitter does
        not parse backticks in bodies, nor `<<-` bodies, so the body is re-parsed as a double-quoted word."""
        body = _text(node)
        if not any(c in body for c in "$`\\"):
            return Word((Part("lit", body, True),), body)
        if depth > MAX_NODE_DEPTH:
            self.too_complex.append("nesting deeper than %d" % MAX_NODE_DEPTH)
            return Word((Part("dyn", body, True),), body)
        escaped = body.replace('"', '\\"')
        tree = get_parser().parse(('echo "' + escaped + '"').encode("utf-8", "surrogatepass"))
        cmd = tree.root_node.named_children[0] if tree.root_node.named_children else None
        args = [c for c in cmd.named_children if c.type == "string"] if cmd is not None and cmd.type == "command" \
            else []
        if tree.root_node.has_error or len(args) != 1:
            self.errors.append("heredoc body: " + body[:60])
            return Word((Part("dyn", body, True),), body)
        return Word(tuple(self.parts(args[0], depth + 1, quoted=True)), body)

    def if_statement(self, node, depth):
        branches = []
        cond, body, stage = [], [], "cond"
        for c in node.children:
            t = c.type
            if t in ("if", "elif"):
                stage = "cond"
            elif t == "then":
                stage = "body"
            elif t in ("elif_clause", "else_clause"):
                sub = self._clause(c, depth)
                branches.append(sub)
            elif c.is_named and t != "comment":
                (cond if stage == "cond" else body).append(c)
        first = (self.statements(cond, depth), self.statements(body, depth))
        has_else = any(b[0] is None for b in branches)
        return IfNode([first] + branches, has_else)

    def _clause(self, node, depth):
        cond, body, stage = [], [], "cond" if node.type == "elif_clause" else "body"
        for c in node.children:
            if c.type == "then":
                stage = "body"
            elif c.is_named and c.type != "comment":
                (cond if stage == "cond" else body).append(c)
        return (self.statements(cond, depth) if node.type == "elif_clause" else None, self.statements(body, depth))

    def case_statement(self, node, depth):
        subject = None
        items = []
        for c in node.children:
            if c.type == "case_item":
                paren = _case_paren(c)
                body = [x for x in c.children if x.is_named and x.type != "comment" and x.start_byte > paren]
                patterns = [x for x in c.children if x.is_named and x.start_byte < paren]
                subs = []
                for pat in patterns:   # `case x in $(cmd)) …` runs cmd while matching
                    if pat.type in ("command_substitution", "process_substitution"):
                        subs.append(Block("$()", self.statements(pat.children, depth + 1)))
                    else:
                        self._collect_substitutions(pat, depth + 1, subs)
                if subs:
                    items.append(Seq(subs))
                items.append(self.statements(body, depth))
            elif c.is_named and subject is None and c.type != "comment":
                subject = self.word(c, depth)
        return Case(subject, items)

    def loop(self, node, depth):
        var = None
        words: list[Word] = []
        cond: list = []
        body = Seq([])
        kind = {"while_statement": "while", "for_statement": "for", "c_style_for_statement": "for"}[node.type]
        if node.type == "while_statement" and node.children and node.children[0].type == "until":
            kind = "until"
        in_words = False
        for c in node.children:
            t = c.type
            if t == "do_group":
                body = self.statements(c.children, depth)
            elif t == "variable_name" and node.type == "for_statement":
                var = _text(c)
            elif t == "in":
                in_words = True
            elif c.is_named and t != "comment":
                if node.type == "for_statement" and in_words:
                    words.append(self.word(c, depth))
                elif node.type == "while_statement":
                    cond.append(c)
                else:
                    sub = self.substitutions_only(c, depth, "for")
                    if sub is not None:
                        cond.append(sub)
        cond_seq = Seq([x if not hasattr(x, "type") else self.statement(x, depth + 1) for x in cond])
        return Loop(kind, var, words, cond_seq, body)

    def function(self, node, depth):
        name = None
        body = None
        for c in node.children:
            if c.type == "word" and name is None:
                name = _text(c)
            elif c.is_named and c.type not in ("word", "comment"):
                body = self.statement(c, depth + 1)
        return FuncDef(name or "?", body if body is not None else Seq([]))

    def declaration(self, node, depth):
        kw = node.children[0].type if node.children else "declare"
        pairs, names, flags = [], [], []
        for c in node.named_children:
            if c.type == "variable_assignment":
                pairs.append(self.assignment(c, depth))
            elif c.type == "variable_name":
                names.append(_text(c))
            elif c.type == "word":
                w = _text(c)
                (flags if w.startswith("-") else names).append(w)
            else:
                w = self.word(c, depth)
                names.append(w.source)
        return Assign(pairs, kind=kw, names=names, flags=flags)

    def assignment(self, node, depth):
        name_node = node.child_by_field_name("name")
        value_node = node.child_by_field_name("value")
        name = _text(name_node) if name_node is not None else _text(node).split("=", 1)[0]
        if name_node is not None and name_node.type == "subscript":
            name = name + "[]"
        value = self.word(value_node, depth) if value_node is not None else Word((), "")
        if name_node is not None and name_node.type == "subscript":
            subs = []
            self._collect_substitutions(name_node, depth + 1, subs)
            if subs:   # `x[$(cmd)]=1` runs cmd
                value = Word(value.parts + (Part("dyn", _text(name_node), False, body=Seq(subs)),), value.source)
        append = any(c.type == "+=" for c in node.children)
        return (name, value, append)

    # ---- simple commands ----------------------------------------------------------------------------------------
    def command(self, node, depth, redirects=None, bare=False, extra_words=()):
        assignments, words, inline_redirects = [], [], []
        if node.child_count > MAX_WORDS:
            # a command with more words than any real one: keep its name and flag it, do not expand it all
            self.too_complex.append("a command with more than %d words" % MAX_WORDS)
            first = node.children[0]
            inner = first.named_children[0] if first.type == "command_name" and first.named_children else first
            inv = Invocation(assignments=[], words=[self.word(inner, depth)], redirects=list(redirects or []),
                             span=(node.start_byte, node.end_byte), source=_text(node)[:200])
            self.invocations.append(inv)
            return CmdNode(inv)
        if bare:
            words.append(self.word(node, depth))
        else:
            prev_end = -1
            for c in node.children:
                t = c.type
                if t == "variable_assignment":
                    assignments.append(self.assignment(c, depth))
                elif t == "command_name":
                    inner = c.named_children[0] if c.named_children else c
                    itext = _text(inner)
                    if inner.type == "simple_expansion" and itext[1:2].isspace():
                        # `$ make`: a lone `$` is a literal word, not an expansion
                        words.append(Word((Part("lit", "$", False),), "$"))
                        words.extend(_split_plain(itext[1:]))
                    else:
                        words.append(self.word(inner, depth))
                    prev_end = c.end_byte
                elif t in ("file_redirect", "herestring_redirect", "heredoc_redirect"):
                    saved, self.extra_words = self.extra_words, []
                    r, _ = self.redirect(c, depth)
                    words.extend(self.extra_words)
                    self.extra_words = saved
                    if r is not None:
                        inline_redirects.append(r)
                    prev_end = -1
                elif c.is_named and t != "comment" and prev_end >= 0 and c.start_byte - prev_end > 1 and \
                        _gap_words(self.source[prev_end:c.start_byte]):
                    # text tree-sitter skipped between two nodes (`touch a \  b`: the `\ ` word)
                    words.extend(_gap_words(self.source[prev_end:c.start_byte]))
                    words.append(self.word(c, depth))
                    prev_end = c.end_byte
                elif t == "word" and _has_unescaped_blank(_text(c)):
                    # tree-sitter reads `{ }` as one word; bash splits it at unescaped blanks
                    pieces = _split_plain(_text(c))
                    if pieces and words and _same_word(self.source, prev_end, c):
                        words[-1] = _merge_words(words[-1], pieces[0])
                        pieces = pieces[1:]
                    words.extend(pieces)
                    prev_end = c.end_byte
                elif c.is_named and t != "comment" and t != "subshell" and words and \
                        _same_word(self.source, prev_end, c):
                    # no blank between two nodes: one shell word (tree-sitter splits `$A/$B` after a `$`)
                    words[-1] = _merge_words(words[-1], self.word(c, depth))
                    prev_end = c.end_byte
                elif t == "subshell":
                    # `cmd (x)` is a syntax error bash rejects; keep the commands inside visible
                    self.errors.append(_text(c)[:80])
                    words.append(Word((Part("sub", _text(c), False, self.statements(c.children, depth)),),
                                      _text(c)))
                elif c.is_named and t != "comment":
                    words.append(self.word(c, depth))
                    prev_end = c.end_byte
        words.extend(extra_words)
        if words and len(words[0].parts) == 1 and words[0].parts[0].kind == "lit" and \
                not words[0].parts[0].quoted and words[0].parts[0].value in RESERVED_WORDS:
            # `time { …; }`, `! if …`: tree-sitter read a compound command as plain words. Whatever it missed,
            # this is not what bash runs: say so (the words are still analyzed as a command below).
            self.errors.append("reserved word %r used as a command name" % words[0].parts[0].value)
        inv = Invocation(
            assignments=assignments, words=words, redirects=(redirects or []) + inline_redirects,
            span=(node.start_byte, node.end_byte), source=_text(node),
        )
        self.invocations.append(inv)
        return CmdNode(inv)

    # ---- words -------------------------------------------------------------------------------------------------
    def word(self, node, depth) -> Word:
        return Word(tuple(self.parts(node, depth, quoted=False)), _text(node))

    def parts(self, node, depth, quoted: bool) -> list[Part]:
        t = node.type
        if depth > MAX_NODE_DEPTH:
            self.too_complex.append("nesting deeper than %d" % MAX_NODE_DEPTH)
            return [Part("dyn", _text(node), quoted)]
        if t == "word" or t == "number" or t == "file_descriptor" or t == "variable_name" or t == "test_operator":
            s = _text(node)
            if quoted:
                return [Part("lit", s, True)]
            if "\\" in s:
                # an escaped character is quoted: `\~` stays a tilde, `\*` is not a glob
                return [Part("lit", _unescape_unquoted(s), s.startswith("\\"), glob=_has_unescaped_glob(s))]
            return [Part("lit", s, False, glob=_has_glob(s))]
        if t == "extglob_pattern" or t == "regex":
            return [Part("lit", _text(node), quoted, glob=True)]
        if t == "raw_string":
            return [Part("lit", _text(node)[1:-1], True)]
        if t == "ansi_c_string":
            return [Part("lit", decode_ansi_c(_text(node)[2:-1]), True)]
        if t in ("string", "translated_string"):
            # Rebuild from byte offsets: tree-sitter leaves some literal text (e.g. a newline between two
            # expansions) out of the children, so the gaps between children are literal text too.
            out = []
            raw = node.text
            base = node.start_byte
            pos = raw.find(b'"') + 1
            end = len(raw) - 1 if raw.endswith(b'"') and len(raw) > pos else len(raw)
            for c in node.children:
                if not c.is_named:
                    continue
                cs, ce = c.start_byte - base, c.end_byte - base
                if cs > pos:
                    out.append(Part("lit", _unescape_double(raw[pos:cs].decode("utf-8", "replace")), True))
                if c.type == "string_content":
                    out.append(Part("lit", _unescape_double(_text(c)), True))
                else:
                    out.extend(self.parts(c, depth + 1, quoted=True))
                pos = max(pos, ce)
            if end > pos:
                out.append(Part("lit", _unescape_double(raw[pos:end].decode("utf-8", "replace")), True))
            if not out:
                out.append(Part("lit", "", True))
            return out
        if t == "concatenation":
            out = []
            for c in node.children:
                out.extend(self.parts(c, depth + 1, quoted))
            return out
        if t == "simple_expansion":
            # tree-sitter may include a preceding blank in the node (`"$a $b"`): keep it as literal text
            text = _text(node)
            dollar = text.find("$")
            out = [Part("lit", text[:dollar], quoted)] if dollar > 0 else []
            name_node = next((c for c in node.named_children if c.type in ("variable_name", "special_variable_name")),
                             None)
            out.append(Part("var", _text(name_node) if name_node is not None else text[dollar + 1:], quoted))
            return out
        if t == "expansion":
            return [self._expansion(node, quoted)]
        if t in ("command_substitution", "process_substitution"):
            body = self.statements(node.children, depth + 1)
            return [Part("sub" if t == "command_substitution" else "procsub", _text(node), quoted, body=body)]
        if t == "arithmetic_expansion":
            subs = []
            self._collect_substitutions(node, depth + 1, subs)
            return [Part("dyn", _text(node), quoted, body=Seq(subs) if subs else None)]
        if t == "brace_expression":
            return [Part("lit", _text(node), quoted, glob=True)]
        if not node.is_named:
            s = _text(node)
            return [Part("lit", s, quoted, glob=not quoted and _has_glob(s))]
        # Anything else (ERROR inside a word, subscripts…): keep the text but do not trust it.
        subs = []
        self._collect_substitutions(node, depth + 1, subs)
        return [Part("dyn", _text(node), quoted, body=Seq(subs) if subs else None)]

    def _expansion(self, node, quoted) -> Part:
        """`${name}` resolves like $name; `${name:-word}` falls back to a static word; anything else is dynamic."""
        kids = [c for c in node.children if c.type not in ("${", "}")]
        if len(kids) == 1 and kids[0].type == "variable_name":
            return Part("var", _text(kids[0]), quoted)
        if (len(kids) == 3 and kids[0].type == "variable_name" and kids[1].type in (":-", "-")
                and kids[2].type in ("word", "raw_string")):
            default = "".join(p.value for p in self.parts(kids[2], 0, quoted) if p.kind == "lit")
            return Part("var", _text(kids[0]), quoted, default=default)
        name = next((_text(k) for k in kids if k.type == "variable_name"), None)
        subs = []
        self._collect_substitutions(node, 0, subs)   # `${x:-$(rm -rf ~)}` still runs the substitution
        return Part("dyn", _text(node), quoted, body=Seq(subs) if subs else None, var=name)


def _bash_heredoc_end(body: str, delimiter: str | None, strip_tabs: bool):
    """(end of body, start of what follows) if a body line is the delimiter, i.e. bash ends the heredoc there."""
    if not delimiter:
        return None
    pos = 0
    for line in body.splitlines(keepends=True):
        bare = line.rstrip("\n")
        if strip_tabs:
            bare = bare.lstrip("\t")
        if bare == delimiter:
            return pos, pos + len(line)
        pos += len(line)
    return None


def _has_unescaped_blank(s: str) -> bool:
    i = 0
    while i < len(s):
        if s[i] == "\\":
            i += 2
            continue
        if s[i] in " \t":
            return True
        i += 1
    return False


def _split_plain(text: str) -> list:
    """Split a plain unquoted word text at unescaped blanks into Words (backslash escapes resolved)."""
    out, cur, esc, has = [], [], False, False
    for ch in text:
        if esc:
            if ch != "\n":
                cur.append(ch)
            esc, has = False, True
        elif ch == "\\":
            esc = True
        elif ch in " \t\n":
            if has:
                out.append("".join(cur))
            cur, has = [], False
        else:
            cur.append(ch)
            has = True
    if has:
        out.append("".join(cur))
    return [Word((Part("lit", w, False, glob=_has_glob(w)),), w) for w in out]


def _gap_words(gap: bytes) -> list:
    """Words hidden in the bytes between two nodes: only escaped characters count (`\\ ` is a space word)."""
    if b"\\" not in gap:
        return []
    text = gap.decode("utf-8", "replace").replace("\\\n", "")
    if "\\" not in text:
        return []
    return _split_plain(text)


def _same_word(source: bytes, prev_end: int, child) -> bool:
    """True when nothing but backslash-newlines separates two nodes: bash reads them as one word
    (`r\\<newline>m` is `rm`; tree-sitter also splits `$A/$B` after the second `$`)."""
    if prev_end < 0:
        return False
    if child.start_byte == prev_end:
        return True
    if child.start_byte - prev_end > 64:
        return False
    gap = source[prev_end:child.start_byte]
    return bool(gap) and gap.replace(b"\\\r\n", b"").replace(b"\\\n", b"") == b""


def _merge_words(left: Word, right: Word) -> Word:
    """Join two nodes tree-sitter split out of one shell word. A trailing bare `$` followed by a name is a
    variable reference (`$A/$` + `B/c` is `$A/$B/c`)."""
    parts = list(left.parts)
    rparts = list(right.parts)
    if parts and rparts and parts[-1].kind == "lit" and not parts[-1].quoted and parts[-1].value.endswith("$") \
            and rparts[0].kind == "lit" and not rparts[0].quoted:
        text = rparts[0].value
        n = 0
        while n < len(text) and (text[n].isalnum() or text[n] == "_"):
            n += 1
        if n:
            head = parts[-1].value[:-1]
            parts = parts[:-1] + ([Part("lit", head, False)] if head else [])
            parts.append(Part("var", text[:n], False))
            rest = text[n:]
            rparts = ([Part("lit", rest, False, glob=_has_glob(rest))] if rest else []) + rparts[1:]
    return Word(tuple(parts + rparts), left.source + right.source)


def _case_paren(item) -> int:
    for c in item.children:
        if c.type == ")":
            return c.start_byte
    return item.start_byte


def _has_glob(s: str) -> bool:
    return any(ch in s for ch in "*?[")


def _has_unescaped_glob(s: str) -> bool:
    i = 0
    while i < len(s):
        if s[i] == "\\":
            i += 2
            continue
        if s[i] in "*?[":
            return True
        i += 1
    return False
